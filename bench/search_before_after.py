"""Catalog search latency of two commits on the same records, in one run.

    .venv/bin/python bench/search_before_after.py --before 87a59a4 --after HEAD \
        --records 100000 --rounds 3 --workdir /tmp/bench-before-after

A restructuring must leave search as fast as it was. This loads `--records` generated
records (the generator and queries of `catalog_search.py`) once with the `--before` code,
copies the database for the `--after` code (which migrates its copy), then times the same
queries with each commit's code in fresh processes, alternating which goes first, for
`--rounds` rounds. Each search process builds its segment index first (untimed), warms
up on 10 queries, then times every query: the first page of 20 and five facet counts.
It prints p50 and p95 of each round and the median over the rounds, and their ratio
after/before (1.00 = unchanged; the machine's noise decides what "within noise" is: the
spread between rounds of one commit shows it).
"""

from __future__ import annotations

import argparse
import io
import json
import os
import shutil
import sqlite3
import statistics
import subprocess
import sys
import tarfile
import tempfile
import time
from pathlib import Path
from types import SimpleNamespace

sys.path.insert(0, str(Path(__file__).resolve().parent))
import catalog_search as cs


def snapshot(revision: str, target: Path) -> str:
    """The `resilnet/` package of `revision`, extracted into `target`; returns the commit."""
    commit = cs.git("rev-parse", "--short", revision).strip()
    archive = subprocess.run(
        ["git", "-C", str(cs.ROOT), "archive", "--format=tar", commit, "resilnet"],
        capture_output=True,
        check=True,
    ).stdout
    shutil.rmtree(target, ignore_errors=True)  # a kept workdir gets a fresh snapshot
    target.mkdir(parents=True)
    with tarfile.open(fileobj=io.BytesIO(archive)) as tar:
        tar.extractall(target, filter="data")
    (target / "node_modules").symlink_to(cs.ROOT / "node_modules")
    (target / "COMMIT").write_text(commit)
    return commit


def countries_and_regions() -> tuple[list[str], list[str]]:
    from resilnet.core.models import Country

    countries = list(Country.objects.order_by("iso3").values_list("iso3", flat=True))
    regions = sorted(
        set(
            Country.objects.filter(itu_region__isnull=False).values_list(
                "itu_region__code", flat=True
            )
        )
    )
    return countries, regions


def load_role(args: argparse.Namespace) -> None:
    cs.use_code(args.code_dir)
    cs.setup_django(f"sqlite:///{args.database}", Path(args.var_dir))
    countries, _ = countries_and_regions()
    vocabulary = cs.build_vocabulary(args.seed)
    generator = cs.Generator(args.seed, "records", vocabulary, countries)
    loaded = cs.index_records(SimpleNamespace(records=args.records, batch=10_000), generator)
    print(json.dumps(loaded))


def search_role(args: argparse.Namespace) -> None:
    cs.use_code(args.code_dir)
    cs.setup_django(f"sqlite:///{args.database}", Path(args.var_dir))
    countries, regions = countries_and_regions()
    vocabulary = cs.build_vocabulary(args.seed)
    sample = cs.Generator(args.seed, "records", vocabulary, countries)
    phrase_texts = [
        next(iter(sample.content()["body"].values())) for _ in range(min(args.records, 500))
    ]
    queries = cs.build_queries(
        args.queries, args.seed, vocabulary, phrase_texts, countries, regions
    )
    t0 = time.perf_counter()
    cs.product_search(queries[0])  # builds the index if this code has none yet
    ready = time.perf_counter() - t0
    cs.run_product(queries[:10], 10.0)  # warm-up
    run = cs.run_product(queries, 10.0)
    print(json.dumps({"ready_seconds": ready, **cs.summary(run.times)}))


