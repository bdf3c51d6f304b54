"""Full export of the published catalog as CSV and JSON, with a data dictionary.

One CSV row per record: common columns, then every collection-specific field as
`fields.<name>` (empty for collections without it). List values are joined with ";".
Cells a spreadsheet would read as a formula are escaped by `core.exports.safe_cell`.
Only published records are ever written, whatever the caller passes.
"""

from __future__ import annotations

import datetime as dt
import enum
import json
import types
import typing
from collections.abc import Iterable, Iterator
from typing import IO, Any

from django.db.models import QuerySet

from resilnet.catalog.models import Record
from resilnet.catalog.schemas import FIELDS_BY_COLLECTION, LANGUAGE_CODES
from resilnet.catalog.taxonomy import ACTION_LINES, SDGS, Collection, Status
from resilnet.core import exports as core_exports
from resilnet.core.reference_data import read_csv

CHUNK_SIZE = 500
LIST_SEPARATOR = ";"
ALL_COLLECTIONS = list(Collection.values)
ITU_REGIONS = [row["code"] for row in read_csv("regions.csv") if row["kind"] == "itu"]


def _column(
    name: str,
    type_: str,
    description: str,
    allowed_values: list[Any] | None = None,
    collections: list[str] | None = None,
) -> dict[str, Any]:
    return {
        "name": name,
        "type": type_,
        "description": description,
        "allowed_values": allowed_values,
        "collections": list(collections or ALL_COLLECTIONS),
    }


COMMON_COLUMNS: list[dict[str, Any]] = [
    _column("id", "integer", "Stable identifier of the record."),
    _column("collection", "enumeration", "Collection of the record.", ALL_COLLECTIONS),
    _column("title", "string", "Title in the record's original language."),
    _column(
        "original_language",
        "enumeration",
        "Language the record was written in.",
        list(LANGUAGE_CODES),
    ),
    _column(
        "translations",
        "list of enumeration",
        "Languages the title is available in, original included.",
        list(LANGUAGE_CODES),
    ),
    _column("summary", "string", "Summary in the original language (may be empty)."),
    _column("countries", "list of string", "Countries concerned, ISO 3166-1 alpha-3 codes."),
    _column(
        "itu_regions",
        "list of enumeration",
        "ITU regions of those countries.",
        ITU_REGIONS,
    ),
    _column("tags", "list of string", "Free tags, lower case."),
    _column("date", "date", "The record's main date (publication, start), YYYY-MM-DD."),
    _column("published_at", "datetime", "First publication in the catalog, ISO 8601 UTC."),
    _column("updated_at", "datetime", "Last change of the record, ISO 8601 UTC."),
    _column("permalink", "string", "Path of the record's page on this site."),
    _column("licence", "string", "Licence of the record's text, an SPDX identifier."),
    _column("organisation", "string", "Organisation that owns the record."),
]

