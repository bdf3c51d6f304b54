"""Every change to the catalog: create, edit, the moderation workflow, import.

Each function checks who may do it, validates the content against RecordContent, writes
the record, its revision, its facets and its search index entry, and appends to the
audit log, all in one transaction; emails go out only once that transaction commits.

Workflow: draft → submitted → changes requested ⇄ submitted → published → archived
(or rejected). Edits to a published record become a pending revision under moderation
while the published content stays live.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.mail import send_mail
from django.db import transaction
from django.utils import timezone

from resilnet.catalog import search
from resilnet.catalog.models import Record, RecordFacet, Revision
from resilnet.catalog.schemas import ContentError, RecordContent, parse_content
from resilnet.catalog.taxonomy import Collection, Status
from resilnet.core import selectors as core_selectors
from resilnet.core.models import AuditAction, Role, User
from resilnet.core.services import record_audit

# Facet name → how to read its values from validated content.
LIST_FIELDS = {"action_line": "action_lines", "sdg": "sdgs", "audience": "audiences"}
SCALAR_FIELDS = ("category", "phase", "binding", "stakeholder_type", "resource_type")


def is_moderator(user: User | None) -> bool:
    return bool(user and user.is_authenticated and user.has_role(Role.MODERATOR)) or bool(
        user and user.is_authenticated and user.is_administrator
    )


def can_edit(user: User | None, record: Record) -> bool:
    if user is None or not user.is_authenticated:
        return False
    if is_moderator(user) or user.has_perm("catalog.change_record", record):
        return True
    # Owners may propose changes to their published record; a moderator approves them.
    return record.owner_id == user.pk and record.status == Status.PUBLISHED


def validate(content: dict[str, Any]) -> RecordContent:
    """Validated content, or a ValidationError naming each bad field."""
    try:
        parsed = parse_content(content)
    except ContentError as exc:
        messages: dict[str, list[str]] = {}
        for error in exc.errors:
            key = ".".join(map(str, error["loc"])) or "content"
            messages.setdefault(key, []).append(error["msg"])
        raise ValidationError(messages) from None
    unknown = set(parsed.countries) - set(
        core_selectors.countries().filter(iso3__in=parsed.countries).values_list("iso3", flat=True)
    )
    if unknown:
        raise ValidationError(
            {"countries": f"Unknown country code(s): {', '.join(sorted(unknown))}"}
        )
    return parsed


def facets_of(record: Record, content: RecordContent) -> set[tuple[str, str]]:
    values: set[tuple[str, str]] = {("collection", record.collection)}
    values |= {("country", iso3) for iso3 in content.countries}
    regions = core_selectors.countries().filter(
        iso3__in=content.countries, itu_region__isnull=False
    )
    values |= {("itu_region", code) for code in regions.values_list("itu_region__code", flat=True)}
    values |= {("language", language) for language in content.title}
    fields = content.fields
    for name in SCALAR_FIELDS:
        if fields.get(name):
            values.add((name, str(fields[name])))
    for name, key in LIST_FIELDS.items():
        values |= {(name, str(v)) for v in fields.get(key, [])}
    when = content.date or (record.published_at.date() if record.published_at else None)
    if when:
        values.add(("year", str(when.year)))
    return values


def _apply(record: Record, content: RecordContent) -> None:
    """Copy validated content into the record's columns (not its facets or index)."""
    record.collection = content.collection
    record.original_language = content.original_language
    record.title = content.text("title", content.original_language)[:500]
    record.content = content.model_dump(mode="json")
    record.record_date = content.date
    record.updated_at = timezone.now()


def _refresh_live(record: Record, content: RecordContent) -> None:
    record.countries.set(core_selectors.countries().filter(iso3__in=content.countries))
    RecordFacet.objects.filter(record=record).delete()
    RecordFacet.objects.bulk_create(
        RecordFacet(record=record, name=name, value=value[:100])
        for name, value in sorted(facets_of(record, content))
    )
    search.index_record(record)


