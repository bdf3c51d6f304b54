"""Alerts' fixtures: an author, an approver and a complete cholera alert to start from; an
operator and Kenya's areas (the schools module's fixture: the country, Nairobi and Mombasa)."""

from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone

from resilnet.alerts.services import audiences, authoring
from resilnet.core.models import Role
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
