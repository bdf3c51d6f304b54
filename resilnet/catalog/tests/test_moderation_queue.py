"""Moderators filter the queue and decide on several revisions at once from it."""

from datetime import timedelta

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils import timezone

from resilnet.catalog import selectors, services
from resilnet.catalog.models import Record, Revision
from resilnet.catalog.taxonomy import Status
from resilnet.catalog.tests.conftest import measure
from resilnet.core.models import AuditAction, AuditEvent


@pytest.fixture
def waiting(contributor):
    """Three submitted measures: Kenya's (waiting 10 days), Uganda's and one naming both."""
    kenya = services.do_create_record(contributor, measure("Kenya caps"), submit=True)
    uganda = services.do_create_record(
        contributor, measure("Uganda caps", countries=["UGA"]), submit=True
    )
    both = services.do_create_record(
        contributor, measure("East Africa caps", countries=["KEN", "UGA"]), submit=True
    )
    Revision.objects.filter(record=kenya).update(created_at=timezone.now() - timedelta(days=10))
    return {"kenya": kenya, "uganda": uganda, "both": both}


def titles(revisions):
    return [r.record.title for r in revisions]


def test_the_queue_filters_by_country_named_in_the_submitted_revision(waiting):
    assert titles(selectors.filtered_queue(country="KEN")) == ["Kenya caps", "East Africa caps"]
    assert titles(selectors.filtered_queue(country="UGA")) == ["Uganda caps", "East Africa caps"]
    assert selectors.queue_countries() == ["KEN", "UGA"]


def test_the_queue_filters_by_age_and_collection(waiting):
    assert titles(selectors.filtered_queue(waiting_days=7)) == ["Kenya caps"]
    assert len(selectors.filtered_queue(collection="measure")) == 3
    assert selectors.filtered_queue(collection="case") == []


def test_a_moderator_publishes_several_at_once_each_audited(moderator, waiting):
    outcome = services.do_moderate_many(
        moderator, "publish", [waiting["kenya"].pk, waiting["uganda"].pk], ""
    )
    assert sorted(r.title for r in outcome.done) == ["Kenya caps", "Uganda caps"]
    assert outcome.failed == []
    statuses = dict(Record.objects.values_list("title", "status"))
    assert statuses == {
        "Kenya caps": Status.PUBLISHED,
        "Uganda caps": Status.PUBLISHED,
        "East Africa caps": Status.SUBMITTED,
    }
    published = AuditEvent.objects.filter(
        actor=moderator, action=AuditAction.TRANSITIONED, after__status=Status.PUBLISHED
    )
    assert published.count() == 2


def test_one_revision_decided_meanwhile_fails_alone(moderator, waiting):
    services.do_reject(moderator, waiting["uganda"], "Duplicate.")
    outcome = services.do_moderate_many(
        moderator,
        "request_changes",
        [waiting["kenya"].pk, waiting["uganda"].pk, 999999],
        "Cite it.",
    )
    assert [r.title for r in outcome.done] == ["Kenya caps"]
    reasons = {record.title: reason for record, reason in outcome.failed}
    assert set(reasons) == {"Uganda caps", "#999999"}
    assert "no pending changes" in reasons["Uganda caps"]
    kenya = Record.objects.get(pk=waiting["kenya"].pk)
    assert kenya.status == Status.CHANGES_REQUESTED


def test_turning_down_several_needs_a_reason_and_a_moderator(contributor, moderator, waiting):
    with pytest.raises(ValidationError, match="reason"):
        services.do_moderate_many(moderator, "reject", [waiting["kenya"].pk], "  ")
    with pytest.raises(ValidationError, match="Unknown action"):
        services.do_moderate_many(moderator, "delete", [waiting["kenya"].pk], "x")
    with pytest.raises(ValidationError, match="at most"):
        services.do_moderate_many(moderator, "publish", list(range(1, 300)), "")
    with pytest.raises(PermissionDenied):
        services.do_moderate_many(contributor, "publish", [waiting["kenya"].pk], "")
    assert not Record.objects.filter(status=Status.PUBLISHED).exists()


def test_the_queue_page_filters_and_decides_then_redirects_back(client, moderator, waiting):
    client.force_login(moderator)
    page = client.get("/catalog/moderation/?country=UGA&waiting=").content.decode()
    assert "Uganda caps" in page
    assert "East Africa caps" in page
    assert "Kenya caps" not in page
    assert 'name="record"' in page
    response = client.post(
        "/catalog/moderation/decide",
        {
            "record": [waiting["uganda"].pk, waiting["both"].pk],
            "action": "reject",
            "reason": "Out of scope.",
            "query": "country=UGA",
        },
    )
    assert response.status_code == 302
    assert response.url == "/catalog/moderation/?country=UGA"
    after = client.get(response.url).content.decode()
    assert "2 records decided." in after
    assert "Nothing waiting matches these filters." in after
    assert Record.objects.filter(status=Status.REJECTED).count() == 2


def test_the_queue_page_ignores_hostile_filters_and_refuses_others(
    client, contributor, moderator, waiting
):
    client.force_login(moderator)
    hostile = "/catalog/moderation/?country=%27%3B+DROP+TABLE&waiting=abc&collection=%3Cx%3E"
    page = client.get(hostile)
    assert page.status_code == 200
    assert "Kenya caps" in page.content.decode()
    response = client.post(
        "/catalog/moderation/decide",
        {"record": ["x", "-1"], "action": "publish", "query": "a=1\r\nLocation: http://evil"},
    )
    assert response.status_code == 302
    assert response.url.startswith("/catalog/moderation/?")
    assert "\n" not in response.url
    assert "evil" not in response.url.split("?")[0]
    client.force_login(contributor)
    assert client.get("/catalog/moderation/").status_code == 403
    refused = client.post(
        "/catalog/moderation/decide", {"record": [waiting["kenya"].pk], "action": "publish"}
    )
    assert refused.status_code == 403
    assert not Record.objects.filter(status=Status.PUBLISHED).exists()
