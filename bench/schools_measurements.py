"""Bulk measurement ingest and the roll-up of one day, each beside a naive baseline.

    .venv/bin/python bench/schools_measurements.py [--schools N] [--days D]
        [--before COMMIT [--runs R] [--ingest-only] [--check-first]]

Defaults are the issue's scale: 100,000 real-time schools x 2 a day x 90 days. Runs on
a fresh SQLite file under a temporary folder, or on RESILNET_DATABASE_URL when set
(its tables are flushed). Prints rows/s of the ingest (target >= 100,000) and seconds of
the roll-up of one day (target <= 10 s), and peak memory; beside each the CPU time used
(here and in a local PostgreSQL server), which tells waiting from working on a shared
machine, and for the ingest its longest write transaction (docs/adr/0008).

With --before COMMIT the ingest is first run R times with the import of that commit
(`services/measurement_files.py` and `services/measurements.py` read from git and loaded
beside the current ones) and R times with the current one, alternated, each into an empty
measurement table; the medians of both and their ratio are printed. --ingest-only stops
there. --check-first imports as the command does by default (the whole file checked
before anything is written) instead of writing valid rows as it goes (`partial`).
"""

from __future__ import annotations

import argparse
import importlib.util
import os
import resource
import statistics
import subprocess
import sys
import tempfile
import time
import uuid
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from types import ModuleType

import numpy as np
import pyarrow as pa
import pyarrow.parquet as pq


def setup(tmp: Path) -> None:
    os.environ.setdefault("RESILNET_VAR_DIR", str(tmp))
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "resilnet.settings")
    import django

    django.setup()
    from django.core.management import call_command

    call_command("migrate", verbosity=0)
    from resilnet.core.models import Country, Region
    from resilnet.core.reference_data import load_reference_data

    if not Country.objects.exists():
        load_reference_data(Region, Country)


def server_cpu() -> float:
    """CPU seconds used so far by this connection's PostgreSQL backend (a local server:
    its /proc entry), 0 on SQLite, which runs in this process."""
    from django.db import connection

    if connection.vendor != "postgresql":
        return 0.0
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_backend_pid()")
        pid = cursor.fetchone()[0]
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def make_schools(n: int) -> list[int]:
    from resilnet.core.bulk import insert_rows
    from resilnet.core.models import Country
    from resilnet.schools import geo
    from resilnet.schools.models import School

    School.objects.all().delete()
    country = Country.objects.get(iso3="KEN").pk
    rng = np.random.default_rng(1)
    lat, lon = rng.uniform(-4, 4, n), rng.uniform(34, 41, n)
    from django.db import connection, transaction

    now = connection.ops.adapt_datetimefield_value(datetime.now(UTC))
    rows = [
        (
            country,
            f"g{i}",
            "",
            f"School {i}",
            float(lat[i]),
            float(lon[i]),
            "Primary",
            geo.tile_key(float(lat[i]), float(lon[i])),
            True,
            "unknown",
            "unknown",
            "unknown",
            now,
            now,
            False,
        )
        for i in range(n)
    ]
    cols = (
        "country_id",
        "school_id_giga",
        "school_id_govt",
        "school_name",
        "latitude",
        "longitude",
        "education_level",
        "tile_key",
        "realtime",
        "connectivity_global",
        "connectivity_national",
        "coverage",
        "created_at",
        "updated_at",
        "disputed_region",
    )
    blanks = [
        f.column
        for f in School._meta.concrete_fields
        if f.column not in cols and f.column != "id" and not f.null
    ]
    cols = cols + tuple(blanks)
    rows = [r + ("",) * len(blanks) for r in rows]
    with transaction.atomic():
        insert_rows(School._meta.db_table, cols, rows)
    return list(School.objects.order_by("pk").values_list("pk", flat=True))


def write_file(path: Path, schools: int, days: int, start: date) -> int:
    rng = np.random.default_rng(2)
    writer = None
    total = 0
    for d in range(days):
        day = datetime.combine(start + timedelta(days=d), datetime.min.time(), tzinfo=UTC)
        n = schools * 2
        times = [
            day + timedelta(hours=9 + 5 * (k % 2), seconds=int(s))
            for k, s in enumerate(rng.integers(0, 3600, n))
        ]
        table = pa.table(
            {
                "school_id_giga": [f"g{i // 2}" for i in range(n)],
                "timestamp": pa.array(times, pa.timestamp("us", tz="UTC")),
                "download_bps": pa.array(rng.lognormal(16, 1.2, n).astype(np.int64)),
                "upload_bps": pa.array(rng.lognormal(15, 1.2, n).astype(np.int64)),
                "latency": rng.uniform(5, 300, n),
            }
        )
        writer = writer or pq.ParquetWriter(path, table.schema)
        writer.write_table(table)
        total += n
    if writer:
        writer.close()
    return total


