"""Reading a planner's files: sites, fibre nodes and towers (CSV or GeoJSON points) and roads
(GeoJSON lines), checked so that a bad file stops with the file, row and field named.

Rows are numbered as a spreadsheet shows them: in a CSV the header is row 1, so the first
site is row 2; in GeoJSON the row is the feature's 1-based number. Ids are kept as text
exactly as written (less surrounding spaces), so "007" stays "007".
"""

from __future__ import annotations

import csv
import io
import json
import math
from collections.abc import Callable, Iterable, Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import IO, Any

import numpy as np
from scipy.sparse import coo_matrix
from scipy.sparse.csgraph import connected_components

from . import geo
from .data import FibreNodes, Roads, Sites, Towers

MAX_BYTES = 200 * 1024 * 1024  # a country's schools are ~10 MB; a road network can be more
MAX_ROWS = 2_000_000  # ten times the largest country's school count
MAX_CELL_CHARS = 10_000
MAX_COLUMNS = 500
MAX_ID_CHARS = 200
# A tower reaching further than this was surely given in metres (a 4G macro cell reaches
# ~35 km at most; the longest microwave hops are ~200 km over water).
MAX_RANGE_KM = 200.0
MAX_STUDENTS = 1_000_000  # more than the largest school on record, by an order of magnitude
GENERATIONS = {"2G": 2, "3G": 3, "4G": 4, "LTE": 4, "5G": 5, "NR": 5}

Source = str | Path | bytes | bytearray | IO[bytes]


class InputError(ValueError):
    """A file the planner cannot use, naming the file, the row (or feature) and the field."""

    def __init__(self, file: str, row: int | None, field: str | None, problem: str) -> None:
        self.file = file
        self.row = row
        self.field = field
        self.problem = problem
        where = [file]
        if row is not None:
            where.append(f"row {row}")
        if field is not None:
            where.append(field)
        super().__init__(f"{', '.join(where)}: {problem}")


class _Bad(Exception):
    """A value's problem, before the reader knows its row and field."""


# Values ---------------------------------------------------------------------------


def _text(value: object) -> str:
    if value is None:
        return ""
    if isinstance(value, bool | int | float | str):
        return str(value).strip()
    raise _Bad(f"must be text, got {type(value).__name__}")


def _number(value: object) -> float:
    if isinstance(value, bool) or value is None:
        raise _Bad(f"must be a number, got {value!r}")
    if isinstance(value, int | float):
        number = float(value)
    elif isinstance(value, str):
        text = value.strip()
        if not text:
            raise _Bad("is empty")
        # float() also takes "1_000" and " nan "; neither belongs in a planner's file.
        if "_" in text:
            raise _Bad(f"must be a number, got {text!r}")
        try:
            number = float(text)
        except ValueError:
            raise _Bad(f"must be a number, got {_short(text)!r}") from None
    else:
        raise _Bad(f"must be a number, got {type(value).__name__}")
    if not math.isfinite(number):
        raise _Bad(f"must be a finite number, got {value!r}")
    return number


def _count(value: object, *, most: int) -> int:
    """A whole number >= 0; empty means 0 (unknown counts as none)."""
    if value is None or (isinstance(value, str) and not value.strip()):
        return 0
    number = _number(value)
    if number != int(number):
        raise _Bad(f"must be a whole number, got {value!r}")
    if number < 0:
        raise _Bad(f"must not be negative, got {value!r}")
    if number > most:
        raise _Bad(f"must be at most {most:,}, got {value!r}")
    return int(number)


TRUE = {"true", "yes", "y", "1", "t"}
FALSE = {"false", "no", "n", "0", "f", ""}


def _flag(value: object) -> bool:
    """Yes/no; empty means no (a site whose electricity is unknown is costed with solar)."""
    if isinstance(value, bool):
        return value
    if value is None:
        return False
    if isinstance(value, int | float) and value in (0, 1):
        return bool(value)
    text = _text(value).lower()
    if text in TRUE:
        return True
    if text in FALSE:
        return False
    raise _Bad(f"must be yes or no (true/false, 1/0), got {_short(str(value))!r}")


