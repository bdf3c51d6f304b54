"""Map tiles: every school of a tile is listed or counted, filters and weeks, on both the
Python encoder and the database's own engine (PostGIS's ST_AsMVT on PostgreSQL)."""

from __future__ import annotations

import datetime as dt
import random

import mapbox_vector_tile
import pytest
from django.db import connection
from django.db.models import Sum

from resilnet.core.models import Country
from resilnet.schools.geo import tile_key, tile_range
from resilnet.schools.models import GridCell, School, SchoolWeeklyStatus, WeekGridCell
from resilnet.schools.services.tiles import data_version, refresh_grid, refresh_week_grid
from resilnet.schools.tiles.backends import SQLiteTileBackend, backend, database
from resilnet.schools.tiles.query import TileQuery, parse

LEVELS = ("primary", "secondary")
STATUSES = ("good", "moderate", "bad", "no_internet", "unknown")
COVERAGES = ("good", "moderate", "bad", "unknown")


def add_school(country, lat, lon, n, **fields):
    defaults = {
        "education_level": LEVELS[n % 2],
        "school_area_type": ("urban", "rural", "")[n % 3],
        "connectivity_global": STATUSES[n % 5],
        "connectivity_national": STATUSES[(n + 1) % 5],
        "coverage": COVERAGES[n % 4],
        "realtime": n % 4 == 0,
    }
    defaults.update(fields)
    return School.objects.create(
        country=country,
        school_id_giga=f"{country.iso3}-{n}",
        school_name=f"School {n}",
        latitude=lat,
        longitude=lon,
        tile_key=tile_key(lat, lon),
        **defaults,
    )


@pytest.fixture
def world(reference_data):
    """Schools around two cities, on the antimeridian, the poles, the equator and the prime
    meridian (the corner of the four tiles of zoom 1), and one deleted."""
    kenya, fiji = Country.objects.get(iso3="KEN"), Country.objects.get(iso3="FJI")
    rng = random.Random(7)
    n = 0
    for country, lat, lon, many in ((kenya, -1.29, 36.82, 300), (fiji, -18.1, 178.4, 60)):
        for _ in range(many):
            add_school(country, lat + rng.gauss(0, 0.3), lon + rng.gauss(0, 0.3), n)
            n += 1
    for lat, lon in ((0.0, 180.0), (0.0, -180.0), (90.0, 10.0), (-90.0, 10.0), (0.0, 0.0)):
        add_school(fiji, lat, lon, n)
        n += 1
    gone = add_school(kenya, -1.3, 36.8, n)
    School.objects.filter(pk=gone.pk).update(deleted_at=dt.datetime(2025, 1, 1, tzinfo=dt.UTC))
    refresh_grid()
    return kenya, fiji


@pytest.fixture(params=["python", "database"])
def engine(request, db):
    """The Python encoder (runs on either database) and the database's own engine."""
    return SQLiteTileBackend() if request.param == "python" else backend()


def decode(data: bytes) -> list[dict]:
    if not data:
        return []
    tile = mapbox_vector_tile.decode(data, default_options={"y_coord_down": True})
    assert list(tile) == ["schools"]
    assert tile["schools"]["extent"] == 4096
    return tile["schools"]["features"]


def live(q: TileQuery, **filters):
    low, high = tile_range(q.z, q.x, q.y)
    return School.objects.filter(
        tile_key__gte=low, tile_key__lt=high, deleted_at__isnull=True, **filters
    )


def total(features) -> int:
    return sum(f["properties"].get("count", 1) for f in features)


def test_high_zoom_tiles_list_every_school_with_its_properties(world, engine):
    kenya, _fiji = world
    school = School.objects.filter(country=kenya).order_by("id").first()
    x, y = _tile_of(school, 12)
    features = decode(engine.tile(TileQuery(12, x, y)))
    q = TileQuery(12, x, y)
    assert len(features) == live(q).count() > 0
    by_id = {f["id"]: f for f in features}
    props = by_id[school.id]["properties"]
    assert props == {
        "id": school.id,
        "status": school.connectivity_global,
        "education_level": school.education_level,
        "area_type": school.school_area_type,
        "realtime": school.realtime,
    }
    for feature in features:
        px, py = feature["geometry"]["coordinates"]
        assert feature["geometry"]["type"] == "Point"
        assert -1 <= px <= 4096
        assert -1 <= py <= 4096


