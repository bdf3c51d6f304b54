"""CSV school master files: UTF-8 (with or without a byte-order mark), comma, semicolon
or tab separated, streamed (a 600 MB file is never held whole)."""

from __future__ import annotations

import csv
import itertools
from collections.abc import Iterator, Mapping
from typing import IO, Any

from resilnet.schools.importers.base import (
    MAX_CELL_CHARS,
    MAX_ROWS,
    WIDTH_MISMATCH,
    ImportFormatError,
    SourceRows,
    cell_too_long,
    not_utf8,
    resolve_columns,
    text_stream,
    too_many_rows,
)


def read(stream: IO[bytes], mapping: Mapping[str, str]) -> SourceRows:
    text = text_stream(stream)
    try:
        first = text.readline(MAX_CELL_CHARS * 10)
    except UnicodeDecodeError as exc:
        raise not_utf8(exc) from None
    if not first.strip():
        raise ImportFormatError("the file is empty")
    if first.startswith("PK\x03\x04"):
        raise ImportFormatError("the file is a ZIP archive (an .xlsx workbook?), not CSV")
    # The header tells the separator; the rest is Excel's CSV (the sniffer guesses the
    # quoting wrong from a header without quotes).
    delimiter = max(",;\t", key=first.count)
    csv.field_size_limit(MAX_CELL_CHARS)
    reader = csv.reader(itertools.chain([first], text), delimiter=delimiter)
    try:
        header = next(reader)
    except StopIteration:
        raise ImportFormatError("the file is empty") from None
    except csv.Error as exc:
        raise ImportFormatError(f"row 1: cannot read the header ({exc})") from None
    names, ignored = resolve_columns(header, mapping)
    wanted = [(i, name) for i, name in enumerate(names) if name is not None]
    width = len(header)

    def rows() -> Iterator[tuple[int, dict[str, Any]]]:
        number = 1
        try:
            for values in reader:
                number += 1
                if number > MAX_ROWS + 1:
                    raise too_many_rows()
                if len(values) != width:
                    if not any(v.strip() for v in values):
                        continue
                    yield number, {WIDTH_MISMATCH: (len(values), width)}
                    continue
                yield number, {name: values[i] for i, name in wanted}
        except csv.Error as exc:
            if "field larger than field limit" in str(exc):
                raise cell_too_long(number + 1, "?") from None
            raise ImportFormatError(f"row {reader.line_num}: {exc}") from None
        except UnicodeDecodeError as exc:
            raise not_utf8(exc) from None

    return SourceRows(tuple(n for _, n in wanted), rows(), ignored)
