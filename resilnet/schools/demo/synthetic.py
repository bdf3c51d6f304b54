"""Synthetic schools and measurements, deterministic for a seed (numpy's Generator).

Schools are placed inside a country's polygon: a share around a few cities (Gaussian
clusters, marked urban) and the rest spread evenly (rural); every candidate point outside
the polygon is drawn again. Attributes use Giga's field names and rough proportions of
the school master data (more electricity, fibre and 4G in towns). The demo writes them
through the services; the benchmarks use `world()`, which makes Giga's 2.1 million
schools in 141 countries in seconds.

Columns are numpy arrays (`SchoolColumns`); `school_rows` and `measurement_rows` turn
them into dicts keyed by the model's field names.
"""

from __future__ import annotations

import zlib
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import shapely
from shapely.geometry.base import BaseGeometry

MBPS = 1_000_000
EDUCATION_LEVELS = ("Pre-Primary", "Primary", "Secondary", "Post-Secondary")
EDUCATION_SHARES = (0.12, 0.55, 0.27, 0.06)
MEDIAN_STUDENTS = np.array([60, 350, 500, 800])  # by education level, rural
COVERAGE_TYPES = ("5G", "4G", "3G", "2G", "no coverage")  # CellularCoverage values
COVERAGE_URBAN = (0.08, 0.70, 0.17, 0.03, 0.02)
COVERAGE_RURAL = (0.00, 0.35, 0.30, 0.15, 0.20)
CONNECTION_TYPES = ("fiber", "cellular", "copper", "fixed wireless", "satellite")
CONNECTION_URBAN = (0.45, 0.30, 0.12, 0.08, 0.05)
CONNECTION_RURAL = (0.08, 0.50, 0.05, 0.10, 0.27)
CONTRACTED_MBPS = ((10, 20, 50, 100), (2, 5, 10, 20), (2, 4, 8, 10), (5, 10, 20, 20), (2, 5, 5, 10))
LATENCY_MS = np.array([20.0, 60.0, 35.0, 40.0, 600.0])  # by connection type
UPLOAD_RATIO = np.array([0.9, 0.3, 0.2, 0.5, 0.15])
URBAN_SHARE = 0.35


@dataclass(frozen=True)
class City:
    latitude: float
    longitude: float
    weight: float = 1.0


SchoolColumns = dict[str, np.ndarray]


def generator(seed: int, *labels: str) -> np.random.Generator:
    """A generator for (seed, labels…): the same stream whatever else is generated."""
    return np.random.default_rng([seed, *(zlib.crc32(label.encode()) for label in labels)])


def uuid_strings(rng: np.random.Generator, n: int) -> np.ndarray:
    """n random version-4 UUIDs as text, built without a Python loop."""
    raw = rng.integers(0, 256, size=(n, 16), dtype=np.uint8)
    raw[:, 6] = (raw[:, 6] & 0x0F) | 0x40
    raw[:, 8] = (raw[:, 8] & 0x3F) | 0x80
    digits = np.frombuffer(b"0123456789abcdef", dtype=np.uint8)
    hexed = np.empty((n, 32), dtype=np.uint8)
    hexed[:, 0::2], hexed[:, 1::2] = digits[raw >> 4], digits[raw & 15]
    text = np.full((n, 36), ord("-"), dtype=np.uint8)
    for start, stop, out in ((0, 8, 0), (8, 12, 9), (12, 16, 14), (16, 20, 19), (20, 32, 24)):
        text[:, out : out + stop - start] = hexed[:, start:stop]
    return text.view("S36").ravel().astype("U36")


# Positions -------------------------------------------------------------------------


def _inside(shape: BaseGeometry, x: np.ndarray, y: np.ndarray) -> np.ndarray:
    """Rounds x and y in place to the six decimals (0.1 m) that are kept, then tests them:
    so no rounding later moves a school across the border."""
    np.round(x, 6, out=x)
    np.round(y, 6, out=y)
    return shapely.contains_xy(shape, x, y)


def _uniform(
    shape: BaseGeometry, n: int, rng: np.random.Generator
) -> tuple[np.ndarray, np.ndarray]:
    """n points spread evenly over the shape."""
    west, south, east, north = shape.bounds
    keep_x, keep_y, have = [], [], 0
    acceptance = max(shape.area / max((east - west) * (north - south), 1e-12), 0.01)
    while have < n:
        want = int((n - have) / acceptance * 1.2) + 16
        x = rng.uniform(west, east, want)
        y = rng.uniform(south, north, want)
        ok = _inside(shape, x, y)
        keep_x.append(x[ok])
        keep_y.append(y[ok])
        have += int(ok.sum())
    return np.concatenate(keep_x)[:n], np.concatenate(keep_y)[:n]


