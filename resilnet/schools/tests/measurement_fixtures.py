"""Schools made through the ORM for the measurement and roll-up tests."""

from __future__ import annotations

from typing import Any

import pytest

from resilnet.core.models import Country
from resilnet.schools import geo, status
from resilnet.schools.models import CountrySettings, School


def make_school(
    iso3: str = "KEN", giga: str = "g-1", lat: float = -1.29, lon: float = 36.82, **fields: Any
) -> School:
    country = Country.objects.get(iso3=iso3)
    values: dict[str, Any] = {
        "school_name": f"School {giga}",
        "education_level": "Primary",
        "tile_key": geo.tile_key(lat, lon),
    }
    values.update(fields)
    # As the registry's import writes them: a school's status is its static one (the
    # roll-ups' weekly counts rely on it for schools without real-time data).
    govt, speed = values.get("connectivity_govt"), values.get("download_speed_contracted")
    national = (
        CountrySettings.objects.filter(country=country)
        .values_list("national_benchmark_bps", flat=True)
        .first()
    ) or status.GLOBAL_BENCHMARK_BPS
    values.setdefault(
        "connectivity_global", status.static_connectivity(govt, speed, status.GLOBAL_BENCHMARK_BPS)
    )
    values.setdefault("connectivity_national", status.static_connectivity(govt, speed, national))
    return School.objects.create(
        country=country, school_id_giga=giga, latitude=lat, longitude=lon, **values
    )


@pytest.fixture
def school(reference_data) -> School:
    return make_school()
