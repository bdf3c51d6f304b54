"""The roll-up of one day at Giga's scale: 2.1 million schools, 5 % of them real-time.

    .venv/bin/python bench/schools_rollup_giga.py [--schools N] [--realtime 0.05]
        [--days D] [--before COMMIT] [--runs R] [--workdir DIR]
    RESILNET_DATABASE_URL=postgres://… .venv/bin/python bench/schools_rollup_giga.py …

Loads N schools in 141 countries (Zipf-like sizes, 20 provinces and 100 districts
each, positions in a box per country), a share of them real-time; the others carry the
government's connectivity and contracted speed, so their status is the static one. The
real-time schools get 2 measurements a day for D days ending yesterday, imported by the
product's measurement import (each school has a speed of its own and each test varies
around it, so a day moves some statuses, not all). The first D - 1 days are rolled up
one by one, as the periodic task would (timed, printed), and the database is kept as a
snapshot. Then the last day is rolled up R times by the roll-up module of an earlier
commit (read from git, imported beside the current one) and by the current one,
alternated, each from the snapshot. After each run the rows it wrote are hashed: both
versions must write the same. Prints wall and CPU seconds (this process plus the
PostgreSQL backend, not its parallel workers) and their medians.

On SQLite (the default) the database and its snapshot are files in the work folder, the
snapshot a copy of the file. With RESILNET_DATABASE_URL set to a PostgreSQL URL, the
database it names is the work database, replaced by each restore (its data is lost), and
the snapshot is a database of the same server named after it and the load's parameters,
copied both ways with CREATE DATABASE … TEMPLATE; it is kept, so a later run with the same
parameters skips the load (drop it by hand when done). The parquet files stay in the work
folder either way.
"""

from __future__ import annotations

import argparse
import hashlib
import os
import random
import resource
import shutil
import statistics
import sys
import tempfile
import time
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from types import ModuleType
from typing import Any

import numpy as np
import pyarrow as pa
import pyarrow.parquet as pq

sys.path.insert(0, str(Path(__file__).parent))
import schools_rollup_before_after as before_after
import schools_stats as stats


def load_schools(total: int, share: float, seed: int) -> None:
    from django.db import connection, transaction

    from resilnet.core.bulk import copy_rows
    from resilnet.core.models import Country
    from resilnet.schools import geo, status
    from resilnet.schools.models import School

    fields = [f for f in School._meta.concrete_fields if not f.primary_key]
    columns = tuple(f.column for f in fields)
    template = [f.get_db_prep_save(f.get_default(), connection) for f in fields]
    at = {name: columns.index(name) for name in columns}
    rng = random.Random(seed)  # noqa: S311 (synthetic data, repeatable)
    coverage = ["5G", "4G", "3G", "2G", "no coverage", None]
    countries = list(Country.objects.order_by("iso3")[:141])
    started = time.perf_counter()
    for country, n in zip(countries, stats.sizes(total, len(countries)), strict=True):
        lat0, lon0 = rng.uniform(-35, 45), rng.uniform(-120, 140)
        with transaction.atomic():
            _provinces, districts = stats.make_areas(country)
            batch = []
            for i in range(n):
                district = districts[rng.randrange(100)]
                lat, lon = lat0 + rng.uniform(0, 6), lon0 + rng.uniform(0, 6)
                govt = rng.choices([True, False, None], [60, 15, 25])[0]
                speed = None if rng.random() < 0.4 else int(rng.lognormvariate(16.5, 1.5))
                realtime = rng.random() < share
                static = status.static_connectivity(govt, speed, status.GLOBAL_BENCHMARK_BPS)
                row = template.copy()
                row[at["country_id"]] = country.pk
                row[at["school_id_giga"]] = f"{country.iso3}-{i}"
                row[at["school_name"]] = f"School {i}"
                row[at["latitude"]], row[at["longitude"]] = lat, lon
                row[at["education_level"]] = rng.choice(["Primary", "Secondary"])
                row[at["tile_key"]] = geo.tile_key(lat, lon)
                row[at["admin1_area_id"]] = district.parent_id
                row[at["admin2_area_id"]] = district.pk
                row[at["connectivity_govt"]] = govt
                row[at["download_speed_contracted"]] = speed
                row[at["realtime"]] = realtime
                value = "unknown" if realtime else str(static)
                row[at["connectivity_global"]] = row[at["connectivity_national"]] = value
                row[at["coverage"]] = str(status.coverage(rng.choice(coverage)))
                batch.append(tuple(row))
                if len(batch) == 20_000:
                    copy_rows(School._meta.db_table, columns, batch)
                    batch.clear()
            copy_rows(School._meta.db_table, columns, batch)
    print(f"  {total:,} schools written in {time.perf_counter() - started:.0f} s", flush=True)