def _short(text: str) -> str:
    return text if len(text) <= 40 else text[:40] + "…"


# Tables ---------------------------------------------------------------------------


@dataclass(frozen=True)
class _Column:
    name: str
    parse: Callable[[object], Any]
    required: bool = True
    default: object = None


def _point_columns(id_name: str) -> list[_Column]:
    return [
        _Column(id_name, _text),
        _Column("latitude", _number),
        _Column("longitude", _number),
    ]


SITE_COLUMNS = [
    *_point_columns("site_id"),
    _Column("num_students", lambda v: _count(v, most=MAX_STUDENTS)),
    _Column("has_electricity", _flag),
    _Column("population", lambda v: _count(v, most=100_000_000), False, 0),
    _Column("already_connected", _flag, False, False),
    _Column("name", _text, False, ""),
    _Column("admin1", _text, False, ""),
]
FIBRE_COLUMNS = _point_columns("node_id")
TOWER_COLUMNS = [
    *_point_columns("tower_id"),
    _Column("technology", _text),
    _Column("range_km", _number),
]


def _check_row(values: dict[str, Any], id_name: str) -> None:
    """The checks that look at more than one value: raises (field, problem)."""
    ident = values[id_name]
    if not ident:
        raise _FieldBad(id_name, "is empty: every row needs an id")
    if len(ident) > MAX_ID_CHARS:
        raise _FieldBad(id_name, f"is {len(ident):,} characters; the limit is {MAX_ID_CHARS}")
    lat, lon = values["latitude"], values["longitude"]
    if abs(lat) > 90:
        hint = "; are latitude and longitude swapped?" if abs(lon) <= 90 else ""
        raise _FieldBad("latitude", f"must be within -90..90, got {lat:g}{hint}")
    if abs(lon) > 180:
        raise _FieldBad("longitude", f"must be within -180..180, got {lon:g}")
    if lat == 0 and lon == 0:
        raise _FieldBad("latitude", "no coordinates (0, 0 is a placeholder, not a place)")


class _FieldBad(Exception):
    def __init__(self, field: str, problem: str) -> None:
        super().__init__(problem)
        self.field = field
        self.problem = problem


def _check_tower(values: dict[str, Any]) -> None:
    tech = values["technology"].upper()
    if tech not in GENERATIONS:
        raise _FieldBad(
            "technology", f"must be one of 2G, 3G, 4G, 5G, got {values['technology']!r}"
        )
    values["technology"] = GENERATIONS[tech]
    km = values["range_km"]
    if km <= 0:
        raise _FieldBad("range_km", f"must be more than 0, got {km:g}")
    if km > MAX_RANGE_KM:
        raise _FieldBad(
            "range_km",
            f"{km:g} km is more than any tower reaches ({MAX_RANGE_KM:g} km): "
            "was it given in metres?",
        )


def _collect(
    rows: Iterable[tuple[int, Mapping[str, object]]],
    columns: list[_Column],
    name: str,
    *,
    extra_check: Callable[[dict[str, Any]], None] | None = None,
    max_rows: int = MAX_ROWS,
) -> dict[str, list[Any]]:
    """Parse and check every row; the first problem stops the read."""
    id_name = columns[0].name
    out: dict[str, list[Any]] = {c.name: [] for c in columns}
    first_row_of: dict[str, int] = {}
    count = 0
    for number, row in rows:
        count += 1
        if count > max_rows:
            raise InputError(name, number, None, f"more than {max_rows:,} rows")
        values: dict[str, Any] = {}
        for column in columns:
            raw = row.get(column.name)
            if raw is None and not column.required:
                values[column.name] = column.default
                continue
            try:
                values[column.name] = column.parse(raw)
            except _Bad as exc:
                if column.name in ("latitude", "longitude") and _blank(raw):
                    raise InputError(name, number, column.name, "no coordinates") from None
                raise InputError(name, number, column.name, str(exc)) from None
        try:
            _check_row(values, id_name)
            if extra_check is not None:
                extra_check(values)
        except _FieldBad as exc:
            raise InputError(name, number, exc.field, exc.problem) from None
        ident = values[id_name]
        if ident in first_row_of:
            raise InputError(
                name, number, id_name, f"{_short(ident)!r} repeats row {first_row_of[ident]}"
            )
        first_row_of[ident] = number
        for key, value in values.items():
            out[key].append(value)
    if not count:
        raise InputError(name, None, None, "no rows: the file has a header but nothing else")
    return out


