"""A synthetic world at Giga's scale for the benchmarks: by default 2.1 million schools in
141 countries, in seconds.

Countries are real ones from the `world-atlas` package (Natural Earth at 1:110m) when it
is installed, chosen by the seed among those of at least half a square degree; without
it, round made-up countries on a grid, coded with ISO's user-assigned XAA… codes.
Schools are shared out by the square root of the countries' areas with some noise, so a
few large countries hold many, as in Giga's data.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass

import numpy as np
from shapely.geometry import Point
from shapely.geometry.base import BaseGeometry

from resilnet.schools.demo.synthetic import SchoolColumns, generator, synthetic_schools

MIN_AREA = 0.5  # square degrees: leaves out the smallest islands


@dataclass(frozen=True)
class WorldCountry:
    iso3: str  # the ISO3 code of core's Country when m49 is set; else a made-up XAA…
    m49: str
    name: str
    shape: BaseGeometry


@dataclass(frozen=True)
class WorldBatch:
    country: WorldCountry
    schools: SchoolColumns


def atlas_countries(scale: str = "110m") -> list[WorldCountry]:
    """The atlas's countries with their ISO3 codes (pycountry knows them all by M49)."""
    import pycountry

    from resilnet.schools.demo.world_atlas import country_features, country_shape

    found = []
    for m49, feature in sorted(country_features(scale).items()):
        known = pycountry.countries.get(numeric=m49)
        shape = country_shape(m49, scale)
        if known is not None and shape is not None and shape.area >= MIN_AREA:
            found.append(WorldCountry(known.alpha_3, m49, feature["properties"]["name"], shape))
    return found


def made_up_countries(count: int) -> list[WorldCountry]:
    """Round countries of varied sizes on a grid between 40°S and 60°N."""
    side = int(np.ceil(np.sqrt(count)))
    rng = generator(0, "made-up countries")
    found = []
    for i in range(count):
        row, column = divmod(i, side)
        lon = -170 + (column + 0.5) * 340 / side
        lat = -40 + (row + 0.5) * 100 / side
        radius = rng.uniform(0.15, 0.45) * min(340, 100) / side
        code = "X" + chr(65 + i // 26 % 26) + chr(65 + i % 26)
        found.append(
            WorldCountry(code, "", f"Made-up country {i + 1}", Point(lon, lat).buffer(radius))
        )
    return found


def world_countries(n_countries: int, seed: int) -> list[WorldCountry]:
    try:
        countries = atlas_countries()
    except FileNotFoundError:
        return made_up_countries(n_countries)
    if len(countries) < n_countries:
        raise ValueError(f"the atlas has {len(countries)} countries, fewer than {n_countries}")
    chosen = generator(seed, "countries").choice(len(countries), n_countries, replace=False)
    return [countries[i] for i in sorted(chosen)]


def share_out(total: int, areas: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    """How many of `total` schools each country gets: every country at least one."""
    weights = np.sqrt(areas) * np.exp(rng.normal(0, 0.5, len(areas)))
    counts = np.ones(len(areas), dtype=np.int64)
    counts += rng.multinomial(total - len(areas), weights / weights.sum())
    return counts


def world(
    n_schools: int = 2_100_000, n_countries: int = 141, seed: int = 2019
) -> Iterator[WorldBatch]:
    """The world's schools, one batch of columns per country (the same for a seed)."""
    if not 1 <= n_countries <= n_schools:
        raise ValueError("need at least one country and one school per country")
    countries = world_countries(n_countries, seed)
    counts = share_out(
        n_schools, np.array([c.shape.area for c in countries]), generator(seed, "share")
    )
    for country, count in zip(countries, counts.tolist(), strict=True):
        yield WorldBatch(country, synthetic_schools(country.iso3, country.shape, count, seed))
