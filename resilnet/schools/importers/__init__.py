"""School master file readers: one module per format, each turning a file into rows of
raw values under Giga's column names (`base.SourceRows`). They never write and know no
model: `importers/checks.py` checks the rows and `services/registry.py` writes them.

`FORMATS` is the one list of formats: the command line, the web form and the benchmark
read it, so a format added here is offered everywhere.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import IO

from django.utils.functional import Promise

from resilnet.schools.importers import delimited, geojson, parquet, workbook
from resilnet.schools.importers.base import ImportFormatError, SourceRows

__all__ = ["FORMATS", "ImportFormatError", "SourceRows", "choices", "format_of", "read"]


@dataclass(frozen=True)
class SchoolFormat:
    name: str
    label: str | Promise
    suffixes: tuple[str, ...]
    read: Callable[[IO[bytes], Mapping[str, str]], SourceRows]


FORMATS: dict[str, SchoolFormat] = {
    f.name: f
    for f in (
        SchoolFormat("csv", "CSV", (".csv", ".txt", ".tsv"), delimited.read),
        SchoolFormat("xlsx", "XLSX", (".xlsx",), workbook.read),
        SchoolFormat("geojson", "GeoJSON", (".geojson", ".json"), geojson.read),
        SchoolFormat("parquet", "Parquet", (".parquet", ".pq"), parquet.read),
    )
}


def format_of(filename: str) -> str:
    """The format a file's name says (its suffix)."""
    suffix = Path(filename).suffix.lower()
    for f in FORMATS.values():
        if suffix in f.suffixes:
            return f.name
    raise ImportFormatError(
        f"cannot tell the format of {Path(filename).name[:100]!r} from its name; "
        f"expected one of {', '.join(FORMATS)}"
    )


def read(
    stream: IO[bytes], file_format: str, mapping: Mapping[str, str] | None = None
) -> SourceRows:
    chosen = FORMATS.get(file_format)
    if chosen is None:
        raise ImportFormatError(
            f"unknown format {file_format!r}; expected one of {', '.join(FORMATS)}"
        )
    return chosen.read(stream, mapping or {})


def choices() -> list[tuple[str, str | Promise]]:
    return [(f.name, f.label) for f in FORMATS.values()]
