"""Alerts' fixtures: an author, an approver and a complete cholera alert to start from; an
operator and Kenya's areas (the schools module's fixture: the country, Nairobi and Mombasa);
for delivery, two operators, subscribers in those areas and alerts aimed at them."""

from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone

from resilnet.alerts.models import Subscriber
from resilnet.alerts.services import audiences, authoring
from resilnet.core.models import Role
from resilnet.schools.models import AdminArea
from resilnet.schools.tests.conftest import kenya  # noqa: F401 (a fixture)


@pytest.fixture
def author(make_user):
    return make_user("amina", Role.ALERT_AUTHOR)


@pytest.fixture
def approver(make_user):
    return make_user("bruno", Role.ALERT_APPROVER)


def cholera(**changes) -> authoring.AlertInput:
    expires = timezone.now() + dt.timedelta(days=3)
    infos = [
        authoring.InfoInput(
            language=lang,
            event=event,
            urgency="Immediate",
            severity="Severe",
            certainty="Observed",
            expires=expires,
            headline=headline,
            description=headline + ".",
            instruction="Boil water.",
            sms_text=sms,
        )
        for lang, event, headline, sms in (
            ("en", "Cholera outbreak", "Cholera in two provinces", "Cholera: boil water."),
            ("fr", "Épidémie de choléra", "Choléra dans deux provinces", "Choléra : eau bouillie."),
            ("ar", "تفشي الكوليرا", "الكوليرا في مقاطعتين", "الكوليرا: اغلوا الماء."),
        )
    ]
    area = authoring.AreaInput(
        area_desc="North and East provinces",
        polygons=[[[1.0, 30.0], [1.0, 31.0], [2.0, 31.0], [1.0, 30.0]]],
        circles=[[1.5, 30.5, 25.0]],
        geocodes=[["ISO3166-2", "XX-NO"]],
    )
    values = {"status": "Actual", "audience": "live", "infos": infos, "areas": [area]}
    return authoring.AlertInput(**(values | changes))


@pytest.fixture
def cholera_input():
    return cholera


@pytest.fixture
def published(author, approver):
    alert = authoring.do_create_alert(author, cholera())
    authoring.do_submit_alert(author, alert)
    return authoring.do_approve_alert(approver, alert, authoring.fingerprint(alert))


@pytest.fixture
def operator(db):
    return audiences.do_add_operator(
        None, name="Safaricom", host="127.0.0.1", port=2775, system_id="demo", password="pw123"
    )


def write_csv(tmp_path, text: str, name: str = "subscribers.csv"):
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


# Delivery: operators, subscribers in Kenya's areas, alerts aimed at them ---------------


@pytest.fixture
def areas(kenya):  # noqa: F811 (the schools fixture)
    """Kenya's areas by name (the country, Nairobi, Mombasa)."""
    return {a.name: a.pk for a in AdminArea.objects.all()}


@pytest.fixture
def operators(db):
    return [
        audiences.do_add_operator(
            None, name=name, host="127.0.0.1", port=port, system_id="demo", password="pw123"
        )
        for name, port in (("Safaricom", 2775), ("Airtel", 2776))
    ]


def add_subscribers(operator, area_id, n, *, language="en", test=False, start=0, prefix="+2547"):
    now = timezone.now()
    return Subscriber.objects.bulk_create(
        Subscriber(
            msisdn=f"{prefix}{start + i:08d}",
            operator=operator,
            area_id=area_id,
            language=language,
            consent_source="test",
            consent_at=now,
            is_test=test,
        )
        for i in range(n)
    )


@pytest.fixture
def publish(author, approver):
    def publish(area_ids, **changes):
        base = cholera(**changes)
        for area in base.areas:
            area.admin_area_ids = list(area_ids)
        alert = authoring.do_create_alert(author, base)
        authoring.do_submit_alert(author, alert)
        return authoring.do_approve_alert(approver, alert, authoring.fingerprint(alert))

    return publish
