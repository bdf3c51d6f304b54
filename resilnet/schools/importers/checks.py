"""The data-quality rules for school master rows, before anything is written.

`Checker` takes rows of raw values a block at a time and keeps the typed, valid ones; each
problem becomes a `Finding` (row, column, severity, message): an error rejects the row, a
warning keeps it. Rules: required fields, text in number columns, impossible values,
positions outside the country's boundary or with latitude and longitude swapped, IDs
repeated in the file; once every row is read, `near_duplicates` flags schools within 10 m
of one another or of a live school of the country. No model is read here: the caller
passes the countries, their boundaries and the live schools' positions.
"""

from __future__ import annotations

import csv
import io
import math
import uuid
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
from django.utils.translation import gettext as _

from resilnet.schools.importers.base import (
    BOOL_COLUMNS,
    COUNT_COLUMNS,
    COUNTRY_COLUMN,
    FLOAT_COLUMNS,
    TEXT_COLUMNS,
    WIDTH_MISMATCH,
)
from resilnet.schools.importers.geojson import NOT_A_POINT

ERROR = "error"
WARNING = "warning"
DUPLICATE_RADIUS_M = 10.0
BORDER_TOLERANCE_DEG = 0.05  # ~5 km: coarse boundaries cut off coastal and border schools
FIRST_YEAR = 1800
REQUIRED = ("school_name", "latitude", "longitude", "education_level")
# School's column sizes (models.py): longer text is refused here, not by the database.
TEXT_CHARS = {
    "school_id_giga": 64,
    "school_id_govt": 100,
    "school_name": 500,
    "education_level": 64,
    "education_level_govt": 200,
    "admin1": 200,
    "admin2": 200,
    "school_area_type": 8,
    "school_funding_type": 64,
    "connectivity_type_govt": 64,
    "cellular_coverage_type": 16,
}
COVERAGE_VALUES = {
    "5g": "5G",
    "4g": "4G",
    "3g": "3G",
    "2g": "2G",
    "no coverage": "no coverage",
    "none": "no coverage",
    "no": "no coverage",
}
AREA_TYPES = {"urban": "urban", "rural": "rural"}
TRUE = {"true", "yes", "y", "1", "t"}
FALSE = {"false", "no", "n", "0", "f"}
# The giga id of a school known only by its government id: the same id on every import.
GIGA_ID_NAMESPACE = uuid.UUID("6f0d54b4-2c6e-4f57-9a55-4a1d1ef7a1a2")
MAX_INT = 2_147_483_647  # PositiveIntegerField on PostgreSQL
MAX_BPS = 9_223_372_036_854_775_807


@dataclass(slots=True)
class Finding:
    row: int
    column: str
    severity: str
    message: str
    school_id: str = ""


def derived_giga_id(iso3: str, school_id_govt: str) -> str:
    return str(uuid.uuid5(GIGA_ID_NAMESPACE, f"{iso3}:{school_id_govt}"))


class Boundary:
    """A country's boundary (GeoJSON Polygon or MultiPolygon), prepared for many points:
    the bounding box first, then the exact test."""

    def __init__(self, geojson: str) -> None:
        import shapely

        self.shape = shapely.from_geojson(geojson)
        shapely.prepare(self.shape)
        self.near = self.shape.buffer(BORDER_TOLERANCE_DEG)
        shapely.prepare(self.near)
        self.bounds = self.near.bounds

    def contains(self, lon: np.ndarray, lat: np.ndarray, *, near: bool = False) -> np.ndarray:
        import shapely

        minx, miny, maxx, maxy = self.bounds
        inside = (lon >= minx) & (lon <= maxx) & (lat >= miny) & (lat <= maxy)
        if inside.any():
            shape = self.near if near else self.shape
            inside[inside] = shapely.contains_xy(shape, lon[inside], lat[inside])
        return inside


