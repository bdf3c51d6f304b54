"""What every importer yields, and helpers for reading files people actually send."""

from __future__ import annotations

import codecs
import csv
import io
import json
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from typing import IO, Any

from resilnet.core.exports import safe_cell

# Refuse files that would exhaust memory or time before they are parsed.
MAX_BYTES = 200 * 1024 * 1024
MAX_FIELD_CHARS = 1_000_000


class ImportFormatError(Exception):
    """The file as a whole cannot be read (wrong format, encoding, missing columns)."""


# A row's cells as the file holds them, for the file of rejected rows: in the order of the
# file's columns (ParseResult.columns), or by name for JSON records.
Cells = tuple[Any, ...] | Mapping[str, Any]


@dataclass(frozen=True)
class Candidate:
    row: int  # 1-based line or row number in the source file (the header is row 1)
    external_id: str
    content: dict[str, Any]  # to be validated by catalog.schemas.RecordContent
    cells: Cells = field(default=(), compare=False, repr=False)


@dataclass(frozen=True)
class RowError:
    row: int
    column: str
    reason: str
    cells: Cells = field(default=(), compare=False, repr=False)


@dataclass
class ParseResult:
    candidates: list[Candidate] = field(default_factory=list)
    errors: list[RowError] = field(default_factory=list)
    columns: tuple[str, ...] = ()  # the file's header, naming the cells of each row


BOMS = (  # UTF-32 first: its little-endian mark begins with UTF-16's
    (codecs.BOM_UTF32_LE, "utf-32-le", "UTF-32"),
    (codecs.BOM_UTF32_BE, "utf-32-be", "UTF-32"),
    (codecs.BOM_UTF8, "utf-8", "UTF-8"),
    (codecs.BOM_UTF16_LE, "utf-16-le", "UTF-16"),
    (codecs.BOM_UTF16_BE, "utf-16-be", "UTF-16"),
)


def decode(raw: bytes) -> str:
    """Text from bytes: UTF-8, UTF-16 or UTF-32 by their byte-order mark; UTF-16 without
    one when the NUL bytes say so; else UTF-8, or failing that Windows-1252/Latin-1."""
    if len(raw) > MAX_BYTES:
        raise ImportFormatError(f"the file is {len(raw):,} bytes; the limit is {MAX_BYTES:,}")
    for mark, encoding, name in BOMS:
        if raw.startswith(mark):
            return _decode(raw, encoding, name, skip=len(mark))
    utf16 = _utf16_without_mark(raw)
    if utf16:
        return _decode(raw, utf16, "UTF-16")
    if b"\x00" in raw[:4096]:
        raise ImportFormatError(
            "the file looks binary (NUL bytes), and is not UTF-16 or UTF-32 text either; "
            "expected text, e.g. CSV saved as UTF-8"
        )
    try:
        return raw.decode("utf-8")
    except UnicodeDecodeError:
        try:
            return raw.decode("cp1252")
        except UnicodeDecodeError:
            return raw.decode("latin-1")


def _decode(raw: bytes, encoding: str, name: str, skip: int = 0) -> str:
    try:
        return raw[skip:].decode(encoding)
    except UnicodeDecodeError as exc:
        seems = "is marked as" if skip else "looks like"
        raise ImportFormatError(
            f"the file {seems} {name} text, but its byte {skip + exc.start:,} is not {name}"
        ) from None


def _utf16_without_mark(raw: bytes) -> str | None:
    """UTF-16 without a byte-order mark, told by its NUL bytes: text that is mostly ASCII
    has a NUL in every other byte, the high ones (odd in little-endian, even in big)."""
    sample = raw[:4096]
    pairs = len(sample) // 2
    if len(raw) % 2 or pairs < 4:
        return None
    even, odd = sample[0 : 2 * pairs : 2].count(0), sample[1 : 2 * pairs : 2].count(0)
    if odd >= 0.4 * pairs and even <= 0.02 * pairs:
        return "utf-16-le"
    if even >= 0.4 * pairs and odd <= 0.02 * pairs:
        return "utf-16-be"
    return None


def first_duplicate(names: Iterable[str]) -> str | None:
    seen: set[str] = set()
    for name in names:
        if name in seen:
            return name
        seen.add(name)
    return None


