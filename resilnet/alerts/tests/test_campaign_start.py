"""Publishing an alert starts its SMS campaign: the right audience (a Test alert never
reaches a live subscriber), messages written in chunks, large audiences in the
background, a Cancel or an Update halting what it replaces; STOP by SMS queues its confirmation."""

from __future__ import annotations

import logging
from datetime import timedelta

import pytest
from django.core.management import call_command

from resilnet.alerts import gsm
from resilnet.alerts.models import Campaign, CampaignState, Message, Subscriber
from resilnet.alerts.services import authoring, delivery
from resilnet.alerts.tests.conftest import add_subscribers
from resilnet.core.models import AuditEvent

LEASE = timedelta(seconds=30)


@pytest.fixture
def audience(areas, operators):
    add_subscribers(operators[0], areas["Nairobi"], 8, language="en")
    add_subscribers(operators[1], areas["Nairobi"], 4, language="fr", start=100)
    add_subscribers(operators[0], areas["Nairobi"], 3, language="es", start=200)
    add_subscribers(operators[0], areas["Mombasa"], 5, start=300)
    add_subscribers(operators[0], areas["Nairobi"], 2, test=True, start=400)


def test_a_published_alert_sends_to_its_area_and_languages(publish, areas, audience):
    campaign = Campaign.objects.get(alert=publish([areas["Nairobi"]]))
    assert (campaign.state, campaign.targeted, campaign.test) == ("running", 12, False)
    assert sorted(Message.objects.values_list("language", flat=True).distinct()) == ["en", "fr"]


def test_a_test_alert_never_reaches_live_subscribers(publish, areas, audience):
    alert = publish([areas["Kenya"]], status="Test", audience="test")
    campaign = Campaign.objects.get(alert=alert)
    numbers = set(Message.objects.filter(campaign=campaign).values_list("msisdn", flat=True))
    assert campaign.test is True
    assert numbers == set(Subscriber.objects.filter(is_test=True).values_list("msisdn", flat=True))


def test_a_live_audience_on_an_exercise_is_refused_before_any_message(author, areas, audience):
    with pytest.raises(authoring.AlertInvalid):
        authoring.do_create_alert(author, _cholera(areas, status="Exercise", audience="live"))
    assert not Message.objects.exists()


def _cholera(areas, **changes):
    from resilnet.alerts.tests.conftest import cholera

    data = cholera(**changes)
    data.areas[0].admin_area_ids = [areas["Nairobi"]]
    return data


def test_an_alert_without_admin_areas_sends_nothing(published, audience):
    assert not Campaign.objects.filter(alert=published).exists()


def test_messages_are_written_in_chunks(publish, areas, audience, settings, monkeypatch):
    monkeypatch.setattr(delivery, "BUILD_CHUNK", 5)
    seen = []
    original = delivery.build_campaign

    def build(campaign_id, **kwargs):
        return original(campaign_id, progress=lambda done, total: seen.append(done), **kwargs)

    monkeypatch.setattr(delivery, "build_campaign", build)
    campaign = Campaign.objects.get(alert=publish([areas["Nairobi"]]))
    assert seen == [5, 10, 12]
    assert campaign.targeted == 12


@pytest.mark.django_db(transaction=True)  # the worker commits as in production
def test_a_large_audience_is_written_by_a_job(publish, areas, audience, monkeypatch):
    monkeypatch.setattr(delivery, "BACKGROUND_FROM", 10)
    campaign = Campaign.objects.get(alert=publish([areas["Nairobi"]]))
    assert campaign.state == CampaignState.QUEUED
    call_command("run_worker", "--batch", "--interval", "0")
    campaign.refresh_from_db()
    campaign.job.refresh_from_db()
    assert campaign.state == CampaignState.RUNNING
    assert (campaign.job.state, campaign.job.done, campaign.job.total) == ("succeeded", 12, 12)
    assert Message.objects.filter(campaign=campaign).count() == 12


def test_an_interrupted_build_resumes_without_duplicates(publish, areas, audience, monkeypatch):
    monkeypatch.setattr(delivery, "BACKGROUND_FROM", 10)
    monkeypatch.setattr(delivery, "BUILD_CHUNK", 5)
    campaign = Campaign.objects.get(alert=publish([areas["Nairobi"]]))
    Campaign.objects.filter(pk=campaign.pk).update(built_at=None)
    assert delivery.build_campaign(campaign.pk) == 12
    assert Message.objects.filter(campaign=campaign).values("subscriber").distinct().count() == 12


@pytest.mark.parametrize(
    ("msg_type", "halted_as"), [("Cancel", "cancelled"), ("Update", "superseded")]
)
def test_a_follow_up_halts_the_campaign_of_the_alert_it_replaces(
    publish, areas, audience, author, approver, msg_type, halted_as
):
    alert = publish([areas["Nairobi"]])
    follow_up = authoring.do_create_follow_up(author, alert, msg_type)
    authoring.do_submit_alert(author, follow_up)
    authoring.do_approve_alert(approver, follow_up, authoring.fingerprint(follow_up))
    campaign = Campaign.objects.get(alert=alert)
    assert (campaign.state, campaign.halt_reason) == (
        CampaignState.HALTED,
        f"{halted_as} by {follow_up.identifier}",
    )
    if msg_type == "Update":  # the correction goes out in its own campaign
        assert Campaign.objects.get(alert=follow_up).state == CampaignState.RUNNING


def test_campaign_audit_rows_never_hold_a_number(publish, areas, audience):
    campaign = Campaign.objects.get(alert=publish([areas["Nairobi"]]))
    rows = AuditEvent.objects.filter(object_type="alerts.campaign", object_id=str(campaign.pk))
    assert rows.exists()
    assert not any("+2547" in str(e.after) + e.object_repr for e in rows)


def test_stop_by_sms_stops_the_subscriber_and_queues_the_confirmation(areas, operators, caplog):
    subscriber = add_subscribers(operators[0], areas["Nairobi"], 1, language="fr")[0]
    with caplog.at_level(logging.INFO):
        delivery.handle_mobile_originated(operators[0].pk, subscriber.msisdn, "ARRÊT")
    subscriber.refresh_from_db()
    reply = Message.objects.get(campaign=None)
    assert subscriber.status == "stopped"
    assert (reply.msisdn, reply.operator_id) == (subscriber.msisdn, operators[0].pk)
    outbound = delivery.claim(operators[0].pk, "w1", 5, LEASE)
    assert gsm.join(list(outbound[0].parts)) == reply.text
    assert subscriber.msisdn not in caplog.text


def test_other_texts_change_nothing_and_log_no_number(areas, operators, caplog):
    subscriber = add_subscribers(operators[0], areas["Nairobi"], 1)[0]
    with caplog.at_level(logging.INFO):
        delivery.handle_mobile_originated(operators[0].pk, subscriber.msisdn, "hello\n" * 1000)
    subscriber.refresh_from_db()
    assert (subscriber.status, Message.objects.count()) == ("active", 0)
    assert subscriber.msisdn not in caplog.text


def test_stop_from_an_unknown_or_hostile_number_queues_nothing(operators):
    for number in ("+254799999999", "'; DROP TABLE x;--", "\x00" * 50, "9" * 500):
        delivery.handle_mobile_originated(operators[0].pk, number, "STOP")
    assert not Message.objects.exists()
