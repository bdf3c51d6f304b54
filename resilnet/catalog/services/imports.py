"""Bulk import: validate every candidate an importer parsed, then create or update the
records by external id and publish them, a chunk at a time, each chunk in a short
transaction of its own, so that the site's other writers (pages, the API, the worker)
get the database between chunks; SQLite has one writer at a time.

All or nothing without one long transaction (docs/adr/0008-imports-in-bounded-transactions.md):
the validated rows are first staged (`StagedRow`, seen by no page) in short transactions;
one short transaction then marks the batch `applying`, the import's commit point; the
rows are then applied in chunks, each chunk deleting its staged rows as it commits. A
failure before the commit point discards the staged rows: nothing was imported. A failure
after it (a crash, a database error) leaves the rest staged, and `finish_imports`, which
the worker runs every few minutes, applies it: the import is then complete.

Each chunk writes with a handful of bulk queries: new records and revisions as plain rows
under ids reserved beforehand, their countries, facets and search index entries, and one
audit event per record through `core.services.record_audit_many`. An import changes the
live content of a record and never its pending revision: a moderator still decides on
that, and the record page shows that the live content changed underneath it.
"""

from __future__ import annotations

import functools
import logging
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import (
    DatabaseError,
    connection,
    models,
    transaction,
)
from django.db.models import Max
from django.utils import timezone

from resilnet.catalog.importers.base import Candidate, ParseResult, RowError, rejected_rows_csv
from resilnet.catalog.models import ImportBatch, Record, RecordFacet, Revision, StagedRow
from resilnet.catalog.schemas import ContentError, RecordContent, parse_content
from resilnet.catalog.services.indexing import _index_ids
from resilnet.catalog.services.permissions import is_moderator
from resilnet.catalog.services.records import facets_of, itu_region_codes
from resilnet.catalog.taxonomy import Status
from resilnet.core import selectors as core_selectors
from resilnet.core import staged_imports
from resilnet.core.bulk import insert_rows
from resilnet.core.models import AuditAction, User
from resilnet.core.services import AuditRow, record_audit, record_audit_many

ALL_OR_NOTHING = "all-or-nothing"
VALID_ROWS = "valid-rows"
# Rows per transaction: a chunk holds SQLite's write lock for about CHUNK_SECONDS. The
# size follows what the last chunk took (a busy machine gets smaller ones); staging a row
# is a single insert, so its chunks have a fixed size.
IMPORT_CHUNK = 100  # the first chunk, before any was timed
CHUNK_ROWS = (50, 2000)
CHUNK_SECONDS = 0.25
STAGE_CHUNK = 500
CHUNK_ATTEMPTS = 3  # tries of a chunk that failed on a lock or on a concurrent insert
STALLED_AFTER = timedelta(minutes=2)  # an import quiet this long has stopped
EXTERNAL_ID_CHARS = 200  # Record.external_id
logger = logging.getLogger(__name__)


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
    transactions: int = 0  # that the import ran, and the longest of them in seconds
    longest_transaction: float = 0.0

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
    seen: dict[str, int] = {}
    for candidate in parsed.candidates:
        # What the database would refuse is refused here, before anything is written:
        # a row must not be able to fail once the import is committed.
        if len(candidate.external_id) > EXTERNAL_ID_CHARS:
            errors.append(
                RowError(
                    candidate.row, "external_id", f"longer than {EXTERNAL_ID_CHARS} characters"
                )
            )
            continue
        if candidate.external_id in seen:
            errors.append(
                RowError(
                    candidate.row, "external_id", f"duplicate of row {seen[candidate.external_id]}"
                )
            )
            continue
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
        if candidate.external_id:
            seen[candidate.external_id] = candidate.row
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
    stage the valid rows and apply them: create or update the records by external id and
    publish them, in short transactions. `progress(done, total)` follows the rows applied.

    `actor` None is the system (the CLI); people need the Moderator role. Raises
    ImportIncomplete when the import stopped after its commit point (the rest is then
    applied by `finish_imports`).
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
    clock = _Clock()
    batch_id = _stage(actor, valid, report, clock)
    contents = {candidate.row: content for candidate, content in valid}
    valid.clear()  # staged: the contents above are all the apply needs
    try:
        batch = _apply_batch(batch_id, contents, progress, clock)
    except Exception as exc:
        try:
            applied: int | None = (
                len(contents) - StagedRow.objects.filter(batch_id=batch_id).count()
            )
        except DatabaseError:
            applied = None  # the database itself is what failed
        raise ImportIncomplete(batch_id, applied, len(contents), exc) from exc
    report.created, report.updated, report.unchanged = batch.created, batch.updated, batch.unchanged
    report.transactions, report.longest_transaction = clock.count, clock.longest
    logger.info(
        "import %s: %d rows in %d transactions, longest transaction %.3f s",
        batch_id,
        len(contents),
        clock.count,
        clock.longest,
    )
    return report