def _blank(value: object) -> bool:
    return value is None or (isinstance(value, str) and not value.strip())


def _ids(values: list[str]) -> np.ndarray:
    return np.array(values, dtype=object)


def _floats(values: list[float]) -> np.ndarray:
    return np.array(values, dtype=np.float64)


def _sites(cols: dict[str, list[Any]]) -> Sites:
    return Sites(
        site_id=_ids(cols["site_id"]),
        lat=_floats(cols["latitude"]),
        lon=_floats(cols["longitude"]),
        num_students=np.array(cols["num_students"], dtype=np.int64),
        has_electricity=np.array(cols["has_electricity"], dtype=bool),
        population=np.array(cols["population"], dtype=np.int64),
        already_connected=np.array(cols["already_connected"], dtype=bool),
        name=_ids(cols["name"]),
        admin1=_ids(cols["admin1"]),
    )


# Bytes to rows --------------------------------------------------------------------


def _read_bytes(source: Source, name: str, max_bytes: int) -> bytes:
    if isinstance(source, bytes | bytearray):
        data = bytes(source)
    elif isinstance(source, str | Path):
        path = Path(source)
        try:
            size = path.stat().st_size
        except OSError as exc:
            raise InputError(name, None, None, f"cannot be read ({exc.strerror})") from None
        if size > max_bytes:  # refused before a byte is read
            raise InputError(name, None, None, _too_big(size, max_bytes))
        data = path.read_bytes()
    else:
        data = source.read(max_bytes + 1)
        if not isinstance(data, bytes):  # a programming error, said plainly
            raise TypeError(f"{name}: open the file in binary mode ('rb')")
    if len(data) > max_bytes:
        raise InputError(name, None, None, _too_big(len(data), max_bytes))
    return data


def _too_big(size: int, limit: int) -> str:
    more = "more than " if size == limit + 1 else ""
    return f"the file is {more}{size:,} bytes; the limit is {limit:,}"


def _decode(data: bytes, name: str) -> str:
    if data[:2] in (b"\xff\xfe", b"\xfe\xff"):
        raise InputError(name, None, None, "the file is UTF-16: save it as UTF-8")
    if data[:4] == b"PK\x03\x04":
        raise InputError(name, None, None, "the file is a ZIP archive (an .xlsx workbook?)")
    nul = data.find(b"\x00")
    if nul >= 0:
        raise InputError(name, None, None, f"byte {nul:,} is a NUL: not a text file")
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        bad = data[exc.start : exc.start + 1]
        raise InputError(
            name, None, None, f"byte {exc.start:,} ({bad!r}) is not UTF-8: save the file as UTF-8"
        ) from None
    if not text.strip():
        raise InputError(name, None, None, "the file is empty")
    return text


