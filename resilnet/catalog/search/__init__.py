"""Catalog search: full-text matching with ranking, filters and exact facet counts.

`search` answers the pages, the API and the feeds through the backend that settings
choose (backends/); catalog.services tells that backend what changed, inside the
transaction of each change.

- query.py: what a search asks (the search box parsed into clauses, filters, order,
  page, facets);
- fields.py: the fields searched and their weights, one declaration for every engine;
- highlight.py: snippets with the matched words marked;
- backends/: one interface, one class per engine (the segment index, SQLite FTS5,
  PostgreSQL tsvector);
- segments/: the segment index itself: storage.py (its files), writer.py (keeping it in
  step with the database), reader.py (answering from bitmaps).
"""

from __future__ import annotations

from resilnet.catalog.search.backends import backend
from resilnet.catalog.search.backends.base import IndexReport, SearchPage
from resilnet.catalog.search.highlight import Hit, highlight, hits
from resilnet.catalog.search.query import FACET_LIMIT, FACETS, SearchQuery


def search(query: SearchQuery) -> SearchPage:
    return backend().search(query)


def newest_ids(query: SearchQuery, limit: int) -> list[int]:
    """Up to `limit` ids of the records a search finds, newest first (for downloads)."""
    return backend().newest_ids(query, limit)


def consistency_report() -> IndexReport:
    """Published records missing from the index, and indexed ids that should not be there."""
    return backend().check()


def database_replaced(emptied: bool) -> None:
    """The database was flushed (`emptied`) or restored from a backup."""
    backend().database_replaced(emptied)


__all__ = [
    "FACETS",
    "FACET_LIMIT",
    "Hit",
    "IndexReport",
    "SearchPage",
    "SearchQuery",
    "backend",
    "consistency_report",
    "database_replaced",
    "highlight",
    "hits",
    "newest_ids",
    "search",
]
