"""Catalog search: full-text matching with ranking, filters and exact facet counts.

`index_record` and `unindex_record` are called by catalog.services inside the same
transaction as the change; `search` answers the pages, the API and the feeds.
"""

from __future__ import annotations

import html
import re
from collections import defaultdict
from dataclasses import dataclass, field
from typing import Any

from django.conf import settings
from django.db.models import Count, QuerySet
from django.db.models.expressions import RawSQL

from resilnet.catalog.models import Record, RecordFacet
from resilnet.catalog.search import segment_search
from resilnet.catalog.search.engines import engine
from resilnet.catalog.search.query import ParsedQuery, parse
from resilnet.catalog.taxonomy import Status
from resilnet.catalog.text_analysis import index_terms, normalise, words

# The facets counted for every search, in the order pages show them.
FACETS = (
    "collection",
    "country",
    "itu_region",
    "category",
    "phase",
    "binding",
    "action_line",
    "sdg",
    "stakeholder_type",
    "year",
    "language",
)
FACET_LIMIT = 300  # values per facet; every facet here has fewer (249 countries at most)


def document(record: Record) -> tuple[str, str, str]:
    """The analysed text of each field, every language's version stemmed in its own way."""

    def field_terms(name: str) -> str:
        values: dict[str, str] = record.content.get(name) or {}
        return " ".join(" ".join(index_terms(text, language)) for language, text in values.items())

    return field_terms("title"), field_terms("summary"), field_terms("body")


def on_segments() -> bool:
    return settings.SEARCH_ENGINE == "segments"


# On the database engines services index in their transaction; on segments they write
# an IndexChange row instead (catalog.services.indexing).


def index_record(record: Record) -> None:
    engine().upsert(record.pk, *document(record))


def index_new_records(records: list[Record]) -> None:
    """Index records that are not in the index yet (a bulk import's new records)."""
    engine().insert_many([(record.pk, *document(record)) for record in records])


def unindex_record(record_id: int) -> None:
    engine().delete(record_id)


def reindex() -> int:
    """Rebuild the index from the published records (`resilnet catalog reindex`)."""
    if on_segments():
        return segment_search.rebuild()
    engine().drop()
    engine().create()
    count = 0
    for record in Record.objects.filter(status=Status.PUBLISHED).iterator(chunk_size=1000):
        index_record(record)
        count += 1
    return count


def database_replaced(emptied: bool) -> None:
    """The database was flushed (`emptied`) or restored from a backup."""
    if on_segments():
        if emptied:
            segment_search.reset()  # nothing to index
        else:
            # Rebuilt now, by the restore, rather than by the first search request after it.
            segment_search.rebuild()
    elif emptied:
        engine().drop()  # a table flush does not know; a restore brings its own copy
        engine().create()


def consistency_report() -> dict[str, list[int]]:
    """Published records missing from the index, and indexed ids that should not be there."""
    published = set(Record.objects.filter(status=Status.PUBLISHED).values_list("id", flat=True))
    if on_segments():
        indexed = set(segment_search.sync().live())
    else:
        indexed = engine().indexed_ids()
    return {"missing": sorted(published - indexed), "stale": sorted(indexed - published)}


@dataclass(frozen=True)
class SearchQuery:
    q: str = ""
    filters: dict[str, list[str]] = field(default_factory=dict)
    sort: str = "relevance"  # or "date"
    page: int = 1
    page_size: int = 20
    facets: tuple[str, ...] = FACETS  # which facets to count