def _csv_rows(text: str, name: str, columns: list[_Column]) -> Iterator[tuple[int, dict[str, str]]]:
    first_line = text.split("\n", 1)[0]
    delimiter = max(",;\t", key=first_line.count)
    # Big enough for any honest cell, small enough that one bad quote cannot swallow the file.
    csv.field_size_limit(MAX_CELL_CHARS)
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)
    try:
        header = [h.strip().lower() for h in next(reader)]
    except csv.Error as exc:
        raise InputError(name, 1, None, f"cannot read the header ({exc})") from None
    if len(header) > MAX_COLUMNS:
        raise InputError(name, 1, None, f"{len(header):,} columns; the limit is {MAX_COLUMNS}")
    seen: set[str] = set()
    for column in header:
        if column and column in seen:
            raise InputError(name, 1, column, "the header names this column twice")
        seen.add(column)
    missing = [c.name for c in columns if c.required and c.name not in seen]
    if missing:
        shown = ", ".join(_short(h) for h in header[:30])
        raise InputError(name, 1, missing[0], f"missing column (the header has: {shown})")
    number = 1  # records, as a spreadsheet numbers rows (a quoted cell may span lines)
    try:
        for values in reader:
            number += 1
            if not any(v.strip() for v in values):
                continue
            if len(values) != len(header):
                raise InputError(
                    name, number, None, f"{len(values)} values for {len(header)} columns"
                )
            yield number, dict(zip(header, values, strict=True))
    except csv.Error as exc:
        raise InputError(name, number + 1, None, f"not readable as CSV ({exc})") from None


def _geojson_points(text: str, name: str) -> Iterator[tuple[int, dict[str, object]]]:
    for number, feature in _features(text, name):
        geometry = feature.get("geometry")
        if geometry is None:
            raise InputError(name, number, "geometry", "no coordinates")
        if not isinstance(geometry, dict) or geometry.get("type") != "Point":
            kind = geometry.get("type") if isinstance(geometry, dict) else type(geometry).__name__
            raise InputError(name, number, "geometry", f"must be a Point, got {kind!r}")
        lon, lat = _position(geometry.get("coordinates"), name, number)
        properties = feature.get("properties") or {}
        if not isinstance(properties, dict):
            raise InputError(name, number, "properties", "must be an object")
        row = {str(k).strip().lower(): v for k, v in properties.items()}
        row["latitude"], row["longitude"] = lat, lon
        yield number, row


def parse_json(data: str | bytes, name: str, *, max_bytes: int = MAX_BYTES) -> object:
    """A JSON document, refused as a file is: over the size limit, not UTF-8, not JSON
    (NaN and Infinity included), or nested deeper than the parser goes."""
    if len(data) > max_bytes:
        raise InputError(name, None, None, _too_big(len(data), max_bytes))
    text = _decode(data, name) if isinstance(data, bytes) else data
    try:
        return json.loads(text, parse_constant=_no_constant)
    except json.JSONDecodeError as exc:
        raise InputError(
            name, None, None, f"not valid JSON at line {exc.lineno}, column {exc.colno}: {exc.msg}"
        ) from None
    except RecursionError:
        raise InputError(name, None, None, "JSON nested too deeply") from None


def _no_constant(token: str) -> object:
    raise json.JSONDecodeError(f"{token} is not a number JSON allows", token, 0)


def _features(text: str, name: str) -> Iterator[tuple[int, dict[str, Any]]]:
    document = parse_json(text, name, max_bytes=len(text))
    if not isinstance(document, dict) or document.get("type") != "FeatureCollection":
        raise InputError(name, None, "type", "must be a GeoJSON FeatureCollection")
    features = document.get("features")
    if not isinstance(features, list):
        raise InputError(name, None, "features", "must be a list")
    for number, feature in enumerate(features, start=1):
        if not isinstance(feature, dict) or feature.get("type") != "Feature":
            raise InputError(name, number, "type", "must be a GeoJSON Feature")
        yield number, feature


def _position(value: object, name: str, number: int) -> tuple[float, float]:
    """[longitude, latitude] (GeoJSON order), a third value (elevation) ignored."""
    if not isinstance(value, list) or len(value) < 2:
        raise InputError(name, number, "coordinates", "must be [longitude, latitude]")
    try:
        return _number(value[0]), _number(value[1])
    except _Bad as exc:
        raise InputError(name, number, "coordinates", str(exc)) from None