@dataclass
class Context:
    countries: dict[str, int]  # ISO3 -> Country id
    boundaries: dict[int, Boundary | None]  # Country id -> its boundary, if loaded
    default_country: str | None = None
    this_year: int = 2100


class _Reject(Exception):
    def __init__(self, column: str, message: str) -> None:
        self.column, self.message = column, message


def _text(name: str, value: Any) -> str:
    text = "" if value is None else str(value).strip()
    if len(text) > TEXT_CHARS[name]:
        raise _Reject(name, _("longer than %(n)d characters") % {"n": TEXT_CHARS[name]})
    return text


def _number(name: str, value: Any) -> float | None:
    if value is None or isinstance(value, bool):
        return None if value is None else float(value)
    if isinstance(value, int | float):
        number = float(value)
    else:
        text = str(value).strip()
        if not text:
            return None
        try:
            number = float(
                text.replace(",", ".") if text.count(",") == 1 and "." not in text else text
            )
        except ValueError:
            raise _Reject(
                name, _("text %(text)r in a number column") % {"text": text[:40]}
            ) from None
    if not math.isfinite(number):
        raise _Reject(name, _("not a finite number"))
    return number


def _count(name: str, value: Any) -> int | None:
    number = _number(name, value)
    if number is None:
        return None
    if number < 0:
        raise _Reject(name, _("negative (%(value)s)") % {"value": _plain(number)})
    if number != int(number):
        raise _Reject(name, _("not a whole number (%(value)s)") % {"value": _plain(number)})
    if number > MAX_INT:
        raise _Reject(name, _("too large (%(value)s)") % {"value": _plain(number)})
    return int(number)


def _plain(number: float) -> str:
    return str(int(number)) if number == int(number) else str(number)


def _bool(value: Any) -> bool | None:
    if value is None or isinstance(value, bool):
        return value
    text = str(value).strip().lower()
    if not text:
        return None
    if text in TRUE:
        return True
    if text in FALSE:
        return False
    raise ValueError(text)


