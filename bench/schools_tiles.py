"""Schools map tiles: p50/p95 per zoom 0–14 of the product's engine against a naive tile and
the libraries, on one synthetic world, SQLite then PostgreSQL/PostGIS (ADR 0010).

    .venv/bin/python bench/schools_tiles.py --schools 100000
    nice -n 10 .venv/bin/python bench/schools_tiles.py --postgres URL     # 2.1 million

Each engine runs in a child process of its own (settings are read once per process) on a
fresh database: SQLite under --workdir, PostgreSQL in a database created on --postgres
(or RESILNET_DATABASE_URL) and dropped at the end. What bench/README.md says.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import math
import os
import platform
import random
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit, urlunsplit

ROOT = Path(__file__).resolve().parent.parent
ZOOMS = range(15)
STATUSES = ("good", "moderate", "bad", "no_internet", "unknown")
COVERAGES = ("good", "moderate", "bad", "unknown")
LEVELS = ("pre-primary", "primary", "secondary", "post-secondary")
WEEK = dt.date(2026, 3, 2)  # the time player's week (ISO 2026-W10)
NAIVE_ENCODE_CAP = 200_000  # points: past this the naive tile is only fetched, not encoded


def percentile(values: list[float], p: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, math.ceil(p / 100 * len(ordered)) - 1)]


def ms(seconds: float | None) -> str:
    return "—" if seconds is None else f"{seconds * 1000:,.1f}"


# -- the synthetic world ---------------------------------------------------------------


def world(n: int, countries: int, seed: int) -> list[tuple[int, float, float]]:
    """(country index, latitude, longitude) of n schools: country sizes skewed, each a
    broad cloud with two to five dense cities holding 40 % of its schools."""
    rng = random.Random(seed)  # noqa: S311 (synthetic data)
    weights = [1 / (rank + 1) ** 0.8 for rank in range(countries)]
    scale = n / sum(weights)
    sizes = [int(w * scale) for w in weights]
    sizes[0] += n - sum(sizes)
    schools = []
    for index, size in enumerate(sizes):
        lat0, lon0 = rng.uniform(-35, 55), rng.uniform(-179, 179)
        spread = rng.uniform(1.5, 6)
        cities = [
            (rng.gauss(lat0, spread / 2), rng.gauss(lon0, spread / 2), rng.uniform(0.05, 0.3))
            for _ in range(rng.randint(2, 5))
        ]
        for i in range(size):
            if i % 5 < 2:
                lat, lon, sigma = cities[i % len(cities)]
                point = rng.gauss(lat, sigma), rng.gauss(lon, sigma)
            else:
                point = rng.gauss(lat0, spread), rng.gauss(lon0, spread)
            lat = max(-89.9, min(89.9, point[0]))
            lon = (point[1] + 180) % 360 - 180
            schools.append((index, lat, lon))
    return schools


def load(args: argparse.Namespace) -> dict[str, float]:
    from resilnet.core.models import Country, Region
    from resilnet.core.reference_data import load_reference_data
    from resilnet.schools.services.tiles import refresh_grid, refresh_week_grid

    load_reference_data(Region, Country)
    country_ids = list(Country.objects.order_by("iso3").values_list("id", flat=True))
    started = time.perf_counter()
    insert_schools(args, country_ids)
    insert_week()
    loaded = time.perf_counter() - started
    _analyse()
    started = time.perf_counter()
    refresh_grid()
    _analyse()
    grid_s = time.perf_counter() - started
    # What a roll-up of the week adds: that week's cells of every country recounted.
    started = time.perf_counter()
    refresh_week_grid(country_ids, [WEEK])
    return {"load_s": loaded, "grid_s": grid_s, "week_grid_s": time.perf_counter() - started}


def insert_schools(args: argparse.Namespace, country_ids: list[int]) -> None:
    """The synthetic schools as plain tuples: one executemany per 20,000 on SQLite, COPY
    on PostgreSQL (model instances cost more than the insert at millions of rows)."""
    from django.db import connection

    from resilnet.core.bulk import insert_rows
    from resilnet.schools.geo import tile_key
    from resilnet.schools.models import School

    fields = [f for f in School._meta.concrete_fields if not f.primary_key]
    columns = tuple(f.column for f in fields)
    template = [f.get_db_prep_save(f.get_default(), connection) for f in fields]
    at = {name: columns.index(name) for name in columns}
    rng = random.Random(args.seed + 1)  # noqa: S311

    def rows() -> Iterator[list[Any]]:
        for n, (c, lat, lon) in enumerate(world(args.schools, args.countries, args.seed)):
            row = template.copy()
            row[at["country_id"]] = country_ids[c % len(country_ids)]
            row[at["school_id_giga"]] = f"g{n}"
            row[at["school_name"]] = f"School {n}"
            row[at["latitude"]], row[at["longitude"]] = lat, lon
            row[at["tile_key"]] = tile_key(lat, lon)
            row[at["education_level"]] = rng.choice(LEVELS)
            row[at["school_area_type"]] = "urban" if n % 5 < 2 else "rural"
            row[at["realtime"]] = rng.random() < 0.05
            row[at["connectivity_global"]] = rng.choice(STATUSES)
            row[at["connectivity_national"]] = rng.choice(STATUSES)
            row[at["coverage"]] = rng.choice(COVERAGES)
            if n % 100_000 == 0:
                print(f"  {n:,} schools", file=sys.stderr, end="\r")
            yield row

    table = School._meta.db_table
    if connection.vendor == "postgresql":
        names = ", ".join(connection.ops.quote_name(c) for c in columns)
        command = f"COPY {table} ({names}) FROM STDIN"
        with connection.cursor() as cursor, cursor.cursor.copy(command) as copy:
            for row in rows():
                copy.write_row(row)
        return
    batch: list[tuple[Any, ...]] = []
    for row in rows():
        batch.append(tuple(row))
        if len(batch) == 20_000:
            insert_rows(table, columns, batch)
            batch.clear()
    insert_rows(table, columns, batch)


def insert_week() -> None:
    """One week of statuses for every real-time school (its current ones), in one INSERT."""
    from django.db import connection

    from resilnet.schools.models import School, SchoolWeeklyStatus

    iso = WEEK.isocalendar()
    with connection.cursor() as cursor:
        cursor.execute(
            f"INSERT INTO {SchoolWeeklyStatus._meta.db_table} (school_id, week_start, "  # noqa: S608
            f"iso_year, iso_week, num_measurements, connectivity_global, "
            f"connectivity_national) SELECT id, %s, %s, %s, 1, connectivity_global, "
            f"connectivity_national FROM {School._meta.db_table} WHERE realtime",
            [WEEK, iso.year, iso.week],
        )


def _analyse() -> None:
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute("ANALYZE")


# -- one engine's pass ------------------------------------------------------------------


def sample_tiles(args: argparse.Namespace) -> dict[int, list[tuple[int, int]]]:
    """Random tiles per zoom, each the tile of a random school (where schools are)."""
    from resilnet.schools.models import School

    rng = random.Random(args.seed + 2)  # noqa: S311
    keys = list(School.objects.values_list("tile_key", flat=True)[:2_000_000:7])
    tiles = {}
    for z in ZOOMS:
        tiles[z] = [_tile_of(rng.choice(keys), z) for _ in range(args.tiles)]
    return tiles


def _tile_of(key: int, z: int) -> tuple[int, int]:
    key >>= 2 * (24 - z)
    x = y = 0
    for bit in range(z):
        x |= ((key >> 2 * bit) & 1) << bit
        y |= ((key >> (2 * bit + 1)) & 1) << bit
    return x, y


def naive_tile(z: int, x: int, y: int) -> tuple[float, int, bool]:
    """Every school in the tile's bbox by latitude and longitude, encoded by the
    mapbox-vector-tile package: (seconds, points, encoded)."""
    import mapbox_vector_tile
    from django.db import connection

    from resilnet.schools.models import School

    n = 1 << z
    west, east = x / n * 360 - 180, (x + 1) / n * 360 - 180
    north = math.degrees(math.atan(math.sinh(math.pi * (1 - 2 * y / n))))
    south = math.degrees(math.atan(math.sinh(math.pi * (1 - 2 * (y + 1) / n))))
    started = time.perf_counter()
    with connection.cursor() as cursor:
        cursor.execute(
            f"SELECT id, latitude, longitude, connectivity_global, education_level, "  # noqa: S608
            f"school_area_type, realtime FROM {School._meta.db_table} WHERE latitude >= %s "
            f"AND latitude < %s AND longitude >= %s AND longitude < %s "
            f"AND deleted_at IS NULL",
            [south, north, west, east],
        )
        rows = cursor.fetchall()
    if len(rows) > NAIVE_ENCODE_CAP:
        return time.perf_counter() - started, len(rows), False
    features = [
        {
            "geometry": f"POINT({(lon - west) / (east - west) * 4096} "
            f"{(lat - south) / (north - south) * 4096})",
            "properties": {
                "id": i,
                "status": s,
                "education_level": e,
                "area_type": a,
                "realtime": bool(r),
            },
        }
        for i, lat, lon, s, e, a, r in rows
    ]
    mapbox_vector_tile.encode(
        [{"name": "schools", "features": features}], default_options={"quantize_bounds": None}
    )
    return time.perf_counter() - started, len(rows), True


def run_pass(args: argparse.Namespace) -> None:
    os.environ["DJANGO_SETTINGS_MODULE"] = "resilnet.settings"
    os.environ["RESILNET_DATABASE_URL"] = args.database_url
    os.environ["RESILNET_VAR_DIR"] = args.var_dir
    os.environ["RESILNET_DEBUG"] = "false"
    os.environ["RESILNET_LOG_LEVEL"] = "WARNING"
    import django
    from django.core.management import call_command

    django.setup()
    call_command("migrate", "--no-input", verbosity=0)
    import mapbox_vector_tile
    from django.db import connection

    from resilnet.schools.geo import tile_range
    from resilnet.schools.models import School
    from resilnet.schools.tiles import mvt
    from resilnet.schools.tiles.backends import PostGISTileBackend, SQLiteTileBackend, database
    from resilnet.schools.tiles.backends.sqlite import features
    from resilnet.schools.tiles.query import TileQuery

    result: dict[str, Any] = {"engine": connection.vendor, **load(args)}
    tiles = sample_tiles(args)
    engines: dict[str, Any] = {"python": SQLiteTileBackend()}
    if connection.vendor == "postgresql":
        engines["postgis"] = PostGISTileBackend()
    figures: dict[str, dict[int, list[float]]] = {}
    mismatches = 0
    # Each engine on the default map, then on one week of the time player (fewer tiles).
    # The week once from the week cells, once from the weekly rows under each tile (the
    # baseline: what every week's tile read before the week cells existed).
    passes = [(name, engine, None, tiles, True) for name, engine in engines.items()]
    half = {z: tiles[z][: max(5, args.tiles // 2)] for z in ZOOMS}
    passes += [(f"{name} week", engine, WEEK, half, True) for name, engine in engines.items()]
    passes += [
        (f"{name} week, weekly rows", engine, WEEK, half, False) for name, engine in engines.items()
    ]
    week_levels = database.WEEK_GRID_LEVELS
    for name, engine, week, chosen, week_cells in passes:
        database.WEEK_GRID_LEVELS = week_levels if week_cells else ()
        figures[name] = {}
        for z in ZOOMS:
            times = []
            for x, y in chosen[z]:
                q = TileQuery(z, x, y, week_start=week)
                started = time.perf_counter()
                data = engine.tile(q)
                times.append(time.perf_counter() - started)
                # Checked outside the timing: the tile's counts add up to its schools.
                low, high = tile_range(z, x, y)
                expected = School.objects.filter(tile_key__gte=low, tile_key__lt=high).count()
                layer = mapbox_vector_tile.decode(data).get("schools", {"features": []})
                shown = sum(f["properties"].get("count", 1) for f in layer["features"])
                mismatches += shown != expected
            figures[name][z] = times
            print(f"  {name} z{z}: p50 {ms(statistics.median(times))} ms", file=sys.stderr)
    database.WEEK_GRID_LEVELS = week_levels
    # The grid against counting from the schools at every tile (no pre-aggregation).
    live_grid = database.grid_level
    database.grid_level = lambda z: None
    figures["no grid"] = {}
    for z in range(0, 11):
        times = []
        for x, y in tiles[z][: max(3, args.tiles // 5)]:
            started = time.perf_counter()
            engines["python"].tile(TileQuery(z, x, y))
            times.append(time.perf_counter() - started)
        figures["no grid"][z] = times
    database.grid_level = live_grid
    # The encoders on the same rows: ours against mapbox-vector-tile.
    encode: dict[str, dict[int, list[float]]] = {"own": {}, "mapbox-vector-tile": {}}
    for z in ZOOMS:
        encode["own"][z], encode["mapbox-vector-tile"][z] = [], []
        for x, y in tiles[z]:
            q = TileQuery(z, x, y)
            sql = engines["python"].feature_sql(q)
            rows = database.fetch(sql)
            started = time.perf_counter()
            mvt.encode_points("schools", features(q, sql, rows))
            encode["own"][z].append(time.perf_counter() - started)
            points = features(q, sql, rows)
            keys = list(points.properties)
            columns = [points.properties[k].tolist() for k in keys]
            ids = points.ids.tolist() if points.ids is not None else [None] * len(points)
            layer = {
                "name": "schools",
                "features": [
                    {
                        "geometry": f"POINT({px} {py})",
                        "properties": dict(zip(keys, values, strict=True)),
                        "id": i,
                    }
                    for px, py, i, *values in zip(
                        points.x.tolist(), points.y.tolist(), ids, *columns, strict=True
                    )
                ],
            }
            started = time.perf_counter()
            mapbox_vector_tile.encode(
                [layer], default_options={"quantize_bounds": None, "y_coord_down": True}
            )
            encode["mapbox-vector-tile"][z].append(time.perf_counter() - started)
    naive: dict[int, list[float]] = {}
    naive_notes: dict[int, str] = {}
    for z in ZOOMS:
        naive[z] = []
        for x, y in tiles[z][: args.naive_tiles]:
            seconds, fetched, encoded = naive_tile(z, x, y)
            naive[z].append(seconds)
            if not encoded:
                naive_notes[z] = f"fetch only, {fetched:,} points"
                break
    result.update(
        figures=figures,
        encode=encode,
        naive=naive,
        naive_notes=naive_notes,
        mismatches=mismatches,
        tiles_per_zoom=args.tiles,
        peak_mb=resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
    )
    Path(args.results).write_text(json.dumps(result))


# -- the parent ------------------------------------------------------------------------


def child(args: argparse.Namespace, database_url: str, workdir: Path, name: str) -> dict:
    results = workdir / f"{name}.json"
    command = [
        sys.executable,
        __file__,
        "--role",
        "pass",
        "--database-url",
        database_url,
        "--var-dir",
        str(workdir / f"{name}-var"),
        "--results",
        str(results),
        "--schools",
        str(args.schools),
        "--countries",
        str(args.countries),
        "--tiles",
        str(args.tiles),
        "--naive-tiles",
        str(args.naive_tiles),
        "--seed",
        str(args.seed),
    ]
    subprocess.run(command, check=True, cwd=ROOT)
    return json.loads(results.read_text())


def report(result: dict) -> None:
    print(
        f"\n## {result['engine']}: load {result['load_s']:.1f} s, grid refresh "
        f"{result['grid_s']:.1f} s (one week's cells again: {result['week_grid_s']:.2f} s), "
        f"peak RSS {result['peak_mb']:,.0f} MB, "
        f"tiles whose counts differ from COUNT(*): {result['mismatches']}"
    )
    names = list(result["figures"])
    head = ["z"] + [f"{n} p50 / p95" for n in names]
    head += ["naive p50", "encode own / mvt p50", "naive÷engine p50"]
    print("| " + " | ".join(head) + " |")
    print("|" + " --- |" * len(head))
    for z in ZOOMS:
        z_key = str(z)
        cells = [str(z)]
        for n in names:
            times = result["figures"][n].get(z_key)
            cells.append(
                f"{ms(statistics.median(times))} / {ms(percentile(times, 95))}" if times else "—"
            )
        naive = result["naive"].get(z_key) or []
        note = result["naive_notes"].get(z_key)
        naive_p50 = statistics.median(naive) if naive else None
        cells.append(f"{'> ' if note else ''}{ms(naive_p50)}" + (f" ({note})" if note else ""))
        own = statistics.median(result["encode"]["own"][z_key])
        lib = statistics.median(result["encode"]["mapbox-vector-tile"][z_key])
        cells.append(f"{ms(own)} / {ms(lib)} (×{lib / own:.1f})" if own else "—")
        best = "postgis" if "postgis" in names else "python"
        engine = statistics.median(result["figures"][best][z_key])
        cells.append(f"×{naive_p50 / engine:,.0f}" if naive_p50 else "—")
        print("| " + " | ".join(cells) + " |")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--schools", type=int, default=2_100_000)
    parser.add_argument("--countries", type=int, default=141)
    parser.add_argument("--tiles", type=int, default=40, help="random tiles per zoom")
    parser.add_argument("--naive-tiles", type=int, default=5, help="naive tiles per zoom")
    parser.add_argument("--seed", type=int, default=2021)
    parser.add_argument("--postgres", default=os.environ.get("RESILNET_DATABASE_URL", ""))
    parser.add_argument("--workdir")
    parser.add_argument("--role", default="main", choices=["main", "pass"])
    parser.add_argument("--database-url")
    parser.add_argument("--var-dir")
    parser.add_argument("--results")
    args = parser.parse_args()
    if args.role == "pass":
        run_pass(args)
        return
    workdir = Path(args.workdir or tempfile.mkdtemp(prefix="bench-tiles-"))
    workdir.mkdir(parents=True, exist_ok=True)
    commit = subprocess.run(
        ["git", "rev-parse", "--short", "HEAD"], capture_output=True, text=True, cwd=ROOT
    ).stdout.strip()
    print(
        f"# schools tiles, {args.schools:,} schools in {args.countries} countries, "
        f"{args.tiles} random tiles per zoom; commit {commit}; {platform.platform()}, "
        f"{os.cpu_count()} CPUs; {time.strftime('%Y-%m-%d')}"
    )
    sqlite = workdir / "tiles.sqlite3"
    sqlite.unlink(missing_ok=True)
    report(child(args, f"sqlite:///{sqlite}", workdir, "sqlite"))
    if args.postgres:
        import psycopg

        name = f"resilnet_bench_tiles_{os.getpid()}"
        with psycopg.connect(args.postgres, autocommit=True) as conn:
            conn.execute(f'CREATE DATABASE "{name}"')
        parts = urlsplit(args.postgres)
        try:
            report(child(args, urlunsplit(parts._replace(path=f"/{name}")), workdir, "pg"))
        finally:
            with psycopg.connect(args.postgres, autocommit=True) as conn:
                conn.execute(f'DROP DATABASE IF EXISTS "{name}"')


if __name__ == "__main__":
    main()
