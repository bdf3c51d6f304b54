"""Small real data for the read-side tests (selectors, API, exports, pages), built through
the ORM: the write services are tested on their own."""

from __future__ import annotations

import datetime as dt
from itertools import count

import pytest

from resilnet.core.models import Country
from resilnet.schools import geo
from resilnet.schools.models import AdminArea, AreaWeeklyCount, CountrySettings, School
from resilnet.schools.services.counts import refresh_counts

_ids = count(1)


def make_school(country: Country, name: str, lat: float = -1.29, lon: float = 36.82, **fields):
    fields.setdefault("education_level", "Primary")
    fields.setdefault("school_id_giga", f"giga-{next(_ids)}")
    return School.objects.create(
        country=country,
        school_name=name,
        latitude=lat,
        longitude=lon,
        tile_key=geo.tile_key(lat, lon),
        **fields,
    )


def weekly_counts(country, monday: dt.date, benchmark: str, counts: dict[str, int], area=None):
    AreaWeeklyCount.objects.bulk_create(
        AreaWeeklyCount(
            country=country,
            area=area,
            week_start=monday,
            benchmark=benchmark,
            status=status,
            schools=n,
        )
        for status, n in counts.items()
    )


@pytest.fixture(name="kenya")
def kenya_fixture(reference_data):
    """Kenya with two provinces, a district, five schools and a national benchmark of
    10 Mbit/s."""
    country = Country.objects.get(iso3="KEN")
    CountrySettings.objects.create(country=country, national_benchmark_bps=10_000_000)
    nairobi = AdminArea.objects.create(country=country, level=1, code="KE-30", name="Nairobi")
    coast = AdminArea.objects.create(country=country, level=1, code="KE-28", name="Mombasa")
    westlands = AdminArea.objects.create(
        country=country, level=2, code="KE-30-1", name="Westlands", parent=nairobi
    )
    areas = {"admin1_area": nairobi, "admin2_area": westlands, "admin1": "Nairobi"}
    make_school(
        country,
        "Moi Avenue Primary",
        school_id_giga="ke-1",
        school_id_govt="GOV-1",
        connectivity_global="good",
        connectivity_national="good",
        coverage="good",
        cellular_coverage_type="4G",
        realtime=True,
        school_area_type="urban",
        **areas,
    )
    make_school(
        country,
        "Westlands Secondary",
        school_id_giga="ke-2",
        education_level="Secondary",
        connectivity_global="moderate",
        connectivity_national="good",
        coverage="moderate",
        realtime=True,
        school_area_type="urban",
        **areas,
    )
    make_school(
        country,
        "Likoni Primary",
        -4.08,
        39.66,
        school_id_giga="ke-3",
        connectivity_global="bad",
        connectivity_national="bad",
        coverage="bad",
        school_area_type="rural",
        admin1_area=coast,
        admin1="Mombasa",
    )
    make_school(
        country,
        "Kisauni Primary",
        -4.0,
        39.7,
        school_id_giga="ke-4",
        connectivity_global="no_internet",
        connectivity_national="no_internet",
        school_area_type="rural",
        admin1_area=coast,
        admin1="Mombasa",
    )
    make_school(
        country,
        "Closed School",
        school_id_giga="ke-5",
        deleted_at=dt.datetime(2024, 1, 1, tzinfo=dt.UTC),
        admin1_area=coast,
    )
    refresh_counts([country.pk])  # what an import does once its schools are written
    return {"country": country, "nairobi": nairobi, "coast": coast, "westlands": westlands}
