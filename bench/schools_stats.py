#!/usr/bin/env python3
"""Country statistics of the schools module at Giga's scale, against a naive baseline.

Inserts N synthetic schools (default 2,100,000) in 141 countries with Zipf-like sizes
(the largest about 15 % of all), 20 provinces and 100 districts each, plus the roll-up's
`AreaWeeklyCount` rows for two ISO weeks, straight into a fresh database. Then, per
country, times:
- product: `selectors.country_stats(country, week)` and `selectors.area_stats(country,
  week, levels=(1,))` (counts on both benchmarks this week and last, coverage,
  real-time, per province), after `services.counts.refresh_counts` (timed too);
- baseline: the naive answer, `COUNT … GROUP BY` of the country's `School` rows by status
  on both benchmarks, coverage and province (no covering index: it is dropped for the
  baseline's run, then put back).
Prints medians, p95 and the ratio, for the largest country and over all countries.

    .venv/bin/python bench/schools_stats.py [--schools N] [--workdir DIR]
    RESILNET_DATABASE_URL=postgres://… .venv/bin/python bench/schools_stats.py  # PostgreSQL
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import platform
import random
import statistics
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

STATUSES = ["good", "moderate", "bad", "no_internet", "unknown"]
COVERAGE = ["good", "moderate", "bad", "unknown"]
WEEK = dt.date(2025, 1, 6)  # ISO 2025-W02, and the week before it (2025-W01)


def setup(database_url: str, var_dir: Path) -> None:
    os.environ["DJANGO_SETTINGS_MODULE"] = "resilnet.settings"
    os.environ["RESILNET_DATABASE_URL"] = database_url
    os.environ["RESILNET_VAR_DIR"] = str(var_dir)
    os.environ["RESILNET_DEBUG"] = "false"
    os.environ["RESILNET_LOG_LEVEL"] = "WARNING"
    var_dir.mkdir(parents=True, exist_ok=True)
    import django
    from django.core.management import call_command

    django.setup()
    call_command("migrate", "--no-input", verbosity=0)
    from resilnet.core.models import Country, Region
    from resilnet.core.reference_data import load_reference_data

    if not Country.objects.exists():
        load_reference_data(Region, Country)


def sizes(total: int, countries: int) -> list[int]:
    weights = [1 / (rank + 1) ** 0.9 for rank in range(countries)]
    scale = total / sum(weights)
    result = [int(w * scale) for w in weights]
    result[0] += total - sum(result)
    return result


def make_areas(country: Any) -> tuple[list[Any], list[Any]]:
    """20 provinces and 100 districts, five in each province."""
    from resilnet.schools.models import AdminArea

    provinces = AdminArea.objects.bulk_create(
        AdminArea(country=country, level=1, code=f"P{i}", name=f"Province {i}") for i in range(20)
    )
    districts = AdminArea.objects.bulk_create(
        AdminArea(
            country=country, level=2, code=f"D{i}", name=f"District {i}", parent=provinces[i % 20]
        )
        for i in range(100)
    )
    return provinces, districts


def load(total: int, seed: int) -> list[Any]:
    from django.db import connection, transaction

    from resilnet.core.bulk import copy_rows
    from resilnet.core.models import Country
    from resilnet.schools.models import AreaWeeklyCount, School

    # Plain rows, COPY on PostgreSQL: model instances cost more than the insert itself at
    # millions of rows.
    fields = [f for f in School._meta.concrete_fields if not f.primary_key]
    columns = tuple(f.column for f in fields)
    template = [f.get_db_prep_save(f.get_default(), connection) for f in fields]
    at = {name: columns.index(name) for name in columns}
    table = School._meta.db_table
    rng = random.Random(seed)  # noqa: S311 (synthetic data, repeatable)
    countries = list(Country.objects.order_by("iso3")[:141])
    started = time.perf_counter()
    for country, n in zip(countries, sizes(total, len(countries)), strict=True):
        with transaction.atomic():
            provinces, districts = make_areas(country)
            batch = []
            for i in range(n):
                district = districts[rng.randrange(100)]
                row = template.copy()
                row[at["country_id"]] = country.pk
                row[at["school_id_giga"]] = f"{country.iso3}-{i}"
                row[at["school_name"]] = f"School {i}"
                row[at["latitude"]] = row[at["longitude"]] = 0.0
                row[at["education_level"]] = "Primary"
                row[at["tile_key"]] = i
                row[at["admin1_area_id"]] = district.parent_id
                row[at["admin2_area_id"]] = district.pk
                row[at["realtime"]] = rng.random() < 0.05
                row[at["connectivity_global"]] = rng.choice(STATUSES)
                row[at["connectivity_national"]] = rng.choice(STATUSES)
                row[at["coverage"]] = rng.choice(COVERAGE)
                batch.append(tuple(row))
                if len(batch) == 20_000:
                    copy_rows(table, columns, batch)
                    batch.clear()
            copy_rows(table, columns, batch)
            counts = [
                (country.pk, area, monday, benchmark, status, rng.randrange(1000))
                for monday in (WEEK, WEEK - dt.timedelta(days=7))
                for area in [None, *(a.pk for a in provinces), *(a.pk for a in districts)]
                for benchmark in ("global", "national")
                for status in STATUSES
            ]
            copy_rows(
                AreaWeeklyCount._meta.db_table,
                ("country_id", "area_id", "week_start", "benchmark", "status", "schools"),
                counts,
            )
        print(
            f"  {country.iso3}: {n:,} schools ({time.perf_counter() - started:.0f} s)", flush=True
        )
    return countries


def timed(fn: Any, *args: Any, **kwargs: Any) -> float:
    started = time.perf_counter()
    fn(*args, **kwargs)
    return (time.perf_counter() - started) * 1000


def product(country: Any) -> None:
    from resilnet.schools import selectors

    selectors.country_stats(country, WEEK)
    selectors.area_stats(country, WEEK, levels=(1,))


def baseline(country: Any) -> None:
    from django.db.models import Count

    from resilnet.schools.models import School

    live = School.objects.filter(country=country, deleted_at__isnull=True).order_by()
    for field in ("connectivity_global", "connectivity_national", "coverage", "realtime"):
        list(live.values_list(field).annotate(n=Count("id")))
        list(live.values_list("admin1_area_id", field).annotate(n=Count("id")))


def covering_index(present: bool) -> None:
    from django.db import connection

    from resilnet.schools.models import School

    index = next(i for i in School._meta.indexes if i.name == "school_static_counts")
    with connection.schema_editor() as editor:
        if present:
            editor.add_index(School, index)
        else:
            editor.remove_index(School, index)


def summary(label: str, values: list[float]) -> str:
    ordered = sorted(values)
    p95 = ordered[min(len(ordered) - 1, int(0.95 * len(ordered)))]
    median = statistics.median(values)
    return f"{label}: median {median:.1f} ms, p95 {p95:.1f} ms, max {ordered[-1]:.1f} ms"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--schools", type=int, default=2_100_000)
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument("--seed", type=int, default=2020)
    parser.add_argument("--workdir", default="")
    args = parser.parse_args()
    workdir = Path(args.workdir or tempfile.mkdtemp(prefix="bench-schools-"))
    url = os.environ.get("RESILNET_DATABASE_URL") or f"sqlite:///{workdir / 'db.sqlite3'}"
    setup(url, workdir / "var")
    from django.db import connection

    from resilnet.schools.models import School

    print(f"{platform.platform()}, Python {platform.python_version()}, {connection.vendor}")
    if School.objects.exists():
        from resilnet.core.models import Country

        countries = list(Country.objects.order_by("iso3")[:141])
        print(f"reusing {School.objects.count():,} schools in {workdir}")
    else:
        print(f"loading {args.schools:,} schools into {workdir}")
        started = time.perf_counter()
        countries = load(args.schools, args.seed)
        print(f"loaded in {time.perf_counter() - started:.0f} s")
    if connection.vendor == "sqlite":
        with connection.cursor() as cursor:
            cursor.execute("ANALYZE")
    else:
        with connection.cursor() as cursor:
            cursor.execute("VACUUM ANALYZE schools_school")
    # What an import or a status change ends with: the counts per area recounted (the
    # product's statistics read them).
    from resilnet.schools.services.counts import refresh_counts

    started = time.perf_counter()
    refresh_counts(c.pk for c in countries)
    print(f"counts per area recounted in {time.perf_counter() - started:.1f} s")
    largest = countries[0]
    results: dict[str, dict[str, list[float]]] = {}
    for name, fn in (("product", product), ("baseline", baseline)):
        if name == "baseline":
            covering_index(False)
        try:
            fn(largest)  # warm-up
            results[name] = {
                "largest": [timed(fn, largest) for _ in range(args.repeat)],
                "all": [timed(fn, country) for country in countries],
            }
        finally:
            if name == "baseline":
                covering_index(True)
    n = School.objects.filter(country=largest).count()
    print(f"largest country {largest.iso3}: {n:,} schools")
    for scope in ("largest", "all"):
        p = statistics.median(results["product"][scope])
        b = statistics.median(results["baseline"][scope])
        print(summary(f"  {scope:7} product ", results["product"][scope]))
        print(summary(f"  {scope:7} baseline", results["baseline"][scope]))
        print(f"  {scope:7} ratio (baseline/product medians): x{b / p:.1f}")


if __name__ == "__main__":
    main()
