"""CSV and GeoJSON of any filtered selection of schools, written as a stream of text
chunks: schools are read in keyset chunks (selectors.iter_schools), so memory stays
flat at two million rows. Cells a spreadsheet would read as a formula are escaped."""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Iterator
from typing import Any

from resilnet.core.exports import safe_cell
from resilnet.schools import selectors

# Giga's school master fields as the profile groups them, then what resilnet keeps.
COLUMNS = [
    "country",
    *(name for names in selectors.PROFILE_GROUPS.values() for name in names),
    "realtime",
    "connectivity_global",
    "connectivity_national",
    "coverage",
]
_FIELDS = ["country__iso3" if name == "country" else name for name in COLUMNS]
BOM = "\ufeff"


def _rows(filters: selectors.SchoolFilters) -> Iterator[dict[str, Any]]:
    for row in selectors.iter_schools(filters, _FIELDS):
        yield {"id": row[0], **dict(zip(COLUMNS, row[1:], strict=True))}


def _csv_cell(value: Any) -> Any:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    return safe_cell(value)


def csv_chunks(filters: selectors.SchoolFilters, bom: bool = False) -> Iterator[str]:
    """The CSV, header first, a few hundred rows per chunk; `bom` starts it with a UTF-8
    byte-order mark, which spreadsheet programs need to read it as UTF-8."""
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow(["id", *COLUMNS])
    head = buffer.getvalue()
    yield (BOM + head) if bom else head
    buffer.seek(0)
    buffer.truncate()
    for count, row in enumerate(_rows(filters), 1):
        writer.writerow([_csv_cell(value) for value in row.values()])
        if count % 500 == 0:
            yield buffer.getvalue()
            buffer.seek(0)
            buffer.truncate()
    yield buffer.getvalue()


def geojson_chunks(filters: selectors.SchoolFilters) -> Iterator[str]:
    """A GeoJSON FeatureCollection (RFC 7946): one Point per school, its fields as
    properties, feature ids the school ids."""
    yield '{"type": "FeatureCollection", "features": ['
    parts: list[str] = []
    first = True
    for row in _rows(filters):
        feature = {
            "type": "Feature",
            "id": row["id"],
            "geometry": {"type": "Point", "coordinates": [row["longitude"], row["latitude"]]},
            "properties": row,
        }
        parts.append(("" if first else ",") + "\n" + json.dumps(feature, ensure_ascii=False))
        first = False
        if len(parts) == 500:
            yield "".join(parts)
            parts.clear()
    parts.append("\n]}\n")
    yield "".join(parts)


CONTENT_TYPES = {"csv": "text/csv; charset=utf-8", "geojson": "application/geo+json"}


def streaming_response(chunks: Iterator[str], fmt: str, name: str = "schools") -> Any:
    """The export as an attachment, streamed to the client as it is written."""
    from django.http import StreamingHttpResponse

    response = StreamingHttpResponse(
        (chunk.encode() for chunk in chunks), content_type=CONTENT_TYPES[fmt]
    )
    response["Content-Disposition"] = f'attachment; filename="resilnet-{name}.{fmt}"'
    return response