def _new_revision(
    record: Record, actor: User | None, content: RecordContent, state: str, note: str = ""
) -> Revision:
    number = (
        record.revisions.order_by("-number").values_list("number", flat=True).first() or 0
    ) + 1
    return Revision.objects.create(
        record=record,
        number=number,
        author=actor if actor and actor.pk else None,
        state=state,
        content=content.model_dump(mode="json"),
        note=note,
    )


def _audit(
    actor: User | None, record: Record, before: str, revision: Revision | None, reason: str = ""
) -> None:
    record_audit(
        actor,
        AuditAction.TRANSITIONED,
        record,
        before={"status": before},
        after={"status": record.status, "revision": revision.number if revision else None},
        reason=reason,
    )


def _notify(recipients: Iterable[str], subject: str, body: str) -> None:
    to = sorted({address for address in recipients if address})
    if to:
        transaction.on_commit(
            lambda: send_mail(subject, body, settings.DEFAULT_FROM_EMAIL, to, fail_silently=True)
        )


def _moderator_emails() -> list[str]:
    return list(
        User.objects.filter(groups__name=Role.MODERATOR, is_active=True).values_list(
            "email", flat=True
        )
    )


# Creating and editing -------------------------------------------------------------


@transaction.atomic
def do_create_record(
    actor: User | None,
    content: dict[str, Any],
    *,
    external_id: str | None = None,
    submit: bool = False,
) -> Record:
    if (
        actor is None
        or not actor.is_authenticated
        or not (actor.has_role(Role.CONTRIBUTOR) or is_moderator(actor))
    ):
        raise PermissionDenied("Only contributors and moderators create records.")
    parsed = validate(content)
    if external_id and Record.objects.filter(external_id=external_id).exists():
        raise ValidationError({"external_id": f"A record with external id {external_id!r} exists."})
    record = Record(owner=actor, external_id=external_id or None)
    _apply(record, parsed)
    record.save()
    revision = _new_revision(record, actor, parsed, Status.DRAFT)
    record.pending_revision = revision
    record.save(update_fields=["pending_revision"])
    record_audit(actor, AuditAction.CREATED, record, after={"collection": record.collection})
    if submit:
        do_submit(actor, record)
    return record


@transaction.atomic
def do_update_record(
    actor: User, record: Record, content: dict[str, Any], note: str = ""
) -> Revision:
    record = Record.objects.select_for_update().get(pk=record.pk)
    if not can_edit(actor, record):
        raise PermissionDenied("You may not edit this record in its current state.")
    if record.status in (Status.ARCHIVED, Status.REJECTED) and not is_moderator(actor):
        raise PermissionDenied("Archived and rejected records are edited by moderators only.")
    parsed = validate(content)
    if parsed.collection != record.collection:
        raise ValidationError({"collection": "A record cannot change collection."})
    revision = _new_revision(record, actor, parsed, Status.DRAFT, note)
    record.pending_revision = revision
    if record.status != Status.PUBLISHED:
        # Never published: the record shows its latest draft.
        _apply(record, parsed)
        if record.status in (Status.SUBMITTED,) and not is_moderator(actor):
            record.status = Status.DRAFT
    record.updated_at = timezone.now()
    record.save()
    record_audit(
        actor, AuditAction.UPDATED, record, after={"revision": revision.number}, reason=note
    )
    return revision


# The moderation workflow ------------------------------------------------------------


def _pending(record: Record) -> Revision:
    if record.pending_revision is None:
        raise ValidationError({"status": "This record has no pending changes."})
    return record.pending_revision


