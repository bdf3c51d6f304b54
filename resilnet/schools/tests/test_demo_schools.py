"""The demo schools: real countries, areas, schools inside them, measurements; once."""

from __future__ import annotations

from datetime import date

import numpy as np
import pytest
import shapely
from django.db.models import Sum

from resilnet.core.models import Country
from resilnet.schools.demo.countries import DEMO_COUNTRIES, load_demo_schools
from resilnet.schools.models import (
    AdminArea,
    AreaWeeklyCount,
    CountrySettings,
    GridCell,
    Measurement,
    RollupMark,
    School,
    SchoolWeeklyStatus,
)
from resilnet.schools.services.areas import inside_country

SCALE = 0.1  # 300 schools: the full demo's 3,000 behave the same, ten times slower


@pytest.fixture
def loaded(db):
    return load_demo_schools(end=date(2025, 3, 31), scale=SCALE)


def test_countries_areas_schools_and_measurements(loaded):
    total = sum(round(c.schools * SCALE) for c in DEMO_COUNTRIES)
    assert loaded.schools_created == School.objects.count() == total
    assert loaded.measurements_created == Measurement.objects.count() > 0
    for plan in DEMO_COUNTRIES:
        country = Country.objects.get(iso3=plan.iso3)
        schools = School.objects.filter(country=country)
        assert schools.count() == round(plan.schools * SCALE)
        lat, lon = (
            np.array(list(schools.values_list(f, flat=True))) for f in ("latitude", "longitude")
        )
        assert inside_country(country, lat, lon).all()
        regions = AdminArea.objects.filter(country=country, level=1)
        assert 2 <= regions.count() <= 4
        assert all(r.name.endswith("(synthetic)") and r.parent.level == 0 for r in regions)
        assert not schools.filter(admin1_area__isnull=True).exists()
        for school in schools.select_related("admin1_area")[:50]:
            region = shapely.from_geojson(school.admin1_area.boundary)
            assert shapely.intersects_xy(region, school.longitude, school.latitude)
            assert school.admin1 == school.admin1_area.name
    realtime = School.objects.filter(realtime=True)
    assert 0.15 * School.objects.count() < realtime.count() <= 0.2 * School.objects.count()
    assert not Measurement.objects.exclude(school__realtime=True).exists()
    days = Measurement.objects.dates("timestamp", "day")
    assert (days.first(), days.last()) == (date(2025, 1, 1), date(2025, 3, 31))
    # Rolled up through the service: no day left marked, a week row per realtime school
    # and week, counts per country, and the map's cells.
    assert RollupMark.objects.count() == 0
    weeks = SchoolWeeklyStatus.objects.filter(school__realtime=True)
    assert weeks.values("school").distinct().count() == realtime.count()
    assert AreaWeeklyCount.objects.filter(area=None).values("country").distinct().count() == len(
        DEMO_COUNTRIES
    )
    # Kenya's own benchmark (10 Mbit/s) is not the global one: its national statuses differ.
    kenya = CountrySettings.objects.get(country__iso3="KEN")
    assert kenya.national_benchmark_bps == 10_000_000
    kenya_weeks = weeks.filter(school__country=kenya.country, download_bps__gte=10_000_000)
    assert kenya_weeks.filter(download_bps__lt=20_000_000, connectivity_national="good").exists()
    assert GridCell.objects.filter(level=6, rolled_up=False).aggregate(n=Sum("total"))["n"] == total


def test_a_second_load_adds_nothing(loaded):
    counts = (School.objects.count(), Measurement.objects.count(), AdminArea.objects.count())
    again = load_demo_schools(end=date(2025, 4, 30), scale=SCALE)
    assert (again.schools_created, again.measurements_created) == (0, 0)
    assert (
        School.objects.count(),
        Measurement.objects.count(),
        AdminArea.objects.count(),
    ) == counts


def test_the_module_declares_the_loader():
    from resilnet.schools.demo import load
    from resilnet.schools.module import MODULE

    assert MODULE.load("demo") is load
