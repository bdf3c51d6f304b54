"""Sites files: what is read, and every bad row stopped with its file, row and field."""

import json

import numpy as np
import pytest

from resilnet.planning.engine.inputs import InputError, read_sites, sites_from_rows

HEADER = "site_id,latitude,longitude,num_students,has_electricity"


def csv_bytes(*rows: str, header: str = HEADER) -> bytes:
    return ("\n".join([header, *rows]) + "\n").encode()


def error(source, **kwargs) -> InputError:
    with pytest.raises(InputError) as caught:
        read_sites(source, **kwargs)
    return caught.value


def test_columns_become_arrays_and_extra_columns_are_ignored():
    data = csv_bytes(
        "007,-1.5,30.25,120,yes,x",
        "B2,2,31,0,no,y",
        header=HEADER + ",comment",
    )
    sites = read_sites(data)
    assert list(sites.site_id) == ["007", "B2"]  # ids stay text
    assert sites.lat.tolist() == [-1.5, 2.0]
    assert sites.lon.tolist() == [30.25, 31.0]
    assert sites.num_students.tolist() == [120, 0]
    assert sites.has_electricity.tolist() == [True, False]
    assert sites.population.tolist() == [0, 0]  # optional columns get their defaults
    assert sites.already_connected.tolist() == [False, False]
    assert list(sites.name) == ["", ""]


def test_optional_columns_are_read_when_present():
    data = csv_bytes(
        "a,1,2,3,true,500,yes,Lycée Été,Nord",
        header=HEADER + ",population,already_connected,name,admin1",
    )
    sites = read_sites(data)
    assert sites.population.tolist() == [500]
    assert sites.already_connected.tolist() == [True]
    assert list(sites.name) == ["Lycée Été"]
    assert list(sites.admin1) == ["Nord"]


def test_header_case_spaces_semicolons_and_a_byte_order_mark():
    data = "\ufeffSite_ID ; Latitude;LONGITUDE;num_students;has_electricity\r\nx;1;2;3;1\r\n"
    sites = read_sites(data.encode("utf-8"))
    assert list(sites.site_id) == ["x"]
    assert sites.has_electricity.tolist() == [True]


def test_empty_students_count_as_none_and_empty_electricity_as_no():
    sites = read_sites(csv_bytes("a,1,2,,"))
    assert sites.num_students.tolist() == [0]
    assert sites.has_electricity.tolist() == [False]


def test_reads_a_path_and_a_file_object(tmp_path):
    path = tmp_path / "schools.csv"
    path.write_bytes(csv_bytes("a,1,2,3,yes"))
    assert list(read_sites(path).site_id) == ["a"]
    assert list(read_sites(str(path)).site_id) == ["a"]
    with path.open("rb") as stream:
        assert list(read_sites(stream).site_id) == ["a"]


@pytest.mark.parametrize(
    ("row", "line", "field", "words"),
    [
        ("a,,2,3,yes", 3, "latitude", "no coordinates"),
        ("a,1,,3,yes", 3, "longitude", "no coordinates"),
        ("a,95,2,3,yes", 3, "latitude", "within -90..90"),
        ("a,1,181,3,yes", 3, "longitude", "within -180..180"),
        ("a,0,0,3,yes", 3, "latitude", "no coordinates"),
        ("a,north,2,3,yes", 3, "latitude", "must be a number"),
        ("a,nan,2,3,yes", 3, "latitude", "finite"),
        ("a,1,2,-4,yes", 3, "num_students", "must not be negative"),
        ("a,1,2,many,yes", 3, "num_students", "must be a number"),
        ("a,1,2,12.5,yes", 3, "num_students", "whole number"),
        ("a,1,2,3,maybe", 3, "has_electricity", "yes or no"),
        (",1,2,3,yes", 3, "site_id", "every row needs an id"),
        ("a,1,2,3", 3, None, "4 values for 5 columns"),
    ],
)
def test_a_bad_value_names_the_file_row_and_field(row, line, field, words):
    exc = error(csv_bytes("ok,1,1,1,yes", row), name="schools.csv")
    assert (exc.file, exc.row, exc.field) == ("schools.csv", line, field)
    assert words in str(exc)
    assert str(exc).startswith(f"schools.csv, row {line}")