@dataclass
class Checker:
    """Checks rows block by block; keeps what the near-duplicate check needs of each
    valid row (its position, country and key) in compact lists."""

    context: Context
    columns: Sequence[str]
    findings: list[Finding] = field(default_factory=list)
    rows_read: int = 0
    rejected_rows: int = 0
    _keys: dict[tuple[int, str], int] = field(default_factory=dict)  # (country, id) -> row
    _lat: list[float] = field(default_factory=list)
    _lon: list[float] = field(default_factory=list)
    _country: list[int] = field(default_factory=list)
    _row: list[int] = field(default_factory=list)
    _id: list[str] = field(default_factory=list)

    def __post_init__(self) -> None:
        present = set(self.columns)
        if COUNTRY_COLUMN not in present and not self.context.default_country:
            from resilnet.schools.importers.base import ImportFormatError

            raise ImportFormatError(
                "the file has no country column: give the country (--country ISO3)"
            )
        if "school_id_giga" not in present and "school_id_govt" not in present:
            from resilnet.schools.importers.base import ImportFormatError

            raise ImportFormatError("the file has neither school_id_giga nor school_id_govt")
        self._texts = [c for c in TEXT_COLUMNS if c in present]
        self._floats = [
            c for c in FLOAT_COLUMNS if c in present and c not in ("latitude", "longitude")
        ]
        self._counts = [c for c in COUNT_COLUMNS if c in present]
        self._bools = [c for c in BOOL_COLUMNS if c in present]

    def check_block(self, block: Iterable[tuple[int, dict[str, Any]]]) -> list[dict[str, Any]]:
        """The valid rows of a block, typed, with `row`, `country_id` and `iso3` added.
        The block's columns are checked at once (`_clean_rows`); a row any rule might
        fault goes through `_typed`, one cell at a time, for its findings."""
        rows = list(block)
        clean = _clean_rows(self, rows)
        typed: list[dict[str, Any]] = []
        for (number, raw), row in zip(rows, clean, strict=True):
            self.rows_read += 1
            if row is not None:
                typed.append(row)
                continue
            try:
                typed.append(self._typed(number, raw))
            except _Reject as reject:
                self._reject(number, reject.column, reject.message, raw)
        return self._positions(typed)

    def _reject(self, number: int, column: str, message: str, raw: dict[str, Any] | None) -> None:
        ident = ""
        if raw:
            ident = str(raw.get("school_id_giga") or raw.get("school_id_govt") or "")[:100]
        self.findings.append(Finding(number, column, ERROR, message, ident))
        self.rejected_rows += 1

    def _warn(self, number: int, column: str, message: str, ident: str) -> None:
        self.findings.append(Finding(number, column, WARNING, message, ident))

    def _typed(self, number: int, raw: dict[str, Any]) -> dict[str, Any]:
        if WIDTH_MISMATCH in raw:
            cells, width = raw[WIDTH_MISMATCH]
            raise _Reject(
                "",
                _("%(cells)d cells; the header has %(width)d") % {"cells": cells, "width": width},
            )
        if NOT_A_POINT in raw:
            raise _Reject("geometry", _("not a Point geometry"))
        row: dict[str, Any] = {"row": number}
        iso3 = str(raw.get(COUNTRY_COLUMN) or self.context.default_country or "").strip().upper()
        country_id = self.context.countries.get(iso3)
        if country_id is None:
            raise _Reject(
                COUNTRY_COLUMN,
                _("unknown country %(code)r") % {"code": iso3[:10]} if iso3 else _("missing"),
            )
        row["country_id"], row["iso3"] = country_id, iso3
        for name in self._texts:
            row[name] = _text(name, raw.get(name))
        if not row.get("school_id_giga") and not row.get("school_id_govt"):
            raise _Reject("school_id_giga", _("missing (and no school_id_govt to derive it from)"))
        for name in REQUIRED:
            if name in ("latitude", "longitude"):
                continue
            if not row.get(name):
                raise _Reject(name, _("missing"))
        lat = _number("latitude", raw.get("latitude"))
        lon = _number("longitude", raw.get("longitude"))
        if lat is None:
            raise _Reject("latitude", _("missing"))
        if lon is None:
            raise _Reject("longitude", _("missing"))
        if not -90 <= lat <= 90:
            raise _Reject("latitude", _("%(value)s is outside -90 to 90") % {"value": _plain(lat)})
        if not -180 <= lon <= 180:
            raise _Reject(
                "longitude", _("%(value)s is outside -180 to 180") % {"value": _plain(lon)}
            )
        row["latitude"], row["longitude"] = lat, lon
        for name in self._floats:
            value = _number(name, raw.get(name))
            if value is not None and value < 0:
                raise _Reject(name, _("negative (%(value)s)") % {"value": _plain(value)})
            row[name] = value
        speed = row.pop("download_speed_contracted", None)
        if speed is not None:
            if speed * 1e6 > MAX_BPS:
                raise _Reject("download_speed_contracted", _("too large"))
            row["download_speed_contracted"] = round(speed * 1e6)  # Mbps -> bit/s
        for name in self._counts:
            row[name] = _count(name, raw.get(name))
        year = row.get("school_establishment_year")
        if year is not None and not FIRST_YEAR <= year <= self.context.this_year:
            raise _Reject(
                "school_establishment_year",
                _("%(year)d is before %(first)d or in the future")
                % {"year": year, "first": FIRST_YEAR},
            )
        ident = row.get("school_id_giga") or row.get("school_id_govt", "")
        for name in self._bools:
            try:
                row[name] = _bool(raw.get(name))
            except ValueError:
                self._warn(number, name, _("not yes or no: left empty"), ident)
                row[name] = None
        if "disputed_region" in row and row["disputed_region"] is None:
            row["disputed_region"] = False
        coverage = row.get("cellular_coverage_type")
        if coverage:
            row["cellular_coverage_type"] = COVERAGE_VALUES.get(coverage.lower(), "")
            if not row["cellular_coverage_type"]:
                self._warn(
                    number,
                    "cellular_coverage_type",
                    _("not 2G, 3G, 4G, 5G or no coverage: left empty"),
                    ident,
                )
        area = row.get("school_area_type")
        if area:
            row["school_area_type"] = AREA_TYPES.get(area.lower(), "")
            if not row["school_area_type"]:
                self._warn(number, "school_area_type", _("not urban or rural: left empty"), ident)
        return row

    def _positions(self, typed: list[dict[str, Any]]) -> list[dict[str, Any]]:
        """Boundary and swap checks for a block (vectorised per country), then the IDs."""
        by_country: dict[int, list[int]] = {}
        for i, row in enumerate(typed):
            by_country.setdefault(row["country_id"], []).append(i)
        bad: set[int] = set()
        for country_id, indexes in by_country.items():
            boundary = self.context.boundaries.get(country_id)
            if boundary is None:
                continue
            lat = np.array([typed[i]["latitude"] for i in indexes])
            lon = np.array([typed[i]["longitude"] for i in indexes])
            inside = boundary.contains(lon, lat)
            if inside.all():
                continue
            out = np.flatnonzero(~inside)
            swapped = boundary.contains(lat[out], lon[out])
            near = boundary.contains(lon[out], lat[out], near=True)
            for k, j in enumerate(out):
                row = typed[indexes[j]]
                ident = row.get("school_id_giga") or row.get("school_id_govt", "")
                where = f"{row['latitude']}, {row['longitude']}"
                if swapped[k]:
                    message = _(
                        "latitude and longitude look swapped: (%(where)s) is outside "
                        "%(iso3)s, the swapped point inside"
                    )
                    self._reject(
                        row["row"], "latitude", message % {"where": where, "iso3": row["iso3"]}, row
                    )
                    bad.add(indexes[j])
                elif near[k]:
                    message = _("(%(where)s) is just outside the boundary of %(iso3)s")
                    self._warn(
                        row["row"],
                        "latitude",
                        message % {"where": where, "iso3": row["iso3"]},
                        ident,
                    )
                else:
                    message = _("(%(where)s) is outside %(iso3)s")
                    self._reject(
                        row["row"], "latitude", message % {"where": where, "iso3": row["iso3"]}, row
                    )
                    bad.add(indexes[j])
        valid = []
        for i, row in enumerate(typed):
            if i in bad:
                continue
            ident = row.get("school_id_giga") or "govt:" + row["school_id_govt"]
            key = (row["country_id"], ident)
            first = self._keys.get(key)
            if first is not None:
                self._reject(
                    row["row"],
                    "school_id_giga" if row.get("school_id_giga") else "school_id_govt",
                    _("the same ID as row %(row)d") % {"row": first},
                    row,
                )
                continue
            self._keys[key] = row["row"]
            self._lat.append(row["latitude"])
            self._lon.append(row["longitude"])
            self._country.append(row["country_id"])
            self._row.append(row["row"])
            self._id.append(ident)
            valid.append(row)
        return valid

    def no_boundary_warnings(self) -> list[str]:
        names = {v: k for k, v in self.context.countries.items()}
        return [
            _("%(iso3)s has no boundary loaded: positions were not checked against it")
            % {"iso3": names[c]}
            for c in sorted(set(self._country))
            if self.context.boundaries.get(c) is None
        ]

    def near_duplicates(self, existing: dict[int, list[tuple[float, float, str, str]]]) -> int:
        """Warn about each valid row within 10 m of an earlier row of the file or of a live
        school of its country that the file does not update (`existing`: per country the
        live schools' latitude, longitude, giga id and govt id). Returns how many rows."""
        file_ids = set(self._id)
        lat, lon, country = list(self._lat), list(self._lon), list(self._country)
        row, ident = list(self._row), list(self._id)
        n_file = len(lat)
        for country_id, schools in existing.items():
            for la, lo, giga, govt in schools:
                if giga in file_ids or (govt and "govt:" + govt in file_ids):
                    continue  # the file updates it: its own old position
                lat.append(la)
                lon.append(lo)
                country.append(country_id)
                row.append(0)
                ident.append(giga)
        if len(lat) < 2:
            return 0
        flagged: dict[int, tuple[int, float]] = {}
        for i, j, metres in near_pairs(np.array(lat), np.array(lon), DUPLICATE_RADIUS_M):
            if country[i] != country[j] or (i >= n_file and j >= n_file):
                continue
            if i >= n_file or (j < n_file and row[i] < row[j]):
                i, j = j, i
            # i is a row of the file; j an earlier row or a live school.
            if i not in flagged or flagged[i][1] > metres:
                flagged[i] = (j, metres)
        for i, (j, metres) in sorted(flagged.items(), key=lambda kv: row[kv[0]]):
            if j < n_file:
                message = _("within %(m).1f m of row %(row)d") % {"m": metres, "row": row[j]}
            else:
                message = _("within %(m).1f m of the school %(id)s already registered") % {
                    "m": metres,
                    "id": ident[j],
                }
            self._warn(row[i], "latitude", message, ident[i].removeprefix("govt:"))
        return len(flagged)