def service_at(commit: str, name: str) -> ModuleType:
    """`resilnet/schools/services/<name>.py` as it was at `commit`, imported beside the
    current code as `<name>_before`."""
    source = subprocess.run(
        ["git", "show", f"{commit}:resilnet/schools/services/{name}.py"],
        check=True,
        capture_output=True,
        text=True,
        cwd=Path(__file__).parent,
    ).stdout
    spec = importlib.util.spec_from_loader(f"{name}_before", loader=None)
    assert spec is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module  # dataclasses look their module up there
    exec(compile(source, f"{name}@{commit}", "exec"), module.__dict__)  # noqa: S102
    return module


def load_before(commit: str) -> ModuleType:
    """The measurement import of `commit`: its file importer, calling its own store."""
    store = service_at(commit, "measurements")
    files = service_at(commit, "measurement_files")
    files.m = store  # type: ignore[attr-defined]
    return files


def empty_measurements() -> None:
    """Emptied whole: after a DELETE, PostgreSQL's table and indexes keep the dead rows
    of the run before until a vacuum, and the next import writes among them."""
    from django.db import connection

    from resilnet.schools.models import Measurement

    empty = "TRUNCATE" if connection.vendor == "postgresql" else "DELETE FROM"
    with connection.cursor() as cursor:
        cursor.execute(f"{empty} {Measurement._meta.db_table}")


def ingest(files: ModuleType, path: Path, rows: int, partial: bool) -> tuple[float, float, float]:
    """Import `path` into an empty measurement table: (wall s, CPU s here + in the
    server, longest write transaction s)."""
    from django.db import connection

    from resilnet.schools.models import Measurement, RollupMark, School

    empty_measurements()
    RollupMark.objects.all().delete()
    School.objects.update(realtime=False)
    if connection.vendor == "postgresql":
        # The same start for every run: the update above leaves a dead row per school.
        with connection.cursor() as cursor:
            cursor.execute(f"VACUUM ANALYZE {School._meta.db_table}")
    t, cpu, server = time.perf_counter(), time.process_time(), server_cpu()
    report = files.import_measurement_file(path, country="KEN", partial=partial)
    wall = time.perf_counter() - t
    used = time.process_time() - cpu + server_cpu() - server
    assert report.new == rows == Measurement.objects.count(), (report.new, rows)
    return wall, used, report.longest_transaction_s


def before_after(commit: str, path: Path, rows: int, runs: int, partial: bool) -> None:
    from resilnet.schools.services import measurement_files

    versions = {"before": load_before(commit), "after": measurement_files}
    figures: dict[str, list[tuple[float, float, float]]] = {"before": [], "after": []}
    for n in range(runs):
        for name, files in versions.items():
            wall, used, longest = ingest(files, path, rows, partial)
            figures[name].append((wall, used, longest))
            print(
                f"ingest {name} ({commit if name == 'before' else 'this tree'}), run {n + 1}: "
                f"{rows / wall:,.0f} rows/s ({wall:.1f} s), CPU {used:.1f} s = "
                f"{rows / used:,.0f} rows per CPU second; longest write transaction "
                f"{longest:.2f} s"
            )
    medians = {
        name: [statistics.median(f[i] for f in runs_) for i in range(3)]
        for name, runs_ in figures.items()
    }
    for name, (wall, used, longest) in medians.items():
        print(
            f"ingest {name}, median of {runs}: {rows / wall:,.0f} rows/s, "
            f"{rows / used:,.0f} rows per CPU second, longest write transaction {longest:.2f} s"
        )
    b, a = medians["before"], medians["after"]
    print(f"ingest after / before: wall {b[0] / a[0]:.2f}x, CPU {b[1] / a[1]:.2f}x")