# Type and description of each collection-specific field, by field name; allowed values
# and collections come from the schemas (tests check every schema field is here).
FIELD_DOCS: dict[str, tuple[str, str]] = {
    # measure
    "authority": ("string", "Authority that took the measure."),
    "authority_type": ("enumeration", "Kind of authority that took the measure."),
    "stakeholder": ("string", "Who the measure targets."),
    "category": ("enumeration", "Policy area of the measure."),
    "phase": ("enumeration", "Phase of the emergency the measure belongs to."),
    "binding": ("enumeration", "Whether the measure is mandatory or voluntary."),
    "measure_status": ("enumeration", "Legal status of the measure."),
    "announced_on": ("date", "Date the measure was announced."),
    "effective_on": ("date", "Date the measure took effect."),
    "ends_on": ("date", "Date the measure ends or ended."),
    "sources": ("list of url", "Official sources of the measure."),
    "outcome": ("string", "Observed outcome of the measure."),
    "lessons": ("string", "Lessons learnt."),
    "code": ("string", "An external coding of the measure, e.g. OxCGRT C1."),
    # case
    "organisation": ("string", "Organisation that carries out the project."),
    "stakeholder_type": ("enumeration", "Kind of organisation that carries out the project."),
    "action_lines": ("list of enumeration", "WSIS action lines (Geneva Plan of Action)."),
    "sdgs": ("list of integer", "Sustainable Development Goals served, 1 to 17."),
    "scope": ("enumeration", "Geographic scope of the project."),
    "project_status": ("enumeration", "State of the project."),
    "started_on": ("date", "Start date of the project."),
    "ended_on": ("date", "End date of the project."),
    "impact": ("string", "Impact of the project."),
    "partners": ("list of string", "Partner organisations."),
    "challenges": ("string", "Challenges met."),
    # resource
    "resource_type": ("enumeration", "Kind of cybersecurity resource."),
    "audiences": ("list of enumeration", "Audiences the resource is for."),
    "topics": ("list of string", "Topics of the resource."),
    # news
    "source": ("string", "Publisher of the news item."),
    # podcast
    "audio_url": ("url", "URL of the audio file."),
    "audio_type": ("string", "MIME type of the audio file, e.g. audio/mpeg."),
    "audio_bytes": ("integer", "Size of the audio file in bytes (0 if unknown)."),
    "duration_seconds": ("integer", "Duration in seconds (0 if unknown)."),
    "episode": ("integer", "Episode number."),
    # video
    "video_url": ("url", "URL of the video."),
    "transcript": ("string", "Transcript of the video."),
    # report
    "publication_url": ("url", "URL of the publication."),
    "publisher": ("string", "Publisher of the report."),
    "isbn": ("string", "ISBN-10 or ISBN-13, without hyphens."),
    "doi": ("string", "Digital Object Identifier, e.g. 10.1234/abc."),
    "pages": ("integer", "Number of pages."),
}

# Enumerations that are not enum types in the schemas.
SPECIAL_ALLOWED: dict[str, list[Any]] = {"action_lines": list(ACTION_LINES), "sdgs": list(SDGS)}


def _allowed_values(name: str, annotation: Any) -> list[Any] | None:
    if name in SPECIAL_ALLOWED:
        return SPECIAL_ALLOWED[name]
    candidates = [annotation]
    while candidates:
        current = candidates.pop()
        if isinstance(current, type) and issubclass(current, enum.Enum):
            return [member.value for member in current]
        if typing.get_origin(current) in (list, typing.Union, types.UnionType):
            candidates.extend(typing.get_args(current))
    return None


def _field_columns() -> list[dict[str, Any]]:
    """One column per collection-specific field name, in schema order."""
    columns: dict[str, dict[str, Any]] = {}
    for collection, schema in FIELDS_BY_COLLECTION.items():
        for name, info in schema.model_fields.items():
            if name in columns:
                columns[name]["collections"].append(str(collection))
                continue
            type_, description = FIELD_DOCS[name]
            columns[name] = _column(
                f"fields.{name}",
                type_,
                description,
                _allowed_values(name, info.annotation),
                [str(collection)],
            )
    return list(columns.values())


DATA_DICTIONARY: list[dict[str, Any]] = COMMON_COLUMNS + _field_columns()
COLUMNS: list[str] = [column["name"] for column in DATA_DICTIONARY]


def permalink(record: Record) -> str:
    return f"/catalog/records/{record.pk}/"


def _timestamp(moment: dt.datetime | None) -> str:
    if moment is None:
        return ""
    return moment.astimezone(dt.UTC).isoformat(timespec="seconds").replace("+00:00", "Z")


def _cell(value: Any) -> Any:
    """A CSV cell: lists joined with ";", objects as JSON, None as empty."""
    if value is None:
        return ""
    if isinstance(value, list):
        return LIST_SEPARATOR.join(str(_cell(v)) for v in value)
    if isinstance(value, dict):
        return json.dumps(value, ensure_ascii=False, sort_keys=True)
    if isinstance(value, bool):
        return "true" if value else "false"
    return value if isinstance(value, str | int | float) else str(value)


