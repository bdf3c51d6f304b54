"""The segment index on its own: exact answers after updates, merges and crashes, and a
ranking that equals scoring every hit."""

from __future__ import annotations

import json
import random

import numpy as np
import pytest
from django.utils import timezone
from pyroaring import BitMap

from resilnet.catalog.search.query import parse
from resilnet.catalog.search.segments import reader, writer
from resilnet.catalog.search.segments.storage import (
    LEVELS,
    MERGE_FACTOR,
    Document,
    SegmentIndex,
    level_value,
)

WORDS = [f"w{n}" for n in range(60)]


def doc(record_id: int, title: str, body: str = "", *keys: str) -> Document:
    return Document(record_id, (title.split(), [], body.split()), list(keys))


def random_corpus(count: int, seed: int = 7) -> list[Document]:
    rng = random.Random(seed)
    weights = [1 / (rank + 1) for rank in range(len(WORDS))]  # Zipf-like

    def text(n: int) -> str:
        return " ".join(rng.choices(WORDS, weights, k=n))

    return [
        doc(i, text(rng.randint(3, 8)), text(rng.randint(10, 60)), f"\x1ecolor={rng.choice('rgb')}")
        for i in range(1, count + 1)
    ]


def add(index: SegmentIndex, documents: list[Document], removed=()) -> None:
    with index.writing():
        index.apply(documents, removed, applied=index.applied + 1)


def found(index: SegmentIndex, q: str) -> set[int]:
    clauses = reader.clause_levels(index, parse(q))
    return set(reader.matches(index, {}, clauses))


@pytest.fixture
def index(tmp_path) -> SegmentIndex:
    return SegmentIndex(tmp_path / "search")


def test_words_phrases_and_keys_are_found_exactly(index):
    add(
        index,
        [
            doc(1, "water network", "", "\x1ecolor=r"),
            doc(2, "network water", "", "\x1ecolor=g"),
            doc(3, "spectrum", "water and network", "\x1ecolor=r"),
        ],
    )
    assert found(index, "water") == {1, 2, 3}
    assert found(index, "water network") == {1, 2, 3}
    assert found(index, '"water network"') == {1}
    assert found(index, '"network water"') == {2}
    assert found(index, '"water and"') == {3}
    assert found(index, "nowhere") == set()
    colors = dict(index.exact("\x1ecolor="))
    assert colors["r"] == BitMap([1, 3])
    assert colors["g"] == BitMap([2])


def test_a_phrase_never_spans_two_fields(index):
    add(index, [Document(1, ("alpha".split(), "beta".split(), []), [])])
    assert found(index, "alpha beta") == {1}
    assert found(index, '"alpha beta"') == set()


def test_replacing_and_removing_records(index):
    add(index, [doc(1, "old words"), doc(2, "old words")])
    add(index, [doc(1, "new words")], removed=[2])
    assert found(index, "old") == set()
    assert found(index, "new") == {1}
    assert index.live() == BitMap([1])
    # A second handle, as another process would hold, sees the same state.
    other = SegmentIndex(index.root)
    other.refresh()
    assert found(other, "words") == {1}


def test_merged_segments_answer_as_one_index_built_at_once(index, tmp_path):
    corpus = random_corpus(400)
    for start in range(0, 400, 10):  # 40 small segments: several rounds of merges
        add(index, corpus[start : start + 10])
    add(index, [doc(5, "replaced")], removed=[7, 8])
    assert len(index.segments) < 40 // MERGE_FACTOR + MERGE_FACTOR
    fresh = SegmentIndex(tmp_path / "fresh")
    survivors = [d for d in corpus if d.id not in (5, 7, 8)] + [doc(5, "replaced")]
    add(fresh, survivors)
    for q in ["w0", "w1 w2", '"w0 w1"', "w40", "replaced", "w3 w59"]:
        assert found(index, q) == found(fresh, q), q
    assert dict(index.exact("\x1ecolor=")) == dict(fresh.exact("\x1ecolor="))
    # Merged segments' folders are gone; only the live ones remain.
    names = {p.name for p in index.root.glob("seg-*")}
    assert names == {s.name for s in index.segments}


