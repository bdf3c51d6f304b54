"""Admin-area boundaries from GeoJSON: upserts by code, parents, repairs, hostile files."""

from __future__ import annotations

import io
import json

import pytest

from resilnet.core.models import AuditEvent, Country
from resilnet.schools.importers.boundaries import (
    BoundaryFormatError,
    FieldNames,
    parse_boundaries,
)
from resilnet.schools.models import AdminArea
from resilnet.schools.services.areas import (
    BoundaryImportError,
    areas_containing,
    do_import_boundaries,
)


def square(x0, y0, size=1.0):
    return [[[x0, y0], [x0 + size, y0], [x0 + size, y0 + size], [x0, y0 + size], [x0, y0]]]


def feature(code, name, coordinates, kind="Polygon", **properties):
    return {
        "type": "Feature",
        "properties": {"code": code, "name": name, **properties},
        "geometry": {"type": kind, "coordinates": coordinates},
    }


def collection(*features) -> bytes:
    return json.dumps({"type": "FeatureCollection", "features": list(features)}).encode()


def parse(raw: bytes, level: int = 1, names: FieldNames | None = None):
    return parse_boundaries(io.BytesIO(raw), level, names)


@pytest.fixture
def kenya(db):
    return Country.objects.get(iso3="KEN")


def import_file(country, level, raw, names=None):
    parsed = parse(raw, level, names)
    assert parsed.errors == []
    return do_import_boundaries(None, country, level, parsed.features)


def test_levels_link_to_their_parents_and_a_second_import_changes_nothing(kenya):
    import_file(kenya, 0, collection(feature("KEN", "Kenya", square(34, -4, 6))))
    level1 = collection(
        feature("K1", "North", square(34, -1, 3)), feature("K2", "South", square(34, -4, 3))
    )
    assert import_file(kenya, 1, level1).created == 2
    districts = collection(feature("K1a", "Lake", square(34, -1, 1), parent_code="K1"))
    import_file(kenya, 2, districts)
    again = import_file(kenya, 1, level1)
    assert (again.created, again.updated, again.unchanged) == (0, 0, 2)
    district = AdminArea.objects.get(code="K1a")
    assert district.parent.code == "K1"
    assert district.parent.parent.code == "KEN"
    assert (district.min_longitude, district.max_latitude) == (34, 0)
    assert AuditEvent.objects.filter(object_type="schools.adminarea").count() == 4
    inside = areas_containing(kenya, -0.5, 34.5)
    assert [a.code for a in inside] == ["KEN", "K1", "K1a"]
    assert areas_containing(kenya, 10, 10) == []


def test_a_changed_name_updates_the_area_in_place(kenya):
    import_file(kenya, 1, collection(feature("K1", "North", square(34, -1))))
    first = AdminArea.objects.get(code="K1").pk
    done = import_file(kenya, 1, collection(feature("K1", "Northern", square(34, -1))))
    assert done.updated == 1
    assert AdminArea.objects.get(code="K1").pk == first
    assert AdminArea.objects.get(code="K1").name == "Northern"


def test_other_spellings_of_the_fields(kenya):
    raw = collection(
        {
            "type": "Feature",
            "properties": {"ADM1_PCODE": "KE01", "ADM1_EN": "Mombasa"},
            "geometry": {"type": "MultiPolygon", "coordinates": [square(39, -4), square(41, -4)]},
        }
    )
    names = FieldNames(code="ADM1_PCODE", name="ADM1_EN", parent="ADM0_PCODE")
    import_file(kenya, 1, raw, names)
    area = AdminArea.objects.get(code="KE01")
    assert area.name == "Mombasa"
    assert json.loads(area.boundary)["type"] == "MultiPolygon"


def test_a_self_intersecting_polygon_is_repaired_with_a_warning(kenya):
    bowtie = [[[0, 0], [2, 2], [2, 0], [0, 2], [0, 0]]]
    parsed = parse(collection(feature("B", "Bowtie", bowtie)))
    assert parsed.errors == []
    assert "feature 1 (B): invalid geometry" in parsed.warnings[0]
    assert parsed.features[0].geometry.is_valid
    assert parsed.features[0].geometry.area == pytest.approx(2.0)


def test_an_unknown_parent_writes_nothing(kenya):
    parsed = parse(collection(feature("D1", "District", square(0, 0), parent_code="NOPE")), 2)
    with pytest.raises(BoundaryImportError, match=r"D1.*NOPE"):
        do_import_boundaries(None, kenya, 2, parsed.features)
    assert not AdminArea.objects.exists()


