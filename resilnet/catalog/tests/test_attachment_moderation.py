"""A file added to a published record is a change like an edit: a contributor's waits for
a moderator (on its own or with the revision they publish); a moderator's is live at once;
live files of a published record are removed by moderators only."""

import pytest
from django.core import mail
from django.core.exceptions import PermissionDenied, ValidationError
from django.test import Client

from resilnet.catalog import selectors, services
from resilnet.catalog.models import Attachment
from resilnet.catalog.taxonomy import AttachmentState
from resilnet.catalog.tests.test_attachments import PDF, PNG
from resilnet.core.models import AuditAction, AuditEvent


def download(client, attachment):
    return client.get(f"/catalog/attachments/{attachment.pk}/")


@pytest.fixture
def published(publish):
    return publish()


@pytest.fixture
def proposed(contributor, published):
    """A file the record's owner added to it once published."""
    return services.do_add_attachment(contributor, published, "evidence.pdf", PDF)


def test_a_contributors_file_is_not_public_until_a_moderator_approves_it(
    client, contributor, moderator, published, proposed
):
    assert proposed.state == AttachmentState.PENDING
    assert download(client, proposed).status_code == 404
    page = client.get(f"/catalog/records/{published.pk}/").content.decode()
    assert "evidence.pdf" not in page

    owner = Client()
    owner.force_login(contributor)
    assert download(owner, proposed).status_code == 200
    assert "awaiting approval" in owner.get(f"/catalog/records/{published.pk}/").content.decode()

    services.do_approve_attachment(moderator, proposed)
    assert download(client, proposed).status_code == 200
    assert "evidence.pdf" in client.get(f"/catalog/records/{published.pk}/").content.decode()
    event = AuditEvent.objects.filter(action=AuditAction.TRANSITIONED).order_by("id").last()
    assert (event.actor, event.object_id) == (moderator, str(published.pk))
    assert event.before == {"attachment": "evidence.pdf", "state": "pending"}
    assert event.after == {"attachment": "evidence.pdf", "state": "live"}


def test_a_moderators_file_is_live_at_once(client, moderator, published):
    attachment = services.do_add_attachment(moderator, published, "order.png", PNG)
    assert attachment.state == AttachmentState.LIVE
    assert download(client, attachment).status_code == 200
    assert attachment not in selectors.pending_attachments()


def test_publishing_the_pending_revision_approves_the_files_added_with_it(
    client, contributor, moderator, published
):
    services.do_update_record(contributor, published, published.content, note="with the order")
    attachment = services.do_add_attachment(contributor, published, "order.pdf", PDF)
    services.do_submit(contributor, published)
    assert download(client, attachment).status_code == 404
    services.do_publish(moderator, published)
    attachment.refresh_from_db()
    assert attachment.state == AttachmentState.LIVE
    assert download(client, attachment).status_code == 200


def test_a_rejected_file_is_removed_and_its_uploader_told_why(
    contributor, moderator, proposed, django_capture_on_commit_callbacks
):
    with pytest.raises(ValidationError, match="reason"):
        services.do_reject_attachment(moderator, proposed, " ")
    with django_capture_on_commit_callbacks(execute=True):
        services.do_reject_attachment(moderator, proposed, "Not the official text.")
    assert not Attachment.objects.filter(pk=proposed.pk).exists()
    assert [m.to for m in mail.outbox] == [[contributor.email]]
    assert "Not the official text." in mail.outbox[0].body
    event = AuditEvent.objects.order_by("id").last()
    assert (event.before, event.reason) == (
        {"attachment": "evidence.pdf"},
        "Not the official text.",
    )


def test_only_moderators_approve_or_reject(contributor, proposed):
    with pytest.raises(PermissionDenied):
        services.do_approve_attachment(contributor, proposed)
    with pytest.raises(PermissionDenied):
        services.do_reject_attachment(contributor, proposed, "mine")
    proposed.refresh_from_db()
    assert proposed.state == AttachmentState.PENDING


def test_live_files_of_a_published_record_are_removed_by_moderators_only(
    contributor, moderator, published, proposed
):
    live = services.do_add_attachment(moderator, published, "order.png", PNG)
    with pytest.raises(PermissionDenied):
        services.do_remove_attachment(contributor, live)
    services.do_remove_attachment(contributor, proposed)  # withdrawn before approval
    services.do_remove_attachment(moderator, live)
    assert not Attachment.objects.exists()


def test_the_moderation_queue_lists_files_and_decides_on_them(client, moderator, proposed):
    client.force_login(moderator)
    page = client.get("/catalog/moderation/").content.decode()
    assert "evidence.pdf" in page
    assert f"/catalog/attachments/{proposed.pk}/approve" in page
    assert selectors.queue_summary()["files"] == 1
    response = client.post(f"/catalog/attachments/{proposed.pk}/approve", {"back": "queue"})
    assert response.url == "/catalog/moderation/"
    proposed.refresh_from_db()
    assert proposed.state == AttachmentState.LIVE
    assert "No file is waiting." in client.get("/catalog/moderation/").content.decode()


def test_the_record_page_offers_the_moderator_to_reject_a_file(client, moderator, proposed):
    client.force_login(moderator)
    page = client.get(f"/catalog/records/{proposed.record_id}/").content.decode()
    assert f"/catalog/attachments/{proposed.pk}/reject" in page
    response = client.post(f"/catalog/attachments/{proposed.pk}/reject", {"reason": "Wrong file"})
    assert response.url == f"/catalog/records/{proposed.record_id}/"
    assert not Attachment.objects.filter(pk=proposed.pk).exists()
    client.force_login(proposed.uploaded_by)
    assert client.post(f"/catalog/attachments/{proposed.pk}/approve").status_code == 404
