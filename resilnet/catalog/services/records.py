"""A record's content and revisions: validating content, its facets, creating and
editing records, a visitor's proposal, and the helpers every path that writes a record
shares (`_apply`, `_refresh_live`, `_new_revision`, `_audit`, `_notify`,
`_require_reason`).

Submitting a pending revision is the workflow's first step (workflow.py); its body,
`_submit`, lives here because creating a record may take that step at once.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date
from typing import Any

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.mail import send_mail
from django.db import transaction
from django.utils import timezone

from resilnet.catalog.models import Record, RecordFacet, Revision
from resilnet.catalog.schemas import ContentError, RecordContent, parse_content
from resilnet.catalog.services.indexing import _index
from resilnet.catalog.services.permissions import can_create, can_edit, is_moderator
from resilnet.catalog.taxonomy import Status
from resilnet.core import selectors as core_selectors
from resilnet.core.models import AuditAction, Role, User
from resilnet.core.services import record_audit

# Facet name → how to read its values from validated content.
LIST_FIELDS = {"action_line": "action_lines", "sdg": "sdgs", "audience": "audiences"}
SCALAR_FIELDS = ("category", "phase", "binding", "stakeholder_type", "resource_type")


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


def itu_region_codes() -> dict[str, str]:
    """ISO3 → ITU region slug of every country that has one."""
    return dict(
        core_selectors.countries()
        .filter(itu_region__isnull=False)
        .values_list("iso3", "itu_region__code")
    )


def facets_of(
    content: RecordContent, published: date | None, regions: dict[str, str] | None = None
) -> set[tuple[str, str]]:
    """The facet values of a record; its year is its date's, or else its publication's."""
    regions = regions if regions is not None else itu_region_codes()
    values: set[tuple[str, str]] = {("collection", content.collection)}
    values |= {("country", iso3) for iso3 in content.countries}
    values |= {("itu_region", regions[iso3]) for iso3 in content.countries if iso3 in regions}
    values |= {("language", language) for language in content.title}
    fields = content.fields
    for name in SCALAR_FIELDS:
        if fields.get(name):
            values.add((name, str(fields[name])))
    for name, key in LIST_FIELDS.items():
        values |= {(name, str(v)) for v in fields.get(key, [])}
    when = content.date or published
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
        for name, value in sorted(
            facets_of(content, record.published_at.date() if record.published_at else None)
        )
    )
    _index([record])


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


def _require_reason(reason: str) -> str:
    reason = reason.strip()
    if not reason:
        raise ValidationError({"reason": "Give a reason: the contributor will read it."})
    return reason[:5000]


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
    if actor is None or not can_create(actor):
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
        _submit(actor, record)
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


# Submitting -----------------------------------------------------------------------


def _pending(record: Record) -> Revision:
    if record.pending_revision is None:
        raise ValidationError({"status": "This record has no pending changes."})
    return record.pending_revision


def _submit(actor: User, record: Record) -> None:
    """Send the record's pending revision to moderation and tell the moderators, in the
    caller's transaction, which holds the record (workflow.do_submit locks its row; the
    record do_create_record has just written is its own)."""
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
