"""Keeping the segment index in step with the database: the change log, syncing, rebuilding.

Services write, through the backend, an `IndexChange` row in the transaction of every
change (`log_changes`); `sync` applies the rows past the index's mark by reading the
records' committed state, so a rolled-back change never reaches the index and a crash
between commit and index write is repaired by the next sync. `sync` runs once a changing
transaction commits and before every search (one query when there is nothing to do).

Several hosts may share the database, each with its own index under its own VAR_DIR
(docs/adr/0007): the log is theirs in common, each follows it from its own mark. So the
log is pruned by age, not by any one index's mark, and `IndexChangeLog` says how far it
was pruned and which history its ids count; an index that cannot follow the log from its
mark (missing, behind the pruned part, or of another history) is rebuilt from the records.
"""

from __future__ import annotations

import collections
import contextlib
import logging
import multiprocessing
import os
import secrets
import threading
from collections.abc import Iterator
from concurrent.futures import Executor, ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path

import numpy as np
from django.conf import settings
from django.db import connection, transaction
from django.db.models import Max
from django.utils import timezone

from resilnet.catalog.models import IndexChange, IndexChangeLog, Record, RecordFacet
from resilnet.catalog.search import fields
from resilnet.catalog.search.segments.storage import DAY, FACET, Batch, SegmentIndex
from resilnet.catalog.taxonomy import Status
from resilnet.catalog.text_analysis import analyse_contents
from resilnet.core.bulk import insert_rows

SYNC_CHUNK = 5_000  # records analysed and written per segment while syncing
PARALLEL_FROM = 20_000  # records from which a sync analyses text in a pipeline
ANALYSERS = 2  # worker processes, each with a chunk in hand
LOG_LOCK = 0x7265_736E_6978  # any constant key of ours for pg_advisory_xact_lock
# Changes older than this are pruned (by `resilnet catalog reindex`): a host whose index
# has not followed the log for as long rebuilds it.
LOG_RETENTION = timedelta(days=7)
PRUNE_CHUNK = 20_000  # changes deleted per transaction: a writer waits seconds at most

logger = logging.getLogger(__name__)
_indexes: dict[Path, SegmentIndex] = {}
_lock = threading.RLock()  # one process's threads share its index object


def current() -> SegmentIndex:
    root = Path(settings.VAR_DIR) / "search"
    if root not in _indexes:
        _indexes[root] = SegmentIndex(root)
    return _indexes[root]


def log_changes(record_ids: list[int]) -> None:
    """In the caller's transaction: `record_ids` changed (or were removed). Read back and
    indexed once it commits, so a change that is rolled back never reaches the index."""
    if connection.vendor == "postgresql":
        # Until commit: change ids then commit in the order they are taken, so the index
        # never applies id n+1 before n is visible. (SQLite has one writer at a time.)
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_advisory_xact_lock(%s)", [LOG_LOCK])
    insert_rows(IndexChange._meta.db_table, ("record_id",), [(i,) for i in record_ids])
    transaction.on_commit(sync, robust=True)


@dataclass(frozen=True)
class LogState:
    latest: int  # the last change written, pruned or not
    pruned: int  # every change up to this one may be gone
    epoch: str  # the history the ids count


def log_state() -> LogState:
    """The log as one statement sees it: a prune deletes rows and moves its mark at once."""
    changes = connection.ops.quote_name(IndexChange._meta.db_table)
    log = connection.ops.quote_name(IndexChangeLog._meta.db_table)
    with connection.cursor() as cursor:
        cursor.execute(
            f"SELECT (SELECT MAX(id) FROM {changes}), "  # noqa: S608 (models' tables)
            f"(SELECT pruned_through FROM {log} WHERE id = 1), "
            f"(SELECT epoch FROM {log} WHERE id = 1)"
        )
        latest, pruned, epoch = cursor.fetchone()
    return LogState(max(latest or 0, pruned or 0), pruned or 0, epoch or "")


