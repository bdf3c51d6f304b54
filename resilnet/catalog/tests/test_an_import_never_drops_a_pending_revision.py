"""A re-import changes a record's live content and leaves its pending revision pending:
the moderator still decides on it, and sees that the live content changed under it."""

import pytest
from django.test import Client

from resilnet.catalog import selectors, services
from resilnet.catalog.models import Record
from resilnet.catalog.taxonomy import Status
from resilnet.catalog.tests.test_api import bearer
from resilnet.catalog.tests.test_import import GOOD, csv_bytes, run
from resilnet.core.models import AuditEvent, Role

EDITED = "The moderator's own wording."
REIMPORTED = "Changed by the source."


@pytest.fixture
def pending(moderator):
    """m1 imported and published, then edited and submitted by a moderator."""
    run(csv_bytes(*GOOD), moderator)
    record = Record.objects.get(external_id="m1")
    content = dict(record.content, summary={"en": EDITED})
    services.do_update_record(moderator, record, content, note="clearer")
    services.do_submit(moderator, record)
    record.refresh_from_db()
    return record


def reimport(moderator):
    return run(csv_bytes(GOOD[0].replace("Operators zero-rate.", REIMPORTED)), moderator)


def test_the_import_updates_the_live_content_and_keeps_the_pending_revision(moderator, pending):
    revision = pending.pending_revision
    report = reimport(moderator)
    assert report.updated == 1
    record = Record.objects.get(pk=pending.pk)
    assert record.text("summary", "en") == REIMPORTED
    assert (record.live_revision.number, record.live_revision.note) == (3, "import")
    assert record.pending_revision == revision
    assert record.pending_revision.state == Status.SUBMITTED
    assert revision in selectors.moderation_queue()
    events = AuditEvent.objects.filter(object_id=str(record.pk), reason="import")
    event = events.order_by("id").last()
    assert event.after == {"status": "published", "revision": 3, "pending_revision": 2}


@pytest.mark.parametrize(
    ("action", "summary", "state"),
    [("publish", EDITED, Status.PUBLISHED), ("reject", REIMPORTED, Status.REJECTED)],
)
def test_the_moderator_decides_on_it_after_the_import(moderator, pending, action, summary, state):
    revision = pending.pending_revision
    reimport(moderator)
    response = Client().post(
        f"/api/v1/catalog/records/{pending.pk}/transitions",
        {"action": action, "reason": "Checked against the source."},
        content_type="application/json",
        **bearer(moderator, Role.MODERATOR),
    )
    assert response.status_code == 200, response.content
    record = Record.objects.get(pk=pending.pk)
    assert record.status == Status.PUBLISHED
    assert record.pending_revision is None
    assert record.text("summary", "en") == summary
    revision.refresh_from_db()
    assert revision.state == state


def test_the_record_page_says_the_live_content_changed_underneath(client, moderator, pending):
    client.force_login(moderator)
    before = client.get(f"/catalog/records/{pending.pk}/").content.decode()
    reimport(moderator)
    after = client.get(f"/catalog/records/{pending.pk}/").content.decode()
    notice = "The published content changed after this revision was written"
    assert notice not in before
    assert notice in after
    assert "Approve and publish" in after


def test_a_draft_with_the_imported_external_id_keeps_its_draft(moderator, contributor):
    from resilnet.catalog.tests.conftest import measure

    draft = services.do_create_record(contributor, measure(title="Mine"), external_id="m1")
    run(csv_bytes(*GOOD), moderator)
    record = Record.objects.get(pk=draft.pk)
    assert record.status == Status.PUBLISHED
    assert record.title == "Zero-rating of health sites"
    assert record.pending_revision.content["title"] == {"en": "Mine"}
    assert record.owner == contributor