def child(role: str, code: Path, database: Path, var_dir: Path, args: argparse.Namespace) -> dict:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("RESILNET_", "DJANGO_"))}
    env["RESILNET_SEARCH_ENGINE"] = args.search_engine
    # The search index's analysis processes start afresh: they find the code by the path.
    env["PYTHONPATH"] = str(code)
    command = [
        sys.executable,
        str(Path(__file__).resolve()),
        "--role",
        role,
        "--code-dir",
        str(code),
        "--database",
        str(database),
        "--var-dir",
        str(var_dir),
        "--records",
        str(args.records),
        "--queries",
        str(args.queries),
        "--seed",
        str(args.seed),
    ]
    # Not from the repository: its resilnet/ would come first on the path of every process.
    result = subprocess.run(command, env=env, cwd=code, capture_output=True, text=True, check=False)
    if result.returncode != 0:
        raise SystemExit(f"{role} with {code.name} failed:\n{result.stderr[-3000:]}")
    return json.loads(result.stdout.strip().splitlines()[-1])


def copy_database(source: Path, target: Path) -> None:
    with sqlite3.connect(source) as src, sqlite3.connect(target) as dst:
        src.backup(dst)


def main() -> int:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--before", default="87a59a4", help="commit measured first (87a59a4)")
    p.add_argument("--after", default="HEAD", help="commit compared with it (HEAD)")
    p.add_argument("--records", type=int, default=100_000)
    p.add_argument("--queries", type=int, default=200)
    p.add_argument("--rounds", type=int, default=3)
    p.add_argument("--seed", type=int, default=2020)
    p.add_argument("--search-engine", default="auto", choices=("auto", "segments", "database"))
    p.add_argument("--workdir", help="default: a temporary folder")
    p.add_argument("--role", choices=("load", "search"), help=argparse.SUPPRESS)
    p.add_argument("--code-dir", help=argparse.SUPPRESS)
    p.add_argument("--database", help=argparse.SUPPRESS)
    p.add_argument("--var-dir", help=argparse.SUPPRESS)
    args = p.parse_args()
    if args.role == "load":
        load_role(args)
        return 0
    if args.role == "search":
        search_role(args)
        return 0

    workdir = Path(args.workdir or tempfile.mkdtemp(prefix="bench-before-after-")).resolve()
    workdir.mkdir(parents=True, exist_ok=True)
    labels = ("before", "after")
    commits = {label: snapshot(getattr(args, label), workdir / f"code-{label}") for label in labels}
    print(f"catalog search before/after: {args.records:,} records, {args.queries} queries")
    for key, value in cs.machine(None, None).items():
        print(f"  {key}: {value}")
    print(f"  before: {commits['before']}, after: {commits['after']}, workdir {workdir}")
    databases = {label: workdir / f"{label}.sqlite3" for label in labels}
    if not databases["before"].exists():
        loaded = child(
            "load", workdir / "code-before", databases["before"], workdir / "var-load", args
        )
        print(f"loaded {loaded['records']:,} records in {loaded['load_seconds']:,.0f} s")
    if not databases["after"].exists():
        copy_database(databases["before"], databases["after"])
    rounds: dict[str, list[dict]] = {label: [] for label in labels}
    print(f"\n{'round':<6} {'code':<7} {'p50 ms':>8} {'p95 ms':>8} {'index ready s':>14}")
    for n in range(args.rounds):
        order = labels if n % 2 == 0 else labels[::-1]
        for label in order:
            figures = child(
                "search",
                workdir / f"code-{label}",
                databases[label],
                workdir / f"var-{label}",
                args,
            )
            rounds[label].append(figures)
            print(
                f"{n + 1:<6} {label:<7} {figures['p50'] * 1000:>8.1f} "
                f"{figures['p95'] * 1000:>8.1f} {figures['ready_seconds']:>14.1f}"
            )
    median = {
        label: {k: statistics.median(r[k] for r in rounds[label]) for k in ("p50", "p95")}
        for label in labels
    }
    print("\nmedian over the rounds:")
    for label in labels:
        print(
            f"  {label:<7} {commits[label]}: p50 {median[label]['p50'] * 1000:.1f} ms, "
            f"p95 {median[label]['p95'] * 1000:.1f} ms"
        )
    for k in ("p50", "p95"):
        print(f"  ratio after/before {k}: {median['after'][k] / median['before'][k]:.2f}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
