"""Subscriber files: CSV (UTF-8, comma, semicolon or tab separated) streamed, and XLSX
workbooks (their first sheet). The hostile-file defences are the other modules' readers,
borrowed through their public services: the school master's guarded UTF-8 stream (no NUL
byte, a size limit, as it is read) and the catalog's XLSX reader (ZIP bombs, entities).

`read` yields (row number, {column: raw text}), the header being row 1, under the
canonical column names below; it checks nothing about the values.
"""

from __future__ import annotations

import csv
import itertools
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO, Any

from resilnet.catalog.services import files as catalog_files
from resilnet.schools.services import files as school_files

MAX_CELL_CHARS = 1000  # the longest column (consent_source) holds 200
MAX_ROWS = 20_000_000
COLUMNS = ("msisdn", "operator", "area", "language", "consent_source", "consent_at")
ALIASES = {
    "number": "msisdn",
    "phone": "msisdn",
    "phone_number": "msisdn",
    "mobile": "msisdn",
    "area_id": "area",
    "area_code": "area",
    "admin_area": "area",
    "lang": "language",
    "consent": "consent_source",
    "consent_time": "consent_at",
    "consented_at": "consent_at",
}
FORMATS = {".csv": "csv", ".txt": "csv", ".tsv": "csv", ".xlsx": "xlsx"}
# The error each borrowed reader raises for a file it cannot read.
FORMAT_ERRORS = (school_files.ImportFormatError, catalog_files.ImportFormatError)


class SubscriberFileError(Exception):
    """The file as a whole cannot be read: its format, its encoding, a limit, no number."""


@dataclass
class SourceRows:
    columns: tuple[str, ...]
    rows: Iterator[tuple[int, dict[str, str]]]
    ignored: tuple[str, ...] = ()
    notes: list[str] = field(default_factory=list)


def format_of(filename: str) -> str:
    found = FORMATS.get(Path(filename).suffix.lower())
    if found is None:
        raise SubscriberFileError(
            f"cannot tell the format of {Path(filename).name[:100]!r}; expected .csv or .xlsx"
        )
    return found


def read(stream: IO[bytes], file_format: str) -> SourceRows:
    if file_format == "csv":
        return _guarded(_read_csv(stream))
    if file_format == "xlsx":
        return _guarded(_read_xlsx(stream))
    raise SubscriberFileError(f"unknown format {file_format!r}; expected csv or xlsx")


def _guarded(source: SourceRows) -> SourceRows:
    """The borrowed readers' errors as this module's, also while rows are read."""

    def rows() -> Iterator[tuple[int, dict[str, str]]]:
        try:
            yield from source.rows
        except FORMAT_ERRORS as exc:
            raise SubscriberFileError(str(exc)) from None

    return SourceRows(source.columns, rows(), source.ignored, source.notes)


def _columns(header: list[Any]) -> tuple[list[str | None], tuple[str, ...]]:
    names: list[str | None] = []
    ignored: list[str] = []
    for raw in header:
        label = "" if raw is None else str(raw).strip()
        if len(label) > 200:
            raise SubscriberFileError("the header has a column name over 200 characters")
        key = label.lower().replace(" ", "_").replace("-", "_")
        name = key if key in COLUMNS else ALIASES.get(key)
        if name is not None and name in names:
            raise SubscriberFileError(f"row 1: two columns give {name!r}")
        names.append(name)
        if name is None and label:
            ignored.append(label)
    if "msisdn" not in names:
        raise SubscriberFileError(
            "row 1: no msisdn column (the header must name the numbers' column msisdn, "
            "number or phone)"
        )
    return names, tuple(ignored)


def _text(value: Any, row: int, column: str) -> str:
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        value = int(value)  # a number typed into a spreadsheet: 254712345678.0
    text = value.isoformat() if hasattr(value, "isoformat") else str(value)
    if len(text) > MAX_CELL_CHARS:
        raise SubscriberFileError(
            f"row {row}, column {column}: a cell over {MAX_CELL_CHARS:,} characters"
        )
    return text.strip()


def _read_csv(stream: IO[bytes]) -> SourceRows:
    try:
        text = school_files.text_stream(stream)
        first = text.readline(MAX_CELL_CHARS * 10)
    except UnicodeDecodeError as exc:
        raise SubscriberFileError(str(school_files.not_utf8(exc))) from None
    except FORMAT_ERRORS as exc:
        raise SubscriberFileError(str(exc)) from None
    if not first.strip():
        raise SubscriberFileError("the file is empty")
    if first.startswith("PK\x03\x04"):
        raise SubscriberFileError("the file is a ZIP archive (an .xlsx workbook?), not CSV")
    if not first.endswith(("\n", "\r")) and len(first) >= MAX_CELL_CHARS * 10:
        raise SubscriberFileError(f"row 1: the header is over {MAX_CELL_CHARS * 10:,} characters")
    delimiter = max(",;\t", key=first.count)
    csv.field_size_limit(MAX_CELL_CHARS)
    reader = csv.reader(itertools.chain([first], text), delimiter=delimiter)
    try:
        header = next(reader)
    except csv.Error as exc:
        raise SubscriberFileError(f"row 1: cannot read the header ({exc})") from None
    names, ignored = _columns(header)
    wanted = [(i, name) for i, name in enumerate(names) if name is not None]
    width = len(header)

    def rows() -> Iterator[tuple[int, dict[str, str]]]:
        number = 1
        try:
            for values in reader:
                number += 1
                if number > MAX_ROWS + 1:
                    raise SubscriberFileError(f"the file has more than {MAX_ROWS:,} rows")
                if not any(v.strip() for v in values):
                    continue
                if len(values) != width:
                    yield number, {"": f"{len(values)} cells; the header has {width}"}
                    continue
                yield number, {name: values[i].strip() for i, name in wanted}
        except csv.Error as exc:
            if "field larger than field limit" in str(exc):
                raise SubscriberFileError(
                    f"row {number + 1}: a cell over {MAX_CELL_CHARS:,} characters"
                ) from None
            raise SubscriberFileError(f"row {number + 1}: {exc}") from None
        except UnicodeDecodeError as exc:
            raise SubscriberFileError(str(school_files.not_utf8(exc))) from None

    return SourceRows(tuple(n for _, n in wanted), rows(), ignored)


def _read_xlsx(stream: IO[bytes]) -> SourceRows:
    cells = catalog_files.workbook_rows(stream)
    try:
        first = next(cells, None)
    except FORMAT_ERRORS as exc:
        raise SubscriberFileError(str(exc)) from None
    if first is None:
        raise SubscriberFileError("the workbook's first sheet is empty")
    _header_row, header_cells = first
    width = max(header_cells, default=0)
    names, ignored = _columns([header_cells.get(c) for c in range(1, width + 1)])
    wanted = [(i + 1, name) for i, name in enumerate(names) if name is not None]

    def rows() -> Iterator[tuple[int, dict[str, str]]]:
        for number, values in cells:
            if number > MAX_ROWS + 1:
                raise SubscriberFileError(f"the workbook has more than {MAX_ROWS:,} rows")
            yield number, {name: _text(values.get(i), number, name) for i, name in wanted}

    return SourceRows(tuple(n for _, n in wanted), rows(), ignored)