# A number as Python's float() reads it, written plainly (no spaces, commas, underscores,
# infinities): Arrow parses these to the same doubles; any other text takes the slow path.
_PLAIN_NUMBER = r"^[+-]?([0-9]+[.]?[0-9]*|[.][0-9]+)([eE][+-]?[0-9]+)?$"


class _Unusual(Exception):
    """A column this fast path does not take (mixed types): the block goes row by row."""


def _numbers(values: list[Any]) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """A column as floats (NaN where empty), whether each cell is empty, and which cells
    the fast path cannot read (text that is not a plain number, booleans)."""
    import pyarrow as pa
    import pyarrow.compute as pc

    try:
        array = pa.array(values)
    except (pa.ArrowException, TypeError, ValueError, OverflowError):
        raise _Unusual from None
    if pa.types.is_string(array.type) or pa.types.is_large_string(array.type):
        trimmed = pc.utf8_trim_whitespace(array)
        empty = pc.fill_null(pc.equal(trimmed, ""), True)
        plain = pc.fill_null(pc.match_substring_regex(array, _PLAIN_NUMBER), False)
        odd = ~np.asarray(pc.or_(empty, plain))
        readable = pc.if_else(plain, array, pa.scalar(None, pa.string()))
        numbers = pc.cast(readable, pa.float64()).to_numpy(zero_copy_only=False)
        return numbers, np.asarray(empty), odd
    if pa.types.is_null(array.type):
        n = len(values)
        return np.full(n, np.nan), np.ones(n, dtype=bool), np.zeros(n, dtype=bool)
    if not (pa.types.is_integer(array.type) or pa.types.is_floating(array.type)):
        raise _Unusual
    numbers = pc.cast(array, pa.float64()).to_numpy(zero_copy_only=False)
    empty = np.asarray(array.is_null())
    return numbers, empty, np.zeros(len(values), dtype=bool)