@pytest.mark.parametrize("q", ["w0", "w1", "w0 w1", "w5 w2", '"w0 w1"', "w30"])
@pytest.mark.parametrize("k", [1, 5, 50])
def test_ranking_equals_scoring_every_hit(index, q, k):
    add(index, random_corpus(600))
    clauses = reader.clause_levels(index, parse(q))
    hits = reader.matches(index, {}, clauses)
    total = len(index.live())
    got = reader.ranked(clauses, hits, total, k)

    ids = np.asarray(hits.to_array(), dtype=np.int64)
    scores = np.zeros(len(ids))
    for levels in clauses:
        df = len(BitMap.union(*levels))
        idf = np.log(1 + (total - df + 0.5) / (df + 0.5))
        for level in range(LEVELS):
            scores[np.isin(ids, np.asarray(levels[level].to_array()))] += idf * level_value(level)
    expected = [int(i) for i in ids[np.lexsort((ids, -scores))][:k]]
    assert got == expected
    assert len(set(np.round(scores, 9))) > 1, "a corpus where ranking decides something"


def test_a_title_word_ranks_above_the_same_word_in_the_body(index):
    add(index, [doc(1, "other", "flood " * 3), doc(2, "flood", "other words here")])
    clauses = reader.clause_levels(index, parse("flood"))
    hits = reader.matches(index, {}, clauses)
    assert reader.ranked(clauses, hits, 2, 2) == [2, 1]


def test_a_crash_before_the_manifest_leaves_the_last_state(index):
    add(index, [doc(1, "kept")])
    # A writer appended terms and half a line, then died before its manifest.
    with index.vocabulary.path.open("ab") as handle:
        handle.write(json.dumps("orphan").encode() + b"\n" + b'"half')
    (index.root / "seg-99").mkdir()
    reader = SegmentIndex(index.root)
    reader.refresh()
    assert "orphan" not in reader.vocabulary.ids
    assert found(reader, "kept") == {1}
    add(reader, [doc(2, "later words")])
    again = SegmentIndex(index.root)
    again.refresh()
    assert found(again, "later") == {2}
    assert found(again, "kept") == {1}
    assert again.vocabulary.terms == reader.vocabulary.terms
    assert not (index.root / "seg-99").exists()


def test_dates_order_newest_first(index):
    add(
        index,
        [
            doc(1, "a", "", "\x1dday=2021-05-01"),
            doc(2, "a", "", "\x1dday=2024-01-02"),
            doc(3, "a", "", "\x1dday="),
            doc(4, "a", "", "\x1dday=2024-01-02"),
        ],
    )
    assert reader.newest(index, index.live(), 10) == [4, 2, 1, 3]
    assert reader.newest(index, BitMap([1, 3]), 1) == [1]


# Kept in step with the database ------------------------------------------------------


@pytest.mark.django_db(transaction=True)
def test_only_committed_changes_reach_the_index(publish, moderator, reference_data, settings):
    from django.db import transaction

    from resilnet.catalog import services
    from resilnet.catalog.search import SearchQuery, consistency_report, search
    from resilnet.catalog.tests.conftest import measure

    settings.SEARCH_ENGINE = "segments"
    kept = publish(measure(title="Zero-rating of health sites"))
    # Committed: the service's own transaction synced the index when it committed.
    assert writer.current().applied > 0
    assert set(writer.current().live()) == {kept.pk}

    def publish_then_fail():
        with transaction.atomic():
            publish(measure(title="Rolled back zero-rating"))
            raise RuntimeError("the request failed after the record was published")

    with pytest.raises(RuntimeError):
        publish_then_fail()
    assert search(SearchQuery(q="zero")).count == 1

    services.do_archive(moderator, kept, "superseded")
    assert search(SearchQuery(q="zero")).count == 0
    assert consistency_report() == {"missing": [], "stale": []}


@pytest.mark.django_db(transaction=True)
def test_reindex_rebuilds_a_lost_index(publish, reference_data, settings):
    import shutil

    from resilnet.catalog import services
    from resilnet.catalog.search import SearchQuery, consistency_report, search
    from resilnet.catalog.tests.conftest import measure

    settings.SEARCH_ENGINE = "segments"
    records = [publish(measure(title=f"Measure number {n}")) for n in range(3)]
    shutil.rmtree(writer.current().root)
    writer._indexes.clear()
    # The lost index is rebuilt from the change log at the next search …
    assert search(SearchQuery(q="measure")).count == 3
    # … and from the records themselves by reindex.
    assert services.reindex_all() == 3
    generation = writer.current().generation
    assert consistency_report() == {"missing": [], "stale": []}
    assert search(SearchQuery(q="number")).count == len(records)
    assert writer.current().generation == generation, "no second rebuild"


