"""Bulk import: validate every candidate an importer parsed, then create or update the
records by external id and publish them, a chunk at a time, with a handful of bulk queries
per chunk: new records and revisions as plain rows under ids reserved beforehand, their
countries, facets and search index entries, and one audit event per record through
`core.services.record_audit_many`.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, datetime

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import connection, models, transaction
from django.db.models import Max
from django.utils import timezone

from resilnet.catalog.importers.base import Candidate, ParseResult, RowError, rejected_rows_csv
from resilnet.catalog.models import Record, RecordFacet, Revision
from resilnet.catalog.schemas import ContentError, RecordContent, parse_content
from resilnet.catalog.services.indexing import _index_ids
from resilnet.catalog.services.permissions import is_moderator
from resilnet.catalog.services.records import _apply, facets_of, itu_region_codes
from resilnet.catalog.taxonomy import Status
from resilnet.core import selectors as core_selectors
from resilnet.core.bulk import insert_rows
from resilnet.core.models import AuditAction, User
from resilnet.core.services import AuditRow, record_audit, record_audit_many

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


def _reserve_ids(model: type[models.Model], count: int) -> list[int]:
    """Ids for `count` new rows of `model`, taken before inserting them."""
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


def _create_imported(
    author: User | None, fresh: list[tuple[Candidate, RecordContent, dict]], now: datetime
) -> list[_Written]:
    """New published records and their first revisions, as plain rows: building model
    instances and letting the ORM compile each value costs more than the inserts."""
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
    insert_rows(Record._meta.db_table, RECORD_COLUMNS, records)
    insert_rows(Revision._meta.db_table, REVISION_COLUMNS, revisions)
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
    insert_rows(
        Record.countries.through._meta.db_table,
        ("record_id", "country_id"),
        [(w.id, countries[iso3]) for w in written for iso3 in w.content.countries],
    )
    insert_rows(
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
    record_audit_many(
        actor,
        (
            AuditRow(
                AuditAction.CREATED if w.created else AuditAction.UPDATED,
                object_type=Record._meta.label_lower,
                object_id=str(w.id),
                object_repr=w.title,
                after={"status": Status.PUBLISHED, "revision": w.revision},
                reason="import",
            )
            for w in written
        ),
        at=now,
    )
    report.created += len(fresh)
    report.updated += len(changed)