def _clean_rows(checker: Checker, rows: list[tuple[int, dict[str, Any]]]) -> list[Any]:
    """For each row of a block, its typed values when no rule of `_typed` can fault it
    (no error, no warning), else None: that row is checked by `_typed`. Whole columns at
    a time; every doubt sends the row to `_typed`, so the findings are the same."""
    n = len(rows)
    if not n:
        return []
    raws = [raw for _, raw in rows]
    if any(WIDTH_MISMATCH in raw or NOT_A_POINT in raw for raw in raws):
        return [None] * n
    context = checker.context
    slow = np.zeros(n, dtype=bool)
    columns: dict[str, list[Any]] = {}
    country = [raw.get(COUNTRY_COLUMN) for raw in raws]
    # By type and value: True, 1 and 1.0 are equal keys but not the same text.
    known: dict[tuple[type, Any], tuple[int, str] | None] = {}
    for kind, value in {(v.__class__, v) for v in country}:
        iso3 = str(value or context.default_country or "").strip().upper()
        pk = context.countries.get(iso3)
        known[(kind, value)] = None if pk is None else (pk, iso3)
    found = [known[(value.__class__, value)] for value in country]
    slow |= np.array([f is None for f in found])
    columns["country_id"] = [f[0] if f else 0 for f in found]
    columns["iso3"] = [f[1] if f else "" for f in found]
    for name in checker._texts:
        texts = [
            "" if v is None else (v.strip() if v.__class__ is str else str(v).strip())
            for v in (raw.get(name) for raw in raws)
        ]
        limit = TEXT_CHARS[name]
        slow |= np.fromiter((len(t) > limit for t in texts), bool, n)
        columns[name] = texts
    nothing = [""] * n
    giga, govt = columns.get("school_id_giga", nothing), columns.get("school_id_govt", nothing)
    slow |= np.fromiter((not g and not v for g, v in zip(giga, govt, strict=True)), bool, n)
    for name in REQUIRED:
        if name not in ("latitude", "longitude"):
            slow |= np.fromiter((not t for t in columns.get(name, nothing)), bool, n)
    try:
        numbers = {
            name: _numbers([raw.get(name) for raw in raws])
            for name in ("latitude", "longitude", *checker._floats, *checker._counts)
        }
    except _Unusual:
        return [None] * n
    with np.errstate(invalid="ignore"):
        for name, (values, empty, odd) in numbers.items():
            slow |= odd | (~empty & ~np.isfinite(values))
            if name in ("latitude", "longitude"):
                edge = 90 if name == "latitude" else 180
                slow |= empty | (values < -edge) | (values > edge)
            else:
                slow |= ~empty & (values < 0)
            if name in checker._counts:
                slow |= ~empty & ((values != np.floor(values)) | (values > MAX_INT))
        if "download_speed_contracted" in numbers:
            values, empty, _odd = numbers["download_speed_contracted"]
            slow |= ~empty & (values * 1e6 > MAX_BPS)
        if "school_establishment_year" in numbers:
            values, empty, _odd = numbers["school_establishment_year"]
            slow |= ~empty & ((values < FIRST_YEAR) | (values > context.this_year))
    for name in checker._bools:
        answers: dict[tuple[type, Any], Any] = {}
        cells = [raw.get(name) for raw in raws]
        for kind, value in {(v.__class__, v) for v in cells}:
            try:
                answers[(kind, value)] = _bool(value)
            except ValueError:
                answers[(kind, value)] = ValueError
        typed = [answers[(v.__class__, v)] for v in cells]
        slow |= np.fromiter((t is ValueError for t in typed), bool, n)
        columns[name] = typed
    for name, allowed in (
        ("cellular_coverage_type", COVERAGE_VALUES),
        ("school_area_type", AREA_TYPES),
    ):
        if name in columns:
            spelled = {t: allowed.get(t.lower(), "") if t else "" for t in set(columns[name])}
            slow |= np.fromiter((t and not spelled[t] for t in columns[name]), bool, n)
            columns[name] = [spelled[t] for t in columns[name]]
    for name, (values, empty, _odd) in numbers.items():
        empty = empty | ~np.isfinite(values)  # (rows whose cell is unreadable go slow)
        if name in checker._counts:
            columns[name] = [
                None if e else int(v) for v, e in zip(values.tolist(), empty.tolist(), strict=True)
            ]
        elif name == "download_speed_contracted":
            columns[name] = [
                None if e else round(v * 1e6)
                for v, e in zip(values.tolist(), empty.tolist(), strict=True)
            ]
        else:
            columns[name] = [
                None if e else v for v, e in zip(values.tolist(), empty.tolist(), strict=True)
            ]
    if "disputed_region" in columns:
        columns["disputed_region"] = [bool(v) for v in columns["disputed_region"]]
    names = ["country_id", "iso3", *checker._texts, "latitude", "longitude", *checker._floats]
    names += [*checker._counts, *checker._bools]
    result: list[Any] = [None] * n
    speeds = columns.get("download_speed_contracted")
    for i, line in enumerate(zip(*(columns[c] for c in names), strict=True)):
        if slow[i]:
            continue
        row = {"row": rows[i][0], **dict(zip(names, line, strict=True))}
        if speeds is not None and speeds[i] is None:
            del row["download_speed_contracted"]  # as _typed: no key when empty
        result[i] = row
    return result


