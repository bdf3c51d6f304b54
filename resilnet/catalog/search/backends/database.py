"""What the two engines inside the database share (ADR 0005): the full-text index is a
table of the records' own database, written in the transaction of each change, so it
never drifts from them; facet filters are subqueries on RecordFacet, facet counts one
GROUP BY over the hits. Each engine brings its own table and full-text SQL."""

from __future__ import annotations

from abc import abstractmethod
from collections import defaultdict
from collections.abc import Iterable, Sequence
from typing import Any

from django.db import connection, transaction
from django.db.models import Count, F, QuerySet
from django.db.models.expressions import RawSQL

from resilnet.catalog.models import Record, RecordFacet
from resilnet.catalog.search import fields
from resilnet.catalog.search.backends.base import SearchBackend, SearchPage, published_in_order
from resilnet.catalog.search.query import FACETS, ParsedQuery, SearchQuery, parse, top_values
from resilnet.catalog.taxonomy import Status
from resilnet.catalog.text_analysis import index_terms

CHUNK = 1000  # records read and written at a time
# Newest date first, records without date last on every engine (PostgreSQL would put
# them first), as the segment index orders them: feeds page through this order.
NEWEST = F("record_date").desc(nulls_last=True)

# (record id, analysed text of each field in the order of fields.FIELDS)
Row = tuple[Any, ...]


class DatabaseBackend(SearchBackend):
    table: str
    id_column: str  # the table's column of record ids

    # The engine's own SQL ---------------------------------------------------------------

    @abstractmethod
    def create_table(self) -> None: ...

    @abstractmethod
    def upsert(self, rows: list[Row]) -> None:
        """Add or replace the entries of `rows`."""

    @abstractmethod
    def insert(self, rows: list[Row]) -> None:
        """Add entries known to be absent (new records), in one statement."""

    @abstractmethod
    def match_sql(self, query: ParsedQuery) -> tuple[str, list[Any]]:
        """SQL selecting the ids of every match."""

    @abstractmethod
    def ranked_sql(
        self, query: ParsedQuery, candidates: tuple[str, Sequence[Any]] | None
    ) -> tuple[str, list[Any]]:
        """SQL selecting the ids of the matches best first, among `candidates` if given."""

    def drop_table(self) -> None:
        with connection.cursor() as cursor:
            cursor.execute(f"DROP TABLE IF EXISTS {self.table}")

    def delete(self, ids: Iterable[int]) -> None:
        ids = list(ids)
        if not ids:
            return
        with connection.cursor() as cursor:
            cursor.executemany(
                f"DELETE FROM {self.table} WHERE {self.id_column} = %s", [(i,) for i in ids]
            )

    def indexed_ids(self) -> set[int]:
        with connection.cursor() as cursor:
            cursor.execute(f"SELECT {self.id_column} FROM {self.table}")
            return {row[0] for row in cursor.fetchall()}

    # The interface ----------------------------------------------------------------------

    def search(self, query: SearchQuery) -> SearchPage:
        parsed = parse(query.q)
        records = self.filtered(query, parsed)
        count = records.count()
        start = query.start
        if parsed.empty or query.sort == "date":
            page = list(
                records.order_by(NEWEST, "-published_at", "-id")[start : start + query.page_size]
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
            sql, params = self.ranked_sql(parsed, candidates)
            sql += " LIMIT %s OFFSET %s"
            page = published_in_order(_ids(sql, [*params, query.page_size, start]))
        facets = facet_counts(records, query.facets) if query.facets else {}
        return SearchPage(count, page, facets, parsed, query.page, query.page_size)

    def newest_ids(self, query: SearchQuery, limit: int) -> list[int]:
        newest = self.filtered(query, parse(query.q)).order_by(NEWEST, "-id")
        return list(newest.values_list("id", flat=True)[:limit])

    def filtered(self, query: SearchQuery, parsed: ParsedQuery) -> QuerySet[Record]:
        records = facet_filtered(query)
        if not parsed.empty:
            sql, params = self.match_sql(parsed)
            records = records.filter(id__in=RawSQL(sql, params))  # noqa: S611 (values are parameters)
        return records

    def records_changed(self, ids: list[int], *, new: bool = False) -> None:
        for start in range(0, len(ids), CHUNK):
            chunk = ids[start : start + CHUNK]
            rows = [
                (record_id, *document(content))
                for record_id, content in Record.objects.filter(
                    id__in=chunk, status=Status.PUBLISHED
                ).values_list("id", "content")
            ]
            if new:
                self.insert(rows)
                continue
            self.upsert(rows)
            self.delete(set(chunk) - {row[0] for row in rows})  # no longer published

    def records_removed(self, ids: list[int]) -> None:
        self.delete(ids)

    def rebuild(self) -> int:
        # One transaction: readers keep the old table until the new one is complete.
        with transaction.atomic():
            self.drop_table()
            self.create_table()
            published = (
                Record.objects.filter(status=Status.PUBLISHED)
                .order_by("id")
                .values_list("id", "content")
            )
            rows: list[Row] = []
            count = 0
            for record_id, content in published.iterator(chunk_size=CHUNK):
                rows.append((record_id, *document(content)))
                if len(rows) == CHUNK:
                    self.insert(rows)
                    count, rows = count + len(rows), []
            self.insert(rows)
            return count + len(rows)

    def database_replaced(self, emptied: bool) -> None:
        if emptied:  # a table flush does not know this table; a restore brings its own copy
            self.drop_table()
            self.create_table()


def document(content: dict[str, Any]) -> tuple[str, ...]:
    """The analysed text of each field, every language's version stemmed in its own way."""

    def field_terms(name: str) -> str:
        values: dict[str, str] = content.get(name) or {}
        return " ".join(" ".join(index_terms(text, language)) for language, text in values.items())

    return tuple(field_terms(name) for name in fields.FIELDS)


def facet_filtered(query: SearchQuery) -> QuerySet[Record]:
    """The published records that have, for every facet filtered on, one of its values."""
    records = Record.objects.filter(status=Status.PUBLISHED)
    for name, values in query.filters.items():
        if values:
            facet_rows = RecordFacet.objects.filter(name=name, value__in=values)
            records = records.filter(id__in=facet_rows.values("record_id"))
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
    return {name: top_values(counts[name]) for name in names if counts.get(name)}


def _ids(sql: str, params: list[Any]) -> list[int]:
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        return [row[0] for row in cursor.fetchall()]
