"""A subscriber import stopped part way: before its commit point nothing stays, after it
`finish_subscriber_imports` (the worker, or `resilnet alerts subscribers finish-imports`)
writes the rest, each number once."""

from __future__ import annotations

import io
from datetime import timedelta

import pytest

from resilnet.alerts.models import Subscriber, SubscriberImport, SubscriberStagedChunk
from resilnet.alerts.services import audiences

pytestmark = pytest.mark.django_db(transaction=True)


def numbers(count: int) -> bytes:
    return ("msisdn\n" + "".join(f"07{i:08d}\n" for i in range(count))).encode()


def do_import(count: int):
    return audiences.do_import_subscribers(
        None, io.BytesIO(numbers(count)), "csv", region="KE", operator="Safaricom"
    )


def test_a_crash_after_the_commit_point_is_finished_later(operator, monkeypatch):
    monkeypatch.setattr(audiences, "CHUNK_ROWS", 100)
    real = audiences._apply_chunk
    calls = []

    def crash_on_the_second_chunk(batch_id):
        calls.append(1)
        if len(calls) == 2:
            raise RuntimeError("power cut")
        return real(batch_id)

    monkeypatch.setattr(audiences, "_apply_chunk", crash_on_the_second_chunk)
    with pytest.raises(audiences.ImportIncomplete, match="stopped after its commit point"):
        do_import(250)
    assert Subscriber.objects.count() == 100  # the first chunk only
    monkeypatch.setattr(audiences, "_apply_chunk", real)
    assert audiences.finish_subscriber_imports() == {"finished": 0, "discarded": 0}  # not quiet
    assert audiences.finish_subscriber_imports(quiet_for=timedelta(0)) == {
        "finished": 1,
        "discarded": 0,
    }
    assert Subscriber.objects.count() == 250
    assert SubscriberStagedChunk.objects.count() == 0
    batch = SubscriberImport.objects.get()
    assert (batch.state, batch.created) == ("done", 250)


def test_a_locked_chunk_is_tried_again(operator, monkeypatch):
    from django.db import OperationalError

    monkeypatch.setattr(audiences, "CHUNK_ROWS", 100)
    real = audiences._apply_chunk
    calls = []

    def locked_once(batch_id):
        calls.append(1)
        if len(calls) == 1:
            raise OperationalError("database is locked")
        return real(batch_id)

    monkeypatch.setattr(audiences, "_apply_chunk", locked_once)
    monkeypatch.setattr("resilnet.core.staged_imports.time.sleep", lambda seconds: None)
    report = do_import(150)
    assert (report.created, Subscriber.objects.count()) == (150, 150)


def test_a_crash_before_the_commit_point_leaves_nothing(operator, monkeypatch):
    monkeypatch.setattr(audiences, "CHUNK_ROWS", 100)

    def crash(*args, **kwargs):
        raise KeyboardInterrupt

    monkeypatch.setattr(audiences, "rejected_rows_csv", crash)  # at the commit point
    with pytest.raises(KeyboardInterrupt):
        do_import(250)
    assert (Subscriber.objects.count(), SubscriberStagedChunk.objects.count()) == (0, 0)
    assert list(SubscriberImport.objects.values_list("state", flat=True)) == ["discarded"]


def test_an_import_stopped_while_staging_is_discarded_by_the_worker(operator, monkeypatch):
    monkeypatch.setattr(audiences, "CHUNK_ROWS", 100)
    monkeypatch.setattr(
        "resilnet.core.staged_imports.discard_quietly", lambda *args: None
    )  # the process died: nothing cleaned up on the way out
    monkeypatch.setattr(audiences, "rejected_rows_csv", lambda *a: 1 / 0)
    with pytest.raises(ZeroDivisionError):
        do_import(250)
    assert SubscriberStagedChunk.objects.count() == 3
    assert audiences.finish_subscriber_imports(quiet_for=timedelta(0)) == {
        "finished": 0,
        "discarded": 1,
    }
    assert (Subscriber.objects.count(), SubscriberStagedChunk.objects.count()) == (0, 0)
    assert SubscriberImport.objects.get().state == "discarded"
