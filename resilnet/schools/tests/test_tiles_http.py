"""The tile URL: content type, compression, caching headers, conditional GET and the
problem documents for addresses and parameters that name no tile."""

from __future__ import annotations

import gzip

import mapbox_vector_tile
import pytest

from resilnet.core.models import Country
from resilnet.schools.geo import tile_key
from resilnet.schools.models import School
from resilnet.schools.services.tiles import refresh_grid

URL = "/tiles/schools/{}/{}/{}.mvt"


@pytest.fixture
def school(reference_data):
    kenya = Country.objects.get(iso3="KEN")
    school = School.objects.create(
        country=kenya,
        school_id_giga="k-1",
        school_name="Kibera",
        latitude=-1.31,
        longitude=36.79,
        tile_key=tile_key(-1.31, 36.79),
        education_level="primary",
    )
    refresh_grid()
    return school


def test_a_tile_is_a_vector_tile_with_cache_headers(client, school):
    response = client.get(URL.format(0, 0, 0))
    assert response.status_code == 200
    assert response["Content-Type"] == "application/vnd.mapbox-vector-tile"
    assert response["Cache-Control"] == "public, max-age=60"
    assert "Accept-Encoding" in response["Vary"]
    tile = mapbox_vector_tile.decode(response.content)
    [feature] = tile["schools"]["features"]
    assert feature["properties"]["id"] == school.id


def test_gzip_when_accepted(client, school):
    plain = client.get(URL.format(0, 0, 0)).content
    response = client.get(URL.format(0, 0, 0), headers={"Accept-Encoding": "gzip, br"})
    assert response["Content-Encoding"] == "gzip"
    assert gzip.decompress(response.content) == plain


def test_conditional_get_until_the_data_changes(client, school):
    etag = client.get(URL.format(0, 0, 0))["ETag"]
    again = client.get(URL.format(0, 0, 0), headers={"If-None-Match": etag})
    assert again.status_code == 304
    assert again.content == b""
    refresh_grid()
    changed = client.get(URL.format(0, 0, 0), headers={"If-None-Match": etag})
    assert changed.status_code == 200
    assert changed["ETag"] != etag


def test_an_empty_tile_is_204(client, school):
    assert client.get(URL.format(1, 0, 0)).status_code == 204


@pytest.mark.parametrize(
    ("z", "x", "y", "status", "field"),
    [
        ("23", "0", "0", 404, "z"),
        ("99999999", "0", "0", 404, "z"),
        ("1", "2", "0", 404, "x"),
        ("1", "0", "2", 404, "y"),
        ("22", str(1 << 22), "0", 404, "x"),
        ("-1", "0", "0", 400, "z"),
        ("1", "-1", "0", 400, "x"),
        ("1.5", "0", "0", 400, "z"),
        ("1", "0", "0x1", 400, "y"),
        ("1", "1e2", "0", 400, "x"),
        ("a", "0", "0", 400, "z"),
        ("1", "0", "9" * 200, 400, "y"),
        ("1", "0", "%00", 400, "y"),
        ("1", "0", "'; DROP TABLE schools_school; --", 400, "y"),
    ],
)
def test_addresses_that_name_no_tile(client, school, z, x, y, status, field):
    response = client.get(URL.format(z, x, y))
    assert response.status_code == status
    assert response["Content-Type"] == "application/problem+json"
    assert response.json()["field"] == field


@pytest.mark.parametrize(
    ("params", "field"),
    [
        ({"layer": "speed"}, "layer"),
        ({"layer": ["global", "coverage"]}, "layer"),
        ({"status": "no_internet", "layer": "coverage"}, "status"),
        ({"status": "great"}, "status"),
        ({"area_type": "suburban"}, "area_type"),
        ({"source": "realtime"}, "source"),
        ({"country": "ken"}, "country"),
        ({"country": "XXX"}, "country"),
        ({"week": "2025-W54"}, "week"),
        ({"week": "2020-W53x"}, "week"),
        ({"week": "2025-10"}, "week"),
        ({"education_level": "x" * 65}, "education_level"),
        ({"education_level": ""}, "education_level"),
        ({"education_level": "a\x00b"}, "education_level"),
    ],
)
def test_bad_parameters(client, school, params, field):
    response = client.get(URL.format(0, 0, 0), params)
    assert response.status_code == 400
    assert response.json()["field"] == field


def test_good_parameters_and_unknown_ones(client, school):
    params = {
        "layer": "coverage",
        "status": "unknown",
        "country": "KEN",
        "week": "2020-W53",
        "education_level": "primary",
        "v": "cache-buster",
    }
    response = client.get(URL.format(0, 0, 0), params)
    assert response.status_code == 200
    assert client.post(URL.format(0, 0, 0)).status_code == 405