@pytest.mark.django_db(transaction=True)
def test_reindex_prunes_only_changes_older_than_the_retention(
    publish, reference_data, settings, monkeypatch
):
    from datetime import timedelta

    from resilnet.catalog import services
    from resilnet.catalog.models import IndexChange, IndexChangeLog
    from resilnet.catalog.tests.conftest import measure

    settings.SEARCH_ENGINE = "segments"
    for n in range(3):
        publish(measure(title=f"Measure number {n}"))
    changes = list(IndexChange.objects.order_by("id").values_list("id", flat=True))
    assert len(changes) == 3
    # Other hosts may not have applied them yet: a reindex here leaves them.
    assert services.reindex_all() == 3
    assert list(IndexChange.objects.order_by("id").values_list("id", flat=True)) == changes
    assert writer.prune_log(older_than=timedelta(days=1)) == 0
    IndexChange.objects.filter(id__in=changes[:2]).update(
        created_at=timezone.now() - writer.LOG_RETENTION - timedelta(minutes=1)
    )
    monkeypatch.setattr(writer, "PRUNE_CHUNK", 1)  # one transaction per change
    assert services.reindex_all() == 3
    assert list(IndexChange.objects.values_list("id", flat=True)) == changes[2:]
    assert IndexChangeLog.objects.get().pruned_through == changes[1]
    assert writer.log_state().latest == changes[2]
    assert writer.prune_log(older_than=timedelta(0)) == 1
    assert not IndexChange.objects.exists()
    # An empty log still knows its latest change: the index is in step, not ahead.
    assert writer.log_state().latest == changes[2] == writer.current().applied


@pytest.mark.django_db(transaction=True)
def test_the_worker_prunes_the_changes_older_than_the_retention_daily(
    publish, reference_data, settings
):
    from datetime import timedelta

    from django.core.management import call_command

    from resilnet.catalog.models import IndexChange
    from resilnet.catalog.search import SearchQuery, search
    from resilnet.catalog.tests.conftest import measure
    from resilnet.core import modules
    from resilnet.core import services as core_services

    settings.SEARCH_ENGINE = "segments"
    for n in range(3):
        publish(measure(title=f"Measure number {n}"))
    changes = list(IndexChange.objects.order_by("id").values_list("id", flat=True))
    IndexChange.objects.filter(id__in=changes[:2]).update(
        created_at=timezone.now() - writer.LOG_RETENTION - timedelta(minutes=1)
    )
    periodic = [task for module in modules.installed() for task in module.periodic_tasks]
    core_services.enqueue_due_periodic_tasks(periodic)
    call_command("run_worker", "--batch", "--interval", "0")
    assert list(IndexChange.objects.values_list("id", flat=True)) == changes[2:]
    assert search(SearchQuery(q="measure")).count == 3


def test_a_reader_follows_a_rebuild_to_its_new_vocabulary(index):
    add(index, [doc(1, "alpha beta"), doc(2, "gamma")])
    reader = SegmentIndex(index.root)
    reader.refresh()
    assert found(reader, "gamma") == {2}
    with index.writing():  # a rebuild: new vocabulary, new ids for the same words
        index.clear()
        index.apply([doc(3, "zeta gamma")], [], applied=5, publish=False)
        reader.refresh()
        assert found(reader, "gamma") == {2}, "readers keep the published state meanwhile"
        index.apply([doc(4, "alpha")], [], applied=5)
    reader.refresh()
    assert found(reader, "gamma") == {3}
    assert found(reader, "alpha") == {4}
    assert found(reader, "beta") == set()
    assert len(list(index.root.glob("vocab*.jsonl"))) == 1


