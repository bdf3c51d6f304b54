"""Catalog search and indexing benchmark, on each database with its default search engine
(SQLite: the segment index; PostgreSQL: tsvector + GIN) or the one `--search-engine` names.

    .venv/bin/python bench/catalog_search.py [--records N] [--queries 200]
        [--postgres postgres://USER:PASSWORD@HOST:PORT/DB] [--workdir DIR]
        [--skip-import-bench]

Figures, each beside the baseline measured in the same run on the same database:

- index N records: generated records loaded through `services.import_records` (validation,
  records, revisions, facets, full-text index, audit log), records per second;
- import a 100,000-row CSV in resilnet's tabular format (`resilnet catalog import FILE
  --format csv`, run in-process: `tabular.parse` + `import_records`) into a fresh database;
- search latency: 200 varied queries, each the first page of 20 plus five facet counts,
  p50/p95/p99/max, against a naive ORM implementation (`icontains` per word, facet counts
  by GROUP BY over the hits) on the same queries, and their ratio;
- peak memory of every process.

Records are generated deterministically (`--seed`) from an invented vocabulary of 50,000
ASCII words with Zipf-distributed frequencies, so some words are in nearly every record and
some in almost none. Every engine is measured in a process of its own (settings are read
once per process): the SQLite pass runs in this process, the PostgreSQL pass in a child
process on a database it creates (`resilnet_bench_<pid>`) and drops at the end.
"""

from __future__ import annotations

import argparse
import bisect
import csv
import datetime as dt
import itertools
import json
import math
import os
import platform
import random
import shutil
import sqlite3
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

VOCABULARY_SIZE = 50_000
ZIPF_EXPONENT = 1.07
FACETS5 = ("collection", "country", "itu_region", "category", "year")
TARGET_P95_MS = 50.0
TARGET_INDEX_SECONDS_PER_MILLION = 300.0
TARGET_IMPORT_SECONDS = 60.0
TARGET_MEMORY_MB = 2048.0


# Synthetic data ---------------------------------------------------------------------------

CONSONANTS = "bdfghklmnprstvz"
VOWELS = "aeiou"


def build_vocabulary(seed: int, size: int = VOCABULARY_SIZE) -> list[str]:
    """`size` invented words, most frequent first. Frequent words are short (Zipf's law of
    abbreviation). No two words share a stem in English, French or Spanish, so a word's
    frequency rank is also the rank of what the index stores for it."""
    from snowballstemmer import stemmer

    stemmers = [stemmer(name) for name in ("english", "french", "spanish")]
    rng = random.Random(f"{seed}-vocabulary")  # noqa: S311 (synthetic data, not secrets)
    words: list[str] = []
    taken: set[str] = set()
    while len(words) < size:
        rank = len(words)
        low, high = (1, 2) if rank < 100 else (2, 3) if rank < 3000 else (2, 4)
        word = "".join(
            rng.choice(CONSONANTS)
            + rng.choice(VOWELS)
            + (rng.choice(CONSONANTS) if rng.random() < 0.3 else "")
            for _ in range(rng.randint(low, high))
        )
        if len(word) < 2:
            continue
        forms = {word} | {s.stemWord(word) for s in stemmers}
        if forms & taken:
            continue
        taken |= forms
        words.append(word)
    return words


class Zipf:
    """Draws items with weight 1/rank**s, by bisection over the cumulative weights."""

    def __init__(self, items: list[Any], exponent: float) -> None:
        self.items = items
        self.cumulative = list(
            itertools.accumulate(1.0 / (rank**exponent) for rank in range(1, len(items) + 1))
        )

    def sample(self, rng: random.Random, k: int) -> list[Any]:
        return rng.choices(self.items, cum_weights=self.cumulative, k=k)

    def one(self, rng: random.Random) -> Any:
        position = bisect.bisect(self.cumulative, rng.random() * self.cumulative[-1])
        return self.items[min(position, len(self.items) - 1)]


def weighted(rng: random.Random, options: dict[Any, float]) -> Any:
    return rng.choices(list(options), weights=list(options.values()))[0]


COLLECTIONS = {"measure": 0.55, "case": 0.30, "resource": 0.06, "news": 0.05, "report": 0.04}
LANGUAGES = {"en": 0.90, "fr": 0.05, "es": 0.05}
YEARS = {2020: 0.30, 2021: 0.28, 2022: 0.18, 2023: 0.13, 2024: 0.11}
CATEGORIES = {
    "network_resilience": 0.22,
    "consumer_protection": 0.16,
    "broadband_quality": 0.12,
    "emergency_telecom": 0.10,
    "digital_inclusion": 0.09,
    "universal_service": 0.08,
    "spectrum": 0.07,
    "cybersecurity": 0.06,
    "infrastructure": 0.05,
    "other": 0.05,
}
PHASES = {"emergency": 0.6, "recovery": 0.25, "new_normal": 0.15}
BINDING = {"voluntary": 0.65, "mandatory": 0.35}
MEASURE_STATUS = {"in_force": 0.5, "expired": 0.3, "announced": 0.1, "revoked": 0.1}
STAKEHOLDERS = {
    "government": 0.4,
    "business": 0.25,
    "civil_society": 0.15,
    "international_organisation": 0.12,
    "academia": 0.08,
}
RESOURCE_TYPES = ("guidance", "tool", "advisory", "training", "cirt_service", "campaign")
ACTION_LINES = ("C1", "C2", "C3", "C4", "C5", "C6", "C7", "C7.1", "C7.3", "C7.4", "C9", "C11")
FIELD_COLUMNS = (
    "category",
    "phase",
    "binding",
    "measure_status",
    "stakeholder_type",
    "action_lines",
    "sdgs",
    "resource_type",
)


def country_order(seed: int, countries: list[str]) -> list[str]:
    """Countries from the most to the least documented."""
    shuffled = sorted(countries)
    random.Random(f"{seed}-countries").shuffle(shuffled)  # noqa: S311 (synthetic data)
    return shuffled