def open_csv(
    stream: IO[bytes], result: ParseResult
) -> tuple[list[str], Iterator[tuple[int, dict[str, str], tuple[str, ...]]]]:
    """The header of a CSV file and its rows as (row number, {column: value}, cells), the
    header being row 1. A row with more or fewer cells than the header goes to
    `result.errors` instead. Files that are plainly something else are refused by their
    signature."""
    raw = stream.read(MAX_BYTES + 1)
    head = raw[:1024].removeprefix(codecs.BOM_UTF8).lstrip()
    if not head:
        raise ImportFormatError("the file is empty")
    if head.startswith(b"PK\x03\x04"):
        raise ImportFormatError(
            "the file is a ZIP archive (an .xlsx workbook?): save the sheet as CSV first"
        )
    if head.startswith(b"\xd0\xcf\x11\xe0"):
        raise ImportFormatError("the file is an old Excel (.xls) workbook: save it as CSV first")
    text = decode(raw)
    del raw
    if text[:1024].lstrip().startswith("<"):
        raise ImportFormatError("the file is an HTML or XML page, not CSV")
    csv.field_size_limit(MAX_FIELD_CHARS)
    try:
        dialect = csv.Sniffer().sniff(text[:20_000], delimiters=",;\t")
    except csv.Error:
        dialect = csv.excel
    reader = csv.reader(io.StringIO(text, newline=""), dialect)
    try:
        header = [name.strip() for name in next(reader)]
    except StopIteration:
        raise ImportFormatError("the file is empty") from None
    except csv.Error as exc:
        raise ImportFormatError(f"row 1: cannot read the header ({exc})") from None
    duplicate = first_duplicate(header)
    if duplicate is not None:
        raise ImportFormatError(f"row 1: the column {duplicate!r} appears twice")
    result.columns = tuple(header)

    def rows() -> Iterator[tuple[int, dict[str, str], tuple[str, ...]]]:
        try:
            for number, values in enumerate(reader, start=2):
                cells = tuple(v.strip() for v in values)
                if not any(cells):
                    continue
                if len(cells) != len(header):
                    reason = f"row {number} has {_cells(len(cells))}; the header has {len(header)}"
                    result.errors.append(RowError(number, "", reason, cells))
                    continue
                yield number, dict(zip(header, cells, strict=True)), cells
        except csv.Error as exc:
            raise ImportFormatError(f"row {reader.line_num}: {exc}") from None

    return header, rows()


def _cells(count: int) -> str:
    return f"{count} cell" if count == 1 else f"{count} cells"


def require_columns(present: set[str], required: set[str], what: str) -> None:
    missing = sorted(required - present)
    if missing:
        raise ImportFormatError(f"not a {what} file: missing column(s) {', '.join(missing)}")


def rejected_rows_csv(columns: tuple[str, ...], rejected: Iterable[RowError]) -> str:
    """The rejected rows as CSV, one line each: its row number, the columns at fault and
    the reasons (joined by "; "), then the row's own cells under the file's columns, so
    that it can be corrected and imported again. Cells a spreadsheet would run as
    formulas are escaped."""
    by_row: dict[int, list[RowError]] = {}
    for error in rejected:
        by_row.setdefault(error.row, []).append(error)
    names = list(columns)
    known = set(names)
    for errors in by_row.values():  # JSON records have their cells by name
        for error in errors:
            if isinstance(error.cells, Mapping):
                names += [name for name in error.cells if name not in known]
                known.update(error.cells)
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(["row", "column", "reason", *(safe_cell(str(name)) for name in names)])
    for row, errors in sorted(by_row.items()):
        cells = next((error.cells for error in errors if error.cells), ())
        values = [cells.get(name) for name in names] if isinstance(cells, Mapping) else cells
        at_fault = dict.fromkeys(error.column for error in errors if error.column)
        writer.writerow(
            [
                row,
                safe_cell("; ".join(at_fault)),
                safe_cell("; ".join(dict.fromkeys(error.reason for error in errors))),
                *(safe_cell(_cell_text(value)) for value in values),
            ]
        )
    return out.getvalue()


def _cell_text(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, str):
        return value
    if isinstance(value, dict | list):
        return json.dumps(value, ensure_ascii=False)
    if hasattr(value, "isoformat"):
        return str(value.isoformat())
    return str(value)
