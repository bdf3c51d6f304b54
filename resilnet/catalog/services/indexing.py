"""The search index kept in step with the records the services write.

On the database engines (SQLite FTS5, PostgreSQL tsvector) a record's entry is written in
the service's own transaction; on the segment index an `IndexChange` row is, and the index
reads it back once that transaction commits. `reindex_all` rebuilds it from the published
records. The functions below moved here unchanged from the former `catalog/services.py`.
"""

from __future__ import annotations

from django.db import transaction
from django.db.models import Max

from resilnet.catalog import search
from resilnet.catalog.models import IndexChange, Record
from resilnet.core.bulk import insert_rows as _insert_rows


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
