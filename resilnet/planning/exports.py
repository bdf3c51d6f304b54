"""A scenario's per-site answer as CSV or GeoJSON, streamed a chunk of rows at a time.

The CSV's first columns are those of `resilnet plan run --out`, so a file from the web and
one from the command line read the same; cells that a spreadsheet would take for a
formula are made plain text (core.exports.safe_cell).
"""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Iterator
from typing import Any

from resilnet.core.exports import safe_cell
from resilnet.planning.engine.data import PLAN_COLUMNS
from resilnet.planning.models import Scenario, SiteResult
from resilnet.planning.selectors import ResultFilters, iter_results

CSV_COLUMNS = [
    *PLAN_COLUMNS,
    "name",
    "admin1",
    "latitude",
    "longitude",
    "num_students",
]
LINKED = ("fibre", "microwave")  # technologies drawn as a line from what they start at


def _csv_value(result: SiteResult, column: str) -> Any:
    value = getattr(result, column)
    if column == "connected":
        return "true" if value else "false"
    return safe_cell(value)


def csv_chunks(scenario: Scenario, filters: ResultFilters | None = None) -> Iterator[str]:
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow(CSV_COLUMNS)
    for count, result in enumerate(iter_results(scenario, filters), start=1):
        writer.writerow([_csv_value(result, column) for column in CSV_COLUMNS])
        if count % 2000 == 0:
            yield buffer.getvalue()
            buffer.seek(0)
            buffer.truncate()
    yield buffer.getvalue()


def _properties(result: SiteResult) -> dict[str, Any]:
    return {
        "site_id": result.site_id,
        "name": result.name,
        "admin1": result.admin1,
        "technology": result.technology,
        "connected": result.connected,
        "capex": float(result.capex),
        "opex_per_year": float(result.opex_per_year),
        "npv": float(result.npv),
        "num_students": result.num_students,
        "demand_mbps": result.demand_mbps,
        "reason": result.reason,
        "via_kind": result.via_kind,
        "via_id": result.via_id,
        "link_km": result.link_km,
    }


def features(result: SiteResult) -> list[dict[str, Any]]:
    """The site as a point; a fibre or microwave link also as a line from where it starts."""
    point = {
        "type": "Feature",
        "geometry": {"type": "Point", "coordinates": [result.longitude, result.latitude]},
        "properties": _properties(result),
    }
    out = [point]
    if (
        result.connected
        and result.technology in LINKED
        and result.via_latitude is not None
        and result.via_longitude is not None
    ):
        out.append(
            {
                "type": "Feature",
                "geometry": {
                    "type": "LineString",
                    "coordinates": [
                        [result.via_longitude, result.via_latitude],
                        [result.longitude, result.latitude],
                    ],
                },
                "properties": {
                    "site_id": result.site_id,
                    "technology": result.technology,
                    "link_km": result.link_km,
                    "via_kind": result.via_kind,
                    "via_id": result.via_id,
                },
            }
        )
    return out


def geojson_chunks(scenario: Scenario, filters: ResultFilters | None = None) -> Iterator[str]:
    yield '{"type":"FeatureCollection","name":' + json.dumps(scenario.name) + ',"features":['
    first = True
    for result in iter_results(scenario, filters):
        for feature in features(result):
            yield ("" if first else ",\n") + json.dumps(feature, ensure_ascii=False)
            first = False
    yield "]}\n"
