"""`resilnet plan …`: a connectivity plan from files, and the cost file to edit.

    resilnet plan run --sites S --fibre F --towers T [--roads R] [--costs C.json]
                      [--budget USD] [--objective schools|students] --out plan.csv
    resilnet plan costs-template > costs.json

Exit 0: planned; 2: unusable input (the message names the file, row and field).
"""

from __future__ import annotations

import argparse
import json
import math
import os
import sys
import tempfile
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from resilnet.core.cli import CommandFailed
from resilnet.core.exports import write_csv


def _budget(text: str) -> float:
    """--budget: US dollars, more than 0 (no budget at all means: connect every site)."""
    try:
        value = float(text.replace(",", "")) if "_" not in text else math.nan
    except ValueError:
        value = math.nan
    if not math.isfinite(value) or value < 0:
        raise argparse.ArgumentTypeError(f"must be an amount in US dollars, got {text!r}")
    if value == 0:
        raise argparse.ArgumentTypeError(
            "0 funds no site: give an amount above 0, or leave --budget out to cost "
            "connecting every site"
        )
    return value


@contextmanager
def _progress() -> Iterator[Callable[[str, float], None]]:
    """A bar on standard error (standard output keeps the totals), gone when done."""
    from rich.console import Console
    from rich.progress import BarColumn, Progress, TaskProgressColumn, TextColumn

    with Progress(
        TextColumn("{task.description}"),
        BarColumn(),
        TaskProgressColumn(),
        console=Console(stderr=True),
        transient=True,
    ) as bar:
        task = bar.add_task("reading", total=1.0)

        def update(phase: str, fraction: float) -> None:
            bar.update(task, description=phase, completed=max(0.0, min(1.0, fraction)))

        yield update


def _read_inputs(args: argparse.Namespace, report: Callable[[str, float], None]) -> dict[str, Any]:
    from resilnet.planning.engine import costs as cost_files
    from resilnet.planning.engine import inputs

    def read(reader: Callable[..., Any], path: str, step: float) -> Any:
        report(f"reading {Path(path).name}", step)
        return reader(path, name=Path(path).name)

    loaded: dict[str, Any] = {
        "sites": read(inputs.read_sites, args.sites, 0.0),
        "fibre": read(inputs.read_fibre_nodes, args.fibre, 0.25),
        "towers": read(inputs.read_towers, args.towers, 0.5),
        "roads": None,
    }
    if args.roads:
        loaded["roads"] = read(inputs.read_roads, args.roads, 0.75)
    if args.costs:
        name = Path(args.costs).name
        try:
            with open(args.costs, "rb") as stream:  # the reader refuses what is over the limit
                text = stream.read(cost_files.MAX_JSON_BYTES + 1)
        except OSError as exc:
            raise inputs.InputError(name, None, None, f"cannot be read ({exc.strerror})") from None
        loaded["costs"] = cost_files.costs_from_json(text, name=name)
    else:
        loaded["costs"] = cost_files.default_costs()
    report("read", 1.0)
    return loaded


def cmd_run(args: argparse.Namespace) -> int:
    from resilnet.planning.engine.inputs import InputError, road_components
    from resilnet.planning.engine.plan import make_plan, plan_totals

    out = Path(args.out)
    if not out.parent.is_dir():
        raise CommandFailed(f"--out: the folder {out.parent} does not exist", status=2)
    with _progress() as report:
        try:
            data = _read_inputs(args, report)
        except InputError as exc:
            raise CommandFailed(str(exc), status=2) from None
        roads = data["roads"]
        if roads is not None and (parts := road_components(roads)) > 1:
            print(
                f"warning: the road network has {parts:,} separate parts; fibre is routed "
                "along roads only within a part",
                file=sys.stderr,
            )
        plan = make_plan(
            data["sites"],
            data["fibre"],
            data["towers"],
            data["costs"],
            roads=roads,
            budget=args.budget,
            objective=args.objective,
            budget_basis=args.budget_basis,
            progress=report,
        )
    _write_plan(out, data["sites"].site_id, plan)
    _print_totals(plan_totals(plan), plan, data["costs"].horizon_years)
    print(f"{len(plan):,} sites written to {out}")
    return 0