@dataclass
class SearchPage:
    count: int
    results: list[Record]
    facets: dict[str, list[tuple[str, int]]]
    parsed: ParsedQuery
    page: int
    page_size: int

    @property
    def pages(self) -> int:
        return max(1, -(-self.count // self.page_size))


def facet_filtered(query: SearchQuery) -> QuerySet[Record]:
    records = Record.objects.filter(status=Status.PUBLISHED)
    for name, values in query.filters.items():
        if values:
            facet_rows = RecordFacet.objects.filter(name=name, value__in=values)
            records = records.filter(id__in=facet_rows.values("record_id"))
    return records


def filtered(query: SearchQuery, parsed: ParsedQuery) -> QuerySet[Record]:
    records = facet_filtered(query)
    if not parsed.empty:
        sql, params = engine().match_sql(parsed)
        records = records.filter(id__in=RawSQL(sql, params))  # noqa: S611 (values are parameters)
    return records


def facet_counts(
    records: QuerySet[Record], names: tuple[str, ...] = FACETS
) -> dict[str, list[tuple[str, int]]]:
    rows = (
        RecordFacet.objects.filter(record__in=records.values("id"), name__in=names)
        .values_list("name", "value")
        .annotate(n=Count("id"))
        .order_by()
    )
    counts: dict[str, list[tuple[str, int]]] = defaultdict(list)
    for name, value, n in rows:
        counts[name].append((value, n))
    return {
        name: sorted(counts[name], key=lambda item: (-item[1], item[0]))[:FACET_LIMIT]
        for name in names
        if counts.get(name)
    }


def search(query: SearchQuery) -> SearchPage:
    parsed = parse(query.q)
    if on_segments():
        return _search_segments(query, parsed)
    records = filtered(query, parsed)
    count = records.count()
    start = (query.page - 1) * query.page_size
    if parsed.empty or query.sort == "date":
        page = list(
            records.order_by("-record_date", "-published_at", "-id")[
                start : start + query.page_size
            ]
        )
    else:
        # Rank inside the full-text index; facet filters narrow it, but never the MATCH
        # again (nesting it made SQLite rescan the index for every candidate). The index
        # holds published records only, so without filters nothing narrows it.
        candidates = (
            facet_filtered(query).values("id").query.sql_with_params()
            if any(query.filters.values())
            else None
        )
        sql, params = engine().ranked_sql(parsed, candidates)
        sql += " LIMIT %s OFFSET %s"
        ids = _ids(sql, [*params, query.page_size, start])
        by_id = Record.objects.in_bulk(ids)
        page = [by_id[i] for i in ids if i in by_id]
    facets = facet_counts(records, query.facets) if query.facets else {}
    return SearchPage(count, page, facets, parsed, query.page, query.page_size)


def _search_segments(query: SearchQuery, parsed: ParsedQuery) -> SearchPage:
    with segment_search._lock:
        index = segment_search.sync()
        clauses = segment_search.clause_levels(index, parsed)
        hits = segment_search.matches(index, query.filters, clauses)
        start = (query.page - 1) * query.page_size
        end = start + query.page_size
        if parsed.empty or query.sort == "date":
            ids = segment_search.newest(index, hits, end)[start:]
        else:
            ids = segment_search.ranked(clauses, hits, len(index.live()), end)[start:]
        facets = segment_search.facet_counts(index, hits, query.facets, FACET_LIMIT)
    by_id = Record.objects.filter(status=Status.PUBLISHED).in_bulk(ids)
    page = [by_id[i] for i in ids if i in by_id]
    return SearchPage(len(hits), page, facets, parsed, query.page, query.page_size)


def newest_ids(query: SearchQuery, limit: int) -> list[int]:
    """Up to `limit` ids of the records a search finds, newest first (for downloads)."""
    parsed = parse(query.q)
    if not on_segments():
        newest = filtered(query, parsed).order_by("-record_date", "-id")
        return list(newest.values_list("id", flat=True)[:limit])
    with segment_search._lock:
        index = segment_search.sync()
        hits = segment_search.matches(
            index, query.filters, segment_search.clause_levels(index, parsed)
        )
        return segment_search.newest(index, hits, limit)


def _ids(sql: str, params: list[Any]) -> list[int]:
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        return [row[0] for row in cursor.fetchall()]


def highlight(text: str, parsed: ParsedQuery, language: str, limit: int = 240) -> str:
    """An HTML-escaped snippet of `text` around the first match, matches in <mark>."""
    open_mark, close_mark = "\x02", "\x03"  # control characters no escaped text contains
    text = text.replace(open_mark, "").replace(close_mark, "")
    terms = parsed.terms()
    pieces: list[str] = []
    first = None
    for token in re.split(r"(\w+)", text):
        if token and terms and token[0].isalnum() and _matches(token, terms, language):
            if first is None:
                first = sum(len(p) for p in pieces)
            token = f"{open_mark}{token}{close_mark}"
        pieces.append(token)
    marked = "".join(pieces)
    begin = max(0, (first or 0) - limit // 3)
    snippet = marked[begin : begin + limit]
    # A cut may leave half a mark: drop a dangling close, finish an open one.
    if snippet.find(close_mark) != -1 and (
        snippet.find(open_mark) == -1 or snippet.find(close_mark) < snippet.find(open_mark)
    ):
        snippet = snippet.replace(close_mark, "", 1)
    if snippet.count(open_mark) > snippet.count(close_mark):
        snippet += close_mark
    snippet = ("…" if begin else "") + snippet + ("…" if begin + limit < len(marked) else "")
    return html.escape(snippet).replace(open_mark, "<mark>").replace(close_mark, "</mark>")


def _matches(token: str, terms: set[str], language: str) -> bool:
    return any(term in terms for term in index_terms(token, language)) or normalise(token) in terms


__all__ = [
    "FACETS",
    "SearchPage",
    "SearchQuery",
    "consistency_report",
    "highlight",
    "index_record",
    "search",
    "unindex_record",
    "words",
]