class ImportIncomplete(Exception):
    """An import stopped after its commit point: what it applied stays, and the rest of
    its rows, still staged, are applied by `finish_imports` (the worker runs it)."""

    def __init__(
        self, batch_id: int, applied: int | None, total: int, cause: BaseException
    ) -> None:
        done = "some" if applied is None else f"{applied:,}"
        super().__init__(
            f"import {batch_id} stopped after {done} of {total:,} rows "
            f"({cause.__class__.__name__}: {cause}); the worker applies the rest within "
            "minutes (or run `resilnet catalog finish-imports`)"
        )
        self.batch_id, self.applied, self.total = batch_id, applied, total


class _Clock:
    """Times each transaction of an import from its start to its commit (what other
    writers wait for at most), leaving out the wait for the lock and what runs once it
    is committed (the segment index's sync)."""

    def __init__(self) -> None:
        self.count = 0
        self.longest = 0.0
        self.last = 0.0

    @contextmanager
    def transaction(self) -> Iterator[None]:
        with transaction.atomic():
            started = time.monotonic()
            # The first callback to run once committed: before any the work registers.
            transaction.on_commit(lambda: self._committed(started))
            yield

    def _committed(self, started: float) -> None:
        self.last = time.monotonic() - started
        self.count += 1
        self.longest = max(self.longest, self.last)
        logger.debug("import transaction %d took %.3f s", self.count, self.last)

    def next_size(self, size: int) -> int:
        """Rows for the next chunk, so that it takes about CHUNK_SECONDS."""
        if not self.last:
            return size
        wanted = size * CHUNK_SECONDS / self.last
        return int(max(CHUNK_ROWS[0], min(CHUNK_ROWS[1], wanted, size * 2)))


def _stage(
    actor: User | None,
    valid: list[tuple[Candidate, RecordContent]],
    report: ImportReport,
    clock: _Clock,
) -> int:
    """Write the validated rows where no page reads them, then mark the batch `applying`
    (the commit point). On any failure before that, the staged rows go again."""
    with clock.transaction():
        batch = ImportBatch.objects.create(
            actor=actor if actor is not None and actor.pk else None,
            mode=report.mode,
            total=report.total,
            rejected=len(report.rejected),
        )
    try:
        ops = connection.ops
        for start in range(0, len(valid), STAGE_CHUNK):
            with clock.transaction():
                insert_rows(
                    StagedRow._meta.db_table,
                    ("batch_id", "row", "external_id", "content"),
                    [
                        (
                            batch.pk,
                            candidate.row,
                            candidate.external_id,
                            ops.adapt_json_value(content.model_dump(mode="json"), None),
                        )
                        for candidate, content in valid[start : start + STAGE_CHUNK]
                    ],
                )
                staged_imports.beat(ImportBatch, batch.pk)
        with clock.transaction():
            committed = ImportBatch.objects.filter(
                pk=batch.pk, state=ImportBatch.State.STAGING
            ).update(state=ImportBatch.State.APPLYING, heartbeat_at=timezone.now())
        if not committed:
            raise RuntimeError(f"import {batch.pk} was discarded while staging: it stalled")
    except BaseException:
        staged_imports.discard_quietly(ImportBatch, StagedRow, batch.pk, "import")
        raise
    return batch.pk


