"""Loading the demo schools: five real countries with synthetic schools and measurements.

Boundaries are Natural Earth's (world-atlas) as level-0 areas; each country also gets up
to four admin-1 areas that are plainly synthetic ("Region 1 (synthetic)" …: its bounding
box cut in quadrants, clipped by its border). Schools cluster around the countries' real
largest cities (their coordinates are public facts) and spread thinly elsewhere; a fifth
of them report two speed tests a day for the 90 days up to yesterday.

Idempotent: a school whose `school_id_giga` exists is not written again, and the
measurements of a school are written with it, so a second load adds nothing.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta

import numpy as np
import shapely
from django.utils import timezone

from resilnet.core.models import Country
from resilnet.schools.demo import writes
from resilnet.schools.demo.synthetic import City, generator, school_rows, synthetic_schools
from resilnet.schools.demo.synthetic_measurements import (
    choose_realtime,
    measurement_rows,
    synthetic_measurements,
)
from resilnet.schools.demo.world_atlas import load_country_boundaries
from resilnet.schools.importers.boundaries import AreaFeature, polygonal_part
from resilnet.schools.models import AdminArea, AreaLevel, CountrySettings, School
from resilnet.schools.services.areas import area_ids_at, boundary_of, do_import_boundaries
from resilnet.schools.services.benchmark import do_set_national_benchmark

SEED = 2020
DAYS = 90
REALTIME_SHARE = 0.2


@dataclass(frozen=True)
class DemoCountry:
    iso3: str
    schools: int
    cities: tuple[City, ...]
    # The country's own download benchmark (Mbit/s), beside the global 20: set before the
    # schools, so both benchmarks differ on the statistics pages and the map.
    national_mbps: float = 20


DEMO_COUNTRIES = (
    DemoCountry(
        "KEN",
        900,
        (
            City(-1.286, 36.817, 1.0),  # Nairobi
            City(-4.043, 39.668, 0.3),  # Mombasa
            City(-0.092, 34.768, 0.15),  # Kisumu
            City(-0.303, 36.080, 0.15),  # Nakuru
            City(0.514, 35.270, 0.1),  # Eldoret
        ),
        national_mbps=10,
    ),
    DemoCountry(
        "COL",
        800,
        (
            City(4.711, -74.072, 1.0),  # Bogotá
            City(6.244, -75.581, 0.35),  # Medellín
            City(3.452, -76.532, 0.3),  # Cali
            City(10.964, -74.796, 0.15),  # Barranquilla
            City(10.391, -75.479, 0.1),  # Cartagena
        ),
    ),
    DemoCountry(
        "BGD",
        600,
        (
            City(23.810, 90.412, 1.0),  # Dhaka
            City(22.357, 91.783, 0.3),  # Chattogram
            City(22.846, 89.540, 0.1),  # Khulna
            City(24.374, 88.604, 0.08),  # Rajshahi
            City(24.894, 91.868, 0.06),  # Sylhet
        ),
        national_mbps=5,
    ),
    DemoCountry(
        "NER",
        450,
        (
            City(13.512, 2.112, 1.0),  # Niamey
            City(13.807, 8.988, 0.3),  # Zinder
            City(13.500, 7.102, 0.3),  # Maradi
            City(16.974, 7.986, 0.1),  # Agadez
        ),
        national_mbps=2,
    ),
    DemoCountry(
        "RWA",
        250,
        (
            City(-1.950, 30.059, 1.0),  # Kigali
            City(-2.597, 29.739, 0.1),  # Huye
            City(-1.500, 29.634, 0.1),  # Musanze
        ),
        national_mbps=10,
    ),
)


@dataclass(frozen=True)
class DemoLoaded:
    countries: int
    schools_created: int
    measurements_created: int


def synthetic_regions(iso3: str, shape: shapely.Geometry) -> list[AreaFeature]:
    """Up to four admin-1 areas: the quadrants of the country's bounding box, clipped."""
    west, south, east, north = shape.bounds
    mid_x, mid_y = (west + east) / 2, (south + north) / 2
    quadrants = [
        shapely.box(west, mid_y, mid_x, north),
        shapely.box(mid_x, mid_y, east, north),
        shapely.box(west, south, mid_x, mid_y),
        shapely.box(mid_x, south, east, mid_y),
    ]
    regions: list[AreaFeature] = []
    for quadrant in quadrants:
        part = polygonal_part(shapely.intersection(shape, quadrant))
        if not part.is_empty and part.area > 0.01 * shape.area:
            k = len(regions) + 1
            regions.append(AreaFeature(f"{iso3}-R{k}", f"Region {k} (synthetic)", iso3, part))
    return regions


def load_demo_schools(
    *, seed: int = SEED, end: date | None = None, scale: float = 1.0
) -> DemoLoaded:
    """Load what is missing of the demo; `end` is the last day of measurements (yesterday
    by default); `scale` shrinks or grows each country's number of schools."""
    end = end or timezone.now().date() - timedelta(days=1)
    area_ids = load_country_boundaries([c.iso3 for c in DEMO_COUNTRIES])
    created = measured = 0
    for plan in DEMO_COUNTRIES:
        country = Country.objects.get(iso3=plan.iso3)
        if not CountrySettings.objects.filter(country=country).exists():
            do_set_national_benchmark(None, country, plan.national_mbps)
        shape = boundary_of(AdminArea.objects.get(pk=area_ids[plan.iso3]))
        do_import_boundaries(None, country, AreaLevel.ADMIN1, synthetic_regions(plan.iso3, shape))
        count = max(10, round(plan.schools * scale))
        schools, tests = _load_country(country, shape, plan, count, seed, end)
        created += schools
        measured += tests
    if measured:
        writes.roll_up()
    return DemoLoaded(len(DEMO_COUNTRIES), created, measured)


def _load_country(
    country: Country, shape: shapely.Geometry, plan: DemoCountry, count: int, seed: int, end: date
) -> tuple[int, int]:
    columns = synthetic_schools(plan.iso3, shape, count, seed, plan.cities)
    realtime = choose_realtime(columns, REALTIME_SHARE, generator(seed, "realtime", plan.iso3))
    existing = set(
        School.objects.filter(country=country, deleted_at__isnull=True).values_list(
            "school_id_giga", flat=True
        )
    )
    new = np.array([i not in existing for i in columns["school_id_giga"].tolist()])
    if not new.any():
        return 0, 0
    regions = area_ids_at(country, AreaLevel.ADMIN1, columns["latitude"], columns["longitude"])
    names = dict(AdminArea.objects.filter(country=country, level=1).values_list("id", "name"))
    is_realtime = np.zeros(len(new), dtype=bool)
    is_realtime[realtime] = True
    rows = school_rows(columns)
    for i, row in enumerate(rows):
        row["realtime"] = bool(is_realtime[i])
        row["admin1_area_id"] = int(regions[i]) or None
        row["admin1"] = names.get(int(regions[i]), "")
    writes.write_schools(country, [row for row, keep in zip(rows, new, strict=True) if keep])
    ids = dict(
        School.objects.filter(country=country, deleted_at__isnull=True).values_list(
            "school_id_giga", "id"
        )
    )
    school_ids = np.array([ids[g] for g in columns["school_id_giga"].tolist()])
    todo = realtime[new[realtime]]
    tests = synthetic_measurements(columns, todo, end, DAYS, seed, plan.iso3)
    writes.write_measurements(measurement_rows(tests, school_ids))
    return int(new.sum()), len(tests["school"])
