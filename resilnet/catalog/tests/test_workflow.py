import pytest
from django.core import mail
from django.core.exceptions import PermissionDenied, ValidationError

from resilnet.catalog import services
from resilnet.catalog.models import Record
from resilnet.catalog.taxonomy import Status
from resilnet.catalog.tests.conftest import measure
from resilnet.core.models import AuditAction, AuditEvent


def test_contributor_creates_a_draft_and_submits_it(contributor, moderator):
    record = services.do_create_record(contributor, measure())
    assert record.status == Status.DRAFT
    assert record.owner == contributor
    services.do_submit(contributor, record)
    record.refresh_from_db()
    assert record.status == Status.SUBMITTED
    assert record.pending_revision.state == Status.SUBMITTED


def test_moderator_publishes_and_everything_is_recorded(
    contributor, moderator, django_capture_on_commit_callbacks
):
    record = services.do_create_record(contributor, measure(), submit=True)
    with django_capture_on_commit_callbacks(execute=True):
        services.do_publish(moderator, record)
    record.refresh_from_db()
    assert record.status == Status.PUBLISHED
    assert record.live_revision.number == 1
    assert record.pending_revision is None
    assert record.published_at is not None
    assert set(record.facets.values_list("name", "value")) >= {
        ("collection", "measure"),
        ("country", "KEN"),
        ("itu_region", "africa"),
        ("category", "consumer_protection"),
        ("binding", "mandatory"),
        ("phase", "emergency"),
        ("year", "2020"),
        ("language", "en"),
    }
    transitions = AuditEvent.objects.filter(
        action=AuditAction.TRANSITIONED, object_id=str(record.pk)
    )
    assert [(e.before["status"], e.after["status"]) for e in transitions.order_by("id")] == [
        ("draft", "submitted"),
        ("submitted", "published"),
    ]
    assert [m.to for m in mail.outbox if "Published" in m.subject] == [["carla@example.org"]]


def test_contributor_cannot_publish(contributor):
    record = services.do_create_record(contributor, measure(), submit=True)
    with pytest.raises(PermissionDenied):
        services.do_publish(contributor, record)
    record.refresh_from_db()
    assert record.status == Status.SUBMITTED


def test_contributor_cannot_edit_anothers_record(contributor, make_user):
    other = make_user("otto", "Contributor")
    record = services.do_create_record(contributor, measure())
    with pytest.raises(PermissionDenied):
        services.do_update_record(other, record, measure(title="Hijacked"))
    record.refresh_from_db()
    assert record.title != "Hijacked"


def test_request_changes_needs_a_reason_and_comes_back(contributor, moderator):
    record = services.do_create_record(contributor, measure(), submit=True)
    with pytest.raises(ValidationError, match="reason"):
        services.do_request_changes(moderator, record, "  ")
    services.do_request_changes(moderator, record, "Add the decision's reference.")
    record.refresh_from_db()
    assert record.status == Status.CHANGES_REQUESTED
    services.do_update_record(contributor, record, measure(title="Zero-rating (Decision 12/2020)"))
    services.do_submit(contributor, record)
    record.refresh_from_db()
    assert record.status == Status.SUBMITTED
    assert record.revisions.count() == 2


def test_edit_of_a_published_record_stays_pending_while_the_live_one_stays(
    publish, contributor, moderator
):
    record = publish()
    services.do_update_record(contributor, record, measure(title="A new title"))
    services.do_submit(contributor, record)
    record.refresh_from_db()
    assert record.status == Status.PUBLISHED
    assert record.title == "Zero-rating of health information sites"
    assert record.pending_revision.state == Status.SUBMITTED
    services.do_publish(moderator, record)
    record.refresh_from_db()
    assert record.title == "A new title"
    assert record.live_revision.number == 2


def test_rejecting_an_edit_keeps_the_published_record(publish, contributor, moderator):
    record = publish()
    services.do_update_record(contributor, record, measure(title="Spam"))
    services.do_submit(contributor, record)
    services.do_reject(moderator, record, "Not an improvement.")
    record.refresh_from_db()
    assert record.status == Status.PUBLISHED
    assert record.title != "Spam"
    assert record.pending_revision is None


def test_archive_removes_from_search(publish, moderator):
    from resilnet.catalog.search import SearchQuery, search

    record = publish()
    assert search(SearchQuery(q="zero-rating")).count == 1
    services.do_archive(moderator, record)
    assert search(SearchQuery(q="zero-rating")).count == 0


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"collection": "gadget"}, "collection"),
        ({"title": {"fr": "Sans titre anglais"}}, "title"),
        ({"countries": ["XXX"]}, "countries"),
        ({"countries": ["nope"]}, "countries.0"),
        ({"fields": {"category": "astrology"}}, "fields"),
        ({"fields": {"binding": "sometimes"}}, "fields"),
        ({"date": "2020-02-30"}, "date"),
        ({"links": [{"url": "javascript:alert(1)"}]}, "links.0.url"),
        ({"unexpected": 1}, "unexpected"),
        ({"title": {"en": "x" * 501}}, "title.en"),
    ],
)
def test_bad_content_names_the_field_and_writes_nothing(contributor, change, field):
    with pytest.raises(ValidationError) as info:
        services.do_create_record(contributor, measure(**change))
    assert any(key.startswith(field) for key in info.value.message_dict), info.value.message_dict
    assert not Record.objects.exists()


def test_case_short_description_is_limited_to_200_words(contributor):
    content = measure(collection="case", fields={"action_lines": ["C7.4"], "sdgs": [3]})
    content["summary"] = {"en": "word " * 201}
    with pytest.raises(ValidationError, match="200 words"):
        services.do_create_record(contributor, content)


def test_visitor_proposal_lands_as_submitted(moderator):
    record = services.do_propose(measure(), name="Ana", email="ana@example.org")
    assert record.status == Status.SUBMITTED
    assert record.owner is None
    services.do_publish(moderator, record)


def test_duplicate_external_id_is_refused(contributor):
    services.do_create_record(contributor, measure(), external_id="x:1")
    with pytest.raises(ValidationError, match="external id"):
        services.do_create_record(contributor, measure(), external_id="x:1")