def sync() -> SegmentIndex:
    with _lock:
        index = current()
        index.refresh()
        if not _in_step(index, log_state()):
            with index.writing():  # which reads the manifest again: the host's other
                _catch_up(index)  # processes may have moved it meanwhile
        return index


def _in_step(index: SegmentIndex, state: LogState) -> bool:
    return bool(index.generation) and index.epoch == state.epoch and index.applied == state.latest


def _catch_up(index: SegmentIndex) -> None:
    state = log_state()
    if _in_step(index, state):
        return
    if (
        not index.generation
        or index.epoch != state.epoch
        or index.applied < state.pruned
        or index.applied > state.latest
    ):
        # No index yet; a database flushed or restored since it was built (another
        # epoch, or a log behind its mark); or changes past its mark pruned: the log
        # cannot say what changed, the records can.
        _rebuild(index)
        return
    pending = IndexChange.objects.filter(id__gt=index.applied, id__lte=state.latest)
    ids = sorted(set(pending.values_list("record_id", flat=True)))
    if log_state().pruned > index.applied:
        # A prune committed while they were read and may have taken some of them.
        _rebuild(index)
        return
    _apply(index, ids, state.latest)


@contextlib.contextmanager
def synced() -> Iterator[SegmentIndex]:
    """The index brought up to the log, held steady while the caller reads it."""
    with _lock:
        yield sync()


def rebuild() -> int:
    """Index every published record afresh; readers keep the published index until the
    rebuilt one replaces it."""
    with _lock:
        index = current()
        with index.writing():
            return _rebuild(index)


def _rebuild(index: SegmentIndex) -> int:
    state = log_state()  # before reading the records: later changes are applied later
    index.clear()
    index.epoch = state.epoch
    ids = list(
        Record.objects.filter(status=Status.PUBLISHED).order_by("id").values_list("id", flat=True)
    )
    _apply(index, ids, state.latest, publish_each=False)
    return len(ids)


def prune_log(older_than: timedelta = LOG_RETENTION) -> int:
    """Delete the changes older than `older_than`, a bounded number per transaction, each
    moving the log's pruned mark past the rows it deletes; returns how many. By age,
    never by this host's mark: other hosts sharing the log may not have applied what
    this one has."""
    cutoff = timezone.now() - older_than
    last = IndexChange.objects.filter(created_at__lt=cutoff).aggregate(last=Max("id"))["last"]
    deleted = 0
    while last is not None:
        with transaction.atomic():
            ids = IndexChange.objects.filter(id__lte=last).order_by("id")
            upto: int = (
                ids.values_list("id", flat=True)[PRUNE_CHUNK - 1 : PRUNE_CHUNK].first() or last
            )
            deleted += IndexChange.objects.filter(id__lte=upto).delete()[0]
            log, _ = IndexChangeLog.objects.select_for_update().get_or_create(pk=1)
            if upto > log.pruned_through:
                log.pruned_through = upto
                log.save(update_fields=["pruned_through"])
        if upto == last:
            break
    return deleted


def start_epoch() -> None:
    """The database was flushed or restored, which sets its ids back: change ids the
    hosts' indexes have applied may come again meaning other changes. A new epoch has
    every host rebuild its index instead of following the log."""
    IndexChangeLog.objects.update_or_create(pk=1, defaults={"epoch": secrets.token_hex(8)})


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
                self.future = pool.submit(analyse_contents, contents, fields.FIELDS)

    def batch(self, index: SegmentIndex) -> Batch:
        try:
            vocabulary, tokens, sizes = (
                self.future.result()
                if self.future
                else analyse_contents(self.contents, fields.FIELDS)
            )
        except BrokenProcessPool:
            logger.warning("the text analysis process failed; analysing in this process")
            vocabulary, tokens, sizes = analyse_contents(self.contents, fields.FIELDS)
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