def near_pairs(lat: np.ndarray, lon: np.ndarray, radius_m: float) -> list[tuple[int, int, float]]:
    """Pairs of points closer than `radius_m`, with their distance. A grid hash on the
    Earth-centred coordinates: cells of radius_m a side, so a close pair is in the same
    cell or in neighbouring ones. Numpy finds the points with any neighbour at all (26
    searches of the sorted cells, one per neighbouring cell); only those few are then
    compared one by one."""
    from resilnet.schools.geo import EARTH_RADIUS_M, distance_m

    phi, lam = np.radians(lat), np.radians(lon)
    xyz = np.stack([np.cos(phi) * np.cos(lam), np.cos(phi) * np.sin(lam), np.sin(phi)], axis=1)
    cells = np.floor(xyz * EARTH_RADIUS_M / radius_m).astype(np.int64) + (1 << 20)
    keys = (cells[:, 0] << 42) | (cells[:, 1] << 21) | cells[:, 2]
    order = np.argsort(keys, kind="stable")
    ordered = keys[order]
    # In sorted order: another point in the same cell is beside it.
    same = ordered[1:] == ordered[:-1]
    found = np.zeros(len(keys), dtype=bool)
    found[1:] |= same
    found[:-1] |= same
    last = len(ordered) - 1
    for dx in (-1, 0, 1):
        for dy in (-1, 0, 1):
            for dz in (-1, 0, 1):
                if dx == dy == dz == 0:
                    continue
                # The probes are sorted too: the searches walk the array in order, which
                # at millions of points is several times faster than probing at random.
                probe = ordered + ((dx << 42) + (dy << 21) + dz)
                at = np.minimum(np.searchsorted(ordered, probe), last)
                found |= ordered[at] == probe
    has_neighbour = np.zeros(len(keys), dtype=bool)
    has_neighbour[order] = found
    candidates = np.flatnonzero(has_neighbour)
    grid: dict[tuple[int, int, int], list[int]] = {}
    for k in candidates.tolist():
        cx, cy, cz = cells[k].tolist()
        grid.setdefault((cx, cy, cz), []).append(k)
    pairs: list[tuple[int, int, float]] = []
    for (cx, cy, cz), members in grid.items():
        for i in members:
            for dx in (-1, 0, 1):
                for dy in (-1, 0, 1):
                    for dz in (-1, 0, 1):
                        for j in grid.get((cx + dx, cy + dy, cz + dz), ()):
                            if j <= i:
                                continue
                            metres = distance_m(lat[i], lon[i], lat[j], lon[j])
                            if metres <= radius_m:
                                pairs.append((i, j, metres))
    return pairs


def findings_csv(findings: Iterable[Finding]) -> str:
    """The report as CSV; cells a spreadsheet would run as formulas are escaped."""
    from resilnet.core.exports import safe_cell

    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(["row", "column", "severity", "school_id", "message"])
    for f in findings:
        writer.writerow([f.row, f.column, f.severity, safe_cell(f.school_id), safe_cell(f.message)])
    return out.getvalue()
