"""GeoJSON school master files: a FeatureCollection of Point features, the properties
being the columns and the point's coordinates the position (longitude, latitude)."""

from __future__ import annotations

import json
from collections.abc import Iterator, Mapping
from typing import IO, Any

from resilnet.schools.importers.base import (
    MAX_CELL_CHARS,
    MAX_ROWS,
    ImportFormatError,
    SourceRows,
    cell_too_long,
    not_utf8,
    resolve_columns,
    text_stream,
    too_many_rows,
)

NOT_A_POINT = "__geometry__"  # a feature whose geometry is not a Point: checks.py rejects it
MAX_GEOJSON_BYTES = 512 * 1024 * 1024  # parsed whole: Python objects take ten times more


def read(stream: IO[bytes], mapping: Mapping[str, str]) -> SourceRows:
    text = text_stream(stream)
    try:
        document = json.loads(text.read(MAX_GEOJSON_BYTES + 1))
    except UnicodeDecodeError as exc:
        raise not_utf8(exc) from None
    except (json.JSONDecodeError, RecursionError) as exc:
        raise ImportFormatError(f"not JSON ({exc})") from None
    if text.read(1):
        raise ImportFormatError(f"a GeoJSON file over {MAX_GEOJSON_BYTES:,} characters")
    if not isinstance(document, dict) or document.get("type") != "FeatureCollection":
        raise ImportFormatError("not a GeoJSON FeatureCollection")
    features = document.get("features")
    if not isinstance(features, list):
        raise ImportFormatError("the FeatureCollection has no list of features")
    if len(features) > MAX_ROWS:
        raise too_many_rows()
    header: dict[str, None] = {}
    for feature in features:
        properties = feature.get("properties") if isinstance(feature, dict) else None
        if isinstance(properties, dict):
            header.update(dict.fromkeys(str(k) for k in properties))
            if len(header) > 500:
                break
    names, ignored = resolve_columns(list(header), mapping)
    rename = {label: name for label, name in zip(header, names, strict=True) if name is not None}
    columns = tuple(dict.fromkeys([*rename.values(), "latitude", "longitude"]))

    def rows() -> Iterator[tuple[int, dict[str, Any]]]:
        for number, feature in enumerate(features, start=1):
            geometry = feature.get("geometry") if isinstance(feature, dict) else None
            properties = feature.get("properties") if isinstance(feature, dict) else None
            row: dict[str, Any] = {}
            if isinstance(properties, dict):
                for label, value in properties.items():
                    name = rename.get(str(label))
                    if name is None:
                        continue
                    if isinstance(value, str) and len(value) > MAX_CELL_CHARS:
                        raise cell_too_long(number, name)
                    row[name] = value if not isinstance(value, dict | list) else json.dumps(value)
            coordinates = geometry.get("coordinates") if isinstance(geometry, dict) else None
            if (
                not isinstance(geometry, dict)
                or geometry.get("type") != "Point"
                or not isinstance(coordinates, list)
                or len(coordinates) < 2
            ):
                row[NOT_A_POINT] = geometry.get("type") if isinstance(geometry, dict) else None
            else:
                row["longitude"], row["latitude"] = coordinates[0], coordinates[1]
            yield number, row

    return SourceRows(columns, rows(), ignored, len(features))
