"""School master ingest: a synthetic registry (default 2.1 million schools in 141 countries)
written as CSV and Parquet, imported through `schools.services.registry.import_schools`
(checks, data-quality report, staging, short transactions) on a fresh database, beside a
naive baseline measured in the same run: one ORM `update_or_create` per row on a
20,000-row sample, extrapolated to the whole file.

    .venv/bin/python bench/schools_ingest.py --schools 50000
    nice -n 10 .venv/bin/python bench/schools_ingest.py            # 2.1 million
    RESILNET_DATABASE_URL=postgres://… .venv/bin/python bench/schools_ingest.py  # + PostgreSQL

Target: 2.1 million schools in at most 120 s (a smaller run is scaled up linearly, and
says so). Each engine runs in a process of its own; the peak memory printed is each
import's (the peak is reset before it, /proc/self/clear_refs).

    nice -n 10 .venv/bin/python bench/schools_ingest.py --engines postgresql --formats parquet
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

TARGET_SECONDS = 120
FULL_SCALE = 2_100_000
BASELINE_ROWS = 20_000


def generate(count: int, countries: int, folder: Path, seed: int) -> tuple[Path, Path, list[str]]:
    """The file, as CSV and Parquet: schools in a 4 x 4 degree square per country, more
    of them in the first countries (Zipf-like)."""
    import numpy as np
    import pyarrow as pa
    import pyarrow.csv as pacsv
    import pyarrow.parquet as pq
    import pycountry

    codes = sorted(c.alpha_3 for c in pycountry.countries)[:countries]
    rng = np.random.default_rng(seed)
    weights = 1 / np.arange(1, countries + 1) ** 0.8
    which = rng.choice(countries, size=count, p=weights / weights.sum())
    west = (np.arange(countries) % 30) * 11.5 - 170.0
    south = (np.arange(countries) // 30) * 14 - 60.0
    lat = south[which] + rng.random(count) * 4
    lon = west[which] + rng.random(count) * 4
    levels = np.array(["Primary", "Secondary", "Pre-Primary", "Other"])
    coverage = np.array(["5G", "4G", "3G", "2G", "no coverage", ""])
    ids = np.arange(count)
    table = pa.table(
        {
            "country": np.array(codes)[which],
            "school_id_giga": [f"giga-{i:08d}" for i in ids],
            "school_id_govt": [f"EMIS{i:08d}" for i in ids],
            "school_name": [f"School number {i}" for i in ids],
            "latitude": np.round(lat, 6),
            "longitude": np.round(lon, 6),
            "education_level": levels[rng.integers(0, 4, count)],
            "num_students": rng.integers(10, 2000, count),
            "num_teachers": rng.integers(1, 80, count),
            "school_establishment_year": rng.integers(1900, 2024, count),
            "admin1": [f"Province {i % 20}" for i in ids],
            "cellular_coverage_type": coverage[rng.integers(0, 6, count)],
            "download_speed_contracted": np.round(rng.random(count) * 50, 1),
            "connectivity_govt": rng.random(count) > 0.3,
        }
    )
    csv_path, parquet_path = folder / "schools.csv", folder / "schools.parquet"
    pacsv.write_csv(table, csv_path)
    pq.write_table(table, parquet_path, row_group_size=100_000)
    return csv_path, parquet_path, codes


def setup_database(codes: list[str]) -> None:
    import shapely
    from django.core.management import call_command

    from resilnet.core.models import Country
    from resilnet.schools.models import AdminArea, AreaLevel

    call_command("migrate", verbosity=0)
    if not Country.objects.exists():
        from resilnet.core.models import Region
        from resilnet.core.reference_data import load_reference_data

        load_reference_data(Region, Country)
    # A square boundary per country, so the boundary check runs on every row.
    for n, code in enumerate(codes):
        west, south = (n % 30) * 11.5 - 170.0, (n // 30) * 14 - 60.0
        box = shapely.box(west - 0.1, south - 0.1, west + 4.1, south + 4.1)
        country = Country.objects.filter(iso3=code).first()
        if country is not None:
            AdminArea.objects.update_or_create(
                country=country,
                level=AreaLevel.COUNTRY,
                code=code,
                defaults={"name": country.name, "boundary": shapely.to_geojson(box)},
            )


def _forget_schools() -> None:
    """Empty the registry between runs with one statement (the ORM's delete would load
    two million ids and its peak would be counted as the import's)."""
    from django.db import connection, transaction

    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute("DELETE FROM schools_gridcell")
        cursor.execute("DELETE FROM schools_school")


class _Phases:
    """The import's progress callback: when its first and its last chunk were written, to
    split its time into checking and staging (to the first chunk written, about 2,000 rows
    of 2.1 million), applying, and what follows the last chunk (the counts per area and the
    map grid of the countries it touched)."""

    def __init__(self, started: float) -> None:
        self.started = started
        self.writing_from: float | None = None
        self.written_at: float | None = None

    def __call__(self, done: int, total: int | None, phase: str) -> None:
        if phase == "writing":
            now = time.monotonic()
            self.writing_from = self.writing_from or now
            self.written_at = now

    def split(self, ended: float) -> dict[str, float]:
        writing_from = self.writing_from or ended
        written_at = self.written_at or ended
        return {
            "check and stage": round(writing_from - self.started, 1),
            "apply": round(written_at - writing_from, 1),
            "after the last chunk": round(ended - written_at, 1),
        }


def _reset_peak() -> None:
    """Linux: the process's peak resident memory starts again from now."""
    try:
        Path("/proc/self/clear_refs").write_text("5")
    except OSError:
        pass


def _peak_mb() -> int:
    try:
        for line in Path("/proc/self/status").read_text().splitlines():
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) // 1024
    except OSError:
        pass
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss // 1024