def _apply_batch(
    batch_id: int,
    contents: dict[int, RecordContent] | None,
    progress: Callable[[int, int], None] | None,
    clock: _Clock,
) -> ImportBatch:
    """Apply the staged rows of a committed batch, a chunk per transaction, until none
    is left; then close the batch with its summary in the audit log. `contents` are the
    rows already validated in this process (None: read them back from the staged rows)."""
    regions = itu_region_codes()
    countries = dict(core_selectors.countries().values_list("iso3", "id"))
    total = StagedRow.objects.filter(batch_id=batch_id).count()
    done = 0
    size = IMPORT_CHUNK
    if progress:
        progress(0, total)
    while True:
        batch, applied = staged_imports.retried_chunk(
            functools.partial(_apply_chunk, batch_id, size, contents, regions, countries),
            label=f"import {batch_id}",
            attempts=CHUNK_ATTEMPTS,
            atomic=clock.transaction,
        )
        if batch.state != ImportBatch.State.APPLYING:
            return batch
        size = clock.next_size(size)
        done += applied
        if progress:
            progress(min(done, total), total)


def _apply_chunk(
    batch_id: int,
    size: int,
    contents: dict[int, RecordContent] | None,
    regions: dict[str, str],
    countries: dict[str, int],
) -> tuple[ImportBatch, int]:
    """One transaction: the next staged rows applied and deleted (so each row is applied
    once, whoever applies it), or the batch closed when none is left."""
    batch = (
        ImportBatch.objects.select_for_update(of=("self",)).select_related("actor").get(pk=batch_id)
    )
    if batch.state != ImportBatch.State.APPLYING:
        return batch, 0  # finished meanwhile by another process
    staged = StagedRow.objects.filter(batch_id=batch_id).order_by("row")
    if contents is None:
        rows = [
            (pk, external_id, parse_content(content))
            for pk, external_id, content in staged.values_list("id", "external_id", "content")[
                :size
            ]
        ]
    else:
        rows = [
            (pk, external_id, contents[row])
            for pk, row, external_id in staged.values_list("id", "row", "external_id")[:size]
        ]
    if not rows:
        _close(batch)
        return batch, 0
    created, updated, unchanged = _import_chunk(
        batch.actor,
        [(external_id, content) for _, external_id, content in rows],
        regions,
        countries,
    )
    StagedRow.objects.filter(id__in=[pk for pk, _, _ in rows]).delete()
    batch.created += created
    batch.updated += updated
    batch.unchanged += unchanged
    batch.heartbeat_at = timezone.now()
    batch.save(update_fields=["created", "updated", "unchanged", "heartbeat_at"])
    return batch, len(rows)


def _close(batch: ImportBatch) -> None:
    batch.state = ImportBatch.State.DONE
    batch.finished_at = batch.heartbeat_at = timezone.now()
    batch.save(update_fields=["state", "finished_at", "heartbeat_at"])
    record_audit(
        batch.actor,
        AuditAction.CREATED,
        object_type="catalog.import",
        object_id=str(batch.pk),
        object_repr=f"import of {batch.total} rows",
        after={
            "created": batch.created,
            "updated": batch.updated,
            "unchanged": batch.unchanged,
            "rejected": batch.rejected,
            "mode": batch.mode,
        },
    )


