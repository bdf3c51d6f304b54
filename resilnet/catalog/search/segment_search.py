"""Catalog search on the segment index (segments.py): keeping it in step with the
database, and answering a search with exact counts from bitmaps.

Services write an `IndexChange` row in the transaction of every change; `sync` applies
the rows past the index's mark by reading the records' committed state, so a rolled-back
change never reaches the index and a crash between commit and index write is repaired by
the next sync. Services call `sync` once their transaction commits; every search calls
it too (one indexed MAX query when there is nothing to do). The log is emptied by
`rebuild` (services.reindex_all).
"""

from __future__ import annotations

import collections
import contextlib
import itertools
import logging
import math
import multiprocessing
import os
import threading
from collections.abc import Iterable, Iterator
from concurrent.futures import Executor, ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from pathlib import Path

import numpy as np
from django.conf import settings
from django.db import connection
from pyroaring import BitMap

from resilnet.catalog.models import IndexChange, Record, RecordFacet
from resilnet.catalog.search.query import ParsedQuery
from resilnet.catalog.search.segments import LEVELS, Batch, SegmentIndex, level_value
from resilnet.catalog.taxonomy import Status
from resilnet.catalog.text_analysis import analyse_contents

FACET = "\x1e"  # prefix of exact keys: facet values …
DAY = "\x1dday="  # … and the record's date, for sorting by date
SYNC_CHUNK = 5_000  # records analysed and written per segment while syncing
PARALLEL_FROM = 20_000  # records from which a sync analyses text in a pipeline
ANALYSERS = 2  # worker processes, each with a chunk in hand

logger = logging.getLogger(__name__)
_indexes: dict[Path, SegmentIndex] = {}
_lock = threading.RLock()  # one process's threads share its index object


def current() -> SegmentIndex:
    root = Path(settings.VAR_DIR) / "search"
    if root not in _indexes:
        _indexes[root] = SegmentIndex(root)
    return _indexes[root]


def _latest_change() -> int:
    return IndexChange.objects.order_by("-id").values_list("id", flat=True).first() or 0


def sync() -> SegmentIndex:
    with _lock:
        index = current()
        index.refresh()
        latest = _latest_change()
        if latest != index.applied or not index.generation:
            with index.writing():
                if not index.generation or latest < index.applied:
                    # No index yet, or a database older than the index (a restored
                    # backup): the log cannot say what changed, the records can.
                    _rebuild(index)
                elif latest > index.applied:
                    pending = IndexChange.objects.filter(id__gt=index.applied, id__lte=latest)
                    _apply(index, sorted(set(pending.values_list("record_id", flat=True))), latest)
        return index


def rebuild() -> int:
    """Index every published record afresh (`resilnet catalog reindex`)."""
    with _lock:
        index = current()
        with index.writing():
            return _rebuild(index)


def _rebuild(index: SegmentIndex) -> int:
    """Readers keep the published index until the rebuilt one replaces it."""
    latest = _latest_change()
    index.clear()
    ids = list(
        Record.objects.filter(status=Status.PUBLISHED).order_by("id").values_list("id", flat=True)
    )
    _apply(index, ids, latest, publish_each=False)
    return len(ids)


def reset() -> None:
    """Forget the index (the database was replaced): the next sync rebuilds it."""
    with _lock:
        index = current()
        with index.writing():
            index.remove()


def _apply(index: SegmentIndex, ids: list[int], latest: int, publish_each: bool = True) -> None:
    chunks = [ids[i : i + SYNC_CHUNK] for i in range(0, len(ids), SYNC_CHUNK)]
    if not chunks:
        index.apply([], [], latest)
    with _analysers(len(ids)) as pool:
        # A pipeline: worker processes analyse the text of the next chunks while this
        # process writes the current one.
        ahead = ANALYSERS if pool is not None else 0
        pending = collections.deque(_Chunk(chunk, pool) for chunk in chunks[: ahead + 1])
        for n, chunk in enumerate(chunks):
            if n + ahead + 1 < len(chunks):
                pending.append(_Chunk(chunks[n + ahead + 1], pool))
            last = n + 1 == len(chunks)
            index.apply(
                pending.popleft().batch(index),
                chunk,
                latest if last else index.applied,
                publish=last or publish_each,
            )