@pytest.mark.django_db(transaction=True)
def test_a_restored_backup_is_searched_as_it_was(publish, reference_data, settings, tmp_path):
    from resilnet.catalog.search import SearchQuery, search
    from resilnet.catalog.tests.conftest import measure
    from resilnet.core import backup

    settings.SEARCH_ENGINE = "segments"
    publish(measure(title="Backed up zero-rating"))
    path = tmp_path / "resilnet.backup"
    backup.backup(path)
    publish(measure(title="Later zero-rating"))
    publish(measure(title="Another later one"))
    assert search(SearchQuery(q="later")).count == 2

    backup.restore(path)
    reader = SegmentIndex(writer.current().root)
    reader.refresh()
    assert len(reader.live()) == 1  # rebuilt by the restore, before any search
    assert search(SearchQuery(q="later")).count == 0
    assert search(SearchQuery(q="zero")).count == 1
    publish(measure(title="After the restore"))
    assert search(SearchQuery(q="restore")).count == 1


@pytest.mark.django_db(transaction=True)
def test_index_changes_commit_in_the_order_of_their_ids(settings):
    import threading
    import time

    from django.db import connections, transaction

    from resilnet.catalog import search
    from resilnet.catalog.models import IndexChange

    # PostgreSQL through the advisory lock; SQLite through its single writer (IMMEDIATE).
    settings.SEARCH_ENGINE = "segments"
    committed: list[str] = []
    first_holds = threading.Event()

    def first():
        with transaction.atomic():
            search.backend().records_changed([1])
            first_holds.set()
            time.sleep(0.5)
            committed.append("first")  # its last step before it commits
        connections.close_all()

    thread = threading.Thread(target=first)
    thread.start()
    first_holds.wait(5)
    with transaction.atomic():
        search.backend().records_changed([2])  # waits for the first to commit
        committed.append("second")
    thread.join()
    assert committed == ["first", "second"]
    assert list(IndexChange.objects.order_by("id").values_list("record_id", flat=True)) == [1, 2]


