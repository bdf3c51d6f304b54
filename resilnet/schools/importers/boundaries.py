"""Admin-area boundaries from a GeoJSON FeatureCollection of Polygon/MultiPolygon features.

Each feature's properties name its code, name and (for admin 1 and 2) its parent's code;
`level`, when present, must be the level being imported. Field names are options for
files that spell them otherwise. The whole file is checked before anything is written:
`parse_boundaries` returns every feature's problem, naming the feature by its position
and code; the service (services/areas.py) writes only a clean file.
"""

from __future__ import annotations

import json
import math
from dataclasses import dataclass, field
from typing import IO, Any

import shapely
from shapely.geometry import MultiPolygon, Polygon
from shapely.geometry.base import BaseGeometry

# A national admin-2 file is a few megabytes; Natural Earth's whole world at 1:10m is 25.
MAX_BYTES = 100 * 1024 * 1024
MAX_VERTICES_PER_FEATURE = 1_000_000
MAX_VERTICES = 5_000_000
MAX_FEATURES = 100_000
MAX_CODE, MAX_TEXT = 64, 200  # what AdminArea.code and .name hold


class BoundaryFormatError(Exception):
    """The file as a whole cannot be used (too big, not UTF-8 JSON, not a FeatureCollection)."""


@dataclass(frozen=True)
class AreaFeature:
    code: str
    name: str
    parent_code: str
    geometry: BaseGeometry  # a valid Polygon or MultiPolygon


@dataclass(frozen=True)
class FeatureError:
    feature: int  # 1-based position in the file's `features`
    code: str
    reason: str

    def __str__(self) -> str:
        named = f" ({self.code})" if self.code else ""
        return f"feature {self.feature}{named}: {self.reason}"


@dataclass
class ParsedBoundaries:
    features: list[AreaFeature] = field(default_factory=list)
    errors: list[FeatureError] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)


@dataclass(frozen=True)
class FieldNames:
    code: str = "code"
    name: str = "name"
    parent: str = "parent_code"
    level: str = "level"


def read_limited(stream: IO[bytes], limit: int | None = None) -> bytes:
    """The stream's bytes, refusing more than `limit` without reading them all."""
    limit = limit or MAX_BYTES
    raw = stream.read(limit + 1)
    if len(raw) > limit:
        raise BoundaryFormatError(f"the file is larger than the limit of {limit:,} bytes")
    return raw


def load_geojson(raw: bytes) -> dict[str, Any]:
    nul = raw.find(b"\x00")
    if nul >= 0:
        raise BoundaryFormatError(
            f"the file has a NUL byte at offset {nul:,}: GeoJSON is UTF-8 text"
        )
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise BoundaryFormatError(f"byte {exc.start:,} is not UTF-8; GeoJSON is UTF-8") from None
    try:
        data = json.loads(text, parse_constant=_refuse_constant)
    except (ValueError, RecursionError) as exc:  # JSONDecodeError is a ValueError
        raise BoundaryFormatError(f"not JSON: {str(exc)[:200]}") from None
    if not isinstance(data, dict) or data.get("type") != "FeatureCollection":
        raise BoundaryFormatError("expected a GeoJSON FeatureCollection")
    features = data.get("features")
    if not isinstance(features, list):
        raise BoundaryFormatError("the FeatureCollection has no `features` list")
    if len(features) > MAX_FEATURES:
        raise BoundaryFormatError(f"{len(features):,} features; the limit is {MAX_FEATURES:,}")
    return data


def _refuse_constant(name: str) -> float:
    raise ValueError(f"{name} is not a number JSON allows")


def parse_boundaries(
    stream: IO[bytes], level: int, names: FieldNames | None = None
) -> ParsedBoundaries:
    names = names or FieldNames()
    data = load_geojson(read_limited(stream))
    result = ParsedBoundaries()
    total_vertices = 0
    seen: set[str] = set()
    for position, feature in enumerate(data["features"], start=1):
        try:
            area, warning, vertices = _feature(feature, level, names)
        except FeatureProblem as problem:
            result.errors.append(FeatureError(position, problem.code, problem.reason))
            continue
        total_vertices += vertices
        if total_vertices > MAX_VERTICES:
            raise BoundaryFormatError(
                f"more than {MAX_VERTICES:,} vertices in all (at feature {position}); "
                "simplify the boundaries first"
            )
        if area.code in seen:
            result.errors.append(FeatureError(position, area.code, "duplicate code in the file"))
            continue
        seen.add(area.code)
        if warning:
            result.warnings.append(f"feature {position} ({area.code}): {warning}")
        result.features.append(area)
    return result


class FeatureProblem(Exception):
    def __init__(self, reason: str, code: str = "") -> None:
        super().__init__(reason)
        self.reason, self.code = reason, code


