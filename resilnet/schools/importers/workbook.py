"""XLSX school master files: the first worksheet, streamed by openpyxl's read-only mode.

An XLSX file is a ZIP archive of XML parts: a small file can inflate a thousandfold. The
ZIP's directory is checked before openpyxl opens anything: the number of parts, the total
they inflate to and each large part's compression ratio. openpyxl parses the XML with
defusedxml (no DTD, no entity expansion), which the project installs.
"""

from __future__ import annotations

import datetime
import zipfile
from collections.abc import Iterator, Mapping
from typing import IO, Any

from resilnet.schools.importers.base import (
    MAX_CELL_CHARS,
    MAX_ROWS,
    ImportFormatError,
    SourceRows,
    cell_too_long,
    check_size,
    resolve_columns,
    too_many_rows,
)

MAX_PARTS = 1000  # a workbook has some tens
MAX_INFLATED_BYTES = 1024 * 1024 * 1024
MAX_RATIO = 100  # XML inflates 5 to 30 times; a ZIP bomb a thousand times
RATIO_FROM_BYTES = 1024 * 1024  # smaller parts may be as repetitive as they like


def check_archive(stream: IO[bytes]) -> None:
    try:
        archive = zipfile.ZipFile(stream)
    except (zipfile.BadZipFile, OSError, ValueError) as exc:
        raise ImportFormatError(f"not a readable XLSX workbook ({exc})") from None
    with archive:
        parts = archive.infolist()
        if len(parts) > MAX_PARTS:
            raise ImportFormatError(
                f"the workbook has {len(parts):,} parts; the limit is {MAX_PARTS:,}"
            )
        inflated = 0
        for part in parts:
            inflated += part.file_size
            if part.file_size > RATIO_FROM_BYTES and part.file_size > MAX_RATIO * max(
                part.compress_size, 1
            ):
                raise ImportFormatError(
                    f"the workbook's part {part.filename[:100]!r} inflates "
                    f"{part.file_size // max(part.compress_size, 1):,} times: a ZIP bomb?"
                )
        if inflated > MAX_INFLATED_BYTES:
            raise ImportFormatError(
                f"the workbook inflates to {inflated:,} bytes; the limit is {MAX_INFLATED_BYTES:,}"
            )
        if "xl/workbook.xml" not in archive.namelist():
            raise ImportFormatError("not an XLSX workbook (no xl/workbook.xml)")


def read(stream: IO[bytes], mapping: Mapping[str, str]) -> SourceRows:
    from openpyxl import load_workbook

    stream.seek(0, 2)
    check_size(stream.tell())
    stream.seek(0)
    check_archive(stream)
    stream.seek(0)
    try:
        book = load_workbook(stream, read_only=True, data_only=True)
        sheet = book.worksheets[0]
        values = sheet.iter_rows(values_only=True)
        header = next(values, None)
    except ImportFormatError:
        raise
    except Exception as exc:  # openpyxl raises whatever its parts make it raise
        raise ImportFormatError(
            f"not a readable XLSX workbook ({exc.__class__.__name__})"
        ) from None
    if header is None:
        raise ImportFormatError("the workbook's first sheet is empty")
    names, ignored = resolve_columns(header, mapping)
    wanted = [(i, name) for i, name in enumerate(names) if name is not None]
    estimated = sheet.max_row - 1 if sheet.max_row else None
    if estimated and estimated > MAX_ROWS:
        raise too_many_rows()

    def rows() -> Iterator[tuple[int, dict[str, Any]]]:
        number = 1
        try:
            for cells in values:
                number += 1
                if number > MAX_ROWS + 1:
                    raise too_many_rows()
                if not any(c is not None and c != "" for c in cells):
                    continue
                row: dict[str, Any] = {}
                for i, name in wanted:
                    value = cells[i] if i < len(cells) else None
                    if isinstance(value, str) and len(value) > MAX_CELL_CHARS:
                        raise cell_too_long(number, name)
                    if isinstance(value, datetime.datetime | datetime.date):
                        value = value.isoformat()
                    row[name] = value
                yield number, row
        except ImportFormatError:
            raise
        except Exception as exc:
            raise ImportFormatError(
                f"row {number}: the workbook cannot be read further ({exc.__class__.__name__})"
            ) from None
        finally:
            book.close()

    return SourceRows(tuple(n for _, n in wanted), rows(), ignored, estimated)