class Generator:
    """Deterministic record content: the same seed gives the same records on every engine."""

    def __init__(self, seed: int, stream: str, vocabulary: list[str], countries: list[str]):
        self.rng = random.Random(f"{seed}-{stream}")  # noqa: S311 (synthetic data)
        self.words = Zipf(vocabulary, ZIPF_EXPONENT)
        self.countries = Zipf(country_order(seed, countries), 1.0)

    def text(self, low: int, high: int) -> str:
        rng = self.rng
        tokens = self.words.sample(rng, rng.randint(low, high))
        sentences = []
        start = 0
        while start < len(tokens):
            end = start + rng.randint(8, 20)
            sentence = tokens[start:end]
            sentences.append(sentence[0].capitalize() + " " + " ".join(sentence[1:]) + ".")
            start = end
        return " ".join(sentences)

    def content(self) -> dict[str, Any]:
        rng = self.rng
        collection = weighted(rng, COLLECTIONS)
        language = weighted(rng, LANGUAGES)
        title = " ".join(self.words.sample(rng, rng.randint(6, 14))).capitalize()
        n_countries = weighted(rng, {1: 0.7, 2: 0.2, 3: 0.1})
        countries = sorted({self.countries.one(rng) for _ in range(n_countries)})
        year = weighted(rng, YEARS)
        fields: dict[str, Any] = {}
        if collection == "measure":
            fields = {
                "category": weighted(rng, CATEGORIES),
                "phase": weighted(rng, PHASES),
                "binding": weighted(rng, BINDING),
                "measure_status": weighted(rng, MEASURE_STATUS),
            }
        elif collection == "case":
            fields = {
                "stakeholder_type": weighted(rng, STAKEHOLDERS),
                "action_lines": sorted(
                    rng.sample(ACTION_LINES, rng.randint(1, 3)), key=ACTION_LINES.index
                ),
                "sdgs": sorted(rng.sample(range(1, 18), rng.randint(1, 3))),
            }
        elif collection == "resource":
            fields = {"resource_type": rng.choice(RESOURCE_TYPES)}
        return {
            "collection": collection,
            "original_language": language,
            "title": {language: title},
            "summary": {language: self.text(30, 60)},
            "body": {language: self.text(150, 400)},
            "countries": countries,
            "date": f"{year}-{rng.randint(1, 12):02d}-{rng.randint(1, 28):02d}",
            "fields": fields,
        }


def csv_row(external_id: str, content: dict[str, Any]) -> dict[str, str]:
    language = content["original_language"]
    row = {
        "external_id": external_id,
        "collection": content["collection"],
        "original_language": language,
        "title": content["title"][language],
        "summary": content["summary"][language],
        "body": content["body"][language],
        "countries": ";".join(content["countries"]),
        "date": content["date"],
    }
    for name, value in content["fields"].items():
        row[f"fields.{name}"] = (
            ";".join(str(v) for v in value) if isinstance(value, list) else str(value)
        )
    return row


# Queries -----------------------------------------------------------------------------------


@dataclass
class BenchQuery:
    kind: str
    q: str  # what a person types into the search box
    terms: list[str]  # what the baseline looks for with icontains (a phrase is one term)
    filters: dict[str, list[str]] = field(default_factory=dict)

    def label(self) -> str:
        shown = " ".join(f"{name}={','.join(values)}" for name, values in self.filters.items())
        return f"[{self.kind}] {self.q}" + (f"  ({shown})" if shown else "")


def build_queries(
    count: int,
    seed: int,
    vocabulary: list[str],
    phrase_texts: list[str],
    countries: list[str],
    regions: list[str],
) -> list[BenchQuery]:
    """`count` queries in five kinds by frequency rank, half of each kind with filters."""
    rng = random.Random(f"{seed}-queries")  # noqa: S311 (synthetic data)
    popular = country_order(seed, countries)

    def word(low: int, high: int) -> str:
        return vocabulary[rng.randrange(low, min(high, len(vocabulary)))]

    def log_uniform_word() -> str:
        return vocabulary[int(math.exp(rng.uniform(0, math.log(20_000))))]

    def phrase() -> list[str]:
        tokens = rng.choice(phrase_texts).split()
        while True:
            i = rng.randrange(len(tokens) - 1)
            if not tokens[i].endswith(".") and not tokens[i][0].isupper():
                return [tokens[i], tokens[i + 1].rstrip(".")]

    def filters() -> dict[str, list[str]]:
        options: dict[str, Callable[[], str]] = {
            "country": lambda: rng.choice(["KEN", *popular[:3], *popular[10:40:10]]),
            "binding": lambda: "mandatory",
            "category": lambda: rng.choice(list(CATEGORIES)[:6]),
            "collection": lambda: "case",
            "year": lambda: str(rng.choice(list(YEARS))),
            "itu_region": lambda: rng.choice(regions),
        }
        names = rng.sample(list(options), rng.randint(1, 2))
        return {name: [options[name]()] for name in names}

    makers: dict[str, Callable[[], list[str]]] = {
        "common": lambda: [word(0, 49)],
        "mid": lambda: [word(499, 5000)],
        "rare": lambda: [word(20_000, len(vocabulary))],
        "two-word": lambda: [log_uniform_word(), log_uniform_word()],
        "phrase": phrase,
    }
    queries: list[BenchQuery] = []
    kinds = list(makers)
    for i in range(count):
        kind = kinds[i % len(kinds)]
        terms = makers[kind]()
        with_filters = (i // len(kinds)) % 2 == 1
        if kind == "phrase":
            q, baseline_terms = '"' + " ".join(terms) + '"', [" ".join(terms)]
        else:
            q, baseline_terms = " ".join(terms), terms
        queries.append(BenchQuery(kind, q, baseline_terms, filters() if with_filters else {}))
    rng.shuffle(queries)
    return queries


# Statistics ---------------------------------------------------------------------------------


def percentile(values: list[float], p: float) -> float:
    ordered = sorted(values)
    return ordered[max(0, math.ceil(p / 100 * len(ordered)) - 1)]


def summary(times: list[float]) -> dict[str, float]:
    return {
        "n": len(times),
        "p50": percentile(times, 50),
        "p95": percentile(times, 95),
        "p99": percentile(times, 99),
        "max": max(times),
    }


def ms(seconds: float, cap: float | None = None) -> str:
    """A duration for people; inf is a query interrupted at `cap` seconds."""
    if math.isinf(seconds):
        return f"> {cap:g} s" if cap else "interrupted"
    if math.isnan(seconds):
        return "?"
    value = seconds * 1000
    return f"{value:,.1f} ms" if value < 10_000 else f"{seconds:,.1f} s"


def ratio(baseline: float, product: float) -> float:
    if math.isinf(product):
        return math.nan  # both unknown beyond their caps
    return baseline / product


def show_ratio(value: float) -> str:
    if math.isnan(value):
        return "n/a (product interrupted)"
    if math.isinf(value):
        return "n/a (baseline interrupted)"
    return f"×{value:,.1f}"


def process_tree(root: int) -> list[int]:
    """`root` and every process descended from it (the analysis processes are children
    of a forkserver, grandchildren of the process that asked for them)."""
    children: dict[int, list[int]] = {}
    for entry in os.listdir("/proc"):
        if entry.isdigit():
            try:
                stat = Path(f"/proc/{entry}/stat").read_text()
            except OSError:
                continue
            parent = int(stat.rsplit(")", 1)[1].split()[1])
            children.setdefault(parent, []).append(int(entry))
    found, todo = [], [root]
    while todo:
        pid = todo.pop()
        found.append(pid)
        todo += children.get(pid, [])
    return found


class MemoryWatch:
    """Peak memory of this process and all its descendants together, sampled from /proc
    every 50 ms: resident in all (VmRSS) and anonymous (RssAnon: heap, arrays). The rest is
    file pages mapped from the index and the database, which the kernel may drop.
    Not ru_maxrss: a child started by fork + exec inherits its parent's resident size at
    the fork as its own peak, and the analysis processes are not our children."""

    def __init__(self) -> None:
        self.rss_mb = self.anon_mb = 0.0
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)

    def __enter__(self) -> MemoryWatch:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        self._thread.join()

    def _run(self) -> None:
        pids: list[int] = []
        n = 0
        while True:
            if n % 20 == 0:
                pids = process_tree(os.getpid())
            n += 1
            rss = anon = 0
            for pid in pids:
                try:
                    status = Path(f"/proc/{pid}/status").read_text()
                except OSError:
                    continue
                for line in status.splitlines():
                    if line.startswith("VmRSS:"):
                        rss += int(line.split()[1])
                    elif line.startswith("RssAnon:"):
                        anon += int(line.split()[1])
            self.rss_mb = max(self.rss_mb, rss / 1024)
            self.anon_mb = max(self.anon_mb, anon / 1024)
            if self._stop.wait(0.05):
                return

    def summary(self) -> dict[str, float]:
        return {"rss_mb": self.rss_mb, "anon_mb": self.anon_mb}

    def __str__(self) -> str:
        return f"{self.rss_mb:,.0f} MB resident ({self.anon_mb:,.0f} MB anonymous)"


