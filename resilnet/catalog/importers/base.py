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


def read_csv(stream: IO[bytes]) -> Iterator[tuple[int, dict[str, str]]]:
    """Rows of a CSV file as (row number, {column: value}); the header is row 1."""
    text = decode(stream.read(MAX_BYTES + 1))
    csv.field_size_limit(MAX_FIELD_CHARS)
    try:
        dialect = csv.Sniffer().sniff(text[:20_000], delimiters=",;\t")
    except csv.Error:
        dialect = csv.excel
    reader = csv.reader(io.StringIO(text, newline=""), dialect)
    try:
        header = next(reader)
    except StopIteration:
        raise ImportFormatError("the file is empty") from None
    except csv.Error as exc:
        raise ImportFormatError(f"row 1: {exc}") from None
    header = [name.strip() for name in header]
    if len(set(header)) != len(header):
        duplicate = next(name for name in header if header.count(name) > 1)
        raise ImportFormatError(f"row 1: the column {duplicate!r} appears twice")
    try:
        for number, values in enumerate(reader, start=2):
            if not any(v.strip() for v in values):
                continue
            yield number, dict(zip(header, (v.strip() for v in values), strict=False))
    except csv.Error as exc:
        raise ImportFormatError(f"row {reader.line_num}: {exc}") from None


def require_columns(present: set[str], required: set[str], what: str) -> None:
    missing = sorted(required - present)
    if missing:
        raise ImportFormatError(f"not a {what} file: missing column(s) {', '.join(missing)}")