@pytest.mark.parametrize(
    ("raw", "message"),
    [
        (b"this is not json", "not JSON"),
        (b'{"type": "Feature"}', "FeatureCollection"),
        (b'{"type": "FeatureCollection"}', "features"),
        (b'{"type": "FeatureCollection", "features": []}\x00', "NUL byte at offset"),
        (b"\xff\xfe{", "not UTF-8"),
        (b"[" * 100_000 + b"]" * 100_000, "not JSON"),
        (b'{"type": "FeatureCollection", "features": [NaN]}', "not JSON"),
    ],
)
def test_files_that_are_not_geojson_are_refused_whole(raw, message):
    with pytest.raises(BoundaryFormatError, match=message):
        parse(raw)


@pytest.mark.parametrize(
    ("bad", "message"),
    [
        (feature("P", "Point", [1, 2], kind="Point"), "'Point' geometry"),
        (feature("L", "Line", [[0, 0], [1, 1]], kind="LineString"), "'LineString'"),
        (feature("", "No code", square(0, 0)), "'code' is missing"),
        (feature("C", "Open", [[[0, 0], [1, 0], [1, 1], [0, 1]]]), "not closed"),
        (feature("T", "Tiny", [[[0, 0], [1, 0], [0, 0]]]), "at least 4 positions"),
        (feature("S", "Text", [[[0, 0], ["1", 0], [1, 1], [0, 0]]]), "must be numbers"),
        (feature("F", "Far", square(0, 200)), "not a WGS84"),
        (feature("Z", "Flat", [[[0, 0], [1, 0], [2, 0], [0, 0]]]), "no area"),
        (feature("W", "Wrong level", square(0, 0), level=2), "not 1"),
        (feature("N", "x" * 300, square(0, 0)), "longer than 200"),
        (feature("c" * 65, "Long code", square(0, 0)), "'code' is longer than 64"),
        (feature("Q", "Tab\tin name", square(0, 0)), "control characters"),
        ({"type": "Feature", "properties": {"code": "G", "name": "G"}}, "no geometry"),
        ("a string", "not a GeoJSON Feature"),
    ],
)
def test_a_bad_feature_is_named_and_the_others_still_checked(bad, message):
    parsed = parse(collection(feature("OK", "Fine", square(5, 5)), bad))
    assert len(parsed.errors) == 1
    assert parsed.errors[0].feature == 2
    assert message in str(parsed.errors[0])


def test_duplicate_codes_and_too_many_vertices(monkeypatch):
    from resilnet.schools.importers import boundaries

    parsed = parse(collection(feature("A", "A", square(0, 0)), feature("A", "Again", square(2, 2))))
    assert "duplicate code" in str(parsed.errors[0])
    monkeypatch.setattr(boundaries, "MAX_VERTICES_PER_FEATURE", 4)
    parsed = parse(collection(feature("V", "Many", square(0, 0))))
    assert "more than 4 vertices" in str(parsed.errors[0])


def test_the_file_size_is_capped_before_reading_it_all(monkeypatch):
    from resilnet.schools.importers import boundaries

    monkeypatch.setattr(boundaries, "MAX_BYTES", 100)
    with pytest.raises(BoundaryFormatError, match="larger than the limit"):
        parse(collection(feature("A", "A", square(0, 0))))


def test_the_command_refuses_a_2_gb_file_an_unknown_country_and_rejected_features(
    tmp_path, db, capsys
):
    from resilnet.cli import main

    def run(path, country="KEN"):
        return main(
            ["schools", "import-boundaries", str(path), "--country", country, "--level", "0"]
        )

    huge = tmp_path / "huge.geojson"
    with huge.open("wb") as f:  # sparse: claims 2 GB without using the disk
        f.truncate(2 * 1024**3)
    assert run(huge) == 2
    assert "the limit is" in capsys.readouterr().err
    good = tmp_path / "good.geojson"
    good.write_bytes(collection(feature("KEN", "Kenya", square(34, -4, 6))))
    assert run(good, country="XYZ") == 2
    assert "no country" in capsys.readouterr().err
    bad = tmp_path / "bad.geojson"
    bad.write_bytes(collection(feature("P", "Point", [1, 2], kind="Point")))
    assert run(bad) == 1
    assert "feature 1 (P)" in capsys.readouterr().out
    assert not AdminArea.objects.exists()
    assert run(good) == 0
    assert "1 created" in capsys.readouterr().out
    assert AdminArea.objects.get().name == "Kenya"
