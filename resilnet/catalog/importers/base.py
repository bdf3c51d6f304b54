"""What every importer yields, and helpers for reading files people actually send."""

from __future__ import annotations

import codecs
import csv
import io
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import IO, Any

# Refuse files that would exhaust memory or time before they are parsed.
MAX_BYTES = 200 * 1024 * 1024
MAX_FIELD_CHARS = 1_000_000


class ImportFormatError(Exception):
    """The file as a whole cannot be read (wrong format, encoding, missing columns)."""


@dataclass(frozen=True)
class Candidate:
    row: int  # 1-based line or row number in the source file (the header is row 1)
    external_id: str
    content: dict[str, Any]  # to be validated by catalog.schemas.RecordContent


@dataclass(frozen=True)
class RowError:
    row: int
    column: str
    reason: str


@dataclass
class ParseResult:
    candidates: list[Candidate] = field(default_factory=list)
    errors: list[RowError] = field(default_factory=list)


def decode(raw: bytes) -> str:
    """Text from bytes: UTF-8 (with or without BOM), else Windows-1252/Latin-1."""
    if len(raw) > MAX_BYTES:
        raise ImportFormatError(f"the file is {len(raw):,} bytes; the limit is {MAX_BYTES:,}")
    if raw.startswith(codecs.BOM_UTF8):
        raw = raw[len(codecs.BOM_UTF8) :]
    if b"\x00" in raw[:4096]:
        raise ImportFormatError("the file looks binary (NUL bytes); expected text")
    try:
        return raw.decode("utf-8")
    except UnicodeDecodeError:
        try:
            return raw.decode("cp1252")
        except UnicodeDecodeError:
            return raw.decode("latin-1")


def open_csv(stream: IO[bytes]) -> tuple[list[str], Iterator[tuple[int, dict[str, str]]]]:
    """The header of a CSV file and its rows as (row number, {column: value}), the header
    being row 1. Files that are plainly something else are refused by their signature."""
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
    if head.startswith(b"<"):
        raise ImportFormatError("the file is an HTML or XML page, not CSV")
    text = decode(raw)
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
    if len(set(header)) != len(header):
        duplicate = next(name for name in header if header.count(name) > 1)
        raise ImportFormatError(f"row 1: the column {duplicate!r} appears twice")

    def rows() -> Iterator[tuple[int, dict[str, str]]]:
        try:
            for number, values in enumerate(reader, start=2):
                if any(v.strip() for v in values):
                    yield number, dict(zip(header, (v.strip() for v in values), strict=False))
        except csv.Error as exc:
            raise ImportFormatError(f"row {reader.line_num}: {exc}") from None

    return header, rows()


def require_columns(present: set[str], required: set[str], what: str) -> None:
    missing = sorted(required - present)
    if missing:
        raise ImportFormatError(f"not a {what} file: missing column(s) {', '.join(missing)}")
