"""The dispatcher's calls on batches larger than one IN list (500 ids): outcomes of every
kind mixed, receipts with unknown and hostile ids among known ones, and an outcome batch
whose commit is lost (written without waiting for the disk) taken over as a maybe
duplicate once its lease runs out."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.db import connection, transaction

from resilnet.alerts.models import Message, MessagePart, MessageState
from resilnet.alerts.services import delivery
from resilnet.alerts.services.delivery import PartOutcome
from resilnet.alerts.smpp.receipts import Receipt, canonical_message_id
from resilnet.alerts.tests.conftest import add_subscribers

LEASE = timedelta(seconds=30)
N = 1_100  # more than two IN lists of 500 on SQLite


@pytest.fixture
def many(publish, areas, operators):
    add_subscribers(operators[0], areas["Nairobi"], N)
    publish([areas["Nairobi"]])
    claimed = delivery.claim(operators[0].pk, "w1", N, LEASE)
    assert len(claimed) == N
    return [o.message_id for o in claimed]


def _states(ids):
    return dict(Message.objects.filter(id__in=ids).values_list("id", "state"))


def test_a_large_batch_of_mixed_outcomes_gives_each_message_its_own(many):
    accepted, failed_a, failed_b, retry, unknown = (many[i::5] for i in range(5))
    outcomes = (
        [PartOutcome(m, 1, "accepted", f"{m:x}", "") for m in accepted]
        + [PartOutcome(m, 1, "failed", None, "ESME_RINVDSTADR") for m in failed_a]
        + [PartOutcome(m, 1, "failed", None, "ESME_RX_P_APPN") for m in failed_b]
        + [PartOutcome(m, 1, "retry", None, "ESME_RTHROTTLED") for m in retry]
        + [PartOutcome(m, 1, "unknown", None, "timeout") for m in unknown]
        + [PartOutcome(10**12, 1, "accepted", "ffff", "")]  # no such message
    )
    delivery.record_outcomes("w1", outcomes[::-1])  # order does not matter
    rows = {
        m: (state, reason, dup)
        for m, state, reason, dup in Message.objects.filter(id__in=many).values_list(
            "id", "state", "reason", "maybe_duplicate"
        )
    }
    assert {rows[m][0] for m in accepted} == {MessageState.SUBMITTED}
    assert {rows[m][:2] for m in failed_a} == {(MessageState.FAILED, "ESME_RINVDSTADR")}
    assert {rows[m][:2] for m in failed_b} == {(MessageState.FAILED, "ESME_RX_P_APPN")}
    assert {(rows[m][0], rows[m][2]) for m in retry} == {(MessageState.QUEUED, False)}
    assert {(rows[m][0], rows[m][2]) for m in unknown} == {(MessageState.QUEUED, True)}
    stored = dict(MessagePart.objects.values_list("message_id", "smsc_id"))
    assert stored == {m: canonical_message_id(f"{m:x}") for m in accepted}


def test_outcomes_of_a_worker_that_lost_the_lease_change_nothing_in_a_large_batch(many):
    delivery.record_outcomes("w2", [PartOutcome(m, 1, "accepted", f"{m:x}", "") for m in many])
    assert set(_states(many).values()) == {MessageState.SENDING}
    assert not MessagePart.objects.exists()


def test_a_large_batch_of_receipts_with_unknown_and_hostile_ids(many, operators):
    delivery.record_outcomes(
        "w1", [PartOutcome(m, 1, "accepted", str(10_000_000 + m), "") for m in many]
    )
    known = [Receipt(str(10_000_000 + m), "DELIVRD", "delivered") for m in many]
    strangers = [
        Receipt("99999999999", "DELIVRD", "delivered"),
        Receipt("x" * 10_000, "DELIVRD", "delivered"),
        Receipt("12\x0034", "UNDELIV", "undeliverable"),
        Receipt("'; DELETE FROM alerts_message; --", "DELIVRD", "delivered"),
        Receipt("", "DELIVRD", "delivered"),
    ]
    batch = known[:600] + strangers + known[600:]
    unknown: list[int] = []
    matched = delivery.record_receipts(operators[0].pk, batch, unknown_out=unknown)
    assert matched == N
    assert unknown == list(range(600, 600 + len(strangers)))
    assert set(_states(many).values()) == {MessageState.DELIVERED}
    assert set(MessagePart.objects.values_list("state", flat=True)) == {MessageState.DELIVERED}


class _Lost(Exception):
    pass


def _written_then_lost(write, written):
    try:
        with transaction.atomic():
            write()
            assert written()
            raise _Lost
    except _Lost:
        pass


def test_an_outcome_batch_whose_commit_is_lost_is_taken_over_as_maybe_duplicate(
    publish, areas, operators
):
    add_subscribers(operators[0], areas["Nairobi"], 600)
    publish([areas["Nairobi"]])
    op = operators[0].pk
    # A lease that has already run out, as one does after its dispatcher died.
    ids = [o.message_id for o in delivery.claim(op, "w1", 600, timedelta(seconds=-1))]

    # The outcomes reach the database, but their commit never reaches the disk: after the
    # server's crash it is as if they had been rolled back.
    _written_then_lost(
        lambda: delivery.record_outcomes(
            "w1", [PartOutcome(m, 1, "accepted", f"{m:x}", "") for m in ids]
        ),
        lambda: set(_states(ids).values()) == {MessageState.SUBMITTED},
    )
    assert set(_states(ids).values()) == {MessageState.SENDING}
    assert not MessagePart.objects.exists()

    again = delivery.claim(op, "w2", 1_000, LEASE)
    assert sorted(o.message_id for o in again) == sorted(ids)
    assert {o.attempt for o in again} == {2}
    assert Message.objects.filter(id__in=ids, maybe_duplicate=True).count() == len(ids)
    # The first dispatcher's late outcomes no longer count; the second one's do.
    delivery.record_outcomes("w1", [PartOutcome(m, 1, "failed", None, "late") for m in ids])
    delivery.record_outcomes("w2", [PartOutcome(m, 1, "accepted", f"{m:x}", "") for m in ids])
    assert set(_states(ids).values()) == {MessageState.SUBMITTED}


def _statements(run):
    seen: list[str] = []

    def spy(execute, sql, params, many, context):
        seen.append(sql)
        return execute(sql, params, many, context)

    with connection.execute_wrapper(spy):
        run()
    return seen


@pytest.mark.django_db(transaction=True)
def test_only_the_outcome_transaction_commits_without_waiting_for_the_disk(
    publish, areas, operators
):
    add_subscribers(operators[0], areas["Nairobi"], 3)
    publish([areas["Nairobi"]])
    op = operators[0].pk
    relaxed = "SET LOCAL synchronous_commit = off"
    claimed: list[int] = []
    claim_sql = _statements(
        lambda: claimed.extend(o.message_id for o in delivery.claim(op, "w1", 3, LEASE))
    )
    outcome_sql = _statements(
        lambda: delivery.record_outcomes(
            "w1", [PartOutcome(m, 1, "accepted", f"{m:x}", "") for m in claimed]
        )
    )
    receipt_sql = _statements(
        lambda: delivery.record_receipts(
            op, [Receipt(f"{m:x}", "DELIVRD", "delivered") for m in claimed]
        )
    )
    assert relaxed not in claim_sql + receipt_sql
    assert (relaxed in outcome_sql) == (connection.vendor == "postgresql")
    assert set(_states(claimed).values()) == {MessageState.DELIVERED}


def test_outcomes_inside_a_callers_transaction_leave_its_durability_alone(many):
    sql = _statements(
        lambda: delivery.record_outcomes(
            "w1", [PartOutcome(m, 1, "accepted", f"{m:x}", "") for m in many[:10]]
        )
    )
    assert not any("synchronous_commit" in s for s in sql)
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("SHOW synchronous_commit")
            assert cursor.fetchone()[0] == "on"
