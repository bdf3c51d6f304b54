"""Refusals of alert content, each naming the field and language at fault."""

from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone

from resilnet.alerts.models import Alert, AlertInfo
from resilnet.alerts.services import authoring
from resilnet.alerts.services.authoring import AlertInvalid, AreaInput

from .conftest import cholera

pytestmark = pytest.mark.django_db


def _errors(author, data) -> dict[str, list[str]]:
    with pytest.raises(AlertInvalid) as raised:
        authoring.do_create_alert(author, data)
    assert not Alert.objects.exists()
    assert not AlertInfo.objects.exists()
    return raised.value.message_dict


def _submit_errors(author, data) -> dict[str, list[str]]:
    alert = authoring.do_create_alert(author, data)
    with pytest.raises(AlertInvalid) as raised:
        authoring.do_submit_alert(author, alert)
    return raised.value.message_dict


def test_a_polygon_that_is_not_closed_is_refused(author):
    area = AreaInput("Open", polygons=[[[1, 30], [1, 31], [2, 31], [2, 30]]])
    errors = _errors(author, cholera(areas=[area]))
    assert "not closed" in errors["area[0].polygon[0]"][0]


@pytest.mark.parametrize(
    "ring",
    [
        [[1, 30], [1, 31], [1, 30]],
        [[91, 30], [1, 31], [2, 31], [91, 30]],
        [["a", 1]] * 4,
        "1,2 3,4",
    ],
)
def test_malformed_polygons_are_refused(author, ring):
    errors = _errors(author, cholera(areas=[AreaInput("Bad", polygons=[ring])]))
    assert "area[0].polygon[0]" in errors


def test_a_circle_with_a_negative_radius_is_refused(author):
    errors = _errors(author, cholera(areas=[AreaInput("C", circles=[[1, 2, -5]])]))
    assert "area[0].circle[0]" in errors


def test_an_unknown_admin_area_is_refused(author):
    errors = _errors(author, cholera(areas=[AreaInput("Province", admin_area_ids=[987654])]))
    assert "987654" in errors["area[0].admin_areas"][0]


def test_sms_text_over_the_segment_cap_names_the_language(author):
    data = cholera(sms_segment_cap=1)
    data.infos[1].sms_text = "ç" * 71  # two UCS-2 segments
    errors = _errors(author, data)
    assert "over this alert's cap of 1" in errors["info[fr].sms_text"][0]
    assert "UCS-2" in errors["info[fr].sms_text"][0]


def test_sms_text_no_encoding_carries_names_the_position(author):
    data = cholera()
    data.infos[2].sms_text = "ok\x00"
    errors = _errors(author, data)
    assert "Character 3 (U+0000)" in errors["info[ar].sms_text"][0]


@pytest.mark.parametrize("status", ["Test", "Exercise", "System", "Draft"])
def test_a_test_alert_aimed_at_a_live_audience_is_refused(author, status):
    errors = _errors(author, cholera(status=status, audience="live"))
    assert status in errors["audience"][0]


def test_a_test_alert_for_test_audiences_is_accepted(author):
    assert authoring.do_create_alert(author, cholera(status="Test", audience="test")).pk


def test_two_info_blocks_in_one_language_are_refused(author):
    data = cholera()
    data.infos[1].language = "en"
    assert "info[en].language" in _errors(author, data)


@pytest.mark.parametrize(
    ("field", "value", "message"),
    [
        ("urgency", "Unknown", "Unknown"),
        ("severity", "Unknown", "Unknown"),
        ("certainty", "Unknown", "Unknown"),
        ("event", "An event name far longer than the feeds allow", "under 35"),
        ("expires", None, "required"),
        ("headline", "", "required"),
    ],
)
def test_submission_applies_the_feed_rules(author, field, value, message):
    data = cholera()
    setattr(data.infos[1], field, value)
    errors = _submit_errors(author, data)
    assert message in " ".join(errors[f"info[fr].{field}"])


def test_an_expiry_in_the_past_is_refused_at_submission(author):
    data = cholera()
    data.infos[0].expires = timezone.now() - dt.timedelta(minutes=1)
    assert "passed" in _submit_errors(author, data)["info[en].expires"][0]


def test_an_alert_without_area_cannot_be_submitted(author):
    assert "areas" in _submit_errors(author, cholera(areas=[]))


def test_control_characters_in_texts_are_refused(author):
    data = cholera()
    data.infos[0].description = "Boil\x07 water"
    assert "U+0007" in _errors(author, data)["info[en].description"][0]


def test_huge_texts_are_refused_with_their_length(author):
    data = cholera()
    data.infos[0].description = "x" * 100_000
    assert "100000" in _errors(author, data)["info[en].description"][0]


@pytest.mark.parametrize("identifier", ["has space", "a,b", "a<b", "a&b", "x" * 201])
def test_identifiers_cap_forbids_are_refused(author, identifier):
    assert "identifier" in _errors(author, cholera(identifier=identifier))


def test_a_naive_time_is_refused(author):
    data = cholera(publish_at=dt.datetime(2026, 11, 30, 5, 0))
    assert "publish_at" in _errors(author, data)


def test_an_unknown_language_is_refused(author):
    data = cholera()
    data.infos[0].language = "de"
    assert "info[de].language" in _errors(author, data)