def child(args: argparse.Namespace) -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "resilnet.settings")
    import django

    django.setup()
    from django.db import connection

    from resilnet.schools import importers
    from resilnet.schools.services.registry import import_schools
    from resilnet.schools.services.tiles import refresh_grid

    codes = json.loads(args.codes)
    setup_database(codes)
    results: dict[str, float | int | str] = {"engine": connection.vendor}
    paths = {"csv": Path(args.csv), "parquet": Path(args.parquet)}
    for label in args.formats.split(","):
        _forget_schools()
        _reset_peak()
        started = time.monotonic()
        phases = _Phases(started)
        with paths[label].open("rb") as stream:
            report = import_schools(
                None, importers.read(stream, label), mode="valid-rows", progress=phases
            )
        seconds = time.monotonic() - started
        results[f"{label}_phases"] = phases.split(started + seconds)
        results[f"{label}_seconds"] = round(seconds, 1)
        results[f"{label}_created"] = report.created
        results[f"{label}_rejected"] = report.rejected
        results[f"{label}_longest_tx"] = round(report.longest_transaction, 3)
        results[f"{label}_transactions"] = report.transactions
        results[f"{label}_peak_mb"] = _peak_mb()
    # The map grid's refresh, which every import ends with: its share of the import.
    started = time.monotonic()
    refresh_grid()
    results["grid_seconds"] = round(time.monotonic() - started, 1)
    if args.reimport:
        # Re-import of the same file: every row checked and compared, nothing written.
        _reset_peak()
        started = time.monotonic()
        with paths[label].open("rb") as stream:
            again = import_schools(None, importers.read(stream, label), mode="valid-rows")
        results["reimport_seconds"] = round(time.monotonic() - started, 1)
        results["reimport_unchanged"] = again.unchanged
        results["reimport_peak_mb"] = _peak_mb()
    _forget_schools()
    results["baseline_rows_per_s"] = round(naive_baseline(Path(args.csv), codes), 1)
    print(json.dumps(results))


