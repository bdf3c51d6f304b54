"""Benchmark: how far the greedy plan is from the optimum, on small random instances.

For each of --instances random countries of 20–60 sites (1–4 fibre nodes, 2–10 towers, in
a square of 30–100 km with 2–6 villages), with the documented default costs, both
`make_plan` (greedy) and `exact_plan` (the MILP, HiGHS) answer:
  connect all: gap = (greedy npv − optimal npv) / optimal npv
  budget (--budget-share of the greedy connect-all cost, first --budget-instances only):
      gap = (optimal schools − greedy schools) / optimal schools
Prints mean, median, 95th percentile and max gap, the times of both optimisers, and the
instances the exact model could not prove within --time-limit (left out of the gaps, and
counted).

    nice -n 10 .venv/bin/python bench/planning_gap.py
    # in two processes, one per core:
    nice -n 10 .venv/bin/python bench/planning_gap.py --last 100 &
    nice -n 10 .venv/bin/python bench/planning_gap.py --first 100
"""

from __future__ import annotations

import argparse
import statistics
import time

import numpy as np

from resilnet.planning.engine.costs import default_costs
from resilnet.planning.engine.exact import exact_plan
from resilnet.planning.engine.plan import make_plan
from resilnet.planning.engine.synthetic import synthetic_country
from resilnet.planning.tests.plan_fixtures import simple_costs


def summary(name: str, gaps: list[float]) -> None:
    g = np.array(gaps) * 100
    optimal = np.mean(g < 1e-6) * 100
    print(
        f"{name}: {len(g)} instances, mean gap {g.mean():.3f}%, median {np.median(g):.3f}%, "
        f"p95 {np.percentile(g, 95):.3f}%, max {g.max():.3f}%, optimal in {optimal:.0f}%"
    )


def main() -> None:
    p = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    p.add_argument("--instances", type=int, default=200)
    p.add_argument("--first", type=int, default=0, help="solve from this instance on (0-based)")
    p.add_argument("--last", type=int, default=None, help="solve up to this one (exclusive)")
    p.add_argument("--budget-instances", type=int, default=200)
    p.add_argument("--budget-share", type=float, default=1 / 3)
    p.add_argument("--seed", type=int, default=7)
    p.add_argument("--time-limit", type=float, default=120.0)
    p.add_argument(
        "--round-costs",
        action="store_true",
        help="the tests' round, undiscounted costs instead of the documented defaults",
    )
    p.add_argument("--no-connect-all", action="store_true", help="budget gaps only")
    a = p.parse_args()
    rng = np.random.default_rng(a.seed)
    costs = simple_costs() if a.round_costs else default_costs()
    gaps, bgaps, t_greedy, t_exact, t_exact_budget = [], [], [], [], []
    failed = failed_budget = 0
    last = a.instances if a.last is None else min(a.last, a.instances)
    for i in range(last):
        # Every instance is drawn, solved or not, so a range of them can run on its own.
        n = int(rng.integers(20, 61))
        shape = (int(rng.integers(1, 5)), int(rng.integers(2, 11)), int(rng.integers(1 << 30)))
        size, towns = float(rng.uniform(0.27, 0.9)), int(rng.integers(2, 7))
        if i < a.first:
            continue
        sites, fibre, towers = synthetic_country(
            n, shape[0], shape[1], seed=shape[2], size_deg=size, n_towns=towns
        )
        t0 = time.perf_counter()
        greedy = make_plan(sites, fibre, towers, costs)
        t1 = time.perf_counter()
        g = greedy.npv.sum()
        if not a.no_connect_all:
            try:
                exact = exact_plan(sites, fibre, towers, costs, time_limit=a.time_limit)
            except RuntimeError as exc:
                failed += 1
                print(f"instance {i}: {exc}")
            else:
                t2 = time.perf_counter()
                t_greedy.append(t1 - t0)
                t_exact.append(t2 - t1)
                e = exact.npv.sum()
                gaps.append((g - e) / e)
                print(
                    f"instance {i}: {n} sites, connect-all gap {gaps[-1] * 100:.3f}%, "
                    f"greedy {t1 - t0:.3f} s, exact {t2 - t1:.2f} s",
                    flush=True,
                )
        if i < a.first + a.budget_instances:
            budget = g * a.budget_share
            gb = make_plan(sites, fibre, towers, costs, budget=budget).connected.sum()
            t3 = time.perf_counter()
            try:
                eb = exact_plan(sites, fibre, towers, costs, budget=budget, time_limit=a.time_limit)
            except RuntimeError as exc:
                failed_budget += 1
                print(f"instance {i} (budget): {exc}")
            else:
                t_exact_budget.append(time.perf_counter() - t3)
                bgaps.append((eb.connected.sum() - gb) / max(eb.connected.sum(), 1))
                print(
                    f"instance {i}: budget gap {bgaps[-1] * 100:.3f}% "
                    f"({gb} of {eb.connected.sum()} schools), exact {t_exact_budget[-1]:.2f} s",
                    flush=True,
                )
        if (i + 1) % 20 == 0 and gaps:
            print(
                f"{i + 1} instances, mean connect-all gap so far {np.mean(gaps) * 100:.3f}%",
                flush=True,
            )
    if gaps:
        summary("connect all (npv)", gaps)
    if bgaps:
        summary("budget (schools connected)", bgaps)
    if t_exact:
        print(
            f"time per instance: greedy median {statistics.median(t_greedy) * 1000:.1f} ms, "
            f"exact median {statistics.median(t_exact):.2f} s, max {max(t_exact):.1f} s; "
            f"{failed} instance(s) without a proven optimum"
        )
    if t_exact_budget:
        print(
            f"budget: exact median {statistics.median(t_exact_budget):.2f} s, "
            f"max {max(t_exact_budget):.1f} s; {failed_budget} instance(s) without a proven optimum"
        )


if __name__ == "__main__":
    main()