def write_measurements(workdir: Path, days: int, start: date, seed: int) -> list[Path]:
    """A file a day, 2 tests per real-time school; each school has a speed of its own
    and each test varies around it."""
    from resilnet.schools.models import School

    schools = list(
        School.objects.filter(realtime=True)
        .order_by("pk")
        .values_list("school_id_giga", "country__iso3")
    )
    rng = np.random.default_rng(seed)
    n = len(schools)
    base = np.repeat(rng.lognormal(16.5, 1.3, n), 2)
    giga = pa.array([g for g, _c in schools for _k in (0, 1)])
    iso3 = pa.array([c for _g, c in schools for _k in (0, 1)])
    paths = []
    for d in range(days):
        day = datetime.combine(start + timedelta(days=d), datetime.min.time(), tzinfo=UTC)
        offsets = rng.integers(0, 3600, 2 * n)
        times = [
            day + timedelta(hours=9 + 5 * (k % 2), seconds=int(s)) for k, s in enumerate(offsets)
        ]
        speed = base * rng.lognormal(0, 0.35, 2 * n)
        paths.append(workdir / f"measurements-{d}.parquet")
        pq.write_table(
            pa.table(
                {
                    "school_id_giga": giga,
                    "country": iso3,
                    "timestamp": pa.array(times, pa.timestamp("us", tz="UTC")),
                    "download_bps": pa.array(speed.astype(np.int64)),
                    "upload_bps": pa.array((speed / 4).astype(np.int64)),
                    "latency": rng.uniform(5, 300, 2 * n),
                }
            ),
            paths[-1],
        )
    return paths


def import_day(path: Path) -> None:
    from resilnet.schools.services import measurement_files

    t = time.perf_counter()
    report = measurement_files.import_measurement_file(path, partial=True)
    assert report.new == report.rows, (report.new, report.rows, report.rejected)
    elapsed = time.perf_counter() - t
    print(f"  {report.new:,} measurements imported in {elapsed:.1f} s", flush=True)


def digest(day: date) -> tuple[str, dict[str, int]]:
    """What a roll-up of `day` writes: its days, its week, the area counts of the week,
    the real-time schools' statuses and the counts per area."""
    from resilnet.schools.models import (
        AreaSchoolCount,
        AreaWeeklyCount,
        School,
        SchoolDailyStatus,
        SchoolWeeklyStatus,
    )
    from resilnet.schools.services import rollups

    monday = rollups.week_start(day)
    queries = {
        "days": SchoolDailyStatus.objects.filter(date=day)
        .order_by("school_id")
        .values_list("school_id", "download_bps", "upload_bps", "latency_ms", "num_measurements"),
        "weeks": SchoolWeeklyStatus.objects.filter(week_start=monday)
        .order_by("school_id")
        .values_list(*rollups.WEEK_COLUMNS),
        "area counts": AreaWeeklyCount.objects.filter(week_start=monday)
        .order_by("country_id", "area_id", "benchmark", "status")
        .values_list("country_id", "area_id", "benchmark", "status", "schools"),
        "statuses": School.objects.filter(realtime=True)
        .order_by("pk")
        .values_list("pk", "connectivity_global", "connectivity_national"),
        "counts per area": AreaSchoolCount.objects.order_by("country_id", "area_id").values_list(),
    }
    digest = hashlib.blake2b()
    sizes: dict[str, int] = {}
    for name, query in queries.items():
        rows = list(query)
        sizes[name] = len(rows)
        digest.update(repr((name, rows)).encode())
    return digest.hexdigest()[:16], sizes