def test_lookups_in_segments_larger_than_the_key_sample(index):
    from resilnet.catalog.search.segments.storage import SAMPLE

    count = SAMPLE * 4 + 7  # several sample windows and a partial last one
    documents = [doc(n, f"unique{n} common") for n in range(1, count + 1)]
    step = -(-count // MERGE_FACTOR)
    for start in range(0, count, step):  # one tier of segments: merged range by range
        add(index, documents[start : start + step])
    assert len(index.segments) == 1
    assert len(index._arrays(index.segments[0].name)[0]) > SAMPLE * 4
    for n in (1, 2, SAMPLE - 1, SAMPLE, SAMPLE + 1, 2 * SAMPLE, count - 1, count):
        assert found(index, f"unique{n}") == {n}, n
    assert len(found(index, "common")) == count
    assert found(index, "unique0") == set()


def test_an_index_in_another_format_counts_as_none(index):
    add(index, [doc(1, "kept")])
    manifest = json.loads(index.manifest_path.read_text())
    index.manifest_path.write_text(json.dumps(manifest | {"format": 1}))
    reader = SegmentIndex(index.root)
    reader.refresh()
    assert reader.generation == 0  # so that sync rebuilds it from the records
    assert found(reader, "kept") == set()


@pytest.mark.django_db(transaction=True)
def test_a_large_sync_analyses_in_a_worker_process_with_the_same_result(
    publish, reference_data, settings, monkeypatch
):
    from resilnet.catalog import services
    from resilnet.catalog.search import SearchQuery, search
    from resilnet.catalog.tests.conftest import measure

    settings.SEARCH_ENGINE = "segments"
    titles = ["Quokka health sites", "Narwhal spectrum", "Opérateurs et santé"]
    for title in titles * 3:
        publish(measure(title=title))
    queries = ["quokka", "narwhal", '"quokka health"', "opérateur", "narwhal spectrum"]
    inline = {q: search(SearchQuery(q=q)).count for q in queries}
    assert inline["quokka"] == inline['"quokka health"'] == inline["narwhal spectrum"] == 3

    monkeypatch.setattr(writer, "SYNC_CHUNK", 2)  # five chunks in a pipeline
    monkeypatch.setattr(writer, "PARALLEL_FROM", 1)
    started = []
    real = writer.ProcessPoolExecutor

    def counting(*args, **kwargs):
        started.append(args)
        return real(*args, **kwargs)

    monkeypatch.setattr(writer, "ProcessPoolExecutor", counting)
    assert services.reindex_all() == 9
    assert started, "the rebuild used a worker process"
    assert {q: search(SearchQuery(q=q)).count for q in queries} == inline


@pytest.mark.django_db(transaction=True)
def test_a_rebuild_whose_analysis_process_dies_analyses_in_its_own_process(
    publish, reference_data, settings, monkeypatch, caplog
):
    from concurrent.futures import Future
    from concurrent.futures.process import BrokenProcessPool

    from resilnet.catalog import services
    from resilnet.catalog.search import SearchQuery, search
    from resilnet.catalog.tests.conftest import measure

    settings.SEARCH_ENGINE = "segments"
    for n in range(7):
        publish(measure(title=f"Pangolin relay {n}"))
    monkeypatch.setattr(writer, "SYNC_CHUNK", 2)
    monkeypatch.setattr(writer, "PARALLEL_FROM", 1)

    class DyingPool:
        """The first chunk's worker dies; the pool then refuses every new chunk."""

        submitted = 0

        def __init__(self, *args, **kwargs):
            pass

        def __enter__(self):
            return self

        def __exit__(self, *exc):
            return False

        def submit(self, fn, *args):
            DyingPool.submitted += 1
            if DyingPool.submitted > 1:
                raise BrokenProcessPool("a child process terminated abruptly")
            future: Future = Future()
            future.set_exception(BrokenProcessPool("a child process terminated abruptly"))
            return future

    monkeypatch.setattr(writer, "ProcessPoolExecutor", DyingPool)
    assert services.reindex_all() == 7
    assert DyingPool.submitted >= 2
    assert "analysing in this process" in caplog.text
    assert search(SearchQuery(q="pangolin")).count == 7
    assert search(SearchQuery(q='"pangolin relay"')).count == 7


def snapshot(index: SegmentIndex) -> dict:
    """Everything a search reads, as plain values."""
    return {
        "live": set(index.live()),
        "terms": {w: [set(b) for b in index.term_levels(w)] for w in WORDS[:25]},
        "pairs": {(a, b): set(index.pair(a, b)) for a in WORDS[:6] for b in WORDS[:6]},
        "colors": {value: set(b) for value, b in index.exact("\x1ecolor=")},
    }


@pytest.mark.parametrize("patch_ids", [1000, 2])
def test_a_reader_patches_its_caches_after_small_changes_with_exact_results(
    index, monkeypatch, patch_ids
):
    from resilnet.catalog.search.segments import storage

    monkeypatch.setattr(storage, "PATCH_IDS", patch_ids)  # 2: most changes drop caches
    rng = random.Random(11)
    corpus = {d.id: d for d in random_corpus(40)}
    add(index, list(corpus.values()))
    reader = SegmentIndex(index.root)
    reader.refresh()
    before = snapshot(reader)
    held = reader.term_levels(WORDS[0])[0]
    held_ids = set(held)
    patched = 0
    for step in range(60):
        kind = rng.random()
        if kind < 0.5:  # edit one or two records
            changed = [
                doc(i, " ".join(rng.choices(WORDS[:12], k=4)), "w1 w2", f"\x1ecolor={c}")
                for i, c in zip(rng.sample(sorted(corpus), 2), "rg", strict=False)
            ][: rng.randint(1, 2)]
            corpus.update((d.id, d) for d in changed)
            add(index, changed)
        elif kind < 0.7 and len(corpus) > 5:  # unpublish one
            gone = rng.choice(sorted(corpus))
            del corpus[gone]
            add(index, [], removed=[gone])
        else:  # a new record, sometimes with a colour never seen
            new_id = max(corpus) + 1
            colour = rng.choice(["r", "b", f"new{step}"])
            corpus[new_id] = doc(new_id, "w3 w4", "w5", f"\x1ecolor={colour}")
            add(index, [corpus[new_id]])
        reader.refresh()
        patched = max(patched, len(reader._patches))
        fresh = SegmentIndex(index.root)
        fresh.refresh()
        assert snapshot(reader) == snapshot(fresh), f"step {step}"
        assert snapshot(index) == snapshot(fresh), f"step {step}, in the writing process"
        assert snapshot(reader)["live"] == set(corpus)
    assert set(held) == held_ids  # a bitmap already handed out never changes
    assert snapshot(reader) != before
    if patch_ids == 1000:
        assert patched, "small changes were patched in, not re-read"
