"""A long import commits in short transactions, so other writers get the database between
them, and still imports all of its rows or none (docs/adr/0008)."""

import threading
import time
from datetime import timedelta

import pytest
from django.db import connection
from django.utils import timezone

from resilnet.catalog import services
from resilnet.catalog.models import ImportBatch, Record, StagedRow
from resilnet.catalog.search import SearchQuery, consistency_report, search
from resilnet.catalog.taxonomy import Status
from resilnet.catalog.tests.conftest import measure
from resilnet.catalog.tests.test_import import HEADER, run
from resilnet.core import staged_imports
from resilnet.core.models import AuditEvent

pytestmark = pytest.mark.django_db(transaction=True)


def rows(count, summary="Operators zero-rate."):
    return (
        HEADER
        + "".join(
            f"x{i},measure,Imported measure {i},,{summary},KEN,2020-01-01,other,voluntary,\n"
            for i in range(count)
        )
    ).encode()


@pytest.fixture
def small_chunks(monkeypatch):
    """Two rows per transaction, so that six rows take three."""
    monkeypatch.setattr(services.imports, "IMPORT_CHUNK", 2)
    monkeypatch.setattr(services.imports, "CHUNK_ROWS", (2, 2))


def test_other_writers_get_the_database_between_chunks(moderator, contributor, small_chunks):
    waited = []

    def write(n):
        try:
            services.do_create_record(contributor, measure(title=f"Written meanwhile {n}"))
        finally:
            connection.close()

    def write_meanwhile(done, total):
        if 0 < done < total:
            started = time.monotonic()
            writer = threading.Thread(target=write, args=(done,))
            writer.start()
            writer.join(timeout=5)  # SQLite's writers wait 60 s for the lock
            waited.append((writer.is_alive(), time.monotonic() - started))
            writer.join()

    report = run(rows(6), moderator, progress=write_meanwhile)
    assert report.created == 6
    assert [alive for alive, _ in waited] == [False, False]
    assert Record.objects.filter(title__startswith="Written meanwhile").count() == 2
    assert report.transactions >= 3 + 2  # staging, commit point, three chunks, closing
    assert 0 < report.longest_transaction < 5


def test_progress_follows_the_rows_applied(moderator, small_chunks):
    seen = []
    run(rows(5), moderator, progress=lambda done, total: seen.append((done, total)))
    assert seen == [(0, 5), (2, 5), (4, 5), (5, 5)]


def test_a_failure_while_staging_imports_nothing(moderator, monkeypatch):
    monkeypatch.setattr(services.imports, "STAGE_CHUNK", 2)
    calls = []

    def fail_on_the_second_chunk(model, batch_id):
        calls.append(batch_id)
        if len(calls) == 2:
            raise RuntimeError("the disk is full")

    monkeypatch.setattr(staged_imports, "beat", fail_on_the_second_chunk)
    with pytest.raises(RuntimeError, match="disk is full"):
        run(rows(5), moderator)
    assert not Record.objects.exists()
    assert not StagedRow.objects.exists()
    assert ImportBatch.objects.get().state == ImportBatch.State.DISCARDED


def test_an_import_that_stopped_after_its_commit_point_is_finished(moderator, small_chunks):
    def stop_after_the_first_chunk(done, total):
        if done == 2:
            raise KeyboardInterrupt  # Ctrl-C, or the process killed here

    with pytest.raises(KeyboardInterrupt):
        run(rows(5), moderator, progress=stop_after_the_first_chunk)
    batch = ImportBatch.objects.get()
    assert batch.state == ImportBatch.State.APPLYING
    assert Record.objects.filter(status=Status.PUBLISHED).count() == 2
    assert StagedRow.objects.count() == 3

    # Left alone while it may still be running …
    assert services.finish_imports() == {"finished": 0, "discarded": 0}
    # … and finished once it has been quiet for long, with what every import writes.
    assert services.finish_imports(quiet_for=timedelta(0)) == {"finished": 1, "discarded": 0}
    batch.refresh_from_db()
    assert (batch.state, batch.created, batch.updated) == (ImportBatch.State.DONE, 5, 0)
    assert not StagedRow.objects.exists()
    assert Record.objects.filter(status=Status.PUBLISHED).count() == 5
    assert search(SearchQuery(q="imported")).count == 5
    assert consistency_report() == {"missing": [], "stale": []}
    summary = AuditEvent.objects.get(object_type="catalog.import")
    assert summary.actor == moderator
    assert summary.after["created"] == 5
    assert AuditEvent.objects.filter(object_type="catalog.record", reason="import").count() == 5


def test_an_import_that_stopped_while_staging_is_discarded(moderator, monkeypatch):
    monkeypatch.setattr(services.imports, "STAGE_CHUNK", 2)

    def crash(model, batch_id):
        if StagedRow.objects.count() > 4:  # the third chunk, rolled back
            raise SystemExit("killed")

    monkeypatch.setattr(staged_imports, "beat", crash)
    # A process killed here cleans nothing up.
    monkeypatch.setattr(staged_imports, "discard_quietly", lambda *args: None)
    with pytest.raises(SystemExit):
        run(rows(6), moderator)
    assert StagedRow.objects.count() == 4
    ImportBatch.objects.update(heartbeat_at=timezone.now() - timedelta(minutes=5))
    assert services.finish_imports() == {"finished": 0, "discarded": 1}
    assert not StagedRow.objects.exists()
    assert not Record.objects.exists()
    assert ImportBatch.objects.get().state == ImportBatch.State.DISCARDED


def test_a_record_created_meanwhile_with_the_same_external_id_is_updated(
    moderator, contributor, small_chunks
):
    def create_meanwhile(done, total):
        if done == 0:  # committed and staged; nothing applied yet
            services.do_create_record(contributor, measure(title="Mine"), external_id="x3")

    report = run(rows(4), moderator, progress=create_meanwhile)
    assert (report.created, report.updated) == (3, 1)
    record = Record.objects.get(external_id="x3")
    assert record.status == Status.PUBLISHED
    assert record.title == "Imported measure 3"
    assert record.pending_revision.content["title"] == {"en": "Mine"}  # still the owner's


def test_finish_imports_from_the_command_line(moderator, small_chunks, capsys):
    from resilnet.cli import main

    def stop(done, total):
        if done:
            raise KeyboardInterrupt

    with pytest.raises(KeyboardInterrupt):
        run(rows(3), moderator, progress=stop)
    assert main(["catalog", "finish-imports", "--quiet-minutes", "0"]) == 0
    assert "1 interrupted imports finished, 0 discarded" in capsys.readouterr().out
    assert Record.objects.count() == 3
    assert main(["catalog", "finish-imports", "--quiet-minutes", "-1"]) == 2


def test_an_import_that_fails_after_its_commit_point_says_what_happens(
    moderator, small_chunks, monkeypatch
):
    from django.db import OperationalError

    def locked(*args):
        raise OperationalError("database is locked")

    monkeypatch.setattr(services.imports, "CHUNK_ATTEMPTS", 1)
    monkeypatch.setattr(services.imports, "_close", locked)
    with pytest.raises(services.ImportIncomplete, match=r"stopped after 4 of 4 rows .*locked"):
        run(rows(4), moderator)
    monkeypatch.undo()
    assert services.finish_imports(quiet_for=timedelta(0))["finished"] == 1
    assert ImportBatch.objects.get().state == ImportBatch.State.DONE
