"""Importers: one module per external format, each turning a file into candidate records.

Every importer yields `Candidate` (a record to create or update, keyed by external id) or
`RowError` (row, column, reason) and never writes: `catalog.services.import_records`
validates each candidate against `RecordContent` and writes them in short transactions
(staged, then applied a chunk at a time: docs/adr/0008-imports-in-bounded-transactions.md).

`FORMATS` is the one list of formats: the command line, the web form, the import task and
the benchmark all read it, so a format added here is offered everywhere.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import IO

from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

from resilnet.catalog.importers import acaps, oxcgrt, tabular
from resilnet.catalog.importers.base import ImportFormatError, ParseResult


@dataclass(frozen=True)
class ImportFormat:
    name: str
    label: str | Promise
    read: Callable[[IO[bytes], Mapping[str, str]], ParseResult]
    maps_columns: bool  # whether a column mapping (SOURCE=TARGET) applies


def _tabular(file_format: str) -> Callable[[IO[bytes], Mapping[str, str]], ParseResult]:
    return lambda stream, mapping: tabular.parse(stream, file_format=file_format, mapping=mapping)


FORMATS: dict[str, ImportFormat] = {
    f.name: f
    for f in (
        ImportFormat("csv", "CSV", _tabular("csv"), maps_columns=True),
        ImportFormat("xlsx", "XLSX", _tabular("xlsx"), maps_columns=True),
        ImportFormat("json", "JSON", _tabular("json"), maps_columns=True),
        ImportFormat(
            "oxcgrt",
            _("OxCGRT (Oxford COVID-19 Government Response Tracker) CSV"),
            lambda stream, mapping: oxcgrt.parse(stream),
            maps_columns=False,
        ),
        ImportFormat(
            "acaps",
            _("ACAPS COVID-19 government measures CSV"),
            lambda stream, mapping: acaps.parse(stream),
            maps_columns=False,
        ),
    )
}


def parse(
    stream: IO[bytes], file_format: str, mapping: Mapping[str, str] | None = None
) -> ParseResult:
    """Candidates and row errors of a file; ImportFormatError when it cannot be read at all."""
    chosen = FORMATS.get(file_format)
    if chosen is None:
        raise ImportFormatError(
            f"unknown format {file_format!r}; expected one of {', '.join(FORMATS)}"
        )
    if mapping and not chosen.maps_columns:
        raise ImportFormatError(f"the {file_format} format takes no column mapping")
    return chosen.read(stream, mapping or {})


def choices() -> list[tuple[str, str | Promise]]:
    return [(f.name, f.label) for f in FORMATS.values()]