def published_records(records: Iterable[Record] | None = None) -> Iterator[Record]:
    """The published ones among `records` (all of them when None), streamed in chunks."""
    if records is None:
        records = Record.objects.all()
    if isinstance(records, QuerySet):
        queryset = records.filter(status=Status.PUBLISHED).prefetch_related("countries__itu_region")
        if not queryset.query.order_by:
            queryset = queryset.order_by("id")
        yield from queryset.iterator(chunk_size=CHUNK_SIZE)
    else:
        yield from (record for record in records if record.status == Status.PUBLISHED)


def _itu_regions(record: Record) -> list[str]:
    codes = {c.itu_region.code for c in record.countries.all() if c.itu_region is not None}
    return sorted(codes)


def export_row(record: Record) -> dict[str, Any]:
    """One published record flattened to the CSV columns (cells not yet escaped)."""
    content = record.content
    fields = record.fields
    row: dict[str, Any] = {
        "id": record.pk,
        "collection": record.collection,
        "title": record.text("title", record.original_language) or record.title,
        "original_language": record.original_language,
        "translations": [lang for lang in LANGUAGE_CODES if (content.get("title") or {}).get(lang)],
        "summary": record.text("summary", record.original_language),
        "countries": content.get("countries") or [],
        "itu_regions": _itu_regions(record),
        "tags": content.get("tags") or [],
        "date": content.get("date") or "",
        "published_at": _timestamp(record.published_at),
        "updated_at": _timestamp(record.updated_at),
        "permalink": permalink(record),
        "licence": content.get("licence") or "",
        "organisation": content.get("organisation") or "",
    }
    for column in COLUMNS[len(COMMON_COLUMNS) :]:
        row[column] = fields.get(column.removeprefix("fields."))
    return {name: _cell(value) for name, value in row.items()}


def export_rows(records: Iterable[Record] | None = None) -> Iterator[dict[str, Any]]:
    """Rows of the published records among `records` (whole catalog when None)."""
    for record in published_records(records):
        yield export_row(record)


def write_csv(records: Iterable[Record] | None, stream: IO[str]) -> int:
    """Write the CSV export (header = DATA_DICTIONARY names); returns the row count.

    Open `stream` with newline="" (and encoding "utf-8-sig" for spreadsheet programs).
    """
    rows = ([row[name] for name in COLUMNS] for row in export_rows(records))
    return core_exports.write_csv(stream, COLUMNS, rows)


def write_xlsx(records: Iterable[Record] | None, stream: IO[bytes]) -> int:
    """Write the export as an XLSX workbook (one sheet, the CSV's columns); returns the
    row count. openpyxl's write-only mode keeps one row in memory at a time; cells a
    spreadsheet would run as formulas are escaped as in the CSV."""
    from openpyxl import Workbook

    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet("catalog")
    sheet.append(COLUMNS)
    count = 0
    for row in export_rows(records):
        sheet.append([core_exports.safe_cell(row[name]) for name in COLUMNS])
        count += 1
    workbook.save(stream)
    return count


def export_document(record: Record) -> dict[str, Any]:
    """A record's full content with its id, status, permalink and dates."""
    return {
        "id": record.pk,
        "status": record.status,
        "permalink": permalink(record),
        "created_at": _timestamp(record.created_at),
        "published_at": _timestamp(record.published_at),
        "updated_at": _timestamp(record.updated_at),
        **record.content,
    }


def write_json(records: Iterable[Record] | None, stream: IO[str]) -> int:
    """Write `{"data_dictionary": [...], "records": [...]}` one record at a time;
    returns the record count."""
    stream.write('{"data_dictionary": ')
    stream.write(json.dumps(DATA_DICTIONARY, ensure_ascii=False))
    stream.write(', "records": [')
    count = 0
    for record in published_records(records):
        stream.write(",\n" if count else "\n")
        stream.write(json.dumps(export_document(record), ensure_ascii=False))
        count += 1
    stream.write("\n]}\n")
    return count


def write_data_dictionary_csv(stream: IO[str]) -> int:
    """Write DATA_DICTIONARY as CSV: name, type, description, allowed_values, collections."""
    header = ["name", "type", "description", "allowed_values", "collections"]
    rows = ([_cell(column[name]) for name in header] for column in DATA_DICTIONARY)
    return core_exports.write_csv(stream, header, rows)
