"""Synthetic schools and measurements: deterministic, inside their country, in range."""

from __future__ import annotations

import itertools
from datetime import date

import numpy as np
import pytest
import shapely

from resilnet.schools.demo.synthetic import (
    EDUCATION_LEVELS,
    City,
    generator,
    school_rows,
    synthetic_schools,
)
from resilnet.schools.demo.synthetic_measurements import (
    choose_realtime,
    synthetic_measurements,
)
from resilnet.schools.demo.world import made_up_countries, world
from resilnet.schools.demo.world_atlas import country_shape
from resilnet.schools.status import CellularCoverage

NAIROBI = City(-1.286, 36.817)


@pytest.fixture(scope="module")
def kenya():
    return country_shape("404")


@pytest.fixture(scope="module")
def schools(kenya):
    return synthetic_schools("KEN", kenya, 3000, seed=5, cities=[NAIROBI])


def test_the_same_seed_gives_the_same_schools_and_another_seed_others(kenya, schools):
    again = synthetic_schools("KEN", kenya, 3000, seed=5, cities=[NAIROBI])
    assert school_rows(again) == school_rows(schools)
    other = synthetic_schools("KEN", kenya, 3000, seed=6, cities=[NAIROBI])
    assert not np.array_equal(other["latitude"], schools["latitude"])


def test_every_school_is_inside_the_country(kenya, schools):
    assert shapely.contains_xy(kenya, schools["longitude"], schools["latitude"]).all()
    coast = synthetic_schools("COL", country_shape("170"), 500, 1, [City(10.964, -74.796)])
    assert shapely.contains_xy(country_shape("170"), coast["longitude"], coast["latitude"]).all()


def test_urban_schools_cluster_around_the_city(schools):
    urban = schools["school_area_type"] == "urban"
    near = np.hypot(
        schools["latitude"] - NAIROBI.latitude, schools["longitude"] - NAIROBI.longitude
    )
    assert 0.25 < urban.mean() < 0.45
    assert np.median(near[urban]) < 0.5 < np.median(near[~urban])  # degrees
    coverage = schools["cellular_coverage_type"]
    assert (coverage[urban] == "4G").mean() > (coverage[~urban] == "4G").mean()


def test_attributes_are_in_range(schools):
    rows = school_rows(schools)
    assert {r["education_level"] for r in rows} == set(EDUCATION_LEVELS)
    assert {r["cellular_coverage_type"] for r in rows} <= set(CellularCoverage.values)
    assert len({r["school_id_giga"] for r in rows}) == len(rows)
    assert len({r["school_id_govt"] for r in rows}) == len(rows)
    for row in rows:
        assert 5 <= row["num_students"] <= 10_000
        assert 1 <= row["num_teachers"] <= row["num_students"]
        assert 0 <= row["num_computers"] <= row["num_students"]
        assert row["pop_within_1km"] <= row["pop_within_2km"] <= row["pop_within_3km"]
        assert 1950 <= row["school_establishment_year"] <= 2022
        if row["connectivity_govt"]:
            assert 1_000_000 <= row["download_speed_contracted"] <= 100_000_000
            assert row["connectivity_type_govt"]
        else:
            assert row["download_speed_contracted"] is None
            assert row["connectivity_type_govt"] == ""
        assert min(row[f"nearest_{t}_distance"] for t in ("NR", "LTE", "UMTS", "GSM")) >= 0


def test_measurements_of_the_realtime_schools(schools):
    chosen = choose_realtime(schools, 0.2, generator(5, "realtime"))
    assert len(chosen) == 600
    assert (schools["download_speed_contracted"][chosen] > 0).all()
    tests = synthetic_measurements(schools, chosen, date(2025, 1, 5), 90, 5, "KEN")
    again = synthetic_measurements(schools, chosen, date(2025, 1, 5), 90, 5, "KEN")
    np.testing.assert_equal(tests, again)  # NaN equals NaN here
    count = len(tests["school"])
    assert 0.9 * 600 * 180 < count <= 600 * 180  # two a day, a few missed
    assert len(set(tests["uuid"].tolist())) == count
    stamps = tests["timestamp"]
    assert stamps.min() >= np.datetime64("2024-10-08")
    assert stamps.max() < np.datetime64("2025-01-06")
    down = tests["download_bps"] == 0
    assert 0 < down.mean() < 0.1  # some outages
    assert np.isnan(tests["latency_ms"][down]).all()
    assert (tests["upload_bps"][~down] > 0).all()
    assert (tests["packet_loss"][~down] <= 100).all()
    assert set(tests["source"].tolist()) == {"ndt", "qos"}
    assert (tests["source"] == "ndt").mean() > 0.7
    # Delivered speeds are spread around the contracted one, most below it.
    contracted = schools["download_speed_contracted"][tests["school"][~down]]
    ratio = tests["download_bps"][~down] / contracted
    assert 0.4 < np.median(ratio) < 1.0
    assert (ratio > 1.2).any()


def test_a_small_world_is_deterministic_and_inside_its_countries():
    first = list(world(n_schools=2000, n_countries=12, seed=3))
    again = list(world(n_schools=2000, n_countries=12, seed=3))
    assert sum(len(b.schools["latitude"]) for b in first) == 2000
    assert [b.country.iso3 for b in first] == [b.country.iso3 for b in again]
    assert len({b.country.iso3 for b in first}) == 12
    for batch, same in zip(first, again, strict=True):
        assert school_rows(batch.schools) == school_rows(same.schools)
        lon, lat = batch.schools["longitude"], batch.schools["latitude"]
        assert shapely.contains_xy(batch.country.shape, lon, lat).all()


def test_made_up_countries_when_there_is_no_atlas():
    countries = made_up_countries(30)
    assert len({c.iso3 for c in countries}) == 30
    assert all(c.iso3.startswith("X") and c.shape.is_valid for c in countries)
    assert not any(a.shape.intersects(b.shape) for a, b in itertools.pairwise(countries))