def finish_imports(*, quiet_for: timedelta = STALLED_AFTER) -> dict[str, int]:
    """Finish the imports that stopped after their commit point and discard those that
    stopped before it (`resilnet catalog finish-imports`; the worker runs it every few
    minutes). A batch is taken as stopped once no transaction of its import has run for
    `quiet_for`; were it still running, both would apply its chunks, each row once."""
    discarded, finished = staged_imports.stalled(ImportBatch, quiet_for)
    for batch_id in discarded:
        staged_imports.discard(ImportBatch, StagedRow, batch_id, step=STAGE_CHUNK)
    for batch_id in finished:
        clock = _Clock()
        _apply_batch(batch_id, None, None, clock)
        logger.info(
            "import %s finished after it stopped; longest transaction %.3f s",
            batch_id,
            clock.longest,
        )
    return {"finished": len(finished), "discarded": len(discarded)}


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
    pending: int | None = None  # the number of the pending revision it kept, if any


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
    author: User | None, fresh: list[tuple[str, RecordContent, dict]], now: datetime
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
    for (external_id, content, dumped), record_id, revision_id in zip(
        fresh, record_ids, revision_ids, strict=True
    ):
        stored = ops.adapt_json_value(dumped, None)
        title = content.text("title", content.original_language)[:500]
        records.append(
            (
                record_id,
                content.collection,
                Status.PUBLISHED,
                external_id or None,
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


UPDATED_COLUMNS = (
    "collection",
    "status",
    "title",
    "original_language",
    "content",
    "record_date",
    "live_revision_id",
    "updated_at",
    "published_at",
)


def _update_imported(
    author: User | None, changed: list[tuple[Record, RecordContent, dict]], now: datetime
) -> list[_Written]:
    """Changed records get their new content live and a new revision, as plain rows too.
    A pending revision stays pending, for a moderator to decide on: the import never
    drops a person's edit (the record page says the live content changed under it)."""
    if not changed:
        return []
    ops = connection.ops
    at = ops.adapt_datetimefield_value(now)
    author_id = author.pk if author else None
    records = [record for record, _, _ in changed]
    numbers = dict(
        Revision.objects.filter(record__in=records)
        .values_list("record_id")
        .annotate(n=Max("number"))
        .order_by()
    )
    pending = dict(
        Revision.objects.filter(
            id__in=[r.pending_revision_id for r in records if r.pending_revision_id]
        ).values_list("record_id", "number")
    )
    revision_ids = _reserve_ids(Revision, len(changed))
    revisions, updates, written = [], [], []
    for (record, content, dumped), revision_id in zip(changed, revision_ids, strict=True):
        stored = ops.adapt_json_value(dumped, None)
        title = content.text("title", content.original_language)[:500]
        number = numbers.get(record.pk, 0) + 1
        published_at = record.published_at or now
        revisions.append(
            (revision_id, record.pk, number, author_id, Status.PUBLISHED, stored, "import", at)
        )
        updates.append(
            (
                content.collection,
                Status.PUBLISHED,
                title,
                content.original_language,
                stored,
                ops.adapt_datefield_value(content.date),
                revision_id,
                at,
                ops.adapt_datetimefield_value(published_at),
                record.pk,
            )
        )
        written.append(
            _Written(
                record.pk,
                number,
                content,
                title,
                published_at.date(),
                created=False,
                pending=pending.get(record.pk),
            )
        )
    insert_rows(Revision._meta.db_table, REVISION_COLUMNS, revisions)
    assignments = ", ".join(f"{ops.quote_name(c)} = %s" for c in UPDATED_COLUMNS)
    with connection.cursor() as cursor:
        cursor.executemany(
            f"UPDATE {ops.quote_name(Record._meta.db_table)} SET {assignments} WHERE id = %s",  # noqa: S608
            updates,
        )
    RecordFacet.objects.filter(record__in=records).delete()
    Record.countries.through.objects.filter(record__in=records).delete()
    return written


def _import_chunk(
    actor: User | None,
    chunk: list[tuple[str, RecordContent]],
    regions: dict[str, str],
    countries: dict[str, int],
) -> tuple[int, int, int]:
    """Create or update one chunk of validated records (external id, content) with a
    handful of bulk queries; returns how many were created, updated and unchanged."""
    now = timezone.now()
    ids = [external_id for external_id, _ in chunk if external_id]
    # Locked (on PostgreSQL) against a moderator's action on the same records meanwhile.
    existing = (
        Record.objects.select_for_update().in_bulk(ids, field_name="external_id") if ids else {}
    )
    author = actor if actor is not None and actor.pk else None
    fresh: list[tuple[str, RecordContent, dict]] = []
    changed: list[tuple[Record, RecordContent, dict]] = []
    unchanged = 0
    for external_id, content in chunk:
        dumped = content.model_dump(mode="json")
        record = existing.get(external_id)
        if record is None:
            fresh.append((external_id, content, dumped))
        elif record.content == dumped and record.status == Status.PUBLISHED:
            unchanged += 1
        else:
            changed.append((record, content, dumped))
    written = _create_imported(author, fresh, now) + _update_imported(author, changed, now)
    if not written:
        return 0, 0, unchanged
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
                after={"status": Status.PUBLISHED, "revision": w.revision}
                | ({"pending_revision": w.pending} if w.pending else {}),
                reason="import",
            )
            for w in written
        ),
        at=now,
    )
    return len(fresh), len(changed), unchanged