def say(message: str) -> None:
    print(message, flush=True)


def progress(message: str) -> None:
    print(f"  … {message}", file=sys.stderr, flush=True)


# The pass on one engine (runs after django.setup()) -----------------------------------------


def setup_django(database_url: str, var_dir: Path) -> None:
    os.environ["DJANGO_SETTINGS_MODULE"] = "resilnet.settings"
    os.environ["RESILNET_DATABASE_URL"] = database_url
    os.environ["RESILNET_VAR_DIR"] = str(var_dir)
    os.environ["RESILNET_DEBUG"] = "false"  # DEBUG keeps every query in memory
    os.environ["RESILNET_LOG_LEVEL"] = "WARNING"
    os.environ["RESILNET_TASK_BACKEND"] = "immediate"
    var_dir.mkdir(parents=True, exist_ok=True)
    import django
    from django.core.management import call_command

    django.setup()
    call_command("migrate", "--no-input", verbosity=0)


def database_size() -> int:
    from django.db import connection

    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute("SELECT pg_database_size(current_database())")
            return int(cursor.fetchone()[0])
    name = Path(connection.settings_dict["NAME"])
    return sum(p.stat().st_size for p in name.parent.glob(name.name + "*"))


def index_records(args: argparse.Namespace, generator: Generator) -> dict[str, Any]:
    from resilnet.catalog import services
    from resilnet.catalog.importers.base import Candidate, ParseResult

    load = generate = 0.0
    done = 0
    last_note = time.perf_counter()
    while done < args.records:
        t0 = time.perf_counter()
        size = min(args.batch, args.records - done)
        candidates = [
            Candidate(
                row=done + i + 2, external_id=f"bench-{done + i}", content=generator.content()
            )
            for i in range(size)
        ]
        t1 = time.perf_counter()
        report = services.import_records(None, ParseResult(candidates=candidates))
        t2 = time.perf_counter()
        if report.rejected or report.created != size:
            raise SystemExit(f"generated records were rejected: {report.rejected[:3]}")
        generate += t1 - t0
        load += t2 - t1
        done += size
        if time.perf_counter() - last_note > 30 or done == args.records:
            last_note = time.perf_counter()
            rate = done / load
            eta = (args.records - done) / rate
            progress(
                f"indexed {done:,}/{args.records:,}: {rate:,.0f} records/s, "
                f"{load:,.0f} s so far, ~{eta / 60:,.1f} min to go"
            )
    return {"records": done, "load_seconds": load, "generate_seconds": generate}


def rebuild_index() -> dict[str, Any]:
    """`resilnet catalog reindex`: the search index built afresh from every published
    record of the database."""
    from resilnet.catalog import services

    t0 = time.perf_counter()
    count = services.reindex_all()
    return {"records": count, "seconds": time.perf_counter() - t0}


def fts5_build_baseline(cap: float) -> dict[str, Any]:
    """The same records put into a new SQLite FTS5 table in one INSERT … SELECT, as
    `sqlite-utils enable-fts` does for Datasette; interrupted after `cap` seconds. The
    table is a temporary one, dropped afterwards."""
    from django.db import connection

    field = "(SELECT group_concat(value, ' ') FROM json_each(content, '$.{}'))"
    connection.ensure_connection()
    raw = connection.connection
    with connection.cursor() as cursor:
        cursor.execute(
            "CREATE VIRTUAL TABLE temp.bench_fts USING fts5("
            "title, summary, body, tokenize = 'unicode61 remove_diacritics 0')"
        )
        deadline = time.perf_counter() + cap
        raw.set_progress_handler(lambda: int(time.perf_counter() > deadline), 100_000)
        t0 = time.perf_counter()
        try:
            cursor.execute(
                "INSERT INTO temp.bench_fts (rowid, title, summary, body) SELECT id, "  # noqa: S608
                + ", ".join(field.format(name) for name in ("title", "summary", "body"))
                + " FROM catalog_record WHERE status = 'published'"
            )
            stopped = False
        except Exception as error:  # interrupted by the progress handler
            if "interrupt" not in str(error):
                raise
            stopped = True
        finally:
            seconds = time.perf_counter() - t0
            raw.set_progress_handler(None, 0)
            cursor.execute("DROP TABLE temp.bench_fts")
    return {"seconds": seconds, "stopped": stopped}


def analyse_after_load() -> str:
    """PostgreSQL's autovacuum vacuums and analyses tables after a load of new rows, which
    also moves the GIN index's pending list into the index proper (until then every
    full-text query scans that list): do it now, so the figures are those of that steady
    state rather than of whenever autovacuum happens to run. SQLite is left as the product
    leaves it (no ANALYZE, no FTS5 optimize; the segment index needs neither)."""
    from django.db import connection

    if connection.vendor != "postgresql":
        return "none (as the product leaves it)"
    with connection.cursor() as cursor:
        cursor.execute("VACUUM ANALYZE")
    return "VACUUM ANALYZE (what autovacuum does after a load; flushes the GIN pending list)"


class Interrupted(Exception):
    """The database stopped a statement that ran past the cap."""