def _clustered(
    shape: BaseGeometry, n: int, cities: Sequence[City], rng: np.random.Generator
) -> tuple[np.ndarray, np.ndarray]:
    """n points around the cities (bigger cities get more, spread wider); a city by the
    sea loses its points in the water, which are drawn again."""
    weights = np.array([c.weight for c in cities], dtype=float)
    weights /= weights.sum()
    spread = float(np.clip(0.03 * np.sqrt(shape.area), 0.04, 0.4))
    sigma = spread * np.sqrt(weights / weights.max())
    centres = np.array([(c.longitude, c.latitude) for c in cities])
    keep_x, keep_y, have = [], [], 0
    for _ in range(50):
        want = int((n - have) * 1.5) + 16
        which = rng.choice(len(cities), size=want, p=weights)
        x = centres[which, 0] + rng.normal(0, 1, want) * sigma[which]
        y = centres[which, 1] + rng.normal(0, 1, want) * sigma[which]
        ok = _inside(shape, x, y)
        keep_x.append(x[ok])
        keep_y.append(y[ok])
        have += int(ok.sum())
        if have >= n:
            break
    else:  # cities outside the shape: spread the rest evenly
        x, y = _uniform(shape, n - have, rng)
        keep_x.append(x)
        keep_y.append(y)
    return np.concatenate(keep_x)[:n], np.concatenate(keep_y)[:n]


def random_cities(shape: BaseGeometry, rng: np.random.Generator, count: int = 5) -> list[City]:
    """Cities at random places in the shape, the first the largest (Zipf's law)."""
    x, y = _uniform(shape, count, rng)
    return [City(float(y[i]), float(x[i]), 1.0 / (i + 1)) for i in range(count)]