def naive_baseline(path: Path, codes: list[str]) -> float:
    """One ORM update_or_create per row, as a view would do it, on the first rows."""
    import csv

    from resilnet.core.models import Country
    from resilnet.schools import geo
    from resilnet.schools.models import School

    country_ids = dict(Country.objects.filter(iso3__in=codes).values_list("iso3", "id"))
    started = time.monotonic()
    done = 0
    with path.open(newline="") as f:
        for n, row in enumerate(csv.DictReader(f)):
            if n == BASELINE_ROWS:
                break
            done += 1
            lat, lon = float(row["latitude"]), float(row["longitude"])
            School.objects.update_or_create(
                country_id=country_ids[row["country"]],
                school_id_giga=row["school_id_giga"],
                deleted_at=None,
                defaults={
                    "school_id_govt": row["school_id_govt"],
                    "school_name": row["school_name"],
                    "latitude": lat,
                    "longitude": lon,
                    "education_level": row["education_level"],
                    "num_students": int(row["num_students"]),
                    "tile_key": geo.tile_key(lat, lon),
                },
            )
    return done / (time.monotonic() - started)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--schools", type=int, default=2_100_000)
    parser.add_argument("--countries", type=int, default=141)
    parser.add_argument("--seed", type=int, default=2020)
    parser.add_argument("--formats", default="csv,parquet", help="csv,parquet or one of them")
    parser.add_argument(
        "--engines", default="", help="sqlite,postgresql (default: both when RESILNET_DATABASE_URL)"
    )
    parser.add_argument("--no-reimport", dest="reimport", action="store_false")
    parser.add_argument("--child", action="store_true", help=argparse.SUPPRESS)
    parser.add_argument("--csv", help=argparse.SUPPRESS)
    parser.add_argument("--parquet", help=argparse.SUPPRESS)
    parser.add_argument("--codes", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        child(args)
        return
    with tempfile.TemporaryDirectory(prefix="bench-schools-") as tmp:
        folder = Path(tmp)
        started = time.monotonic()
        csv_path, parquet_path, codes = generate(args.schools, args.countries, folder, args.seed)
        took = time.monotonic() - started
        print(f"generated {args.schools:,} schools in {len(codes)} countries in {took:.1f} s")
        sizes = csv_path.stat().st_size / 1e6, parquet_path.stat().st_size / 1e6
        print("CSV {:.0f} MB, Parquet {:.0f} MB".format(*sizes))
        print(
            f"machine: {platform.machine()}, {os.cpu_count()} cores, "
            f"Python {platform.python_version()}, load {os.getloadavg()[0]:.1f}"
        )
        url = os.environ.get("RESILNET_DATABASE_URL", "")
        engines = [("sqlite", {"RESILNET_DATABASE_URL": ""})]
        if url:
            engines.append(("postgresql", {"RESILNET_DATABASE_URL": url}))
        if args.engines:
            engines = [e for e in engines if e[0] in args.engines.split(",")]
        for name, env in engines:
            var = folder / f"var-{name}"
            var.mkdir()
            command = [
                sys.executable,
                __file__,
                "--child",
                "--csv",
                str(csv_path),
                "--parquet",
                str(parquet_path),
                "--codes",
                json.dumps(codes),
                "--formats",
                args.formats,
                *([] if args.reimport else ["--no-reimport"]),
            ]
            out = subprocess.run(
                command,
                env=os.environ | env | {"RESILNET_VAR_DIR": str(var)},
                capture_output=True,
                text=True,
                check=False,
            )
            if out.returncode:
                print(out.stderr[-3000:])
                raise SystemExit(f"{name}: the import failed")
            r = json.loads(out.stdout.strip().splitlines()[-1])
            n = args.schools
            naive = n / r["baseline_rows_per_s"]
            print(f"\n{name}:")
            first = None
            for label in args.formats.split(","):
                s = r[f"{label}_seconds"]
                first = first or s
                created, tx = r[f"{label}_created"], r[f"{label}_transactions"]
                # The target is for the whole registry: a smaller run is scaled up, linearly
                # (said so), and judged on that.
                whole = s * FULL_SCALE / n
                met = whole <= TARGET_SECONDS
                scaled = "" if n == FULL_SCALE else f" (x{FULL_SCALE / n:.1f}: {whole:,.0f} s)"
                print(
                    f"  import {label:7}: {s:7.1f} s  {n / s:10,.0f} rows/s  created {created:,}"
                    f"  ({tx} transactions, longest {r[f'{label}_longest_tx']} s)"
                    f"  peak {r[f'{label}_peak_mb']:,} MB"
                )
                split = ", ".join(f"{k} {v} s" for k, v in r[f"{label}_phases"].items())
                print(f"    of which {split}")
                print(
                    f"    target {FULL_SCALE:,} in {TARGET_SECONDS} s{scaled}: "
                    f"{'met' if met else 'NOT met'}"
                )
            grid = r["grid_seconds"]
            print(f"  map grid refresh, part of each import (measured alone): {grid} s")
            if "reimport_seconds" in r:
                again, unchanged = r["reimport_seconds"], r["reimport_unchanged"]
                print(
                    f"  re-import: {again} s, unchanged {unchanged:,}, "
                    f"peak {r['reimport_peak_mb']:,} MB"
                )
            print(
                "  naive baseline (update_or_create per row, "
                f"{BASELINE_ROWS:,}-row sample, extrapolated): "
                f"{r['baseline_rows_per_s']:,.0f} rows/s -> {naive:,.0f} s for {n:,}; "
                f"ratio {naive / (first or 1):.1f}x"
            )


if __name__ == "__main__":
    main()