class Cap:
    """Bounds every statement run inside it, so no query of the benchmark can hang it.

    SQLite: a progress handler that interrupts once the armed deadline has passed (one
    Python call per 100,000 virtual-machine instructions). PostgreSQL: statement_timeout,
    set once for the session, so the timed queries carry no extra round trip.
    """

    def __init__(self, seconds: float) -> None:
        self.seconds = seconds
        self.deadline = math.inf

    def arm(self) -> None:
        self.deadline = time.perf_counter() + self.seconds

    def __enter__(self) -> Cap:
        from django.db import connection

        connection.ensure_connection()
        if connection.vendor == "sqlite":
            connection.connection.set_progress_handler(
                lambda: int(time.perf_counter() > self.deadline), 100_000
            )
        else:
            with connection.cursor() as cursor:
                cursor.execute(f"SET statement_timeout = {int(self.seconds * 1000)}")
        return self

    def __exit__(self, *exc: object) -> None:
        from django.db import connection

        if connection.vendor == "sqlite":
            connection.connection.set_progress_handler(None, 0)
        else:
            with connection.cursor() as cursor:
                cursor.execute("SET statement_timeout = 0")

    def run(self, work: Callable[[], Any]) -> tuple[float, Any]:
        """(seconds, result) of `work`; raise Interrupted if it ran past the cap."""
        from django.db import OperationalError

        self.arm()
        t0 = time.perf_counter()
        try:
            result = work()
        except OperationalError as exc:
            raise Interrupted(str(exc)) from exc
        elapsed = time.perf_counter() - t0
        if elapsed > self.seconds:  # PostgreSQL: several statements, each under the cap
            raise Interrupted(f"{elapsed:.1f} s")
        return elapsed, result


def product_search(query: BenchQuery) -> int:
    from resilnet.catalog.search import SearchQuery, search

    page = search(SearchQuery(query.q, query.filters, page_size=20, facets=FACETS5))
    return page.count


def baseline_search(query: BenchQuery) -> int:
    from django.db.models import Count, Q

    from resilnet.catalog.models import Record, RecordFacet

    hits = Record.objects.filter(status="published")
    for term in query.terms:
        hits = hits.filter(Q(title__icontains=term) | Q(content__icontains=term))
    for name, values in query.filters.items():
        hits = hits.filter(
            id__in=RecordFacet.objects.filter(name=name, value__in=values).values("record_id")
        )
    count = hits.count()
    page = list(hits.order_by("-published_at", "-id")[:20])
    facets = list(
        RecordFacet.objects.filter(record__in=hits.values("id"), name__in=FACETS5)
        .values("name", "value")
        .annotate(n=Count("id"))
        .order_by()
    )
    del page, facets  # evaluated above, as the product's page and facets are
    return count


def searches_after_edits(
    queries: list[BenchQuery], generator: Generator, records: int, edits: int = 20
) -> dict[str, list[float]]:
    """A live catalog changes while people search: edit one record (a re-import of a
    published one, which replaces it in the index), then time a search, then the same
    search again. The first pays for whatever a change costs readers."""
    from resilnet.catalog import services
    from resilnet.catalog.importers.base import Candidate, ParseResult

    out: dict[str, list[float]] = {"edit": [], "after": [], "again": []}
    for n in range(edits):
        candidate = Candidate(
            row=2, external_id=f"bench-{n * 997 % records}", content=generator.content()
        )
        t0 = time.perf_counter()
        report = services.import_records(None, ParseResult(candidates=[candidate]))
        out["edit"].append(time.perf_counter() - t0)
        if report.updated != 1:
            raise SystemExit(f"the edit did not update one record: {report}")
        query = queries[(n * 7) % len(queries)]
        for key in ("after", "again"):
            t0 = time.perf_counter()
            product_search(query)
            out[key].append(time.perf_counter() - t0)
    return out


@dataclass
class Timings:
    times: list[float] = field(default_factory=list)  # inf: interrupted at the cap
    hits: list[int] = field(default_factory=list)  # -1: interrupted
    stopped: str = ""

    @property
    def interrupted(self) -> int:
        return self.hits.count(-1)


def run_product(queries: list[BenchQuery], cap: float) -> Timings:
    """Every query, each interrupted at `cap` seconds (timed as inf)."""
    out = Timings()
    with Cap(cap) as bound:
        for query in queries:
            try:
                elapsed, count = bound.run(lambda q=query: product_search(q))  # type: ignore[misc]
            except Interrupted:
                elapsed, count = math.inf, -1
            out.times.append(elapsed)
            out.hits.append(count)
    return out


def run_baseline(queries: list[BenchQuery], cap: float, budget: float) -> Timings:
    """The baseline on each query, stopped at the first query past `cap` seconds (timed as
    inf) or once `budget` seconds are spent in all."""
    out = Timings()
    started = time.perf_counter()
    with Cap(cap) as bound:
        for number, query in enumerate(queries, start=1):
            if time.perf_counter() - started > budget:
                out.stopped = f"total budget of {budget:,.0f} s spent after {number - 1} queries"
                break
            try:
                elapsed, count = bound.run(lambda q=query: baseline_search(q))  # type: ignore[misc]
            except Interrupted:
                out.times.append(math.inf)
                out.hits.append(-1)
                out.stopped = f"query {number} {query.label()} ran past {cap:,.0f} s"
                break
            out.times.append(elapsed)
            out.hits.append(count)
    return out


def statement_kind(sql: str) -> str:
    """Which part of a search an SQL statement is, from the product's own statements."""
    upper = sql.upper()
    if "BM25(" in upper or "TS_RANK" in upper:
        return "page"
    if "GROUP BY" in upper:
        return "facets"
    if "COUNT(" in upper:
        return "count"
    return "other"  # the page's records fetched by id, or a date-ordered page


def breakdown(query: BenchQuery, cap: float) -> dict[str, float]:
    """Where one product search spends its time. The product's `search()` runs once with
    its SQL statements recorded; each statement is then run again alone, all its rows
    fetched, and timed under count, ranked page, facet GROUP BY or other; `python` is the
    rest of the search's time. The full-text MATCH alone (the engine's match_sql,
    counted) shows how much of each statement is the index lookup. inf: interrupted."""
    from django.db import connection

    from resilnet.catalog.search.backends import database_backend
    from resilnet.catalog.search.query import parse

    statements: list[tuple[str, Any]] = []

    def record(execute: Any, sql: str, params: Any, many: bool, context: dict[str, Any]) -> Any:
        statements.append((sql, params))
        return execute(sql, params, many, context)

    def fetch(sql: str, params: Any) -> int:
        with connection.cursor() as cursor:
            cursor.execute(sql, params)
            rows = cursor.fetchall()
        return int(rows[0][0]) if rows and len(rows[0]) == 1 else len(rows)

    out: dict[str, float] = {"count": 0.0, "page": 0.0, "facets": 0.0, "other": 0.0}
    match_sql, match_params = database_backend().match_sql(parse(query.q))
    with Cap(cap) as bound:
        try:
            with connection.execute_wrapper(record):
                total, _hits = bound.run(lambda: product_search(query))
        except Interrupted:
            total = math.inf
        for sql, params in statements:
            try:
                elapsed, _rows = bound.run(lambda s=sql, p=params: fetch(s, p))  # type: ignore[misc]
            except Interrupted:
                elapsed = math.inf
            out[statement_kind(sql)] += elapsed
        out["python"] = max(0.0, total - sum(out.values())) if not math.isinf(total) else math.nan
        try:
            out["match"], rows = bound.run(
                lambda: fetch(f"SELECT COUNT(*) FROM ({match_sql}) AS m", match_params)  # noqa: S608
            )
            out["match_rows"] = rows
        except Interrupted:
            out["match"], out["match_rows"] = math.inf, -1
    return out