@contextlib.contextmanager
def _analysers(records: int) -> Iterator[Executor | None]:
    """Processes that analyse text in parallel, for syncs large enough to repay starting
    them (an import, a rebuild); they import no Django, so they start in a fraction of a
    second, and they end with the sync."""
    if records < PARALLEL_FROM or (os.cpu_count() or 1) < 2:
        yield None
        return
    context = multiprocessing.get_context("forkserver")
    context.set_forkserver_preload(["resilnet.catalog.text_analysis"])
    with ProcessPoolExecutor(ANALYSERS, mp_context=context) as pool:
        yield pool


class _Chunk:
    """Records read from the database, their text being analysed (in a worker process
    when there is a pool) until `batch` is asked for. Rows are read with plain SQL and
    their content passed on as JSON text: decoding it is part of the analysis, so a
    worker process does it too."""

    def __init__(self, ids: list[int], pool: Executor | None) -> None:
        self.keys: dict[int, list[str]] = {}
        # Table names and the status come from the code, ids are parameters.
        facets = f"SELECT record_id, name, value FROM {RecordFacet._meta.db_table} WHERE record_id"  # noqa: S608
        for record_id, name, value in _rows(facets, ids):
            self.keys.setdefault(record_id, []).append(f"{FACET}{name}={value}")
        self.found: list[int] = []
        contents: list[str] = []
        records = (
            "SELECT id, CAST(content AS TEXT), COALESCE(CAST(record_date AS TEXT), "  # noqa: S608
            f"SUBSTR(CAST(published_at AS TEXT), 1, 10), '') FROM {Record._meta.db_table} "
            f"WHERE status = '{Status.PUBLISHED.value}' AND id"
        )
        for record_id, content, day in sorted(_rows(records, ids)):
            self.found.append(record_id)
            contents.append(content)
            self.keys.setdefault(record_id, []).append(f"{DAY}{day}")
        self.contents = contents
        self.future = None
        if pool is not None:
            with contextlib.suppress(BrokenProcessPool):  # then analysed in this process
                self.future = pool.submit(analyse_contents, contents)

    def batch(self, index: SegmentIndex) -> Batch:
        try:
            vocabulary, tokens, sizes = (
                self.future.result() if self.future else analyse_contents(self.contents)
            )
        except BrokenProcessPool:
            logger.warning("the text analysis process failed; analysing in this process")
            vocabulary, tokens, sizes = analyse_contents(self.contents)
        # The analysis numbered its terms itself: renumber them in the index's vocabulary.
        global_ids = np.fromiter(map(index.vocabulary.ids.__getitem__, vocabulary), np.int64)
        return Batch(
            np.asarray(self.found, dtype=np.int64),
            global_ids[np.frombuffer(tokens, dtype=np.int32)],
            np.frombuffer(sizes, dtype=np.int32).astype(np.int64),
            [self.keys[i] for i in self.found],
        )


def _rows(select: str, ids: list[int]) -> Iterator[tuple]:
    """Rows of `select`, which ends with the id column to match, whose id is one of `ids`
    (ascending): a range scan when the ids are dense (a rebuild reads every published
    record), lists of ids otherwise."""
    if not ids:
        return
    with connection.cursor() as cursor:
        if ids[-1] - ids[0] < 2 * len(ids):
            wanted = set(ids)
            cursor.execute(f"{select} BETWEEN %s AND %s", [ids[0], ids[-1]])
            yield from (row for row in cursor.fetchall() if row[0] in wanted)
            return
        for start in range(0, len(ids), 2000):
            part = ids[start : start + 2000]
            marks = ", ".join(["%s"] * len(part))
            cursor.execute(f"{select} IN ({marks})", part)
            yield from cursor.fetchall()


