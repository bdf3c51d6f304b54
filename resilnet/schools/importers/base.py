"""What every school master reader shares: the limits against hostile files, the column
names (Giga's school master schema) with their aliases and a person's mapping, and the
shape of what a reader yields.

A reader turns a file into `SourceRows`: the canonical column names it found and an
iterator of (row number, {column: raw value}). It checks nothing about the values: that
is `importers/checks.py`. Row numbers are what a person sees: the header is row 1 of a
CSV or XLSX file, the first feature is row 1 of a GeoJSON file, the first row is row 1 of
a Parquet file.
"""

from __future__ import annotations

import io
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from typing import IO, Any

# Limits: a file over them is refused whole, with one line saying which.
MAX_FILE_BYTES = 1024 * 1024 * 1024  # 2.1 million schools as CSV are about 600 MB
MAX_ROWS = 5_000_000  # more than twice Giga's whole registry
MAX_CELL_CHARS = 10_000  # the longest column (school_name) holds 500
MAX_COLUMNS = 500

# Giga's school master schema: the columns a file may carry, by kind.
TEXT_COLUMNS = (
    "school_id_giga",
    "school_id_govt",
    "school_name",
    "education_level",
    "education_level_govt",
    "admin1",
    "admin2",
    "school_area_type",
    "school_funding_type",
    "connectivity_type_govt",
    "cellular_coverage_type",
)
FLOAT_COLUMNS = (
    "latitude",
    "longitude",
    "download_speed_contracted",  # Mbps in Giga's files; stored in bit/s
    "fiber_node_distance",
    "nearest_NR_distance",
    "nearest_LTE_distance",
    "nearest_UMTS_distance",
    "nearest_GSM_distance",
)
COUNT_COLUMNS = (
    "school_establishment_year",
    "num_students",
    "num_teachers",
    "num_computers",
    "pop_within_1km",
    "pop_within_2km",
    "pop_within_3km",
    "schools_within_1km",
    "schools_within_2km",
    "schools_within_3km",
)
BOOL_COLUMNS = ("electricity_availability", "connectivity_govt", "disputed_region")
COUNTRY_COLUMN = "country"  # ISO 3166-1 alpha-3; --country when the file has none
COLUMNS = (COUNTRY_COLUMN, *TEXT_COLUMNS, *FLOAT_COLUMNS, *COUNT_COLUMNS, *BOOL_COLUMNS)

# Other names files use for the same columns (compared in lower case).
ALIASES = {
    "lat": "latitude",
    "y": "latitude",
    "lon": "longitude",
    "lng": "longitude",
    "long": "longitude",
    "x": "longitude",
    "name": "school_name",
    "school": "school_name",
    "giga_id": "school_id_giga",
    "giga_id_school": "school_id_giga",
    "school_id": "school_id_govt",
    "govt_id": "school_id_govt",
    "iso3": "country",
    "iso3_format": "country",
    "country_iso3": "country",
    "country_code": "country",
    "level": "education_level",
    "students": "num_students",
    "teachers": "num_teachers",
    "computers": "num_computers",
    "year": "school_establishment_year",
    "electricity": "electricity_availability",
}
_CANONICAL = {name.lower(): name for name in COLUMNS} | ALIASES


# The key of a CSV row whose number of cells differs from the header's: the row is then
# (cells, header cells) under this key alone, and checks.py rejects it.
WIDTH_MISMATCH = "__width__"


class ImportFormatError(Exception):
    """The file as a whole cannot be read: wrong format, over a limit, not UTF-8, …"""


@dataclass
class SourceRows:
    columns: tuple[str, ...]  # canonical names of the columns the file holds
    rows: Iterator[tuple[int, dict[str, Any]]]
    ignored: tuple[str, ...] = ()  # the file's columns that name nothing known
    estimated_rows: int | None = None  # when the format says (Parquet, GeoJSON, XLSX)
    notes: list[str] = field(default_factory=list)