def import_bench(args: argparse.Namespace, engine_name: str, csv_path: Path) -> dict[str, Any]:
    """Run the CSV import in a fresh process on a fresh database of the same engine."""
    workdir = Path(args.workdir)
    if engine_name == "sqlite":
        database = workdir / "import" / "catalog-import.sqlite3"
        if database.exists():
            raise SystemExit(f"{database} exists: use a fresh --workdir")
        database.parent.mkdir(parents=True, exist_ok=True)
        url = f"sqlite:///{database}"
    else:
        url = args.import_database_url
    results = workdir / f"import-{engine_name}.json"
    command = [
        sys.executable,
        str(Path(__file__).resolve()),
        "--role",
        "import",
        "--database-url",
        url,
        "--csv",
        str(csv_path),
        "--workdir",
        str(workdir),
        "--results",
        str(results),
        "--search-engine",
        args.search_engine,
        *(["--code-dir", args.code_dir] if args.code_dir else []),
    ]
    subprocess.run(command, check=True)
    return json.loads(results.read_text())


def write_csv(path: Path, rows: int, seed: int, vocabulary: list[str], countries: list[str]):
    generator = Generator(seed, "csv", vocabulary, countries)
    header = [
        "external_id",
        "collection",
        "original_language",
        "title",
        "summary",
        "body",
        "countries",
        "date",
        *(f"fields.{name}" for name in FIELD_COLUMNS),
    ]
    tmp = path.with_suffix(".partial")
    with tmp.open("w", encoding="utf-8", newline="") as out:
        writer = csv.DictWriter(out, header, restval="")
        writer.writeheader()
        for i in range(rows):
            writer.writerow(csv_row(f"csv-{i}", generator.content()))
    tmp.rename(path)


