"""The roll-up of one day, the code of an earlier commit against the current one, alternated.

    .venv/bin/python bench/schools_rollup_before_after.py [--schools N] [--days D]
        [--before COMMIT] [--runs R] [--profile before|after]

Loads N real-time schools x 2 measurements x D days (the days ending yesterday) with
`bench/schools_measurements.py`'s generators and the product's import, then rolls up the
last day R times with each version, alternated: "first" starts from no daily or weekly
rows and every status unknown (so every status changes and the map's cells are
recounted), "again" rolls the same day up once more (nothing changes). The earlier
version is `resilnet/schools/services/rollups.py` read from git at COPY (default: the
commit before the current changes) and imported beside the current one. After every run
the rows it produced (days, weeks, area counts, current statuses) are compared with the
first run's: the two versions must write exactly the same. Prints wall and CPU seconds
(this process plus the PostgreSQL backend) and their medians. RESILNET_DATABASE_URL
selects PostgreSQL (its tables are flushed).
"""

from __future__ import annotations

import argparse
import cProfile
import hashlib
import pstats
import statistics
import sys
import tempfile
import time
from datetime import date, timedelta
from pathlib import Path
from types import ModuleType

sys.path.insert(0, str(Path(__file__).parent))
import schools_measurements as bench


def load_before(commit: str) -> ModuleType:
    return bench.service_at(commit, "rollups")


def reset() -> None:
    """No daily, weekly or area rows; every real-time school's status unknown."""
    from django.db import transaction

    from resilnet.schools.models import (
        AreaWeeklyCount,
        School,
        SchoolDailyStatus,
        SchoolWeeklyStatus,
    )

    with transaction.atomic():
        SchoolDailyStatus.objects.all().delete()
        SchoolWeeklyStatus.objects.all().delete()
        AreaWeeklyCount.objects.all().delete()
        School.objects.update(connectivity_global="unknown", connectivity_national="unknown")
    # As every write of statuses outside a roll-up does: the map's cells and the counts per
    # area follow them (not timed).
    from resilnet.schools.services import counts, tiles

    countries = list(School.objects.values_list("country_id", flat=True).distinct().order_by())
    tiles.refresh_grid(countries, weeks=False)
    counts.refresh_counts(countries)


def snapshot() -> tuple[str, dict[str, int]]:
    """A digest of everything a roll-up writes, and a few counts to print."""
    from resilnet.schools.models import (
        AreaWeeklyCount,
        School,
        SchoolDailyStatus,
        SchoolWeeklyStatus,
    )
    from resilnet.schools.services import rollups

    digest = hashlib.blake2b()
    counts: dict[str, int] = {}
    queries = {
        "days": SchoolDailyStatus.objects.order_by("school_id", "date").values_list(
            "school_id", "date", "download_bps", "upload_bps", "latency_ms", "num_measurements"
        ),
        "weeks": SchoolWeeklyStatus.objects.order_by("school_id", "week_start").values_list(
            *rollups.WEEK_COLUMNS
        ),
        "area counts": AreaWeeklyCount.objects.order_by(
            "country_id", "area_id", "week_start", "benchmark", "status"
        ).values_list("country_id", "area_id", "week_start", "benchmark", "status", "schools"),
        "statuses": School.objects.order_by("pk").values_list(
            "pk", "connectivity_global", "connectivity_national"
        ),
    }
    for name, query in queries.items():
        # Latencies to 12 significant digits: medians interpolated as PostgreSQL's
        # percentile_cont does (since 2026-11-30) may differ from earlier ones in the
        # last bit of a float.
        rows = [tuple(f"{v:.12g}" if isinstance(v, float) else v for v in r) for r in query]
        counts[name] = len(rows)
        digest.update(repr((name, rows)).encode())
    return digest.hexdigest()[:16], counts


def timed(run) -> tuple[float, float, int]:
    t, cpu, server = time.perf_counter(), time.process_time(), bench.server_cpu()
    changed = run()
    return time.perf_counter() - t, time.process_time() - cpu + bench.server_cpu() - server, changed


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--schools", type=int, default=100_000)
    parser.add_argument("--days", type=int, default=3)
    parser.add_argument("--before", default="6c67a1f")
    parser.add_argument("--runs", type=int, default=2)
    parser.add_argument("--profile", choices=("before", "after"))
    parser.add_argument("--workdir", help="keep the SQLite file here and reuse its data")
    args = parser.parse_args()
    tmp = Path(args.workdir or tempfile.mkdtemp(prefix="bench-rollup-"))
    tmp.mkdir(parents=True, exist_ok=True)
    bench.setup(tmp)
    before = load_before(args.before)
    from django.db import connection

    from resilnet.schools.models import Measurement
    from resilnet.schools.services import measurement_files, rollups

    print(f"engine: {connection.vendor}; {args.schools:,} schools x 2 x {args.days} days")
    start = date.today() - timedelta(days=args.days)
    if args.workdir and Measurement.objects.count() == args.schools * 2 * args.days:
        print("reusing the measurements already loaded")
    else:
        Measurement.objects.all().delete()
        bench.make_schools(args.schools)
        path = tmp / "m.parquet"
        rows = bench.write_file(path, args.schools, args.days, start)
        t = time.perf_counter()
        report = measurement_files.import_measurement_file(path, country="KEN", partial=True)
        assert report.new == rows, (report.new, rows)
        print(f"loaded {rows:,} measurements in {time.perf_counter() - t:.1f} s")
    day = start + timedelta(days=args.days - 1)
    versions = {"before": before, "after": rollups}

    if args.profile:
        reset()
        profile = cProfile.Profile()
        profile.enable()
        versions[args.profile].roll_up([day])
        profile.disable()
        pstats.Stats(profile).sort_stats("cumulative").print_stats(35)
        t, cpu, _ = timed(lambda: versions[args.profile].roll_up([day]).schools_changed)
        print(f"again: {t:.2f} s wall, {cpu:.2f} s CPU")
        return 0

    figures: dict[tuple[str, str], list[tuple[float, float]]] = {}
    expected: str | None = None
    for n in range(args.runs):
        for name, module in versions.items():
            for kind in ("first", "again"):
                if kind == "first":
                    reset()
                wall, cpu, changed = timed(lambda m=module: m.roll_up([day]).schools_changed)
                digest, counts = snapshot()
                expected = expected or digest
                same = "same rows" if digest == expected else "DIFFERENT ROWS"
                figures.setdefault((name, kind), []).append((wall, cpu))
                print(
                    f"run {n + 1} {name:6} {kind:5}: {wall:6.2f} s wall, {cpu:6.2f} s CPU, "
                    f"{changed:,} statuses changed; {counts}; {same} ({digest})"
                )
                if digest != expected:
                    return 1
    print("medians (wall / CPU seconds):")
    for (name, kind), values in figures.items():
        wall = statistics.median(v[0] for v in values)
        cpu = statistics.median(v[1] for v in values)
        runs = ", ".join(f"{v[1]:.2f}" for v in values)
        print(f"  {name:6} {kind:5}: {wall:6.2f} / {cpu:6.2f} (CPU of each run: {runs})")
    for kind in ("first", "again"):
        b = statistics.median(v[1] for v in figures[("before", kind)])
        a = statistics.median(v[1] for v in figures[("after", kind)])
        print(f"  {kind}: CPU before / after = {b / a:.2f}x")
    return 0


if __name__ == "__main__":
    sys.exit(main())