@transaction.atomic
def do_submit(actor: User, record: Record) -> None:
    record = Record.objects.select_for_update().get(pk=record.pk)
    if not can_edit(actor, record):
        raise PermissionDenied("You may not submit this record.")
    revision = _pending(record)
    if revision.state not in (Status.DRAFT, Status.CHANGES_REQUESTED):
        raise ValidationError(
            {"status": f"A {revision.get_state_display()} revision cannot be submitted."}
        )
    before = record.status
    revision.state = Status.SUBMITTED
    revision.save(update_fields=["state"])
    if record.status != Status.PUBLISHED:
        record.status = Status.SUBMITTED
        record.save(update_fields=["status"])
    _audit(actor, record, before, revision)
    _notify(
        _moderator_emails(),
        f"[resilnet] Submitted for moderation: {record.title}",
        f"{actor.get_username() if actor else 'A visitor'} submitted revision {revision.number} "
        f"of “{record.title}”. Review it in the moderation queue.",
    )


def _moderate(actor: User, record: Record) -> tuple[Record, Revision]:
    if not is_moderator(actor):
        raise PermissionDenied("Only moderators approve, reject or request changes.")
    record = Record.objects.select_for_update().get(pk=record.pk)
    revision = _pending(record)
    if revision.state != Status.SUBMITTED:
        raise ValidationError({"status": "Only a submitted revision can be moderated."})
    return record, revision


def _require_reason(reason: str) -> str:
    reason = reason.strip()
    if not reason:
        raise ValidationError({"reason": "Give a reason: the contributor will read it."})
    return reason[:5000]


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
    _notify(
        [record.owner.email] if record.owner else [],
        f"[resilnet] Published: {record.title}",
        f"Revision {revision.number} of “{record.title}” is now published.",
    )


@transaction.atomic
def do_request_changes(actor: User, record: Record, reason: str) -> None:
    reason = _require_reason(reason)
    record, revision = _moderate(actor, record)
    before = record.status
    revision.state = Status.CHANGES_REQUESTED
    revision.note = reason
    revision.save(update_fields=["state", "note"])
    if record.status != Status.PUBLISHED:
        record.status = Status.CHANGES_REQUESTED
        record.save(update_fields=["status"])
    _audit(actor, record, before, revision, reason)
    _notify(
        [record.owner.email] if record.owner else [],
        f"[resilnet] Changes requested: {record.title}",
        f"A moderator asks for changes to “{record.title}”:\n\n{reason}",
    )


@transaction.atomic
def do_reject(actor: User, record: Record, reason: str) -> None:
    reason = _require_reason(reason)
    record, revision = _moderate(actor, record)
    before = record.status
    revision.state = Status.REJECTED
    revision.note = reason
    revision.save(update_fields=["state", "note"])
    record.pending_revision = None
    if record.status != Status.PUBLISHED:
        record.status = Status.REJECTED
    record.save(update_fields=["status", "pending_revision"])
    _audit(actor, record, before, revision, reason)
    _notify(
        [record.owner.email] if record.owner else [],
        f"[resilnet] Not accepted: {record.title}",
        f"A moderator did not accept “{record.title}”:\n\n{reason}",
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
    search.unindex_record(record.pk)
    _audit(actor, record, before, record.live_revision, reason)


@transaction.atomic
def do_propose(content: dict[str, Any], *, name: str, email: str) -> Record:
    """A visitor's proposal: it lands as submitted, owned by nobody, for moderators."""
    parsed = validate(content)
    record = Record(owner=None)
    _apply(record, parsed)
    record.status = Status.SUBMITTED
    record.save()
    note = f"Proposed by {name[:200]} <{email[:200]}>"
    revision = _new_revision(record, None, parsed, Status.SUBMITTED, note)
    record.pending_revision = revision
    record.save(update_fields=["pending_revision"])
    record_audit(
        None, AuditAction.CREATED, record, actor_label=f"visitor {email[:100]}", reason=note
    )
    _notify(_moderator_emails(), f"[resilnet] Proposed: {record.title}", note)
    return record


def collections() -> list[str]:
    return list(Collection.values)
