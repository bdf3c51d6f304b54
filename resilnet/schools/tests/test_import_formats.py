"""Each format a school master file comes in reads into the same schools."""

from __future__ import annotations

import json

import pyarrow as pa
import pyarrow.parquet as pq
import pytest
from openpyxl import Workbook

from resilnet.schools import importers
from resilnet.schools.models import School
from resilnet.schools.services.registry import import_schools
from resilnet.schools.tests.conftest import HEADER, ROWS, master_csv

pytestmark = pytest.mark.django_db


def run(path, **options):
    mapping = options.pop("mapping", None)
    with path.open("rb") as stream:
        source = importers.read(stream, importers.format_of(path.name), mapping)
        return import_schools(None, source, country=options.pop("country", "KEN"), **options)


def table():
    header = HEADER.split(",")
    return [dict(zip(header, row.split(","), strict=True)) for row in ROWS]


def expect_three_schools():
    schools = {s.school_id_giga: s for s in School.objects.all()}
    assert set(schools) == {"g-1", "g-2", "g-3"}
    kibera = schools["g-1"]
    assert (kibera.school_name, kibera.latitude, kibera.longitude) == (
        "Kibera Primary",
        -1.31,
        36.78,
    )
    assert kibera.num_students == 450
    assert kibera.download_speed_contracted == 25_000_000
    assert kibera.admin1_area.name == "Nairobi"  # by name
    assert schools["g-2"].admin1_area.name == "Mombasa"  # by its boundary
    assert schools["g-3"].admin1_area is None
    assert (kibera.connectivity_global, kibera.connectivity_national, kibera.coverage) == (
        "good",
        "good",
        "good",
    )
    assert (schools["g-2"].connectivity_global, schools["g-2"].coverage) == ("moderate", "moderate")
    assert (schools["g-3"].connectivity_global, schools["g-3"].coverage) == ("no_internet", "bad")
    from resilnet.schools import geo

    assert kibera.tile_key == geo.tile_key(-1.31, 36.78)


def test_csv(kenya, tmp_path):
    report = run(master_csv(tmp_path))
    assert (report.total, report.created, report.rejected) == (3, 3, 0)
    expect_three_schools()


def test_xlsx(kenya, tmp_path):
    book = Workbook()
    sheet = book.active
    header = HEADER.split(",")
    sheet.append(header)
    for row in table():
        sheet.append([float(v) if k in ("latitude", "longitude") else v for k, v in row.items()])
    path = tmp_path / "schools.xlsx"
    book.save(path)
    report = run(path)
    assert (report.created, report.rejected) == (3, 0), report.findings
    expect_three_schools()


def test_geojson_takes_the_position_from_the_geometry(kenya, tmp_path):
    features = []
    for row in table():
        lat, lon = float(row.pop("latitude")), float(row.pop("longitude"))
        features.append(
            {
                "type": "Feature",
                "geometry": {"type": "Point", "coordinates": [lon, lat]},
                "properties": row,
            }
        )
    path = tmp_path / "schools.geojson"
    path.write_text(json.dumps({"type": "FeatureCollection", "features": features}))
    report = run(path)
    assert (report.created, report.rejected) == (3, 0), report.findings
    expect_three_schools()


def test_parquet(kenya, tmp_path):
    rows = table()
    for row in rows:
        row["latitude"], row["longitude"] = float(row["latitude"]), float(row["longitude"])
        row["num_students"] = int(row["num_students"])
    path = tmp_path / "schools.parquet"
    pq.write_table(pa.Table.from_pylist(rows), path, row_group_size=2)
    report = run(path)
    assert (report.created, report.rejected) == (3, 0), report.findings
    expect_three_schools()


def test_mapping_and_aliases(kenya, tmp_path):
    header = "giga_id,Code,name,lat,lon,Level"
    path = master_csv(tmp_path, ["g-9,C9,Lamu Primary,-2.27,40.90,Primary"], header=header)
    report = run(path, mapping={"Code": "school_id_govt", "Level": "education_level"})
    assert report.created == 1, report.findings
    school = School.objects.get()
    assert (school.school_id_giga, school.school_id_govt, school.education_level) == (
        "g-9",
        "C9",
        "Primary",
    )


def test_a_mapping_to_an_unknown_column_is_refused(kenya, tmp_path):
    with pytest.raises(importers.ImportFormatError, match="no column named 'nonsense'"):
        run(master_csv(tmp_path), mapping={"school_name": "nonsense"})