def _is_json(text: str) -> bool:
    return text.lstrip()[:1] in ("{", "[")


def _rows(
    source: Source, name: str, max_bytes: int, columns: list[_Column]
) -> Iterator[tuple[int, Mapping[str, object]]]:
    text = _decode(_read_bytes(source, name, max_bytes), name)
    if _is_json(text):
        return _geojson_points(text, name)
    return _csv_rows(text, name, columns)


def _required_columns(
    rows: Iterator[tuple[int, Mapping[str, object]]], columns: list[_Column], name: str
) -> Iterator[tuple[int, Mapping[str, object]]]:
    """GeoJSON properties may lack a required property: name it at its feature."""
    for number, row in rows:
        for column in columns:
            if column.required and column.name not in row:
                raise InputError(name, number, column.name, "missing")
        yield number, row


def _read_table(
    source: Source,
    name: str,
    columns: list[_Column],
    max_bytes: int,
    max_rows: int,
    extra_check: Callable[[dict[str, Any]], None] | None = None,
) -> dict[str, list[Any]]:
    rows = _required_columns(_rows(source, name, max_bytes, columns), columns, name)
    return _collect(rows, columns, name, extra_check=extra_check, max_rows=max_rows)


# The readers ----------------------------------------------------------------------


def read_sites(
    source: Source, *, name: str = "sites.csv", max_bytes: int = MAX_BYTES, max_rows: int = MAX_ROWS
) -> Sites:
    """Schools (or other sites) from CSV with columns site_id, latitude, longitude,
    num_students, has_electricity (optional population, already_connected, name, admin1),
    or a GeoJSON FeatureCollection of Points with those properties."""
    return _sites(_read_table(source, name, SITE_COLUMNS, max_bytes, max_rows))


def sites_from_rows(rows: Iterable[Mapping[str, object]], *, name: str = "sites") -> Sites:
    """Sites from mappings with the CSV's column names (row = 1-based position), checked
    as a file is."""
    numbered = ((number, row) for number, row in enumerate(rows, start=1))
    return _sites(_collect(_required_columns(numbered, SITE_COLUMNS, name), SITE_COLUMNS, name))


def read_fibre_nodes(
    source: Source, *, name: str = "fibre.csv", max_bytes: int = MAX_BYTES, max_rows: int = MAX_ROWS
) -> FibreNodes:
    """Fibre nodes: CSV node_id, latitude, longitude, or GeoJSON Points with node_id."""
    cols = _read_table(source, name, FIBRE_COLUMNS, max_bytes, max_rows)
    return FibreNodes(
        node_id=_ids(cols["node_id"]),
        lat=_floats(cols["latitude"]),
        lon=_floats(cols["longitude"]),
    )


def read_towers(
    source: Source,
    *,
    name: str = "towers.csv",
    max_bytes: int = MAX_BYTES,
    max_rows: int = MAX_ROWS,
) -> Towers:
    """Cell towers: CSV tower_id, latitude, longitude, technology (2G..5G), range_km,
    or GeoJSON Points with those properties."""
    cols = _read_table(source, name, TOWER_COLUMNS, max_bytes, max_rows, _check_tower)
    return Towers(
        tower_id=_ids(cols["tower_id"]),
        lat=_floats(cols["latitude"]),
        lon=_floats(cols["longitude"]),
        generation=np.array(cols["technology"], dtype=np.int8),
        range_km=_floats(cols["range_km"]),
    )


