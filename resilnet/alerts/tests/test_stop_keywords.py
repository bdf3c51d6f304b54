"""STOP in many languages stops a subscriber at once and answers in their language."""

from __future__ import annotations

import logging

import pytest

from resilnet.alerts.models import Subscriber, SubscriberStatus
from resilnet.alerts.numbers import stop_keyword
from resilnet.alerts.services import audiences
from resilnet.alerts.tests.conftest import write_csv
from resilnet.core.models import AuditEvent

STOPS = [
    "STOP",
    "stop",
    " Stop! ",
    "ＳＴＯＰ",
    "ARRET",
    "ARRÊT",
    "arrêt",
    "Alto",
    "BAJA",
    "СТОП",
    "стоп",
    "停止",
    "退订",
    "توقف",
    "الغاء",
    "إلغاء",
    "ACHA",
    "stop please",
]
NOT_STOPS = ["", "hello", "don't stop", "STOPPED", "stopwatch", "Bajar", "1234", "停止发送"]


@pytest.mark.parametrize("text", STOPS)
def test_stop_and_its_equivalents_are_recognised(text):
    assert stop_keyword(text) is not None


@pytest.mark.parametrize("text", NOT_STOPS)
def test_other_messages_are_not_a_stop(text):
    assert stop_keyword(text) is None


@pytest.fixture
def registry(operator, tmp_path):
    path = write_csv(tmp_path, "msisdn,language\n+254712345678,fr\n+254712345679,ar\n")
    with path.open("rb") as stream:
        audiences.do_import_subscribers(None, stream, "csv", operator="Safaricom")


@pytest.mark.django_db
def test_stop_stops_at_once_and_replies_in_the_subscriber_language(registry, caplog):
    caplog.set_level(logging.INFO)
    outcome = audiences.do_stop_subscriber(None, "254712345678", "Arrêt")
    assert outcome.stopped
    assert outcome.reply == audiences.STOP_CONFIRMATIONS["fr"]
    subscriber = Subscriber.objects.get(msisdn="+254712345678")
    assert subscriber.status == SubscriberStatus.STOPPED
    assert subscriber.stopped_how == "sms"
    assert subscriber.stop_keyword == "arret"
    arabic = audiences.do_stop_subscriber(None, "+254712345679", "إلغاء")
    assert arabic.reply == audiences.STOP_CONFIRMATIONS["ar"]
    again = audiences.do_stop_subscriber(None, "254712345678", "STOP")
    assert not again.stopped
    assert again.reply
    assert "712345678" not in caplog.text
    for event in AuditEvent.objects.all():
        assert "712345678" not in f"{event.object_repr}{event.after}{event.actor_label}"


@pytest.mark.django_db
def test_a_stopped_subscriber_stays_stopped_when_imported_again(registry, tmp_path):
    audiences.do_stop_subscriber(None, "+254712345678", "STOP")
    path = write_csv(tmp_path, "msisdn,language\n+254712345678,en\n", "again.csv")
    with path.open("rb") as stream:
        report = audiences.do_import_subscribers(None, stream, "csv", operator="Safaricom")
    assert report.updated == 1
    subscriber = Subscriber.objects.get(msisdn="+254712345678")
    assert (subscriber.status, subscriber.language) == (SubscriberStatus.STOPPED, "en")
    audiences.do_resubscribe(None, subscriber, consent_source="called the hotline")
    subscriber.refresh_from_db()
    assert subscriber.status == SubscriberStatus.ACTIVE


@pytest.mark.django_db
def test_other_messages_and_unknown_numbers_change_nothing(registry):
    assert audiences.do_stop_subscriber(None, "+254712345678", "hello").keyword is None
    unknown = audiences.do_stop_subscriber(None, "+254733000111", "STOP")
    assert unknown.subscriber is None
    assert unknown.reply is None
    assert audiences.do_stop_subscriber(None, "garbage", "STOP").subscriber is None
    assert not Subscriber.objects.filter(status=SubscriberStatus.STOPPED).exists()