def run_pass(args: argparse.Namespace, engine_name: str) -> dict[str, Any]:
    from django.conf import settings
    from django.db import connection

    import resilnet
    from resilnet.catalog.importers.base import MAX_BYTES
    from resilnet.catalog.services import itu_region_codes
    from resilnet.core.selectors import countries as country_selector

    say(f"\n== {engine_name}: {connection.settings_dict['NAME']} ==")
    say(f"code: {code_version(args.code_dir)}, from {Path(resilnet.__file__).parent}")
    say(f"search engine: {settings.SEARCH_ENGINE}")
    countries = list(country_selector().order_by("iso3").values_list("iso3", flat=True))
    regions = sorted(set(itu_region_codes().values()))
    t0 = time.perf_counter()
    vocabulary = build_vocabulary(args.seed)
    say(
        f"vocabulary: {len(vocabulary):,} invented words, Zipf s={ZIPF_EXPONENT} "
        f"({time.perf_counter() - t0:.1f} s); {len(countries)} countries, "
        f"{len(regions)} ITU regions"
    )
    result: dict[str, Any] = {"engine": engine_name}

    # Indexing
    generator = Generator(args.seed, "records", vocabulary, countries)
    with MemoryWatch() as watch:
        indexed = index_records(args, generator)
    indexed["memory"] = watch.summary()
    result["index"] = indexed
    rate = indexed["records"] / indexed["load_seconds"]
    size = database_size()
    say(
        f"load {indexed['records']:,} records (import_records: records, revisions, facets, "
        f"audit log and search index): {indexed['load_seconds']:,.1f} s, "
        f"{rate:,.0f} records/s (generating them took another "
        f"{indexed['generate_seconds']:,.1f} s, not counted); database {size / 2**30:,.2f} GiB"
    )
    say(f"  peak memory of the load: {watch}")
    result["database_bytes"] = size
    say(f"statistics after the load: {analyse_after_load()}")

    # Queries: phrases come from the text of the first generated records.
    sample = Generator(args.seed, "records", vocabulary, countries)
    phrase_texts = [
        next(iter(sample.content()["body"].values())) for _ in range(min(args.records, 500))
    ]
    queries = build_queries(args.queries, args.seed, vocabulary, phrase_texts, countries, regions)
    run_product(queries[:10], args.product_cap)  # warm-up
    with MemoryWatch() as watch:
        product_run = run_product(queries, args.product_cap)
    result["search_memory"] = watch.summary()
    times = product_run.times
    product = summary(times)
    result["product"] = product | {"interrupted": product_run.interrupted}
    result["product_times"] = times
    edited = searches_after_edits(queries, generator, indexed["records"])
    result["after_edits"] = {k: summary(v) for k, v in edited.items()}
    base_run = run_baseline(queries, args.baseline_cap, args.baseline_budget)
    result["baseline"] = summary(base_run.times) | {"stopped": base_run.stopped}
    paired = summary(times[: len(base_run.times)])
    result["paired_product"] = paired
    say(f"\nsearch: {len(queries)} queries, each the first page of 20 + counts of {FACETS5}")
    say(
        f"  (each query interrupted at {args.product_cap:g} s for the product; the baseline "
        f"stops at its first query past {args.baseline_cap:g} s)"
    )
    say(f"  {'':10} {'n':>4} {'p50':>11} {'p95':>11} {'p99':>11} {'max':>11}")
    for name, stats, cap in (
        ("product", product, args.product_cap),
        ("baseline", result["baseline"], args.baseline_cap),
    ):
        say(
            f"  {name:10} {stats['n']:>4} "
            + " ".join(f"{ms(stats[k], cap):>11}" for k in ("p50", "p95", "p99", "max"))
        )
    if product_run.interrupted:
        say(f"  product: {product_run.interrupted} of {len(queries)} queries interrupted")
    if base_run.stopped:
        say(f"  baseline stopped: {base_run.stopped}")
        say(
            f"  product on the same {paired['n']} queries: p50 "
            f"{ms(paired['p50'], args.product_cap)}, p95 {ms(paired['p95'], args.product_cap)}"
        )
    result["ratio"] = {k: ratio(result["baseline"][k], paired[k]) for k in ("p50", "p95")}
    say(
        f"  ratio baseline/product: p50 {show_ratio(result['ratio']['p50'])}, "
        f"p95 {show_ratio(result['ratio']['p95'])}"
    )
    say(
        f"  target p95 ≤ {TARGET_P95_MS:.0f} ms: "
        f"{'met' if product['p95'] * 1000 <= TARGET_P95_MS else 'not met'} "
        f"(p95 {ms(product['p95'], args.product_cap)})"
    )
    say(f"  peak memory while searching: {watch}")
    say("  searches right after an edit of one record (20 edits; n, p50, p95, max):")
    for key, label in (
        ("edit", "the edit (import_records of one row)"),
        ("after", "the first search after it"),
        ("again", "the same search again"),
    ):
        stats = result["after_edits"][key]
        say(
            f"    {label:38} {stats['n']:>3} "
            + " ".join(f"{ms(stats[k]):>11}" for k in ("p50", "p95", "max"))
        )
    by_kind: dict[str, list[float]] = {}
    for query, elapsed in zip(queries, times, strict=True):
        by_kind.setdefault(query.kind + (" +filters" if query.filters else ""), []).append(elapsed)
    say("  product by kind (n, p50, p95, max):")
    for kind in sorted(by_kind):
        stats = summary(by_kind[kind])
        say(
            f"    {kind:20} {stats['n']:>3} "
            + " ".join(f"{ms(stats[k], args.product_cap):>11}" for k in ("p50", "p95", "max"))
        )
    worst = sorted(range(len(queries)), key=lambda i: -times[i])[:5]
    say(
        "  slowest 5 product queries (time, hits); each of its SQL statements run again "
        "alone: COUNT, ranked page, facet GROUP BY, other; the rest (Python); the MATCH alone"
    )
    result["worst"] = []
    for i in worst:
        parts = breakdown(queries[i], args.product_cap)
        result["worst"].append(
            {"query": queries[i].label(), "time": times[i], "hits": product_run.hits[i]} | parts
        )
        hits = f"{product_run.hits[i]:,}" if product_run.hits[i] >= 0 else "?"
        say(
            f"    {ms(times[i], args.product_cap):>11} {hits:>9} hits  {queries[i].label()}\n"
            f"    {'':11} "
            + ", ".join(
                f"{part} {ms(parts[part], args.product_cap)}"
                for part in ("count", "page", "facets", "other", "python")
            )
            + f"; MATCH alone {ms(parts['match'], args.product_cap)}"
            f" ({int(parts['match_rows']):,} rows)"
        )

    # Rebuilding the index from the database
    if settings.SEARCH_ENGINE == "segments" and not args.skip_rebuild:
        say("\nrebuild the search index from the database (resilnet catalog reindex)")
        with MemoryWatch() as watch:
            rebuilt = rebuild_index()
        rebuilt["memory"] = watch.summary()
        result["rebuild"] = rebuilt
        say(
            f"  {rebuilt['records']:,} records in {rebuilt['seconds']:,.1f} s, "
            f"{rebuilt['records'] / rebuilt['seconds']:,.0f} records/s; peak memory of "
            f"this process and its analysis processes: {watch}"
        )
        if connection.vendor == "sqlite":
            fts = fts5_build_baseline(args.rebuild_baseline_cap)
            result["rebuild_baseline"] = fts
            stopped = " (interrupted: slower)" if fts["stopped"] else ""
            say(
                f"  baseline, the same records into an FTS5 table in one INSERT … SELECT: "
                f"{fts['seconds']:,.1f} s{stopped}; ratio "
                f"{show_ratio(ratio(fts['seconds'], rebuilt['seconds']))}"
            )
        say(
            f"  target 1,000,000 records ≤ {TARGET_INDEX_SECONDS_PER_MILLION:.0f} s: "
            + (
                ("met" if rebuilt["seconds"] <= TARGET_INDEX_SECONDS_PER_MILLION else "not met")
                if rebuilt["records"] == 1_000_000
                else "not measured at 1,000,000 records"
            )
        )

    # Import
    if not args.skip_import_bench:
        csv_path = Path(args.workdir) / f"import-{args.import_rows}-seed{args.seed}.csv"
        if not csv_path.exists():
            t0 = time.perf_counter()
            write_csv(csv_path, args.import_rows, args.seed, vocabulary, countries)
            progress(f"wrote {csv_path} in {time.perf_counter() - t0:,.0f} s")
        size = csv_path.stat().st_size
        say(
            f"\nimport {args.import_rows:,}-row CSV ({size / 2**20:,.0f} MiB; "
            f"the importer's limit is {MAX_BYTES / 2**20:,.0f} MiB) into a fresh database"
        )
        imported = import_bench(args, engine_name, csv_path)
        result["import"] = imported
        if imported.get("error"):
            say(f"  refused: {imported['error']}")
        else:
            say(
                f"  {imported['created']:,} created in {imported['total_seconds']:,.1f} s "
                f"(parse {imported['parse_seconds']:,.1f} s, import_records "
                f"{imported['import_seconds']:,.1f} s), "
                f"{imported['created'] / imported['total_seconds']:,.0f} rows/s; "
                f"peak memory of that process and its analysis processes "
                f"{imported['memory']['rss_mb']:,.0f} MB resident "
                f"({imported['memory']['anon_mb']:,.0f} MB anonymous); "
                f"code {imported['code']}"
            )
            say(
                f"  target ≤ {TARGET_IMPORT_SECONDS:.0f} s: "
                f"{'met' if imported['total_seconds'] <= TARGET_IMPORT_SECONDS else 'not met'}"
            )
    phases = {
        "load": indexed["memory"],
        "search": result["search_memory"],
        "rebuild": result.get("rebuild", {}).get("memory"),
        "import": result.get("import", {}).get("memory"),
    }
    peak = max((m for m in phases.values() if m), key=lambda m: m["rss_mb"])
    result["peak_memory"] = peak | {"phase": next(k for k, m in phases.items() if m is peak)}
    say(
        f"peak memory of the {engine_name} pass: {peak['rss_mb']:,.0f} MB resident "
        f"({peak['anon_mb']:,.0f} MB anonymous), while {result['peak_memory']['phase']}ing "
        "(each phase: its process and the processes it started, together)"
    )
    return result


def rebuild_role(args: argparse.Namespace) -> None:
    """`resilnet catalog reindex` alone, on a database a previous run kept."""
    use_code(args.code_dir)
    setup_django(args.database_url, Path(args.var_dir))
    with MemoryWatch() as watch:
        rebuilt = rebuild_index()
    say(
        f"rebuilt {rebuilt['records']:,} records in {rebuilt['seconds']:,.1f} s, "
        f"{rebuilt['records'] / rebuilt['seconds']:,.0f} records/s; peak memory of this "
        f"process and its analysis processes: {watch}; code {code_version(args.code_dir)}"
    )