def test_swapped_latitude_and_longitude_are_pointed_out():
    exc = error(csv_bytes("a,120.5,-8.2,3,yes"))
    assert exc.field == "latitude"
    assert "swapped" in str(exc)


def test_a_repeated_id_names_both_rows():
    exc = error(csv_bytes("a,1,1,1,yes", "b,1,2,1,yes", "a,1,3,1,yes"))
    assert (exc.row, exc.field) == (4, "site_id")
    assert "repeats row 2" in str(exc)


def test_row_numbers_count_lines_the_way_a_spreadsheet_does():
    # A quoted name over two lines is one row, as the spreadsheet shows it.
    header = HEADER + ",name"
    data = csv_bytes("a,1,1,1,yes,A", 'b,1,2,1,yes,"Upper\nSchool"', "c,x,1,1,yes,C", header=header)
    assert error(data).row == 4


def test_a_missing_column_is_named_with_what_the_header_has():
    exc = error(b"site_id,latitude,longitude,num_students\na,1,2,3\n")
    assert (exc.row, exc.field) == (1, "has_electricity")
    assert "missing column" in str(exc)
    assert "num_students" in str(exc)


def test_a_header_with_no_rows_and_an_empty_file():
    assert "no rows" in str(error(csv_bytes()))
    assert "empty" in str(error(b""))
    assert "empty" in str(error(b"  \n\n"))


def test_geojson_points_with_the_same_properties():
    doc = {
        "type": "FeatureCollection",
        "features": [
            {
                "type": "Feature",
                "geometry": {"type": "Point", "coordinates": [30.5, -1.25]},
                "properties": {"site_id": 7, "num_students": 40, "has_electricity": True},
            }
        ],
    }
    sites = read_sites(json.dumps(doc).encode(), name="sites.geojson")
    assert list(sites.site_id) == ["7"]
    assert (sites.lat[0], sites.lon[0]) == (-1.25, 30.5)  # GeoJSON is [longitude, latitude]
    assert sites.num_students.tolist() == [40]


@pytest.mark.parametrize(
    ("feature", "field", "words"),
    [
        ({"geometry": None, "properties": {}}, "geometry", "no coordinates"),
        ({"geometry": {"type": "LineString", "coordinates": []}}, "geometry", "must be a Point"),
        (
            {"geometry": {"type": "Point", "coordinates": [1]}},
            "coordinates",
            "[longitude, latitude]",
        ),
        ({"geometry": {"type": "Point", "coordinates": ["x", 1]}}, "coordinates", "number"),
        (
            {"geometry": {"type": "Point", "coordinates": [1, 2]}, "properties": {"site_id": "a"}},
            "num_students",
            "missing",
        ),
        (
            {
                "geometry": {"type": "Point", "coordinates": [1, 2]},
                "properties": {"site_id": "a", "num_students": True, "has_electricity": 1},
            },
            "num_students",
            "must be a number",
        ),
    ],
)
def test_bad_geojson_features_are_named_by_number(feature, field, words):
    good = {
        "type": "Feature",
        "geometry": {"type": "Point", "coordinates": [1, 2]},
        "properties": {"site_id": "ok", "num_students": 1, "has_electricity": 1},
    }
    doc = {"type": "FeatureCollection", "features": [good, {"type": "Feature", **feature}]}
    exc = error(json.dumps(doc).encode(), name="sites.geojson")
    assert (exc.file, exc.row, exc.field) == ("sites.geojson", 2, field)
    assert words in str(exc)


def test_sites_from_rows_checks_as_a_file_does():
    rows = [
        {"site_id": "a", "latitude": 1.0, "longitude": 2.0, "num_students": 3,
         "has_electricity": True, "admin1": "Nord"},
        {"site_id": "b", "latitude": -3, "longitude": 4, "num_students": None,
         "has_electricity": None},
    ]  # fmt: skip
    sites = sites_from_rows(rows, name="schools of KEN")
    assert list(sites.site_id) == ["a", "b"]
    assert sites.num_students.tolist() == [3, 0]
    assert list(sites.admin1) == ["Nord", ""]
    assert sites.lat.dtype == np.float64
    with pytest.raises(InputError) as caught:
        sites_from_rows([*rows, {**rows[0], "site_id": "c", "latitude": None}], name="schools")
    assert (caught.value.row, caught.value.field) == (3, "latitude")
    assert "no coordinates" in str(caught.value)
