"""Drafting, two-person approval, scheduling and publication of alerts."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core.exceptions import PermissionDenied
from django.utils import timezone

from resilnet.alerts.models import Alert, AlertState
from resilnet.alerts.services import authoring
from resilnet.alerts.services.authoring import AlertInvalid
from resilnet.core.models import AuditEvent, Role

from .conftest import cholera

pytestmark = pytest.mark.django_db


def _submitted(author, **changes):
    alert = authoring.do_create_alert(author, cholera(**changes))
    return authoring.do_submit_alert(author, alert)


def test_an_approved_alert_is_published_at_once_with_its_sent_time(published, approver):
    published.refresh_from_db()
    assert published.state == AlertState.PUBLISHED
    assert published.sent is not None
    assert published.approver == approver
    assert authoring.approval_is_valid(published)
    states = [
        e.after["state"]
        for e in AuditEvent.objects.filter(
            object_id=str(published.pk), action="transitioned"
        ).order_by("id")
    ]
    assert states == ["submitted", "approved", "published"]


def test_the_author_cannot_approve_their_own_alert(make_user):
    both = make_user("solo", Role.ALERT_AUTHOR, Role.ALERT_APPROVER)
    alert = _submitted(both)
    with pytest.raises(PermissionDenied, match="did not write it"):
        authoring.do_approve_alert(both, alert, authoring.fingerprint(alert))
    assert Alert.objects.get(pk=alert.pk).state == AlertState.SUBMITTED


def test_someone_who_edited_the_alert_cannot_approve_it(author, make_user):
    editor = make_user("carla", Role.ALERT_AUTHOR, Role.ALERT_APPROVER)
    alert = authoring.do_create_alert(author, cholera())
    authoring.do_edit_alert(editor, alert, cholera(note="checked"))
    authoring.do_submit_alert(author, alert)
    with pytest.raises(PermissionDenied):
        authoring.do_approve_alert(editor, alert, authoring.fingerprint(alert))


def test_approval_needs_the_approver_role(author, make_user):
    alert = _submitted(author)
    other_author = make_user("dan", Role.ALERT_AUTHOR)
    with pytest.raises(PermissionDenied, match="Alert approver"):
        authoring.do_approve_alert(other_author, alert, authoring.fingerprint(alert))


def test_approving_what_changed_since_review_is_refused(author, approver):
    alert = _submitted(author)
    seen = authoring.fingerprint(alert)
    alert.infos.filter(language="en").update(sms_text="Different text")
    with pytest.raises(AlertInvalid) as raised:
        authoring.do_approve_alert(approver, alert, seen)
    assert "fingerprint" in raised.value.message_dict


def test_editing_an_approved_alert_asks_approval_again(author, approver):
    later = timezone.now() + dt.timedelta(hours=2)
    alert = _submitted(author, publish_at=later)
    authoring.do_approve_alert(approver, alert, authoring.fingerprint(alert))
    alert.refresh_from_db()
    assert alert.state == AlertState.APPROVED
    authoring.do_edit_alert(author, alert, cholera(publish_at=later, note="one more word"))
    alert.refresh_from_db()
    assert alert.state == AlertState.DRAFT
    assert alert.approver is None
    assert alert.approval_fingerprint == ""


def test_a_scheduled_alert_is_published_when_its_time_comes(author, approver):
    later = timezone.now() + dt.timedelta(hours=2)
    alert = _submitted(author, publish_at=later)
    authoring.do_approve_alert(approver, alert, authoring.fingerprint(alert))
    assert authoring.publish_due_alerts(now=later - dt.timedelta(minutes=1)) == 0
    assert authoring.publish_due_alerts(now=later) == 1
    alert.refresh_from_db()
    assert alert.state == AlertState.PUBLISHED
    assert alert.sent == later


def test_an_approval_that_no_longer_matches_is_void_at_publication(author, approver):
    later = timezone.now() + dt.timedelta(hours=2)
    alert = _submitted(author, publish_at=later)
    authoring.do_approve_alert(approver, alert, authoring.fingerprint(alert))
    # A change that went around the services (a database edit) still voids the approval.
    alert.areas.update(area_desc="Somewhere else")
    assert authoring.publish_due_alerts(now=later) == 0
    alert.refresh_from_db()
    assert alert.state == AlertState.SUBMITTED
    assert alert.sent is None
    assert AuditEvent.objects.filter(
        object_id=str(alert.pk), reason__contains="approval void"
    ).exists()


def test_a_rejection_needs_a_reason_and_returns_the_alert_to_its_author(author, approver):
    alert = _submitted(author)
    with pytest.raises(AlertInvalid, match="why"):
        authoring.do_reject_alert(approver, alert, "  ")
    authoring.do_reject_alert(approver, alert, "Wrong province")
    alert.refresh_from_db()
    assert alert.state == AlertState.REJECTED
    assert alert.rejection_reason == "Wrong province"
    authoring.do_submit_alert(author, alert)  # resubmitted as it is, or after an edit
    assert Alert.objects.get(pk=alert.pk).state == AlertState.SUBMITTED


def test_an_update_supersedes_and_a_cancel_cancels_the_earlier_alert(published, author, approver):
    update = authoring.do_create_follow_up(author, published, "Update")
    assert list(update.references.all()) == [published]
    authoring.do_submit_alert(author, update)
    authoring.do_approve_alert(approver, update, authoring.fingerprint(update))
    published.refresh_from_db()
    assert published.state == AlertState.SUPERSEDED
    cancel = authoring.do_create_follow_up(author, update, "Cancel")
    assert set(cancel.references.all()) == {published, update}
    authoring.do_submit_alert(author, cancel)
    authoring.do_approve_alert(approver, cancel, authoring.fingerprint(cancel))
    update.refresh_from_db()
    assert update.state == AlertState.CANCELLED


def test_only_a_published_alert_can_be_followed_up(author):
    draft = authoring.do_create_alert(author, cholera())
    with pytest.raises(AlertInvalid, match="published"):
        authoring.do_create_follow_up(author, draft, "Cancel")


def test_a_published_alert_cannot_be_edited(published, author):
    with pytest.raises(AlertInvalid):
        authoring.do_edit_alert(author, published, cholera(note="late"))


def test_drafting_needs_the_author_role(approver):
    with pytest.raises(PermissionDenied):
        authoring.do_create_alert(approver, cholera())
    assert not Alert.objects.exists()


def test_every_step_is_in_the_audit_log(published):
    actions = list(
        AuditEvent.objects.filter(object_type="alerts.alert", object_id=str(published.pk))
        .order_by("id")
        .values_list("action", "actor_label")
    )
    assert actions == [
        ("created", "amina"),
        ("transitioned", "amina"),
        ("transitioned", "bruno"),
        ("transitioned", "bruno"),
    ]
