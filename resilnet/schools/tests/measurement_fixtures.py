"""Schools made through the ORM for the measurement and roll-up tests."""

from __future__ import annotations

from typing import Any

import pytest

from resilnet.core.models import Country
from resilnet.schools import geo
from resilnet.schools.models import School


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
    return School.objects.create(
        country=country, school_id_giga=giga, latitude=lat, longitude=lon, **values
    )


@pytest.fixture
def school(reference_data) -> School:
    return make_school()
