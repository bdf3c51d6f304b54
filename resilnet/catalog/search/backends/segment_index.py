"""The segment index (ADR 0006) as a search backend: services' changes go to the change log
in their transaction, the index follows it (segments/writer.py) and answers searches from
bitmaps (segments/reader.py)."""

from __future__ import annotations

from resilnet.catalog.search.backends.base import SearchBackend, SearchPage, published_in_order
from resilnet.catalog.search.query import FACET_LIMIT, SearchQuery, parse
from resilnet.catalog.search.segments import reader, writer


class SegmentIndexBackend(SearchBackend):
    def search(self, query: SearchQuery) -> SearchPage:
        parsed = parse(query.q)
        end = query.start + query.page_size
        with writer.synced() as index:
            clauses = reader.clause_levels(index, parsed)
            hits = reader.matches(index, query.filters, clauses)
            if parsed.empty or query.sort == "date":
                ids = reader.newest(index, hits, end)[query.start :]
            else:
                ids = reader.ranked(clauses, hits, len(index.live()), end)[query.start :]
            facets = reader.facet_counts(index, hits, query.facets, FACET_LIMIT)
        page = published_in_order(ids)
        return SearchPage(len(hits), page, facets, parsed, query.page, query.page_size)

    def newest_ids(self, query: SearchQuery, limit: int) -> list[int]:
        with writer.synced() as index:
            clauses = reader.clause_levels(index, parse(query.q))
            return reader.newest(index, reader.matches(index, query.filters, clauses), limit)

    def records_changed(self, ids: list[int], *, new: bool = False) -> None:
        if ids:
            writer.log_changes(ids)

    def records_removed(self, ids: list[int]) -> None:
        if ids:
            writer.log_changes(ids)

    def rebuild(self) -> int:
        return writer.rebuild()

    def prune(self) -> int:
        # Changes older than a week, not all those this host has applied: other hosts
        # that share the log may not have applied them yet.
        return writer.prune_log()

    def indexed_ids(self) -> set[int]:
        with writer.synced() as index:
            return set(index.live())

    def database_replaced(self, emptied: bool) -> None:
        writer.start_epoch()  # every host's index, not only this one's, is rebuilt
        if emptied:
            writer.reset()  # nothing to index
        else:
            # Rebuilt now, by the restore, rather than by the first search request after it.
            writer.rebuild()