def read_roads(
    source: Source,
    *,
    name: str = "roads.geojson",
    max_bytes: int = MAX_BYTES,
    max_rows: int = MAX_ROWS,
) -> Roads:
    """A road network from a GeoJSON FeatureCollection of LineString/MultiLineString
    features. Lines that share a position (to about 1 cm) meet there; parts that meet
    nowhere are kept (see `road_components`)."""
    text = _decode(_read_bytes(source, name, max_bytes), name)
    if not _is_json(text):
        raise InputError(name, None, None, "roads must be GeoJSON (a FeatureCollection of lines)")
    lines: list[np.ndarray] = []
    count = 0
    for number, feature in _features(text, name):
        count += 1
        if count > max_rows:
            raise InputError(name, number, None, f"more than {max_rows:,} features")
        for line in _feature_lines(feature, name, number):
            lines.append(line)
    if not lines:
        raise InputError(name, None, "features", "no lines: the network is empty")
    return _road_graph(lines)


def _feature_lines(feature: dict[str, Any], name: str, number: int) -> list[np.ndarray]:
    geometry = feature.get("geometry")
    if geometry is None:
        raise InputError(name, number, "geometry", "no coordinates")
    if not isinstance(geometry, dict):
        raise InputError(name, number, "geometry", "must be an object")
    kind = geometry.get("type")
    coordinates = geometry.get("coordinates")
    if kind == "LineString":
        parts = [coordinates]
    elif kind == "MultiLineString" and isinstance(coordinates, list):
        parts = coordinates
    else:
        raise InputError(
            name, number, "geometry", f"must be a LineString or MultiLineString, got {kind!r}"
        )
    out = []
    for part in parts:
        if not isinstance(part, list) or len(part) < 2:
            raise InputError(name, number, "coordinates", "a line needs at least two positions")
        points = np.array([_position(p, name, number) for p in part], dtype=np.float64)
        lon, lat = points[:, 0], points[:, 1]
        bad_lat = np.flatnonzero(np.abs(lat) > 90)
        if len(bad_lat):
            raise InputError(
                name, number, "coordinates", f"latitude {lat[bad_lat[0]]:g} is outside -90..90"
            )
        bad_lon = np.flatnonzero(np.abs(lon) > 180)
        if len(bad_lon):
            raise InputError(
                name, number, "coordinates", f"longitude {lon[bad_lon[0]]:g} is outside -180..180"
            )
        out.append(points)
    return out


def _road_graph(lines: list[np.ndarray]) -> Roads:
    points = np.concatenate(lines)
    # Positions equal to 1e-7 degrees (about 1 cm) are one vertex, so lines join.
    keys = np.round(points * 1e7).astype(np.int64)
    unique, vertex = np.unique(keys, axis=0, return_inverse=True)
    vertex = vertex.reshape(-1)
    starts = np.cumsum([0] + [len(line) for line in lines[:-1]])
    ends = starts + np.array([len(line) for line in lines]) - 1
    keep = np.ones(len(points), dtype=bool)
    keep[ends] = False  # a segment runs from each point to the next within its line
    a = np.flatnonzero(keep)
    edge_from, edge_to = vertex[a], vertex[a + 1]
    real = edge_from != edge_to  # a repeated position is not a segment
    edge_from, edge_to = edge_from[real], edge_to[real]
    lon, lat = unique[:, 0] / 1e7, unique[:, 1] / 1e7
    length = geo.haversine_km(lat[edge_from], lon[edge_from], lat[edge_to], lon[edge_to])
    return Roads(
        lat=lat,
        lon=lon,
        edge_from=edge_from.astype(np.int64),
        edge_to=edge_to.astype(np.int64),
        length_km=np.asarray(length, dtype=np.float64),
    )


def road_components(roads: Roads) -> int:
    """How many separate pieces the network has (1 when every road meets every other)."""
    n = len(roads.lat)
    if n == 0:
        return 0
    graph = coo_matrix(
        (np.ones(len(roads.edge_from)), (roads.edge_from, roads.edge_to)), shape=(n, n)
    )
    count, _ = connected_components(graph, directed=False)
    return int(count)