# Searching ----------------------------------------------------------------------------


def clause_levels(index: SegmentIndex, parsed: ParsedQuery) -> list[list[BitMap]]:
    """Per clause, the matching records by weight level, each record at its best level."""
    result = []
    for clause in parsed.clauses:
        levels = [BitMap() for _ in range(LEVELS)]
        for alternative in clause.alternatives:
            first = index.term_levels(alternative[0])
            if len(alternative) == 1:
                for level in range(LEVELS):
                    levels[level] |= first[level]
                continue
            # A phrase is found through its word pairs (exact for two words; longer
            # phrases need every consecutive pair, in any place of the record).
            together = BitMap.intersection(
                *(index.pair(a, b) for a, b in itertools.pairwise(alternative))
            )
            for level in range(LEVELS):
                levels[level] |= first[level] & together
        seen = BitMap()
        for level in reversed(range(LEVELS)):
            levels[level] -= seen
            seen |= levels[level]
        result.append(levels)
    return result


def matches(index: SegmentIndex, filters: dict[str, list[str]], clauses: list[list[BitMap]]):
    hits = index.live().copy()
    for levels in clauses:
        hits &= BitMap.union(*levels)
    for name, values in filters.items():
        if values:
            wanted = set(values)
            chosen = [bm for value, bm in index.exact(f"{FACET}{name}=") if value in wanted]
            hits &= BitMap.union(*chosen) if chosen else BitMap()
    return hits


def facet_counts(index: SegmentIndex, hits: BitMap, names: Iterable[str], limit: int):
    counts: dict[str, list[tuple[str, int]]] = {}
    for name in names:
        found = []
        for value, bitmap in index.exact(f"{FACET}{name}="):
            n = hits.intersection_cardinality(bitmap)
            if n:
                found.append((value, n))
        if found:
            counts[name] = sorted(found, key=lambda item: (-item[1], item[0]))[:limit]
    return counts


def newest(index: SegmentIndex, hits: BitMap, k: int) -> list[int]:
    """The first `k` of `hits` by date (then id), newest first."""
    chosen: list[int] = []
    for _day, bitmap in sorted(index.exact(DAY), key=lambda item: item[0] or "0", reverse=True):
        inside = hits & bitmap
        if inside:
            chosen.extend(reversed(inside.to_array()))
            if len(chosen) >= k:
                break
    return chosen[:k]


def ranked(clauses: list[list[BitMap]], hits: BitMap, total: int, k: int) -> list[int]:
    """The `k` best of `hits` by Σ idf × level weight, exactly, scoring as few as it may.

    Records that reach level ≥ t in some clause are scored first, for t from the top
    level down; once the k-th score beats the best any other record could have (every
    clause below t), the answer is final (the threshold algorithm, Fagin et al. 2003).
    """
    if not hits or k <= 0:
        return []
    idf = []
    for levels in clauses:
        df = len(BitMap.union(*levels))
        idf.append(math.log(1 + (total - df + 0.5) / (df + 0.5)))
    values = [level_value(level) for level in range(LEVELS)]
    for threshold in reversed(range(LEVELS)):
        candidates = hits & BitMap.union(
            *(levels[level] for levels in clauses for level in range(threshold, LEVELS))
        )
        if len(candidates) < k and threshold > 0:
            continue
        ids = np.asarray(candidates.to_array(), dtype=np.int64)
        scores = np.zeros(len(ids))
        for weight, levels in zip(idf, clauses, strict=True):
            for level in range(LEVELS):
                inside = levels[level] & candidates
                if inside:
                    where = np.searchsorted(ids, np.asarray(inside.to_array(), dtype=np.int64))
                    scores[where] += weight * values[level]
        order = np.lexsort((ids, -scores))[:k]
        best_outside = sum(idf) * values[threshold - 1] if threshold else -1.0
        if threshold == 0 or (len(order) == k and scores[order[-1]] > best_outside):
            return [int(i) for i in ids[order]]
    return []