def import_role(args: argparse.Namespace) -> None:
    """The child that times `resilnet catalog import FILE --format csv`, in-process."""
    use_code(args.code_dir)
    setup_django(args.database_url, Path(args.workdir) / "import-var")
    from resilnet.catalog import importers, services
    from resilnet.catalog.importers.base import ImportFormatError

    # Code before the format registry parsed files in the command line module.
    parse_file = (
        getattr(importers, "parse", None)
        or __import__("resilnet.catalog.cli", fromlist=["parse_file"]).parse_file
    )

    out: dict[str, Any] = {}
    with MemoryWatch() as watch:
        t0 = time.perf_counter()
        try:
            with open(args.csv, "rb") as stream:
                parsed = parse_file(stream, "csv", {})
        except ImportFormatError as exc:
            out["error"] = str(exc)
        else:
            t1 = time.perf_counter()
            report = services.import_records(None, parsed)
            t2 = time.perf_counter()
            out |= {
                "parse_seconds": t1 - t0,
                "import_seconds": t2 - t1,
                "total_seconds": t2 - t0,
                "created": report.created,
                "rejected": len(report.rejected),
                "first_rejected": [asdict(e) for e in report.rejected[:3]],
            }
            if report.rejected:
                out["error"] = f"{len(report.rejected)} rows rejected, e.g. {out['first_rejected']}"
    out["memory"] = watch.summary()
    out["code"] = code_version(args.code_dir)
    Path(args.results).write_text(json.dumps(out))


# The driver ----------------------------------------------------------------------------------


def git(*command: str) -> str:
    return subprocess.run(
        ["git", "-C", str(ROOT), *command], capture_output=True, check=True
    ).stdout.decode()


def snapshot_code(workdir: Path) -> Path:
    """Extract the committed `resilnet/` package (HEAD) into the workdir, so that every
    process of this run imports the same code even while people edit the working tree.
    Read-only for the repository: `git archive`."""
    import io
    import tarfile

    target = workdir / "code"
    commit = git("rev-parse", "--short", "HEAD").strip()
    archive = subprocess.run(
        ["git", "-C", str(ROOT), "archive", "--format=tar", commit, "resilnet"],
        capture_output=True,
        check=True,
    ).stdout
    target.mkdir(parents=True, exist_ok=True)
    with tarfile.open(fileobj=io.BytesIO(archive)) as tar:
        tar.extractall(target, filter="data")
    (target / "node_modules").symlink_to(ROOT / "node_modules")  # static files in settings
    (target / "COMMIT").write_text(commit)
    return target


def use_code(code_dir: str | None) -> None:
    """Import resilnet from the snapshot: call before anything imports it."""
    if code_dir:
        sys.path.insert(0, code_dir)


def code_version(code_dir: str | None) -> str:
    """What code this process runs: the snapshot's commit, or the working tree's commit
    and whether resilnet/ had uncommitted changes."""
    if code_dir:
        return f"{(Path(code_dir) / 'COMMIT').read_text().strip()} (snapshot of HEAD)"
    try:
        commit = git("rev-parse", "--short", "HEAD").strip()
        changed = git("status", "--porcelain", "--", "resilnet", "pyproject.toml").strip()
    except (OSError, subprocess.CalledProcessError):
        return "unknown (not a git checkout)"
    return commit + (" with uncommitted changes under resilnet/ (working tree)" if changed else "")


def machine(postgres_url: str | None, code_dir: str | None) -> dict[str, str]:
    info = {
        "date": dt.datetime.now(dt.UTC).strftime("%Y-%m-%d %H:%M UTC"),
        "cpus": str(os.cpu_count()),
        "cpu": platform.processor() or "",
        "python": platform.python_version(),
        "sqlite": sqlite3.sqlite_version,
        "os": platform.platform(),
    }
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                info["cpu"] = line.split(":", 1)[1].strip()
                break
        for line in Path("/proc/meminfo").read_text().splitlines():
            if line.startswith("MemTotal"):
                info["memory"] = f"{int(line.split()[1]) / 2**20:,.1f} GiB"
    except OSError:
        pass
    if postgres_url:
        import psycopg

        with psycopg.connect(postgres_url, autocommit=True) as conn:
            settings = {}
            for name in ("server_version", "shared_buffers", "work_mem", "fsync", "jit"):
                settings[name] = conn.execute(f"SHOW {name}").fetchone()[0]  # type: ignore[index]
        info["postgresql"] = (
            settings.pop("server_version")
            + " ("
            + ", ".join(f"{k}={v}" for k, v in settings.items())
            + ")"
        )
    import django

    info["django"] = django.get_version()
    info["resilnet"] = code_version(code_dir)
    return info


def with_database(url: str, name: str) -> str:
    return urlsplit(url)._replace(path="/" + name).geturl()


def pg_admin(url: str, statement: str, name: str) -> None:
    import psycopg
    from psycopg import sql

    with psycopg.connect(url, autocommit=True) as conn:
        conn.execute(sql.SQL(statement).format(sql.Identifier(name)))


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawTextHelpFormatter)
    p.add_argument("--records", type=int, default=20_000, help="records to index (20,000)")
    p.add_argument("--queries", type=int, default=200, help="queries to time (200)")
    p.add_argument("--postgres", metavar="URL", help="also measure PostgreSQL on this server")
    p.add_argument("--workdir", help="where databases and the CSV go (default: a temp dir)")
    p.add_argument("--skip-import-bench", action="store_true", help="skip the CSV import")
    p.add_argument("--skip-rebuild", action="store_true", help="skip rebuilding the segment index")
    p.add_argument(
        "--rebuild-baseline-cap",
        type=float,
        default=600.0,
        help="interrupt the FTS5 build baseline after this many seconds (600)",
    )
    p.add_argument("--skip-sqlite", action="store_true", help="measure PostgreSQL only")
    p.add_argument("--import-rows", type=int, default=100_000, help="CSV rows (100,000)")
    p.add_argument("--batch", type=int, default=10_000, help="candidates per import call")
    p.add_argument("--seed", type=int, default=2020)
    p.add_argument(
        "--baseline-cap",
        type=float,
        default=10.0,
        help="interrupt a baseline query after this many seconds and stop the baseline (10)",
    )
    p.add_argument(
        "--baseline-budget",
        type=float,
        default=1800.0,
        help="stop the baseline once it has run this many seconds in all (1800)",
    )
    p.add_argument(
        "--product-cap",
        type=float,
        default=10.0,
        help="interrupt a product search after this many seconds; it counts as slower (10)",
    )
    p.add_argument(
        "--search-engine",
        choices=("auto", "segments", "database"),
        default="auto",
        help="RESILNET_SEARCH_ENGINE for every pass (auto: each database's default)",
    )
    p.add_argument("--keep", action="store_true", help="keep the databases and files")
    p.add_argument(
        "--code",
        choices=("head", "worktree"),
        default="head",
        help="measure the committed code (a snapshot of HEAD, the same in every process of "
        "the run: default) or the working tree as it is when each process starts",
    )
    p.add_argument("--code-dir", help=argparse.SUPPRESS)
    p.add_argument(
        "--role",
        choices=("main", "pass", "import", "rebuild"),
        default="main",
        help=argparse.SUPPRESS,
    )
    p.add_argument("--var-dir", help=argparse.SUPPRESS)
    p.add_argument("--database-url", help=argparse.SUPPRESS)
    p.add_argument("--import-database-url", help=argparse.SUPPRESS)
    p.add_argument("--results", help=argparse.SUPPRESS)
    p.add_argument("--csv", help=argparse.SUPPRESS)
    return p.parse_args(argv)


