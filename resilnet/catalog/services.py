"""Every change to the catalog: create, edit, the moderation workflow, import.

Each function checks who may do it, validates the content against RecordContent, writes
the record, its revision, its facets and its search index entry, and appends to the
audit log, all in one transaction; emails go out only once that transaction commits.

Workflow: draft → submitted → changes requested ⇄ submitted → published → archived
(or rejected). Edits to a published record become a pending revision under moderation
while the published content stays live.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from typing import Any

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.mail import send_mail
from django.db import models, transaction
from django.db.models import Max
from django.utils import timezone

from resilnet.catalog import search
from resilnet.catalog.importers.base import Candidate, ParseResult, RowError, rejected_rows_csv
from resilnet.catalog.models import (
    ATTACHMENT_FOLDER,
    Attachment,
    IndexChange,
    Record,
    RecordFacet,
    Revision,
)
from resilnet.catalog.schemas import ContentError, RecordContent, parse_content
from resilnet.catalog.taxonomy import Collection, Status
from resilnet.core import selectors as core_selectors
from resilnet.core.models import AuditAction, AuditEvent, Role, User
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


def _notify(recipients: Iterable[str], subject: str, body: str) -> None:
    to = sorted({address for address in recipients if address})
    if to:
        transaction.on_commit(
            lambda: send_mail(subject, body, settings.DEFAULT_FROM_EMAIL, to, fail_silently=True)
        )


def _notify_owner(record: Record, subject: str, body: str) -> None:
    if record.owner is not None:
        _notify([record.owner.email], subject, body)


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


# Bulk import ------------------------------------------------------------------------

ALL_OR_NOTHING = "all-or-nothing"
VALID_ROWS = "valid-rows"
IMPORT_CHUNK = 500


@dataclass
class ImportReport:
    total: int = 0
    created: int = 0
    updated: int = 0
    unchanged: int = 0
    rejected: list[RowError] = field(default_factory=list)
    dry_run: bool = False
    mode: str = ALL_OR_NOTHING
    columns: tuple[str, ...] = ()  # the file's, naming the cells of each rejected row

    @property
    def written(self) -> bool:
        return not self.dry_run and not (self.mode == ALL_OR_NOTHING and self.rejected)

    def rejected_rows_csv(self) -> str:
        return rejected_rows_csv(self.columns, self.rejected)


def _check_candidates(
    parsed: ParseResult, known: set[str]
) -> tuple[list[tuple[Candidate, RecordContent]], list[RowError]]:
    errors = list(parsed.errors)
    valid = []
    for candidate in parsed.candidates:
        try:
            content = parse_content(candidate.content)
        except ContentError as exc:
            errors += [
                RowError(candidate.row, ".".join(map(str, e["loc"])), e["msg"], candidate.cells)
                for e in exc.errors
            ]
            continue
        unknown = sorted(set(content.countries) - known)
        if unknown:
            errors.append(
                RowError(
                    candidate.row,
                    "countries",
                    f"unknown code(s) {', '.join(unknown)}",
                    candidate.cells,
                )
            )
            continue
        valid.append((candidate, content))
    errors.sort(key=lambda e: (e.row, e.column))
    return valid, errors


def import_records(
    actor: User | None,
    parsed: ParseResult,
    *,
    mode: str = ALL_OR_NOTHING,
    dry_run: bool = False,
    progress: Callable[[int, int], None] | None = None,
) -> ImportReport:
    """Validate every candidate, then (unless a dry run, or all-or-nothing with errors)
    create or update the records by external id and publish them, in one transaction.

    `actor` None is the system (the CLI); people need the Moderator role.
    """
    if actor is not None and not is_moderator(actor):
        raise PermissionDenied("Only moderators and administrators import records.")
    if mode not in (ALL_OR_NOTHING, VALID_ROWS):
        raise ValidationError({"mode": f"Unknown mode {mode!r}."})
    known = set(core_selectors.countries().values_list("iso3", flat=True))
    valid, errors = _check_candidates(parsed, known)
    report = ImportReport(
        total=len(parsed.candidates) + len(parsed.errors),
        rejected=errors,
        dry_run=dry_run,
        mode=mode,
        columns=parsed.columns,
    )
    if not report.written:
        return report
    with transaction.atomic():
        regions = itu_region_codes()
        countries = dict(core_selectors.countries().values_list("iso3", "id"))
        for start in range(0, len(valid), IMPORT_CHUNK):
            chunk = valid[start : start + IMPORT_CHUNK]
            _import_chunk(actor, chunk, report, regions, countries)
            if progress:
                progress(start + len(chunk), len(valid))
        record_audit(
            actor,
            AuditAction.CREATED,
            object_type="catalog.import",
            object_repr=f"import of {report.total} rows",
            after={
                "created": report.created,
                "updated": report.updated,
                "unchanged": report.unchanged,
                "rejected": len(report.rejected),
                "mode": mode,
            },
        )
        valid.clear()  # written: free it before the search index reads the records back
    return report


def _insert_rows(table: str, columns: tuple[str, ...], rows: list[tuple[Any, ...]]) -> None:
    from django.db import connection

    if rows:
        names = ", ".join(connection.ops.quote_name(c) for c in columns)
        marks = ", ".join(["%s"] * len(columns))
        with connection.cursor() as cursor:
            cursor.executemany(
                f"INSERT INTO {connection.ops.quote_name(table)} ({names}) VALUES ({marks})",  # noqa: S608
                rows,
            )


def _reserve_ids(model: type[models.Model], count: int) -> list[int]:
    """Ids for `count` new rows of `model`, taken before inserting them."""
    from django.db import connection

    table = model._meta.db_table
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute(
                "SELECT nextval(pg_get_serial_sequence(%s, 'id')) FROM generate_series(1, %s)",
                [table, count],
            )
            return [row[0] for row in cursor.fetchall()]
        # SQLite: this transaction holds the database's only write lock (IMMEDIATE), so
        # the ids above both the largest one and the largest ever handed out (AUTOINCREMENT
        # keeps it in sqlite_sequence) are free, as SQLite itself would choose them.
        quoted = connection.ops.quote_name(table)
        largest = (
            "SELECT MAX(COALESCE((SELECT seq FROM sqlite_sequence WHERE name = %s), 0), "  # noqa: S608
            f"COALESCE(MAX(id), 0)) FROM {quoted}"
        )
        cursor.execute(largest, [table])
        first = cursor.fetchone()[0] + 1
        return list(range(first, first + count))


@dataclass
class _Written:
    """A record the import created or changed, as its related rows need it."""

    id: int
    revision: int
    content: RecordContent
    title: str
    published: date | None
    created: bool


# Columns of the rows an import writes, in order (a test checks they cover the models).
RECORD_COLUMNS = (
    "id",
    "collection",
    "status",
    "external_id",
    "owner_id",
    "title",
    "original_language",
    "content",
    "record_date",
    "live_revision_id",
    "pending_revision_id",
    "created_at",
    "updated_at",
    "published_at",
)
REVISION_COLUMNS = (
    "id",
    "record_id",
    "number",
    "author_id",
    "state",
    "content",
    "note",
    "created_at",
)
AUDIT_COLUMNS = (
    "at",
    "actor_id",
    "actor_label",
    "action",
    "object_type",
    "object_id",
    "object_repr",
    "before",
    "after",
    "reason",
    "ip",
    "request_id",
)


def _create_imported(
    author: User | None, fresh: list[tuple[Candidate, RecordContent, dict]], now: datetime
) -> list[_Written]:
    """New published records and their first revisions, as plain rows: building model
    instances and letting the ORM compile each value costs more than the inserts."""
    from django.db import connection

    if not fresh:
        return []
    ops = connection.ops
    at = ops.adapt_datetimefield_value(now)
    author_id = author.pk if author else None
    record_ids = _reserve_ids(Record, len(fresh))
    revision_ids = _reserve_ids(Revision, len(fresh))
    records, revisions, written = [], [], []
    for (candidate, content, dumped), record_id, revision_id in zip(
        fresh, record_ids, revision_ids, strict=True
    ):
        stored = ops.adapt_json_value(dumped, None)
        title = content.text("title", content.original_language)[:500]
        records.append(
            (
                record_id,
                content.collection,
                Status.PUBLISHED,
                candidate.external_id or None,
                author_id,
                title,
                content.original_language,
                stored,
                ops.adapt_datefield_value(content.date),
                revision_id,
                None,
                at,
                at,
                at,
            )
        )
        revisions.append(
            (revision_id, record_id, 1, author_id, Status.PUBLISHED, stored, "import", at)
        )
        written.append(_Written(record_id, 1, content, title, now.date(), created=True))
    # Both foreign keys between them are checked at commit (deferred on both engines).
    _insert_rows(Record._meta.db_table, RECORD_COLUMNS, records)
    _insert_rows(Revision._meta.db_table, REVISION_COLUMNS, revisions)
    return written


def _update_imported(
    author: User | None, changed: list[tuple[Record, RecordContent]], now: datetime
) -> list[_Written]:
    """Changed records get their new content live and a new revision."""
    if not changed:
        return []
    for record, content in changed:
        _apply(record, content)
        record.status = Status.PUBLISHED
        record.published_at = record.published_at or now
        record.pending_revision = None
        record.save()
    numbers = dict(
        Revision.objects.filter(record__in=[r for r, _ in changed])
        .values_list("record_id")
        .annotate(n=Max("number"))
        .order_by()
    )
    revisions = Revision.objects.bulk_create(
        Revision(
            record=record,
            number=numbers.get(record.pk, 0) + 1,
            author=author,
            state=Status.PUBLISHED,
            content=record.content,
            note="import",
            created_at=now,
        )
        for record, _content in changed
    )
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.executemany(
            f"UPDATE {connection.ops.quote_name(Record._meta.db_table)} "  # noqa: S608
            "SET live_revision_id = %s WHERE id = %s",
            [
                (revision.pk, record.pk)
                for (record, _), revision in zip(changed, revisions, strict=True)
            ],
        )
    RecordFacet.objects.filter(record__in=[r for r, _ in changed]).delete()
    Record.countries.through.objects.filter(record__in=[r for r, _ in changed]).delete()
    return [
        _Written(
            record.pk,
            revision.number,
            content,
            record.title,
            record.published_at.date() if record.published_at else None,
            created=False,
        )
        for (record, content), revision in zip(changed, revisions, strict=True)
    ]


def _import_chunk(
    actor: User | None,
    chunk: list[tuple[Candidate, RecordContent]],
    report: ImportReport,
    regions: dict[str, str],
    countries: dict[str, int],
) -> None:
    """Create or update one chunk of validated records with a handful of bulk queries."""
    from django.db import connection

    now = timezone.now()
    ids = [c.external_id for c, _ in chunk if c.external_id]
    existing = Record.objects.in_bulk(ids, field_name="external_id") if ids else {}
    author = actor if actor is not None and actor.pk else None
    fresh: list[tuple[Candidate, RecordContent, dict]] = []
    changed: list[tuple[Record, RecordContent]] = []
    for candidate, content in chunk:
        dumped = content.model_dump(mode="json")
        record = existing.get(candidate.external_id)
        if record is None:
            fresh.append((candidate, content, dumped))
        elif record.content == dumped and record.status == Status.PUBLISHED:
            report.unchanged += 1
        else:
            changed.append((record, content))
    written = _create_imported(author, fresh, now) + _update_imported(author, changed, now)
    if not written:
        return
    _insert_rows(
        Record.countries.through._meta.db_table,
        ("record_id", "country_id"),
        [(w.id, countries[iso3]) for w in written for iso3 in w.content.countries],
    )
    _insert_rows(
        RecordFacet._meta.db_table,
        ("record_id", "name", "value"),
        [
            (w.id, name, value[:100])
            for w in written
            for name, value in sorted(facets_of(w.content, w.published, regions))
        ],
    )
    _index_ids([w.id for w in written if w.created], new=True)
    _index_ids([w.id for w in written if not w.created])
    ops = connection.ops
    at = ops.adapt_datetimefield_value(now)
    label = author.get_username() if author else "system"
    _insert_rows(
        AuditEvent._meta.db_table,
        AUDIT_COLUMNS,
        [
            (
                at,
                author.pk if author else None,
                label,
                AuditAction.CREATED if w.created else AuditAction.UPDATED,
                "catalog.record",
                str(w.id),
                w.title[:200],
                None,
                ops.adapt_json_value({"status": Status.PUBLISHED, "revision": w.revision}, None),
                "import",
                None,
                "",
            )
            for w in written
        ],
    )
    report.created += len(fresh)
    report.updated += len(changed)


def reindex_all() -> int:
    """Rebuild the search index from the published records (`resilnet catalog reindex`)."""
    with transaction.atomic():
        applied = IndexChange.objects.aggregate(last=Max("id"))["last"] or 0
        count = search.reindex()
        # The rebuild covers the log up to here. Its last row stays: the index compares its
        # mark with the log's latest id, and an empty log would look like a database older
        # than the index (a restored backup), which is rebuilt.
        IndexChange.objects.filter(id__lt=applied).delete()
        return count


def _index(records: list[Record]) -> None:
    """Bring the search entries of `records` (published or not) in line with them."""
    if search.on_segments():
        _queue_for_index([r.pk for r in records])
    else:
        for record in records:
            search.index_record(record)


def _index_ids(ids: list[int], *, new: bool = False) -> None:
    if not ids:
        return
    if search.on_segments():
        _queue_for_index(ids)
        return
    records = [
        r
        for start in range(0, len(ids), 1000)
        for r in Record.objects.filter(id__in=ids[start : start + 1000])
    ]
    if new:
        search.index_new_records(records)
    else:
        _index(records)


def _unindex(record_id: int) -> None:
    if search.on_segments():
        _queue_for_index([record_id])
    else:
        search.unindex_record(record_id)


INDEX_CHANGE_LOCK = 0x7265_736E_6978  # any constant key of ours for pg_advisory_xact_lock


def _queue_for_index(record_ids: list[int]) -> None:
    """Segment index: read back and indexed once this transaction commits, so a change
    that is rolled back never reaches it (search/segment_search.py)."""
    from django.db import connection

    if connection.vendor == "postgresql":
        # Until commit: change ids then commit in the order they are taken, so the index
        # never applies id n+1 before n is visible. (SQLite has one writer at a time.)
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_advisory_xact_lock(%s)", [INDEX_CHANGE_LOCK])
    _insert_rows(IndexChange._meta.db_table, ("record_id",), [(i,) for i in record_ids])
    transaction.on_commit(search.segment_search.sync, robust=True)


# Attachments ------------------------------------------------------------------------


@transaction.atomic
def do_add_attachment(actor: User, record: Record, name: str, data: bytes) -> Attachment:
    """Attach a file after checking its size and what its bytes say it is."""
    import hashlib
    import os

    from django.core.files.base import ContentFile

    from resilnet.catalog.attachments import MAX_ATTACHMENT_BYTES, AttachmentRefused, sniff

    if not can_edit(actor, record):
        raise PermissionDenied("You may not add files to this record.")
    if len(data) > MAX_ATTACHMENT_BYTES:
        raise ValidationError(
            {"file": f"The file is larger than {MAX_ATTACHMENT_BYTES // 2**20} MB."}
        )
    if not data:
        raise ValidationError({"file": "The file is empty."})
    try:
        mime, extension = sniff(data[:8192], data)
    except AttachmentRefused as exc:
        raise ValidationError({"file": f"This file is {exc}."}) from None
    display = os.path.basename(name.replace("\\", "/"))[:150] or "file"
    stem = display.rsplit(".", 1)[0] if "." in display else display
    attachment = Attachment(
        record=record,
        name=f"{stem}.{extension}",
        mime_type=mime,
        extension=extension,
        size=len(data),
        sha256=hashlib.sha256(data).hexdigest(),
        uploaded_by=actor,
    )
    attachment.file.save(attachment.name, ContentFile(data), save=False)
    attachment.save()
    record_audit(
        actor,
        AuditAction.UPDATED,
        record,
        after={"attachment": attachment.name, "bytes": len(data)},
    )
    return attachment


@transaction.atomic
def do_remove_attachment(actor: User, attachment: Attachment) -> None:
    if not can_edit(actor, attachment.record):
        raise PermissionDenied("You may not remove files from this record.")
    record = attachment.record
    name = attachment.name
    stored = attachment.file.name
    attachment.delete()
    record_audit(actor, AuditAction.UPDATED, record, before={"attachment": name})
    # Once the removal is committed: a rollback must find the file still there.
    transaction.on_commit(lambda: _delete_unused_file(stored), robust=True)


def _delete_unused_file(stored: str | None) -> None:
    from django.core.files.storage import default_storage

    if stored and not Attachment.objects.filter(file=stored).exists():
        default_storage.delete(stored)


def collect_attachment_files(
    *, older_than: timedelta = timedelta(hours=1), dry_run: bool = False
) -> list[tuple[str, int]]:
    """Delete stored attachment files that no attachment names (`resilnet catalog
    collect-files`): files of records deleted with their attachments, of uploads whose
    transaction rolled back, of removals interrupted before their file went. Files newer
    than `older_than` stay: an upload saves its file before its row is committed.
    Returns (path, bytes) of each file deleted, or that would be with `dry_run`."""
    from django.core.files.storage import default_storage

    wanted = set(Attachment.objects.values_list("file", flat=True))
    cutoff = timezone.now() - older_than
    found: list[tuple[str, int]] = []
    folders = [ATTACHMENT_FOLDER]
    while folders:
        folder = folders.pop()
        if not default_storage.exists(folder):
            continue
        subfolders, files = default_storage.listdir(folder)
        folders += [f"{folder}/{name}" for name in subfolders]
        for name in files:
            path = f"{folder}/{name}"
            if path in wanted or default_storage.get_modified_time(path) > cutoff:
                continue
            found.append((path, default_storage.size(path)))
            if not dry_run:
                default_storage.delete(path)
    return sorted(found)