def parse_mapping(items: Iterable[str]) -> dict[str, str]:
    """`SOURCE=TARGET` pairs (the command line's --map) as {source: target}."""
    mapping: dict[str, str] = {}
    for item in items:
        source, sep, target = item.partition("=")
        if not sep or not source.strip() or not target.strip():
            raise ImportFormatError(f"column mapping {item!r}: expected SOURCE=TARGET")
        mapping[source.strip()] = target.strip()
    return mapping


def resolve_columns(
    header: Iterable[Any], mapping: Mapping[str, str]
) -> tuple[list[str | None], tuple[str, ...]]:
    """The canonical name of each of the file's columns (None: not imported), and the
    names of those ignored. A person's mapping wins over the aliases."""
    unknown_targets = sorted(t for t in mapping.values() if t not in COLUMNS)
    if unknown_targets:
        raise ImportFormatError(
            f"column mapping: no column named {unknown_targets[0]!r} in the school master schema"
        )
    names: list[str | None] = []
    ignored: list[str] = []
    seen: dict[str, str] = {}
    for raw in header:
        label = "" if raw is None else str(raw).strip()
        if len(label) > 200:
            raise ImportFormatError("the header has a column name over 200 characters")
        target = mapping.get(label) or _CANONICAL.get(label.lower())
        if target is None:
            names.append(None)
            if label:
                ignored.append(label)
            continue
        if target in seen:
            raise ImportFormatError(
                f"the columns {seen[target]!r} and {label!r} both give {target!r}"
            )
        seen[target] = label
        names.append(target)
    if len(names) > MAX_COLUMNS:
        raise ImportFormatError(f"the file has {len(names):,} columns; the limit is {MAX_COLUMNS}")
    missing = sorted(source for source in mapping if source not in {str(h) for h in header})
    if missing:
        raise ImportFormatError(f"column mapping: the file has no column {missing[0]!r}")
    return names, tuple(ignored)


def check_size(size: int) -> None:
    if size > MAX_FILE_BYTES:
        raise ImportFormatError(f"the file is {size:,} bytes; the limit is {MAX_FILE_BYTES:,}")


def too_many_rows() -> ImportFormatError:
    return ImportFormatError(f"the file has more than {MAX_ROWS:,} rows")


def cell_too_long(row: int, column: str) -> ImportFormatError:
    return ImportFormatError(
        f"row {row}, column {column}: a cell over {MAX_CELL_CHARS:,} characters"
    )


class GuardedStream(io.RawIOBase):
    """A binary stream that refuses NUL bytes and more than MAX_FILE_BYTES as it is read,
    so text formats are checked in one pass with the C code of bytes.find."""

    def __init__(self, stream: IO[bytes]) -> None:
        self._stream = stream
        self.read_bytes = 0

    def readable(self) -> bool:
        return True

    def readinto(self, buffer: Any) -> int:
        data = self._stream.read(len(buffer))
        if not data:
            return 0
        nul = data.find(b"\x00")
        if nul >= 0:
            raise ImportFormatError(
                f"byte {self.read_bytes + nul:,} is a NUL: not a text file (save it as UTF-8 CSV)"
            )
        self.read_bytes += len(data)
        check_size(self.read_bytes)
        buffer[: len(data)] = data
        return len(data)


def text_stream(stream: IO[bytes]) -> io.TextIOWrapper:
    """UTF-8 text (a byte-order mark allowed), checked as it is read."""
    return io.TextIOWrapper(
        io.BufferedReader(GuardedStream(stream), 1024 * 1024), encoding="utf-8-sig", newline=""
    )


def not_utf8(exc: UnicodeDecodeError) -> ImportFormatError:
    byte = exc.object[exc.start : exc.start + 1]
    return ImportFormatError(f"the file is not UTF-8 text (byte {byte!r}): save it as UTF-8")