def child_args(args: argparse.Namespace) -> Iterator[str]:
    yield from ("--records", str(args.records), "--queries", str(args.queries))
    yield from ("--workdir", str(args.workdir), "--import-rows", str(args.import_rows))
    yield from ("--batch", str(args.batch), "--seed", str(args.seed))
    yield from ("--baseline-cap", str(args.baseline_cap))
    yield from ("--product-cap", str(args.product_cap))
    yield from ("--search-engine", args.search_engine)
    if args.code_dir:
        yield from ("--code-dir", args.code_dir)
    yield from ("--baseline-budget", str(args.baseline_budget))
    if args.skip_import_bench:
        yield "--skip-import-bench"
    if args.skip_rebuild:
        yield "--skip-rebuild"
    yield from ("--rebuild-baseline-cap", str(args.rebuild_baseline_cap))


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    os.environ["RESILNET_SEARCH_ENGINE"] = args.search_engine
    if args.role == "import":
        import_role(args)
        return 0
    if args.role == "rebuild":
        rebuild_role(args)
        return 0
    if args.role == "pass":
        use_code(args.code_dir)
        setup_django(args.database_url, Path(args.workdir) / "postgresql-var")
        result = run_pass(args, "postgresql")
        Path(args.results).write_text(json.dumps(result))
        return 0

    temporary = args.workdir is None
    workdir = Path(args.workdir or tempfile.mkdtemp(prefix="bench-catalog-")).resolve()
    workdir.mkdir(parents=True, exist_ok=True)
    args.workdir = str(workdir)
    args.code_dir = str(snapshot_code(workdir)) if args.code == "head" else None
    use_code(args.code_dir)
    started = time.perf_counter()
    say(f"catalog search benchmark: {args.records:,} records, {args.queries} queries")
    say(f"command: {' '.join([os.path.relpath(sys.executable), *sys.argv])}")
    for key, value in machine(args.postgres, args.code_dir).items():
        say(f"  {key}: {value}")
    say(f"  workdir: {workdir}")
    results: list[dict[str, Any]] = []
    pg_names: list[str] = []
    try:
        if not args.skip_sqlite:
            database = workdir / "sqlite" / "catalog.sqlite3"
            if database.exists():
                raise SystemExit(f"{database} exists: use a fresh --workdir")
            database.parent.mkdir(parents=True)
            setup_django(f"sqlite:///{database}", workdir / "sqlite-var")
            results.append(run_pass(args, "sqlite"))
        if args.postgres:
            name = f"resilnet_bench_{os.getpid()}"
            pg_names = [name, name + "_import"]
            for each in pg_names:
                pg_admin(args.postgres, "CREATE DATABASE {}", each)
            results_path = workdir / "postgresql.json"
            subprocess.run(
                [
                    sys.executable,
                    str(Path(__file__).resolve()),
                    "--role",
                    "pass",
                    "--database-url",
                    with_database(args.postgres, name),
                    "--import-database-url",
                    with_database(args.postgres, name + "_import"),
                    "--results",
                    str(results_path),
                    *child_args(args),
                ],
                check=True,
            )
            results.append(json.loads(results_path.read_text()))
    finally:
        if args.postgres and not args.keep:
            for each in pg_names:
                pg_admin(args.postgres, "DROP DATABASE IF EXISTS {} WITH (FORCE)", each)
        elif pg_names:
            say(f"kept PostgreSQL databases {', '.join(pg_names)}")
        if temporary and not args.keep:
            shutil.rmtree(workdir, ignore_errors=True)

    say(f"\n== summary: {args.records:,} records, {args.queries} queries ==")
    say(
        f"  {'engine':10} {'records/s':>10} {'load s':>9} {'rebuild s':>9} {'import s':>9}  "
        f"{'search p50':>11} {'p95':>11} {'p99':>11} {'max':>11}   ratio p50, p95"
    )
    for r in results:
        imported = r.get("import") or {}
        import_s = f"{imported['total_seconds']:,.1f}" if "total_seconds" in imported else "-"
        rebuild_s = f"{r['rebuild']['seconds']:,.1f}" if "rebuild" in r else "-"
        rate = r["index"]["records"] / r["index"]["load_seconds"]
        for name, cap in (("product", args.product_cap), ("baseline", args.baseline_cap)):
            stats = r[name]
            head = (
                f"  {r['engine']:10} {rate:>10,.0f} {r['index']['load_seconds']:>9,.1f} "
                f"{rebuild_s:>9} {import_s:>9}"
                if name == "product"
                else f"  {'  baseline':10} {'':>10} {'':>9} {'':>9} {'':>9}"
            )
            tail = ""
            if name == "baseline":
                tail = f"   {show_ratio(r['ratio']['p50'])}, {show_ratio(r['ratio']['p95'])}"
                if stats.get("stopped"):
                    tail += f" (baseline stopped after {stats['n']} queries)"
            say(
                head
                + "  "
                + " ".join(f"{ms(stats[k], cap):>11}" for k in ("p50", "p95", "p99", "max"))
                + tail
            )
        met = r["product"]["p95"] * 1000 <= TARGET_P95_MS
        peak = r["peak_memory"]
        say(
            f"  {'':10} target p95 ≤ {TARGET_P95_MS:.0f} ms: {'met' if met else 'not met'}; "
            f"peak memory {peak['rss_mb']:,.0f} MB resident ({peak['anon_mb']:,.0f} MB "
            f"anonymous) while {peak['phase']}ing; target ≤ {TARGET_MEMORY_MB:,.0f} MB: "
            + ("met" if peak["rss_mb"] <= TARGET_MEMORY_MB else "not met")
        )
    say(f"  wall time of the whole run: {(time.perf_counter() - started) / 60:,.1f} min")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