def naive_rollup(day: date) -> None:
    """Baseline: the ORM, one school at a time, medians with statistics.median."""
    from resilnet.schools.models import Measurement, SchoolDailyStatus

    start = datetime.combine(day, datetime.min.time(), tzinfo=UTC)
    values: dict[int, list[int]] = {}
    for s, d in Measurement.objects.filter(
        timestamp__gte=start, timestamp__lt=start + timedelta(days=1)
    ).values_list("school_id", "download_bps"):
        values.setdefault(s, []).append(d)
    SchoolDailyStatus.objects.filter(date=day).delete()
    for s, v in values.items():
        SchoolDailyStatus.objects.create(
            school_id=s, date=day, download_bps=int(statistics.median(v)), num_measurements=len(v)
        )


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--schools", type=int, default=100_000)
    parser.add_argument("--days", type=int, default=90)
    parser.add_argument("--sample", type=int, default=5_000, help="rows of the naive ingest")
    parser.add_argument("--before", help="a commit whose import runs beside this one's")
    parser.add_argument("--runs", type=int, default=2, help="runs of each, with --before")
    parser.add_argument("--ingest-only", action="store_true")
    parser.add_argument("--check-first", action="store_true", help="with --before")
    args = parser.parse_args()
    tmp = Path(tempfile.mkdtemp(prefix="bench-measure-"))
    setup(tmp)
    from django.db import connection

    from resilnet.schools.models import Measurement
    from resilnet.schools.services import measurement_files, measurements, rollups

    print(f"engine: {connection.vendor}; {args.schools:,} schools x 2 x {args.days} days")
    empty_measurements()
    ids = make_schools(args.schools)
    start = date.today() - timedelta(days=args.days)
    path = tmp / "m.parquet"
    rows = write_file(path, args.schools, args.days, start)
    if args.before:
        before_after(args.before, path, rows, args.runs, partial=not args.check_first)
        if args.ingest_only:
            return 0
        empty_measurements()

    chunks: list[float] = []  # rows/s of each chunk (check and write)
    last = [time.perf_counter(), 0]

    def progress(done: int, _total: int | None) -> None:
        now = time.perf_counter()
        chunks.append((done - last[1]) / max(now - last[0], 1e-9))
        last[:] = [now, done]

    t, cpu, server = time.perf_counter(), time.process_time(), server_cpu()
    report = measurement_files.import_measurement_file(
        path, country="KEN", partial=True, progress=progress
    )
    ingest = time.perf_counter() - t
    cpu, server = time.process_time() - cpu, server_cpu() - server
    assert report.new == rows, (report.new, rows, report.rejected[:3])
    print(
        f"bulk ingest: {rows:,} rows in {ingest:.1f} s = {rows / ingest:,.0f} rows/s "
        f"(median of {len(chunks)} chunks {statistics.median(chunks):,.0f} rows/s); "
        f"CPU {cpu:.1f} s here + {server:.1f} s in the database server = "
        f"{rows / (cpu + server):,.0f} rows per CPU second; "
        f"longest write transaction {report.longest_transaction_s:.2f} s"
    )

    # Naive ingest baseline: one ORM create per row, on a sample.
    sample = args.sample
    t = time.perf_counter()
    now = datetime.now(UTC) - timedelta(hours=1)
    for i in range(sample):
        Measurement.objects.create(
            uuid=uuid.uuid4(),
            school_id=ids[i % len(ids)],
            timestamp=now,
            download_bps=1000,
            source="ndt",
        )
    naive = time.perf_counter() - t
    print(
        f"naive ingest (one ORM create per row, {sample:,} rows): {sample / naive:,.0f} rows/s"
        f"; ratio {rows / ingest / (sample / naive):.1f}x"
    )
    del measurements

    day = start + timedelta(days=args.days // 2)
    timings, cpus = [], []
    for n in range(3):
        t, cpu, server = time.perf_counter(), time.process_time(), server_cpu()
        changed = rollups.roll_up([day]).schools_changed
        timings.append(time.perf_counter() - t)
        cpus.append(time.process_time() - cpu + server_cpu() - server)
        # The first run writes the day and week from nothing and turns the schools
        # real-time on the map; the next ones redo the same day with nothing new.
        print(
            f"roll-up of one day, run {n + 1}: {timings[-1]:.2f} s (CPU {cpus[-1]:.2f} s), "
            f"{changed:,} current statuses changed"
        )
    roll = statistics.median(timings)
    print(
        f"roll-up of one day (day, its week, counts, statuses): median of 3 {roll:.2f} s "
        f"(CPU here and in the database server: {statistics.median(cpus):.2f} s)"
    )
    t = time.perf_counter()
    naive_rollup(day)
    base = time.perf_counter() - t
    print(
        f"naive daily roll-up (ORM + statistics.median, day only): {base:.2f} s; "
        f"ratio {base / roll:.1f}x"
    )
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(f"peak memory: {peak:,.0f} MB")
    return 0


if __name__ == "__main__":
    sys.exit(main())
