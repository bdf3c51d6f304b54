"""Claiming messages with leases: two workers never get the same message, a lease that
ran out is taken over and flagged maybe_duplicate, the kill switch stops claims at once."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.core.exceptions import PermissionDenied

from resilnet.alerts import gsm
from resilnet.alerts.models import Campaign, CampaignState, Message, MessageState
from resilnet.alerts.services import delivery
from resilnet.alerts.tests.conftest import add_subscribers
from resilnet.core.tests.databases import postgresql_only

pytestmark = pytest.mark.django_db(transaction=False)
LEASE = timedelta(seconds=30)


@pytest.fixture
def campaign(publish, areas, operators):
    add_subscribers(operators[0], areas["Nairobi"], 30)
    add_subscribers(operators[1], areas["Nairobi"], 5, start=100)
    alert = publish([areas["Nairobi"]])
    return Campaign.objects.get(alert=alert)


def test_two_workers_share_a_campaign_without_overlap(campaign, operators):
    op = operators[0].pk
    first = delivery.claim(op, "worker-a", 20, LEASE)
    second = delivery.claim(op, "worker-b", 20, LEASE)
    assert len(first) == 20
    assert len(second) == 10
    assert not {o.message_id for o in first} & {o.message_id for o in second}
    assert delivery.claim(op, "worker-c", 20, LEASE) == []


def test_claimed_messages_are_leased_to_their_worker(campaign, operators):
    claimed = delivery.claim(operators[0].pk, "worker-a", 5, LEASE)
    rows = Message.objects.filter(id__in=[o.message_id for o in claimed])
    assert {(m.state, m.lease_owner, m.attempts) for m in rows} == {("sending", "worker-a", 1)}


def test_claim_only_returns_the_operators_messages(campaign, operators):
    claimed = delivery.claim(operators[1].pk, "worker-a", 50, LEASE)
    assert len(claimed) == 5
    assert set(
        Message.objects.filter(id__in=[o.message_id for o in claimed]).values_list(
            "operator_id", flat=True
        )
    ) == {operators[1].pk}


def test_outbound_carries_the_text_of_the_subscribers_language(campaign, operators):
    outbound = delivery.claim(operators[0].pk, "worker-a", 1, LEASE)[0]
    assert gsm.join(list(outbound.parts)) == "Cholera: boil water."
    assert outbound.first_seq == 1


def test_an_expired_lease_is_taken_over_and_flagged(campaign, operators):
    op = operators[0].pk
    lost = delivery.claim(op, "worker-a", 3, timedelta(seconds=-1))  # ran out already
    taken = delivery.claim(op, "worker-b", 3, LEASE)
    assert [o.message_id for o in taken] == [o.message_id for o in lost]
    assert [o.attempt for o in taken] == [2, 2, 2]
    rows = Message.objects.filter(id__in=[o.message_id for o in taken])
    assert {(m.lease_owner, m.maybe_duplicate) for m in rows} == {("worker-b", True)}


def test_a_live_lease_is_not_taken_over(campaign, operators):
    op = operators[0].pk
    held = {o.message_id for o in delivery.claim(op, "worker-a", 3, LEASE)}
    others = {o.message_id for o in delivery.claim(op, "worker-b", 100, LEASE)}
    assert not held & others


def test_renew_extends_only_the_workers_own_leases(campaign, operators):
    op = operators[0].pk
    mine = [o.message_id for o in delivery.claim(op, "worker-a", 2, timedelta(seconds=-1))]
    delivery.renew("worker-b", mine, LEASE)  # not theirs: no effect
    assert delivery.claim(op, "worker-b", 2, LEASE)[0].message_id in mine


def test_renewed_leases_are_not_taken_over(campaign, operators):
    op = operators[0].pk
    mine = [o.message_id for o in delivery.claim(op, "worker-a", 2, timedelta(seconds=-1))]
    delivery.renew("worker-a", mine, LEASE)
    taken = {o.message_id for o in delivery.claim(op, "worker-b", 100, LEASE)}
    assert not taken & set(mine)


def test_halting_stops_claims_at_once(campaign, operators, approver):
    delivery.do_halt_campaign(approver, campaign, "wrong province")
    assert delivery.claim(operators[0].pk, "worker-a", 50, LEASE) == []
    assert delivery.halted_campaign_ids() == [campaign.pk]
    assert operators[0].pk not in delivery.operators_with_work()


def test_released_messages_are_claimed_again_after_resume(campaign, operators, approver):
    held = [o.message_id for o in delivery.claim(operators[0].pk, "worker-a", 4, LEASE)]
    delivery.do_halt_campaign(approver, campaign)
    assert delivery.release("worker-a", held) == 4
    delivery.do_resume_campaign(approver, campaign)
    again = delivery.claim(operators[0].pk, "worker-b", 4, LEASE)
    assert [o.message_id for o in again] == held
    assert [o.attempt for o in again] == [1, 1, 1, 1]


def test_an_author_cannot_halt_a_campaign(campaign, author):
    with pytest.raises(PermissionDenied):
        delivery.do_halt_campaign(author, campaign)


def test_halt_and_resume_are_audited(campaign, approver):
    from resilnet.core.models import AuditEvent

    delivery.do_halt_campaign(approver, campaign, "check the text")
    delivery.do_resume_campaign(approver, campaign)
    events = AuditEvent.objects.filter(object_type="alerts.campaign", object_id=str(campaign.pk))
    assert [e.after.get("state") for e in events.order_by("id")] == [None, "halted", "running"]


def test_operators_with_work_names_operators_with_queued_messages(campaign, operators):
    assert sorted(delivery.operators_with_work()) == sorted(o.pk for o in operators)
    delivery.claim(operators[1].pk, "worker-a", 50, LEASE)
    assert delivery.operators_with_work() == [operators[0].pk]


def test_a_throttled_message_waits_before_it_is_claimed_again(campaign, operators):
    op = operators[0].pk
    first = delivery.claim(op, "worker-a", 1, LEASE)[0]
    delivery.record_outcomes(
        "worker-a", [delivery.PartOutcome(first.message_id, 1, "retry", None, "ESME_RTHROTTLED")]
    )
    claimed = {o.message_id for o in delivery.claim(op, "worker-a", 100, LEASE)}
    assert first.message_id not in claimed
    assert Message.objects.get(pk=first.message_id).state == MessageState.QUEUED


def test_replies_are_claimed_before_campaign_messages(campaign, operators):
    reply = delivery.queue_reply(operators[0].pk, None, "+254700000999", "You are unsubscribed.")
    assert delivery.claim(operators[0].pk, "worker-a", 1, LEASE)[0].message_id == reply.pk


def test_a_campaign_halted_is_not_running(campaign, approver):
    delivery.do_halt_campaign(approver, campaign)
    campaign.refresh_from_db()
    assert (campaign.state, campaign.halted_by) == (CampaignState.HALTED, approver)


def test_a_campaign_with_nothing_left_to_send_finishes(campaign, operators):
    assert delivery.finish_campaigns() == 0
    for op in operators:
        claimed = delivery.claim(op.pk, "w", 100, LEASE)
        delivery.record_outcomes(
            "w", [delivery.PartOutcome(o.message_id, 1, "failed", None, "x") for o in claimed]
        )
    assert delivery.finish_campaigns() == 1
    campaign.refresh_from_db()
    assert campaign.state == CampaignState.FINISHED


def test_a_halted_campaign_does_not_finish(campaign, approver):
    Message.objects.update(state=MessageState.DELIVERED)
    delivery.do_halt_campaign(approver, campaign)
    assert delivery.finish_campaigns() == 0


@postgresql_only(
    "it plans a claim from table statistics, which a campaign refreshes once written; "
    "the product keeps no statistics on SQLite, so there is nothing to check there"
)
def test_postgresql_knows_a_new_campaigns_messages_before_claiming_them(publish, areas, operators):
    """The statistics are taken while another operator's few messages are all the table
    has; then a campaign of thousands is written. Planned from the old picture, each claim
    walked every message of the operator (autovacuum analyses the table a minute or more
    later): the campaign is counted before it runs."""
    import json

    from django.db import connection

    add_subscribers(operators[1], areas["Mombasa"], 20, start=900_000)
    publish([areas["Mombasa"]])
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE alerts_message")
    add_subscribers(operators[0], areas["Nairobi"], 3000)
    campaign = Campaign.objects.get(alert=publish([areas["Nairobi"]]))
    assert campaign.state == CampaignState.RUNNING
    with connection.cursor() as cursor:
        cursor.execute(
            "EXPLAIN (FORMAT JSON) SELECT id FROM alerts_message "
            "WHERE operator_id = %s AND state = 'queued' AND campaign_id = %s",
            [operators[0].pk, campaign.pk],
        )
        plan = cursor.fetchone()[0]
    plan = plan if isinstance(plan, list) else json.loads(plan)
    assert plan[0]["Plan"]["Plan Rows"] > 1000  # 3,000; from the old statistics: 1
