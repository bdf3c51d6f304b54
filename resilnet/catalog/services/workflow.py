"""The moderation workflow: submit, publish, request changes, reject, archive, and the
emails that tell owners what moderators decided.

Workflow: draft → submitted → changes requested ⇄ submitted → published → archived
(or rejected). Edits to a published record become a pending revision under moderation
while the published content stays live.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone

from resilnet.catalog.models import Record, RecordFacet, Revision
from resilnet.catalog.schemas import parse_content
from resilnet.catalog.services.attachments import _approve_pending_files
from resilnet.catalog.services.indexing import _unindex
from resilnet.catalog.services.permissions import is_moderator
from resilnet.catalog.services.records import (
    _apply,
    _audit,
    _notify,
    _pending,
    _refresh_live,
    _require_reason,
    _submit,
)
from resilnet.catalog.taxonomy import Status
from resilnet.core.models import User


@transaction.atomic
def do_submit(actor: User, record: Record) -> None:
    record = Record.objects.select_for_update().get(pk=record.pk)
    _submit(actor, record)


def _notify_owner(record: Record, subject: str, body: str) -> None:
    if record.owner is not None:
        _notify([record.owner.email], subject, body)


def _moderate(actor: User, record: Record) -> tuple[Record, Revision]:
    if not is_moderator(actor):
        raise PermissionDenied("Only moderators approve, reject or request changes.")
    record = Record.objects.select_for_update().get(pk=record.pk)
    revision = _pending(record)
    if revision.state != Status.SUBMITTED:
        raise ValidationError({"status": "Only a submitted revision can be moderated."})
    return record, revision


@transaction.atomic
def do_publish(actor: User, record: Record) -> None:
    record, revision = _moderate(actor, record)
    before = record.status
    parsed = parse_content(revision.content)
    _apply(record, parsed)
    record.status = Status.PUBLISHED
    record.published_at = record.published_at or timezone.now()
    record.live_revision = revision
    record.pending_revision = None
    record.save()
    revision.state = Status.PUBLISHED
    revision.save(update_fields=["state"])
    _refresh_live(record, parsed)
    _audit(actor, record, before, revision)
    # The files added with the changes were on the page the moderator approved.
    _approve_pending_files(actor, record)
    _notify_owner(
        record,
        f"[resilnet] Published: {record.title}",
        f"Revision {revision.number} of “{record.title}” is now published.",
    )


@transaction.atomic
def _turn_down(
    actor: User, record: Record, reason: str, state: Status, subject: str, text: str
) -> None:
    """Request changes to, or reject, the submitted revision; the owner reads why."""
    reason = _require_reason(reason)
    record, revision = _moderate(actor, record)
    before = record.status
    revision.state = state
    revision.note = reason
    revision.save(update_fields=["state", "note"])
    if state == Status.REJECTED:
        record.pending_revision = None
    if record.status != Status.PUBLISHED:
        record.status = state
    record.save(update_fields=["status", "pending_revision"])
    _audit(actor, record, before, revision, reason)
    _notify_owner(record, f"[resilnet] {subject}: {record.title}", f"{text}\n\n{reason}")


def do_request_changes(actor: User, record: Record, reason: str) -> None:
    _turn_down(
        actor,
        record,
        reason,
        Status.CHANGES_REQUESTED,
        "Changes requested",
        f"A moderator asks for changes to “{record.title}”:",
    )


def do_reject(actor: User, record: Record, reason: str) -> None:
    _turn_down(
        actor,
        record,
        reason,
        Status.REJECTED,
        "Not accepted",
        f"A moderator did not accept “{record.title}”:",
    )


@transaction.atomic
def do_archive(actor: User, record: Record, reason: str = "") -> None:
    if not is_moderator(actor):
        raise PermissionDenied("Only moderators archive records.")
    record = Record.objects.select_for_update().get(pk=record.pk)
    if record.status != Status.PUBLISHED:
        raise ValidationError({"status": "Only published records are archived."})
    before = record.status
    record.status = Status.ARCHIVED
    record.save(update_fields=["status"])
    RecordFacet.objects.filter(record=record).delete()
    _unindex(record.pk)
    _audit(actor, record, before, record.live_revision, reason)


MODERATION_ACTIONS = {
    "publish": lambda actor, record, reason: do_publish(actor, record),
    "request_changes": do_request_changes,
    "reject": do_reject,
}
MAX_BULK = 200  # the queue page shows at most this many revisions


@dataclass
class BulkOutcome:
    done: list[Record] = field(default_factory=list)
    failed: list[tuple[Record, str]] = field(default_factory=list)


def do_moderate_many(actor: User, action: str, record_ids: list[int], reason: str) -> BulkOutcome:
    """Publish, request changes to, or reject several records' submitted revisions from the
    queue. Each record is decided in its own transaction, as if one by one: a revision
    changed or decided meanwhile by someone else fails alone, with its reason, and the
    others stand. Each decision has its audit row and its email to the owner."""
    if not is_moderator(actor):
        raise PermissionDenied("Only moderators approve, reject or request changes.")
    if action not in MODERATION_ACTIONS:
        raise ValidationError({"action": f"Unknown action {action!r}."})
    if not record_ids:
        raise ValidationError({"records": "Choose at least one revision."})
    if len(record_ids) > MAX_BULK:
        raise ValidationError({"records": f"Choose at most {MAX_BULK} revisions at once."})
    if action != "publish":
        reason = _require_reason(reason)
    outcome = BulkOutcome()
    for record in Record.objects.filter(pk__in=record_ids).order_by("pk"):
        try:
            MODERATION_ACTIONS[action](actor, record, reason)
        except ValidationError as exc:
            outcome.failed.append((record, " ".join(exc.messages)))
        else:
            outcome.done.append(record)
    found = {r.pk for r in outcome.done} | {r.pk for r, _ in outcome.failed}
    for missing in sorted(set(record_ids) - found):
        outcome.failed.append((Record(pk=missing, title=f"#{missing}"), "No such record."))
    return outcome
