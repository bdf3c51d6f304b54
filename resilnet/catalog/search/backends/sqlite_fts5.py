"""SQLite FTS5: the full-text table beside the records, ranked by BM25."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from django.db import connection

from resilnet.catalog.search import fields
from resilnet.catalog.search.backends.database import DatabaseBackend, Row
from resilnet.catalog.search.query import ParsedQuery

COLUMNS = ", ".join(fields.FIELDS)


class SQLiteFTS5Backend(DatabaseBackend):
    table = "catalog_search"
    id_column = "rowid"
    INSERT = (
        f"INSERT INTO {table} (rowid, {COLUMNS}) "
        f"VALUES (%s, {', '.join(['%s'] * len(fields.FIELDS))})"
    )

    def create_table(self) -> None:
        with connection.cursor() as cursor:
            cursor.execute(
                f"CREATE VIRTUAL TABLE IF NOT EXISTS {self.table} USING fts5("
                f"{COLUMNS}, tokenize = 'unicode61 remove_diacritics 0')"
            )

    def upsert(self, rows: list[Row]) -> None:
        with connection.cursor() as cursor:
            for row in rows:
                cursor.execute(f"DELETE FROM {self.table} WHERE rowid = %s", [row[0]])
                cursor.execute(self.INSERT, row)

    def insert(self, rows: list[Row]) -> None:
        if rows:
            with connection.cursor() as cursor:
                cursor.executemany(self.INSERT, rows)

    @staticmethod
    def expression(query: ParsedQuery) -> str:
        # Terms are \w+ tokens from analysis.words, so quoting them is enough to keep
        # anything a person typed from being read as FTS5 syntax.
        return " AND ".join(
            "(" + " OR ".join('"' + " ".join(alt) + '"' for alt in clause.alternatives) + ")"
            for clause in query.clauses
        )

    def match_sql(self, query: ParsedQuery) -> tuple[str, list[Any]]:
        return (
            f"SELECT rowid FROM {self.table} WHERE {self.table} MATCH %s",
            [self.expression(query)],
        )

    def ranked_sql(
        self, query: ParsedQuery, candidates: tuple[str, Sequence[Any]] | None
    ) -> tuple[str, list[Any]]:
        weights = ", ".join(str(w) for w in fields.WEIGHTS)
        # Score every match once, then narrow: a `rowid IN (…)` beside the MATCH makes
        # SQLite re-run the MATCH for each candidate rowid (seconds instead of milliseconds).
        narrow, params = (
            (f"WHERE id IN ({candidates[0]}) ", [*candidates[1]]) if candidates else ("", [])
        )
        return (
            f"WITH hits AS MATERIALIZED (SELECT rowid AS id, bm25({self.table}, {weights}) "
            f"AS score FROM {self.table} WHERE {self.table} MATCH %s) "
            f"SELECT id FROM hits {narrow}ORDER BY score, id",
            [self.expression(query), *params],
        )