def _text(
    properties: dict[str, Any], key: str, code: str, *, required: bool, limit: int = MAX_TEXT
) -> str:
    value = properties.get(key)
    if value is None or value == "":
        if required:
            raise FeatureProblem(f"property {key!r} is missing", code)
        return ""
    if isinstance(value, bool) or not isinstance(value, str | int):
        raise FeatureProblem(f"property {key!r} must be text or a whole number", code)
    text = str(value).strip()
    if len(text) > limit or any(ord(c) < 32 for c in text):
        raise FeatureProblem(
            f"property {key!r} is longer than {limit} characters or has control characters",
            code,
        )
    return text


def _feature(feature: Any, level: int, names: FieldNames) -> tuple[AreaFeature, str, int]:
    if not isinstance(feature, dict) or feature.get("type") != "Feature":
        raise FeatureProblem("not a GeoJSON Feature")
    properties = feature.get("properties")
    if not isinstance(properties, dict):
        raise FeatureProblem("the feature has no properties")
    code = _text(properties, names.code, "", required=True, limit=MAX_CODE)
    name = _text(properties, names.name, code, required=True)
    parent = _text(properties, names.parent, code, required=False, limit=MAX_CODE)
    declared = properties.get(names.level)
    if declared is not None and str(declared) != str(level):
        raise FeatureProblem(f"its {names.level!r} is {declared!r}, not {level}", code)
    geometry, warning, vertices = checked_geometry(feature.get("geometry"), code)
    return AreaFeature(code, name, parent, geometry), warning, vertices


def checked_geometry(geometry: Any, code: str = "") -> tuple[BaseGeometry, str, int]:
    """A valid Polygon or MultiPolygon from a GeoJSON geometry, the warning when it had to
    be repaired, and its number of vertices. Raises FeatureProblem naming what is wrong."""
    if not isinstance(geometry, dict):
        raise FeatureProblem("the feature has no geometry", code)
    kind = geometry.get("type")
    coordinates = geometry.get("coordinates")
    if kind == "Polygon":
        polygons = [coordinates]
    elif kind == "MultiPolygon":
        if not isinstance(coordinates, list) or not coordinates:
            raise FeatureProblem("a MultiPolygon needs a non-empty list of polygons", code)
        polygons = coordinates
    else:
        raise FeatureProblem(
            f"a {kind!r} geometry; only Polygon and MultiPolygon bound areas", code
        )
    shapes, vertices = [], 0
    for p, rings in enumerate(polygons):
        if not isinstance(rings, list) or not rings:
            raise FeatureProblem(f"polygon {p} has no rings", code)
        checked = []
        for r, ring in enumerate(rings):
            checked.append(_ring(ring, f"ring {r} of polygon {p}", code))
            vertices += len(ring)
            if vertices > MAX_VERTICES_PER_FEATURE:
                raise FeatureProblem(
                    f"more than {MAX_VERTICES_PER_FEATURE:,} vertices; simplify it first", code
                )
        shapes.append(Polygon(checked[0], checked[1:]))
    shape: BaseGeometry = shapes[0] if kind == "Polygon" else MultiPolygon(shapes)
    warning = ""
    if not shape.is_valid:
        reason = shapely.is_valid_reason(shape)
        shape = polygonal_part(shapely.make_valid(shape))
        if shape.is_empty:
            raise FeatureProblem(f"invalid geometry ({reason}) with no area once repaired", code)
        warning = f"invalid geometry ({reason}) repaired"
    if shape.is_empty or shape.area == 0:
        raise FeatureProblem("the geometry has no area", code)
    return shape, warning, vertices


def _ring(ring: Any, where: str, code: str) -> list[tuple[float, float]]:
    if not isinstance(ring, list) or len(ring) < 4:
        raise FeatureProblem(f"{where} needs at least 4 positions", code)
    points = []
    for i, position in enumerate(ring):
        if not isinstance(position, list) or len(position) < 2:
            raise FeatureProblem(f"{where}, position {i}: expected [longitude, latitude]", code)
        lon, lat = position[0], position[1]
        if not all(_is_number(v) for v in (lon, lat)):
            raise FeatureProblem(f"{where}, position {i}: coordinates must be numbers", code)
        if not (-180 <= lon <= 180 and -90 <= lat <= 90):
            raise FeatureProblem(
                f"{where}, position {i}: ({lon}, {lat}) is not a WGS84 longitude, latitude", code
            )
        points.append((float(lon), float(lat)))
    if points[0] != points[-1]:
        raise FeatureProblem(f"{where} is not closed (its last position is not its first)", code)
    return points


def _is_number(value: Any) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool) and math.isfinite(value)


def polygonal_part(shape: BaseGeometry) -> BaseGeometry:
    """The polygons of a geometry (what make_valid or an intersection returns may mix in
    lines and points), as one Polygon or MultiPolygon; empty if it has none."""
    if isinstance(shape, Polygon | MultiPolygon):
        return shape
    parts: list[Polygon] = []
    for part in getattr(shape, "geoms", ()):
        if isinstance(part, Polygon):
            parts.append(part)
        elif isinstance(part, MultiPolygon):
            parts.extend(part.geoms)
    if not parts:
        return Polygon()
    return parts[0] if len(parts) == 1 else MultiPolygon(parts)
