"""Benchmark: the planner on a synthetic country of 200,000 schools.

Prints the wall time (median over --repeats) and the process's peak memory of a
connect-all plan and of a budget plan (USD 10 million, the planner's question in a
meeting), with the documented default costs, beside the naive baseline measured in the same
run: each site's nearest fibre node by an O(n²) scan (pure Python, and NumPy brute force),
timed on a subset of sites and extrapolated to all of them, against the KD-tree query the
engine makes for the same answer.

    nice -n 10 .venv/bin/python bench/planning.py            # 200,000 / 20,000 / 50,000
    .venv/bin/python bench/planning.py --sites 20000 --nodes 2000 --towers 5000
"""

from __future__ import annotations

import argparse
import math
import os
import platform
import resource
import statistics
import time

import numpy as np
import scipy

from resilnet.planning.engine import geo
from resilnet.planning.engine.costs import default_costs
from resilnet.planning.engine.plan import make_plan, plan_totals
from resilnet.planning.engine.synthetic import synthetic_country


def peak_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # kB on Linux


def timed(fn, repeats: int) -> tuple[float, list[float], object]:
    times, out = [], None
    for _ in range(repeats):
        t0 = time.perf_counter()
        out = fn()
        times.append(time.perf_counter() - t0)
    return statistics.median(times), times, out


def naive_python_nearest(lat, lon, node_lat, node_lon) -> list[int]:
    """The O(n × m) scan a first version would write: haversine to every node."""
    r = geo.EARTH_RADIUS_KM
    nodes = list(zip(np.radians(node_lat).tolist(), np.radians(node_lon).tolist(), strict=True))
    best_idx = []
    for la, lo in zip(np.radians(lat).tolist(), np.radians(lon).tolist(), strict=True):
        best, bi = math.inf, -1
        cos_la = math.cos(la)
        for j, (nla, nlo) in enumerate(nodes):
            a = (
                math.sin((nla - la) / 2) ** 2
                + cos_la * math.cos(nla) * math.sin((nlo - lo) / 2) ** 2
            )
            d = 2 * r * math.asin(math.sqrt(a))
            if d < best:
                best, bi = d, j
        best_idx.append(bi)
    return best_idx


def numpy_brute_nearest(lat, lon, node_lat, node_lon, chunk: int = 500) -> np.ndarray:
    out = np.empty(len(lat), dtype=np.int64)
    for i in range(0, len(lat), chunk):
        d = geo.haversine_km(lat[i : i + chunk, None], lon[i : i + chunk, None], node_lat, node_lon)
        out[i : i + chunk] = np.argmin(d, axis=1)
    return out


def main() -> None:
    p = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    p.add_argument("--sites", type=int, default=200_000)
    p.add_argument("--nodes", type=int, default=20_000)
    p.add_argument("--towers", type=int, default=50_000)
    p.add_argument("--budget", type=float, default=10_000_000.0)
    p.add_argument("--repeats", type=int, default=3)
    p.add_argument("--python-subset", type=int, default=200, help="sites for the pure-Python scan")
    p.add_argument("--numpy-subset", type=int, default=5000, help="sites for the NumPy brute force")
    p.add_argument("--seed", type=int, default=2024)
    a = p.parse_args()

    print(
        f"machine: {platform.processor() or platform.machine()}, {os.cpu_count()} cores, "
        f"Python {platform.python_version()}, NumPy {np.__version__}, SciPy {scipy.__version__}"
    )
    print(f"load average at start: {os.getloadavg()}")
    t0 = time.perf_counter()
    sites, fibre, towers = synthetic_country(a.sites, a.nodes, a.towers, seed=a.seed)
    print(
        f"synthetic country: {len(sites):,} sites, {len(fibre):,} fibre nodes, {len(towers):,} "
        f"towers ({time.perf_counter() - t0:.1f} s to generate); peak so far {peak_mb():,.0f} MB"
    )
    costs = default_costs()

    med, runs, plan = timed(lambda: make_plan(sites, fibre, towers, costs), a.repeats)
    totals = plan_totals(plan)  # type: ignore[arg-type]
    each = ", ".join(f"{t:.2f}" for t in runs)
    print(f"\nconnect-all plan: median {med:.2f} s over {a.repeats} ({each})")
    for name, row in totals.items():
        if row["sites"]:
            print(f"  {name:10s} {row['sites']:>8,} sites  npv {row['npv']:>16,.0f} USD")
    med_b, runs_b, bplan = timed(
        lambda: make_plan(sites, fibre, towers, costs, budget=a.budget), a.repeats
    )
    bt = plan_totals(bplan)["total"]  # type: ignore[arg-type]
    each = ", ".join(f"{t:.2f}" for t in runs_b)
    print(
        f"budget plan (USD {a.budget:,.0f}): median {med_b:.2f} s ({each}); "
        f"{bt['sites']:,} sites, {bt['students']:,} students, npv {bt['npv']:,.0f}"
    )
    print(f"peak memory of the process (data + plans): {peak_mb():,.0f} MB")

    # Baseline: each site's nearest fibre node.
    t0 = time.perf_counter()
    idx, _km = geo_nearest(sites, fibre)
    kd = time.perf_counter() - t0
    k = a.python_subset
    t0 = time.perf_counter()
    naive = naive_python_nearest(sites.lat[:k], sites.lon[:k], fibre.lat, fibre.lon)
    py = (time.perf_counter() - t0) * len(sites) / k
    m = a.numpy_subset
    t0 = time.perf_counter()
    brute = numpy_brute_nearest(sites.lat[:m], sites.lon[:m], fibre.lat, fibre.lon)
    nb = (time.perf_counter() - t0) * len(sites) / m
    agree = np.mean(np.asarray(naive) == idx[:k]) * 100
    agree_np = np.mean(brute == idx[:m]) * 100
    print(f"\nnearest fibre node of every site ({len(sites):,} × {len(fibre):,}):")
    print(f"  KD-tree on unit-sphere xyz (the engine): {kd:.3f} s")
    print(f"  naive pure-Python O(n²) scan: {py:,.0f} s, extrapolated from {k} sites", end="")
    print(f" (agrees {agree:.0f}%)")
    print(f"  NumPy brute force O(n²): {nb:,.1f} s, extrapolated from {m} sites", end="")
    print(f" (agrees {agree_np:.0f}%)")
    print(f"  ratio: naive Python / KD-tree ×{py / kd:,.0f}; NumPy brute / KD-tree ×{nb / kd:,.0f}")
    print(
        f"  connect-all plan vs the naive scan's nearest-node step alone: ×{py / med:,.0f} faster"
    )


def geo_nearest(sites, fibre):
    from scipy.spatial import cKDTree

    chord, idx = cKDTree(geo.to_xyz(fibre.lat, fibre.lon)).query(
        geo.to_xyz(sites.lat, sites.lon), workers=-1
    )
    return idx, geo.km_from_chord(chord)


if __name__ == "__main__":
    main()