def test_busy_tiles_count_every_school_in_cells(world, engine, monkeypatch):
    monkeypatch.setattr(database, "POINT_LIMIT", 10)
    for z in range(0, 15):
        for x, y in _tiles_with_schools(z):
            q = TileQuery(z, x, y)
            features = decode(engine.tile(q))
            assert total(features) == live(q).count(), (z, x, y)
            if live(q).count() > 10:
                assert all("count" in f["properties"] for f in features)
                for status in STATUSES:
                    counted = sum(f["properties"][status] for f in features)
                    assert counted == live(q, connectivity_global=status).count()


@pytest.mark.parametrize("limit", [0, 10, 100_000])
def test_the_edges_of_the_world_are_counted_once(world, engine, monkeypatch, limit):
    """A school on the antimeridian, a pole or the corner of four tiles is in exactly one
    tile of each zoom, listed or counted."""
    monkeypatch.setattr(database, "POINT_LIMIT", limit)
    everyone = School.objects.filter(deleted_at__isnull=True).count()
    for z in (0, 1, 2, 5, 16):
        tiles = _tiles_with_schools(z)
        assert sum(total(decode(engine.tile(TileQuery(z, x, y)))) for x, y in tiles) == everyone
    corner = School.objects.get(latitude=0.0, longitude=0.0)
    assert _tile_of(corner, 1) == (1, 1)


@pytest.mark.parametrize("layer", ["global", "national", "coverage"])
@pytest.mark.parametrize("limit", [0, 100_000])
def test_filters_and_layers(world, engine, monkeypatch, layer, limit):
    monkeypatch.setattr(database, "POINT_LIMIT", limit)
    kenya, _fiji = world
    column = "coverage" if layer == "coverage" else f"connectivity_{layer}"
    cases = [
        ({"education_level": "primary"}, {"education_level": "primary"}),
        ({"area_type": "rural"}, {"school_area_type": "rural"}),
        ({"status": "moderate"}, {column: "moderate"}),
        ({"source": "ndt"}, {"realtime": True}),
        ({"country": "KEN"}, {"country": kenya}),
        (
            {"country": "KEN", "status": "bad", "area_type": "urban"},
            {"country": kenya, column: "bad", "school_area_type": "urban"},
        ),
    ]
    for params, filters in cases:
        for z in (0, 4, 8):
            x, y = _tile_of(School.objects.filter(country=kenya).first(), z)
            q = parse(
                str(z), str(x), str(y), {"layer": [layer]} | {k: [v] for k, v in params.items()}
            )
            features = decode(engine.tile(q))
            assert total(features) == live(q, **filters).count(), (params, z)
            for f in features:
                if "status" in f["properties"] and "status" in params:
                    assert f["properties"]["status"] == params["status"]


WEEK, LATER = dt.date(2025, 3, 3), dt.date(2025, 3, 10)


def add_weeks(kenya, fiji):
    """Weekly rows for 40 of Kenya's real-time schools and 5 of Fiji's in 2025-W10, and
    other statuses for some of them the week after, counted into the week cells as a
    roll-up leaves them."""
    realtime = list(School.objects.filter(realtime=True, deleted_at=None).order_by("id"))
    chosen = [s for s in realtime if s.country_id == kenya.id][:40]
    chosen += [s for s in realtime if s.country_id == fiji.id][:5]
    for i, school in enumerate(chosen):
        for monday, statuses in ((WEEK, ("good", "bad", "moderate")), (LATER, ("no_internet",))):
            if monday == LATER and i % 3:
                continue
            iso = monday.isocalendar()
            SchoolWeeklyStatus.objects.create(
                school=school,
                week_start=monday,
                iso_year=iso.year,
                iso_week=iso.week,
                connectivity_global=statuses[i % len(statuses)],
                connectivity_national=statuses[(i + 1) % len(statuses)],
            )
    refresh_week_grid([kenya.id, fiji.id], [WEEK, LATER])
    return chosen


def week_expected(q, layer, status, monday, **filters):
    """What a week's tile must count: the others by their current status, real-time
    schools by their row of that week, unknown without one."""
    column = f"connectivity_{layer}"
    schools = live(q, **filters)
    rows = SchoolWeeklyStatus.objects.filter(week_start=monday, school__in=schools)
    with_week = dict(rows.values_list("school_id", column))
    return (
        schools.filter(realtime=False, **{column: status}).count()
        + sum(1 for s in with_week.values() if s == status)
        + (
            schools.filter(realtime=True).exclude(id__in=with_week).count()
            if status == "unknown"
            else 0
        )
    )


