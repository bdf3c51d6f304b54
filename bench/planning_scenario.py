"""A scenario computed the way the pages compute it: the planner's files uploaded (each
checked by the engine's readers), a USD 10 million budget, then the background task's
work (read the stored files, the budget plan and the connect-all plan to compare it with,
every site's result written). Beside it, the baseline measured in the same run: the
engine alone on the same data already in memory (`make_plan` twice), so what the
module adds around the engine shows.

    .venv/bin/python bench/planning_scenario.py --sites 20000
    nice -n 10 .venv/bin/python bench/planning_scenario.py          # 200,000 schools

A fresh SQLite database in a temporary folder, or PostgreSQL with --database-url.
"""

from __future__ import annotations

import argparse
import csv
import io
import os
import resource
import statistics
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

BUDGET = 10_000_000


def csv_bytes(header: list[str], columns: list) -> bytes:
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(header)
    writer.writerows(zip(*columns, strict=True))
    return out.getvalue().encode()


def files(sites: int, nodes: int, towers: int) -> dict[str, bytes]:
    from resilnet.planning.engine.synthetic import synthetic_country

    s, f, t = synthetic_country(sites, nodes, towers)
    return {
        "sites": csv_bytes(
            ["site_id", "latitude", "longitude", "num_students", "has_electricity"],
            [s.site_id, s.lat.round(6), s.lon.round(6), s.num_students, s.has_electricity],
        ),
        "fibre": csv_bytes(
            ["node_id", "latitude", "longitude"], [f.node_id, f.lat.round(6), f.lon.round(6)]
        ),
        "towers": csv_bytes(
            ["tower_id", "latitude", "longitude", "technology", "range_km"],
            [
                t.tower_id,
                t.lat.round(6),
                t.lon.round(6),
                [f"{g}G" for g in t.generation],
                t.range_km.round(2),
            ],
        ),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--sites", type=int, default=200_000)
    parser.add_argument("--nodes", type=int, default=20_000)
    parser.add_argument("--towers", type=int, default=50_000)
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--database-url", default="")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="bench-scenario-") as tmp:
        os.environ["RESILNET_VAR_DIR"] = tmp
        os.environ["RESILNET_DATABASE_URL"] = args.database_url
        os.environ.setdefault("DJANGO_SETTINGS_MODULE", "resilnet.settings")
        import django

        django.setup()
        run(args)


def run(args: argparse.Namespace) -> None:
    from django.core.management import call_command

    from resilnet.core.models import Country, Region
    from resilnet.core.reference_data import load_reference_data
    from resilnet.planning.engine import costs as engine_costs
    from resilnet.planning.engine.plan import make_plan
    from resilnet.planning.models import SiteResult
    from resilnet.planning.services import datasets
    from resilnet.planning.services.datasets import do_upload_dataset
    from resilnet.planning.services.scenarios import (
        compute_scenario,
        default_costs_json,
        do_create_scenario,
    )

    call_command("migrate", verbosity=0)
    load_reference_data(Region, Country)
    data = files(args.sites, args.nodes, args.towers)
    start = time.perf_counter()
    uploaded = {
        kind: do_upload_dataset(None, kind=kind, name=kind, file_name=f"{kind}.csv", data=content)
        for kind, content in data.items()
    }
    upload = time.perf_counter() - start
    scenario = do_create_scenario(
        None,
        name="USD 10 million",
        country=Country.objects.get(iso3="KEN"),
        sites_source="dataset",
        sites=uploaded["sites"],
        fibre=uploaded["fibre"],
        towers=uploaded["towers"],
        roads=None,
        costs=default_costs_json(),
        budget=BUDGET,
        objective="schools",
    )
    phases: dict[str, float] = {}
    last = [time.perf_counter(), "reading"]

    def progress(phase: str, fraction: float) -> None:
        now = time.perf_counter()
        phases[last[1]] = phases.get(last[1], 0.0) + now - last[0]
        last[:] = [now, phase]

    module, engine = [], []
    sites = datasets.load(uploaded["sites"])
    fibre = datasets.load(uploaded["fibre"])
    towers = datasets.load(uploaded["towers"])
    costs = engine_costs.costs_from_json(scenario.costs)
    for _ in range(args.repeats):
        phases.clear()
        last[:] = [time.perf_counter(), "reading"]
        start = time.perf_counter()
        totals = compute_scenario(scenario, progress)
        module.append(time.perf_counter() - start)
        start = time.perf_counter()
        make_plan(sites, fibre, towers, costs, budget=BUDGET, objective="schools")
        make_plan(sites, fibre, towers, costs)
        engine.append(time.perf_counter() - start)
    rows = SiteResult.objects.filter(scenario=scenario).count()
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    database = "PostgreSQL" if args.database_url else "SQLite"
    print(
        f"{args.sites:,} schools, {args.nodes:,} fibre nodes, {args.towers:,} towers; "
        f"{database}; budget USD {BUDGET:,}"
    )
    print(f"  upload of the three files, each checked: {upload:.2f} s")
    print(
        f"  scenario computed (task's work), median of {args.repeats}: "
        f"{statistics.median(module):.2f} s  ({', '.join(f'{t:.2f}' for t in module)})"
    )
    print("    last run by phase: " + ", ".join(f"{k} {v:.2f} s" for k, v in phases.items()))
    print(
        f"  baseline, the engine alone (the same two plans), median: "
        f"{statistics.median(engine):.2f} s  ({', '.join(f'{t:.2f}' for t in engine)})"
    )
    print(f"  module / engine: {statistics.median(module) / statistics.median(engine):.2f}")
    print(
        f"  {rows:,} results written; within the budget {totals['total']['sites']:,} schools; "
        f"peak memory {peak:,.0f} MB"
    )


if __name__ == "__main__":
    main()