def _write_plan(out: Path, site_ids: Any, plan: Any) -> None:
    """The whole file or nothing: written beside the target, then moved over it."""
    from resilnet.planning.engine.data import PLAN_COLUMNS

    rows = (
        [
            site_ids[i],
            plan.technology[i],
            f"{plan.capex[i]:.2f}",
            f"{plan.opex_per_year[i]:.2f}",
            f"{plan.npv[i]:.2f}",
            "true" if plan.connected[i] else "false",
            plan.reason[i],
            plan.via_kind[i],
            plan.via_id[i],
            f"{plan.link_km[i]:.3f}",
            f"{plan.demand_mbps[i]:.3f}",
        ]
        for i in range(len(plan))
    )
    handle, temp = tempfile.mkstemp(prefix=".plan-", suffix=".csv", dir=out.parent)
    try:
        with os.fdopen(handle, "w", encoding="utf-8", newline="") as stream:
            write_csv(stream, list(PLAN_COLUMNS), rows)
        os.replace(temp, out)
    except BaseException:
        Path(temp).unlink(missing_ok=True)
        raise


def _print_totals(totals: dict[str, dict[str, float]], plan: Any, horizon: int) -> None:
    from resilnet.planning.engine.data import EXISTING, NONE, TECHNOLOGIES

    header = f"{'technology':<12}{'sites':>10}{'students':>12}{'capex':>16}"
    header += f"{'opex/year':>14}{f'cost over {horizon} y':>18}"
    print(header)
    for name in (*TECHNOLOGIES, EXISTING, NONE, "total"):
        row = totals[name]
        if name != "total" and not row["sites"]:
            continue
        print(
            f"{name:<12}{row['sites']:>10,}{row['students']:>12,}{row['capex']:>16,.0f}"
            f"{row['opex_per_year']:>14,.0f}{row['npv']:>18,.0f}"
        )
    if plan.budget is not None:
        print(f"budget {plan.budget:,.0f} USD, objective: most {plan.objective} connected")
    for note in plan.notes:
        print(f"note: {note}")


def cmd_costs_template(args: argparse.Namespace) -> int:
    from resilnet.planning.engine.costs import costs_to_json, default_costs

    json.dump(costs_to_json(default_costs()), sys.stdout, indent=2, ensure_ascii=False)
    sys.stdout.write("\n")
    return 0


def register(sub: Any) -> None:
    plan = sub.add_parser(
        "plan",
        help="Last-mile connectivity plans from files.",
        description="Connectivity plans: the least-cost technology for every site.",
    )
    commands = plan.add_subparsers(dest="plan_command", required=True, metavar="COMMAND")
    p = commands.add_parser(
        "run",
        help="Plan from sites, fibre nodes and towers; write one row per site.",
        description="Choose fibre, cellular, microwave or satellite for every site not already "
        "connected: at least total cost (no --budget), or the most schools or students within "
        "--budget. Prints totals by technology and writes one row per site to --out. "
        "Exit 0: planned; 2: unusable input, named by file, row and field.",
    )
    p.add_argument("--sites", required=True, metavar="FILE", help="CSV or GeoJSON points")
    p.add_argument("--fibre", required=True, metavar="FILE", help="CSV or GeoJSON points")
    p.add_argument("--towers", required=True, metavar="FILE", help="CSV or GeoJSON points")
    p.add_argument("--roads", metavar="FILE", help="GeoJSON lines to route fibre along")
    p.add_argument(
        "--costs",
        metavar="FILE.json",
        help="cost assumptions (default: the documented defaults; see costs-template)",
    )
    p.add_argument("--budget", type=_budget, metavar="USD", help="most to spend (default: none)")
    p.add_argument("--objective", choices=("schools", "students"), default="schools")
    p.add_argument(
        "--budget-basis",
        choices=("npv", "capex"),
        default="npv",
        help="what the budget pays for: cost over the horizon (npv) or building only (capex)",
    )
    p.add_argument("--out", required=True, metavar="FILE.csv")
    p.set_defaults(handler=cmd_run)
    p = commands.add_parser(
        "costs-template",
        help="Print the default cost assumptions as the JSON to edit.",
        description="Print the default cost assumptions, with each figure's source, as the "
        "JSON file --costs reads.",
    )
    p.set_defaults(handler=cmd_costs_template)
