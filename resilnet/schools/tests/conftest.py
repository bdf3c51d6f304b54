"""Small real data for the schools tests: Kenya from the reference data, with a square
boundary (34 to 42 east, 5 south to 5 north) and two provinces inside it."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from resilnet.schools.models import AdminArea, AreaLevel


def square(west: float, south: float, east: float, north: float) -> str:
    ring = [[west, south], [east, south], [east, north], [west, north], [west, south]]
    return json.dumps({"type": "Polygon", "coordinates": [ring]})


@pytest.fixture
def kenya(reference_data):
    from resilnet.core.models import Country

    country = Country.objects.get(iso3="KEN")
    whole = AdminArea.objects.create(
        country=country,
        level=AreaLevel.COUNTRY,
        code="KEN",
        name="Kenya",
        boundary=square(34, -5, 42, 5),
        min_longitude=34,
        min_latitude=-5,
        max_longitude=42,
        max_latitude=5,
    )
    AdminArea.objects.create(
        country=country,
        level=AreaLevel.ADMIN1,
        code="KE-30",
        name="Nairobi",
        parent=whole,
        boundary=square(36.6, -1.5, 37.1, -1.1),
    )
    AdminArea.objects.create(
        country=country,
        level=AreaLevel.ADMIN1,
        code="KE-01",
        name="Mombasa",
        parent=whole,
        boundary=square(39.5, -4.2, 39.8, -3.9),
    )
    return country


HEADER = (
    "school_id_giga,school_id_govt,school_name,latitude,longitude,education_level,num_students,"
    "admin1,cellular_coverage_type,download_speed_contracted,connectivity_govt"
)
ROWS = [
    "g-1,G001,Kibera Primary,-1.3100,36.7800,Primary,450,Nairobi,4G,25,yes",
    "g-2,G002,Likoni Secondary,-4.0600,39.6600,Secondary,300,,3G,5,yes",
    "g-3,G003,Garissa Primary,-0.4500,39.6500,Primary,120,,no coverage,,no",
]


def master_csv(
    tmp_path: Path, rows: list[str] | None = None, header: str = HEADER, name: str = "schools.csv"
) -> Path:
    path = tmp_path / name
    path.write_text("\n".join([header, *(ROWS if rows is None else rows)]) + "\n", encoding="utf-8")
    return path


def import_file(path: Path, **options):
    """Read and import a file as the command line does (format from its suffix)."""
    from resilnet.schools import importers
    from resilnet.schools.services.registry import import_schools

    mapping = options.pop("mapping", None)
    actor = options.pop("actor", None)
    with path.open("rb") as stream:
        source = importers.read(stream, importers.format_of(path.name), mapping)
        return import_schools(actor, source, country=options.pop("country", "KEN"), **options)


@pytest.fixture(autouse=True)
def _fresh_area_cache():
    """Each test's areas are rolled back with it: so are the shapes cached from them."""
    from resilnet.schools.services.areas import forget_cached_areas

    forget_cached_areas()
    yield
    forget_cached_areas()