def close_django() -> None:
    """Django's connection closed, if Django is set up: a file copied under it, or a
    database dropped or copied while it is connected, would not be what the next query
    reads."""
    from django.apps import apps

    if apps.ready:
        from django.db import connection

        connection.close()


def restore(snapshot: Path, database: Path) -> None:
    close_django()
    for suffix in ("-wal", "-shm"):
        Path(f"{database}{suffix}").unlink(missing_ok=True)
    shutil.copyfile(snapshot, database)


def keep(database: Path, snapshot: Path) -> None:
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    connection.close()
    shutil.copyfile(database, snapshot)


class FileSnapshot:
    """SQLite: the database is a file of the work folder, its snapshot a copy of it."""

    def __init__(self, workdir: Path) -> None:
        self.database, self.snapshot = workdir / "db.sqlite3", workdir / "ready.sqlite3"
        self.url = f"sqlite:///{self.database}"
        self.name = str(self.snapshot)

    def exists(self) -> bool:
        return self.snapshot.exists()

    def emptied(self) -> None:
        """Nothing to do: a new work folder starts without a database."""

    def keep(self) -> None:
        keep(self.database, self.snapshot)

    def restore(self) -> None:
        restore(self.snapshot, self.database)


class TemplateSnapshot:
    """PostgreSQL: the snapshot is a database of the same server, and each copy (to keep
    or to restore) is a CREATE DATABASE … TEMPLATE, run through a connection to the
    server's `postgres` database once Django's is closed (a template must have no other
    session)."""

    def __init__(self, url: str, load: str) -> None:
        from psycopg.conninfo import conninfo_to_dict

        self.url = url
        self.database = str(conninfo_to_dict(url)["dbname"])
        self.name = f"{self.database}_giga_{load}"

    def _run(self, *statements: Any) -> None:
        import psycopg

        close_django()
        with psycopg.connect(self.url, dbname="postgres", autocommit=True) as maintenance:
            for statement in statements:
                maintenance.execute(statement)

    def _copy(self, source: str | None, target: str) -> None:
        from psycopg import sql

        create = sql.SQL("CREATE DATABASE {}").format(sql.Identifier(target))
        if source:
            # FILE_COPY: copies the files after a checkpoint, much faster for gigabytes
            # than the default of writing every page through the WAL.
            create += sql.SQL(" TEMPLATE {} STRATEGY FILE_COPY").format(sql.Identifier(source))
        drop = sql.SQL("DROP DATABASE IF EXISTS {}").format(sql.Identifier(target))
        self._run(drop, create)

    def exists(self) -> bool:
        import psycopg

        with psycopg.connect(self.url, dbname="postgres") as maintenance:
            found = maintenance.execute(
                "SELECT 1 FROM pg_database WHERE datname = %s", [self.name]
            ).fetchone()
        return found is not None

    def emptied(self) -> None:
        """A new work database (from template1, with PostGIS): nothing left of a load
        that stopped halfway."""
        self._copy(None, self.database)

    def keep(self) -> None:
        """The work database copied under a new name first: a copy that fails leaves
        the snapshot as it was."""
        from psycopg import sql

        self._copy(self.database, f"{self.name}_new")
        self._run(
            sql.SQL("DROP DATABASE IF EXISTS {}").format(sql.Identifier(self.name)),
            sql.SQL("ALTER DATABASE {} RENAME TO {}").format(
                sql.Identifier(f"{self.name}_new"), sql.Identifier(self.name)
            ),
        )

    def restore(self) -> None:
        self._copy(self.name, self.database)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--schools", type=int, default=2_100_000)
    parser.add_argument("--realtime", type=float, default=0.05, help="share of real-time schools")
    parser.add_argument("--days", type=int, default=4)
    parser.add_argument("--before", default="5717263")
    parser.add_argument("--runs", type=int, default=2)
    parser.add_argument("--seed", type=int, default=2022)
    parser.add_argument("--workdir", help="keep the database here and reuse it")
    args = parser.parse_args()
    workdir = Path(args.workdir or tempfile.mkdtemp(prefix="bench-rollup-giga-"))
    workdir.mkdir(parents=True, exist_ok=True)
    url = os.environ.get("RESILNET_DATABASE_URL", "")
    snapshot: FileSnapshot | TemplateSnapshot
    if url.startswith(("postgres://", "postgresql://")):
        load = f"{args.schools}_{round(args.realtime * 1000)}_{args.days}_{args.seed}"
        snapshot = TemplateSnapshot(url, load)
    else:
        snapshot = FileSnapshot(workdir)
    reused = snapshot.exists()
    if reused:
        snapshot.restore()
    else:
        snapshot.emptied()
    stats.setup(snapshot.url, workdir / "var")
    if reused:
        snapshot.keep()  # with any migration `setup` just applied
    from resilnet.schools.models import School, SchoolWeeklyStatus
    from resilnet.schools.services import counts, rollups, tiles

    start = date.today() - timedelta(days=args.days)
    day = start + timedelta(days=args.days - 1)
    if not reused:
        print(f"loading {args.schools:,} schools into {workdir}", flush=True)
        load_schools(args.schools, args.realtime, args.seed)
        from django.db import connection

        with connection.cursor() as cursor:
            cursor.execute("ANALYZE")
        ids = list(School.objects.values_list("country_id", flat=True).distinct().order_by())
        t = time.perf_counter()
        tiles.refresh_grid(ids, weeks=False)
        counts.refresh_counts(ids)
        print(f"  map cells and counts per area in {time.perf_counter() - t:.0f} s", flush=True)
        files = write_measurements(workdir, args.days, start, args.seed)
        for n, path in enumerate(files[:-1]):
            import_day(path)
            earlier = start + timedelta(days=n)
            wall, cpu, changed = before_after.timed(
                lambda d=earlier: rollups.roll_up([d]).schools_changed
            )
            print(
                f"  rolled up {earlier}: {wall:.1f} s wall, {cpu:.1f} s CPU, "
                f"{changed:,} statuses changed",
                flush=True,
            )
        import_day(files[-1])  # the day to roll up, arrived
        snapshot.keep()
        snapshot.restore()
    else:
        # The snapshot's last day, even when it was loaded on an earlier date.
        from django.db.models import Max

        from resilnet.schools.models import Measurement

        latest = Measurement.objects.aggregate(latest=Max("timestamp"))["latest"]
        day = latest.astimezone(UTC).date()
    from django.db import connection

    print(f"{connection.vendor}; snapshot {snapshot.name}")
    realtime = School.objects.filter(realtime=True).count()
    weeks = SchoolWeeklyStatus.objects.values("week_start").distinct().count()
    print(
        f"{School.objects.count():,} schools, {realtime:,} real-time, "
        f"{weeks} weeks rolled up; rolling up {day}"
    )
    versions: dict[str, ModuleType] = {
        "before": before_after.load_before(args.before),
        "after": rollups,
    }
    figures: dict[str, list[tuple[float, float]]] = {}
    expected: str | None = None
    for n in range(args.runs):
        for name, module in versions.items():
            snapshot.restore()
            wall, cpu, changed = before_after.timed(
                lambda m=module: m.roll_up([day]).schools_changed
            )
            hashed, sizes = digest(day)
            expected = expected or hashed
            same = "same rows" if hashed == expected else "DIFFERENT ROWS"
            figures.setdefault(name, []).append((wall, cpu))
            print(
                f"run {n + 1} {name:6}: {wall:6.2f} s wall, {cpu:6.2f} s CPU, "
                f"{changed:,} statuses changed; {sizes}; {same} ({hashed})",
                flush=True,
            )
            if hashed != expected:
                return 1
    print("medians (wall / CPU seconds):")
    for name, values in figures.items():
        wall = statistics.median(v[0] for v in values)
        cpu = statistics.median(v[1] for v in values)
        print(f"  {name:6}: {wall:6.2f} / {cpu:6.2f}  (target: 10 s)")
    b, a = (statistics.median(v[1] for v in figures[k]) for k in ("before", "after"))
    print(f"  CPU before / after = {b / a:.2f}x")
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(f"peak memory: {peak:.0f} MB")
    return 0


if __name__ == "__main__":
    sys.exit(main())
