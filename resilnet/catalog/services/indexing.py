"""The search index kept in step with the records the services write.

Services tell the search backend that settings choose (catalog.search.backend()) which
records changed, inside their own transaction; whether it writes its table there (SQLite
FTS5, PostgreSQL tsvector) or a change log it applies after commit (the segment index) is
the backend's business. `reindex_all` rebuilds it from the published records.
"""

from __future__ import annotations

from resilnet.catalog import search
from resilnet.catalog.models import Record


def reindex_all() -> int:
    """Rebuild the search index from the published records (`resilnet catalog reindex`),
    and prune what it keeps beside it, as the daily task does."""
    count = search.backend().rebuild()
    search.backend().prune()
    return count


def prune_search_index() -> int:
    """Delete what the search index keeps beside it and no longer needs (scheduled daily
    by the catalog's module): the segment index's changes older than a week."""
    return search.backend().prune()


def _index(records: list[Record]) -> None:
    """Bring the search entries of `records` (published or not) in line with them."""
    search.backend().records_changed([r.pk for r in records])


def _index_ids(ids: list[int], *, new: bool = False) -> None:
    if ids:
        search.backend().records_changed(ids, new=new)


def _unindex(record_id: int) -> None:
    search.backend().records_removed([record_id])