def shown(features, status, counted):
    if counted:
        return sum(f["properties"][status] for f in features)
    return sum(f["properties"]["status"] == status for f in features)


@pytest.mark.parametrize("layer", ["global", "national"])
def test_week_status_of_real_time_schools(world, engine, monkeypatch, layer):
    kenya, fiji = world
    chosen = add_weeks(kenya, fiji)
    cases = [
        ({}, {}),
        ({"education_level": "primary"}, {"education_level": "primary"}),
        ({"area_type": "rural"}, {"school_area_type": "rural"}),
        ({"source": "ndt"}, {"realtime": True}),
        ({"country": "KEN"}, {"country": kenya}),
    ]
    for limit in (0, 100_000):
        monkeypatch.setattr(database, "POINT_LIMIT", limit)
        # The week cells' levels (zooms 0-7), the weekly rows read under a tile (8-11) and
        # the schools themselves counted (12-14).
        for z in (0, 1, 2, 4, 6, 7, 8, 13):
            x, y = _tile_of(chosen[0], z)
            for monday, week in ((WEEK, "2025-W10"), (LATER, "2025-W11")):
                for params, filters in cases:
                    args = {"week": [week], "layer": [layer]} | {k: [v] for k, v in params.items()}
                    q = parse(str(z), str(x), str(y), args)
                    features = decode(engine.tile(q))
                    assert total(features) == live(q, **filters).count(), (z, params)
                    for status in STATUSES:
                        expected = week_expected(q, layer, status, monday, **filters)
                        assert shown(features, status, limit == 0) == expected, (z, status, params)
            q = parse(str(z), str(x), str(y), {"week": ["2025-W10"], "status": ["unknown"]})
            assert total(decode(engine.tile(q))) == week_expected(q, "global", "unknown", WEEK)


def test_week_cells_are_recounted_per_week_and_follow_deleted_schools(world, engine, monkeypatch):
    """Recounting one week leaves the others as they were; a school deleted leaves every
    week's cells when its country's grid is refreshed, as imports and deletions do."""
    monkeypatch.setattr(database, "POINT_LIMIT", 0)
    kenya, fiji = world
    chosen = add_weeks(kenya, fiji)
    cells = _week_grid_rows()
    assert refresh_week_grid([kenya.id], [WEEK]) > 0
    assert _week_grid_rows() == cells  # idempotent
    later_only = WeekGridCell.objects.filter(week_start=LATER).count()
    SchoolWeeklyStatus.objects.filter(week_start=WEEK).update(connectivity_global="good")
    refresh_week_grid([kenya.id, fiji.id], [LATER])
    assert _week_grid_rows() == cells  # W10 not recounted
    refresh_week_grid([kenya.id, fiji.id], [WEEK])
    assert _week_grid_rows() != cells
    assert WeekGridCell.objects.filter(week_start=LATER).count() == later_only
    for level in database.WEEK_GRID_LEVELS:
        in_cells = WeekGridCell.objects.filter(week_start=WEEK, level=level)
        assert in_cells.aggregate(n=Sum("total"), good=Sum("global_good")) == {"n": 45, "good": 45}

    gone = chosen[0]
    School.objects.filter(pk=gone.pk).update(deleted_at=dt.datetime(2025, 4, 1, tzinfo=dt.UTC))
    refresh_grid([kenya.id])
    for monday, rows in ((WEEK, 44), (LATER, 14)):
        counted = WeekGridCell.objects.filter(week_start=monday, level=6)
        assert counted.aggregate(n=Sum("total"))["n"] == rows
    x, y = _tile_of(gone, 0)
    q = parse("0", str(x), str(y), {"week": ["2025-W10"]})
    features = decode(engine.tile(q))
    assert total(features) == live(q).count()
    assert shown(features, "good", True) == week_expected(q, "global", "good", WEEK)


def _week_grid_rows():
    return sorted(
        WeekGridCell.objects.values_list(
            "week_start",
            "level",
            "cell",
            "country_id",
            "total",
            "global_good",
            "global_unknown",
            "national_bad",
        )
    )