def place_schools(
    shape: BaseGeometry,
    n: int,
    rng: np.random.Generator,
    cities: Sequence[City] = (),
    urban_share: float = URBAN_SHARE,
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Longitudes, latitudes and the urban flag of n schools inside the shape."""
    shapely.prepare(shape)
    urban_n = round(n * urban_share)
    cities = list(cities) or random_cities(shape, rng)
    ux, uy = _clustered(shape, urban_n, cities, rng)
    rx, ry = _uniform(shape, n - urban_n, rng)
    order = rng.permutation(n)  # urban and rural interleaved, as in a real file
    lon = np.concatenate([ux, rx])[order]
    lat = np.concatenate([uy, ry])[order]
    urban = (np.arange(n) < urban_n)[order]
    return lon, lat, urban


# Attributes ------------------------------------------------------------------------


def _pick(
    rng: np.random.Generator, urban: np.ndarray, city: Sequence[float], rural: Sequence[float]
) -> np.ndarray:
    """An index into a list of choices per school, by the urban or rural shares."""
    u = rng.random(len(urban))
    return np.where(
        urban,
        np.searchsorted(np.cumsum(city), u * sum(city)),
        np.searchsorted(np.cumsum(rural), u * sum(rural)),
    )


def _lognormal(
    rng: np.random.Generator, median: np.ndarray | float, sigma: np.ndarray | float, n: int
) -> np.ndarray:
    return np.asarray(median) * np.exp(rng.normal(0.0, sigma, n))


def attributes(urban: np.ndarray, rng: np.random.Generator) -> SchoolColumns:
    n = len(urban)
    level = rng.choice(len(EDUCATION_LEVELS), size=n, p=EDUCATION_SHARES)
    students = np.clip(
        _lognormal(rng, MEDIAN_STUDENTS[level] * np.where(urban, 1.6, 1.0), 0.6, n), 5, 10_000
    )
    students = students.astype(np.int64)
    per_teacher = np.where(urban, rng.uniform(18, 35, n), rng.uniform(25, 55, n))
    teachers = np.maximum(1, np.round(students / per_teacher)).astype(np.int64)
    has_computers = rng.random(n) < np.where(urban, 0.6, 0.25)
    computers = np.where(
        has_computers, np.maximum(1, np.round(students * rng.uniform(0.01, 0.1, n))), 0
    )
    electricity = rng.random(n) < np.where(urban, 0.96, 0.55)
    connected = rng.random(n) < np.where(electricity, np.where(urban, 0.8, 0.45), 0.05)
    kind = _pick(rng, urban, CONNECTION_URBAN, CONNECTION_RURAL)
    menu = np.array(CONTRACTED_MBPS)[kind]
    contracted = np.where(connected, menu[np.arange(n), rng.integers(0, 4, n)] * MBPS, 0)
    coverage = _pick(rng, urban, COVERAGE_URBAN, COVERAGE_RURAL)
    # Nearest mast of each technology, km: near when the school has that coverage or better.
    best = np.where(coverage == 4, -1, 3 - coverage)  # 3 = 5G … 0 = 2G, -1 none
    near = np.where(urban, 0.8, 2.5)
    distances = {}
    for rank, tech in enumerate(("GSM", "UMTS", "LTE", "NR")):
        far = 5 + rng.exponential(10.0 * (rank - best).clip(1), n)
        distances[f"nearest_{tech}_distance"] = np.round(
            np.where(rank <= best, rng.exponential(near, n), far), 2
        )
    fiber = _lognormal(rng, np.where(urban, 1.2, 18.0), 0.9, n) * np.where(
        connected & (kind == 0), 0.2, 1
    )
    pop1 = _lognormal(rng, np.where(urban, 6000.0, 400.0), np.where(urban, 0.6, 0.9), n)
    pop2 = pop1 * rng.uniform(2.5, 4.0, n)
    pop3 = pop2 * rng.uniform(1.6, 2.2, n)
    return {
        "education_level": np.array(EDUCATION_LEVELS)[level],
        "school_area_type": np.where(urban, "urban", "rural"),
        "school_funding_type": np.where(rng.random(n) < 0.82, "public", "private"),
        "school_establishment_year": rng.integers(1950, 2023, n),
        "num_students": students,
        "num_teachers": teachers,
        "num_computers": computers.astype(np.int64),
        "electricity_availability": electricity,
        "connectivity_govt": connected,
        "connectivity_type_govt": np.where(connected, np.array(CONNECTION_TYPES)[kind], ""),
        "connection_kind": kind,  # index into CONNECTION_TYPES, for the measurements
        "download_speed_contracted": contracted.astype(np.int64),  # 0: none
        "cellular_coverage_type": np.array(COVERAGE_TYPES)[coverage],
        "fiber_node_distance": np.round(fiber, 2),
        **distances,
        "pop_within_1km": pop1.astype(np.int64),
        "pop_within_2km": pop2.astype(np.int64),
        "pop_within_3km": pop3.astype(np.int64),
    }


def synthetic_schools(
    iso3: str, shape: BaseGeometry, n: int, seed: int, cities: Sequence[City] = ()
) -> SchoolColumns:
    """n schools of one country inside `shape`; the same arrays for the same arguments."""
    rng = generator(seed, "schools", iso3)
    lon, lat, urban = place_schools(shape, n, rng, cities)
    columns = attributes(urban, rng)
    numbers = np.arange(1, n + 1)
    columns |= {
        "longitude": lon,
        "latitude": lat,
        "school_id_giga": uuid_strings(rng, n),
        "school_id_govt": np.char.add(f"{iso3}-", np.char.zfill(numbers.astype("U7"), 7)),
    }
    columns["school_name"] = np.char.add(
        np.char.add(columns["education_level"], " School "), numbers.astype("U7")
    )
    return columns


_ROW_FIELDS = (
    "school_id_giga", "school_id_govt", "school_name", "latitude", "longitude",
    "education_level", "school_area_type", "school_funding_type", "school_establishment_year",
    "num_students", "num_teachers", "num_computers", "electricity_availability",
    "connectivity_govt", "connectivity_type_govt", "download_speed_contracted",
    "cellular_coverage_type", "fiber_node_distance", "nearest_NR_distance",
    "nearest_LTE_distance", "nearest_UMTS_distance", "nearest_GSM_distance",
    "pop_within_1km", "pop_within_2km", "pop_within_3km",
)  # fmt: skip


def school_rows(columns: SchoolColumns) -> list[dict[str, object]]:
    """One dict per school, keyed by the School model's field names, Python values."""
    lists = {name: columns[name].tolist() for name in _ROW_FIELDS}
    rows = [
        dict(zip(_ROW_FIELDS, values, strict=True)) for values in zip(*lists.values(), strict=True)
    ]
    for row in rows:
        row["download_speed_contracted"] = row["download_speed_contracted"] or None
    return rows