def test_refresh_grid_is_idempotent_and_per_country(world):
    kenya, fiji = world
    rows = _grid_rows()
    refresh_grid()
    assert _grid_rows() == rows
    before = data_version()
    school = School.objects.filter(country=kenya).first()
    School.objects.filter(pk=school.pk).update(connectivity_global="good", coverage="bad")
    refresh_grid([fiji.id])
    assert _grid_rows() == rows  # Kenya's cells were not recounted
    refresh_grid([kenya.id])
    assert _grid_rows() != rows
    assert data_version() == before + 2


def test_rolled_up_cells_sum_the_cells_of_every_combination(world):
    """The rows unfiltered tiles read hold exactly the sums of the rows filtered tiles read."""
    counts = [f.name for f in GridCell._meta.fields if f.name.startswith(("global_", "national_"))]
    counts += ["total", "sum_latitude", "sum_longitude", "coverage_good", "coverage_unknown"]
    key = ("level", "cell", "country_id", "realtime")

    def rows(rolled_up):
        cells = GridCell.objects.filter(rolled_up=rolled_up).values(*key).order_by(*key)
        return [
            {k: round(v, 6) for k, v in row.items()}
            for row in cells.annotate(**{f"n_{c}": Sum(c) for c in counts})
        ]

    rolled = rows(True)
    assert rolled == rows(False)
    assert {(r["education_level"], r["area_type"]) for r in _rolled_up_rows()} == {("", "")}
    live_schools = School.objects.filter(deleted_at__isnull=True).count()
    for level in database.GRID_LEVELS:
        assert sum(r["n_total"] for r in rolled if r["level"] == level) == live_schools


def _rolled_up_rows():
    return GridCell.objects.filter(rolled_up=True).values("education_level", "area_type")


def test_hostile_filter_values_are_only_values(world, engine, client):
    hostile = ["'; DROP TABLE schools_school; --", "primary' OR '1'='1", '" OR 1=1 --', "%", "_"]
    for value in hostile:
        q = parse("0", "0", "0", {"education_level": [value]})
        assert engine.tile(q) == b""
        response = client.get("/tiles/schools/0/0/0.mvt", {"education_level": value})
        assert response.status_code == 204
        for name in ("layer", "area_type", "status", "source", "country", "week"):
            response = client.get("/tiles/schools/0/0/0.mvt", {name: value})
            assert response.status_code == 400
            assert response.json()["field"] == name
    assert School.objects.count() == 366


def _tile_of(school, z):
    key = school.tile_key >> 2 * (24 - z)
    x = y = 0
    for bit in range(z):
        x |= ((key >> 2 * bit) & 1) << bit
        y |= ((key >> (2 * bit + 1)) & 1) << bit
    return x, y


def _tiles_with_schools(z):
    return sorted({_tile_of(s, z) for s in School.objects.filter(deleted_at__isnull=True)})


def _grid_rows():
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT * FROM schools_gridcell ORDER BY level, cell, country_id, "
            "rolled_up, education_level, area_type, realtime"
        )
        return [row[1:] for row in cursor.fetchall()]


def test_every_grid_level_counts_the_schools_themselves(world):
    """The coarser levels are added up from the level below: each must still equal the
    schools counted directly at that level."""
    from resilnet.schools.models import GridCell

    schools = list(
        School.objects.filter(deleted_at__isnull=True).values_list(
            "tile_key",
            "country_id",
            "education_level",
            "school_area_type",
            "realtime",
            "latitude",
            "connectivity_global",
            "coverage",
        )
    )
    for level in database.GRID_LEVELS:
        expected: dict[tuple, list] = {}
        for key, country, edu, area, realtime, lat, conn, cov in schools:
            cell = expected.setdefault(
                (key >> 2 * (24 - level), country, edu, area, realtime), [0, 0.0, 0, 0]
            )
            cell[0] += 1
            cell[1] += lat
            cell[2] += conn == "good"
            cell[3] += cov == "bad"
        found = {
            (g.cell, g.country_id, g.education_level, g.area_type, g.realtime): [
                g.total,
                g.sum_latitude,
                g.global_good,
                g.coverage_bad,
            ]
            for g in GridCell.objects.filter(level=level, rolled_up=False)
        }
        assert found.keys() == expected.keys(), level
        for k, (total, lat_sum, good, bad) in expected.items():
            assert [found[k][0], found[k][2], found[k][3]] == [total, good, bad], (level, k)
            assert found[k][1] == pytest.approx(lat_sum), (level, k)
