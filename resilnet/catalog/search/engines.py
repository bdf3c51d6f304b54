"""The full-text index, one implementation per database engine behind one interface.

Both store the analysed terms of each published record (see catalog/text_analysis.py) in the same
database as the records, so the index changes in the same transaction as the record and
can never drift from it. SQLite uses an FTS5 table ranked by BM25; PostgreSQL a tsvector
column with a GIN index ranked by ts_rank_cd.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, Protocol

from django.db import connection

from resilnet.catalog.search.query import ParsedQuery

# Relative weight of title, summary and body in the ranking.
WEIGHTS = (10.0, 4.0, 1.0)


class Engine(Protocol):
    def create(self) -> None: ...
    def drop(self) -> None: ...
    def upsert(self, record_id: int, title: str, summary: str, body: str) -> None: ...
    def insert_many(self, rows: list[tuple[int, str, str, str]]) -> None: ...
    def delete(self, record_id: int) -> None: ...
    def match_sql(self, query: ParsedQuery) -> tuple[str, list[Any]]: ...
    def ranked_sql(
        self, query: ParsedQuery, candidates: tuple[str, Sequence[Any]] | None
    ) -> tuple[str, list[Any]]: ...
    def indexed_ids(self) -> set[int]: ...


class SQLiteFTS5:
    table = "catalog_search"

    def create(self) -> None:
        with connection.cursor() as cursor:
            cursor.execute(
                f"CREATE VIRTUAL TABLE IF NOT EXISTS {self.table} USING fts5("
                "title, summary, body, tokenize = 'unicode61 remove_diacritics 0')"
            )

    def drop(self) -> None:
        with connection.cursor() as cursor:
            cursor.execute(f"DROP TABLE IF EXISTS {self.table}")

    def upsert(self, record_id: int, title: str, summary: str, body: str) -> None:
        with connection.cursor() as cursor:
            cursor.execute(f"DELETE FROM {self.table} WHERE rowid = %s", [record_id])
            cursor.execute(
                f"INSERT INTO {self.table} (rowid, title, summary, body) VALUES (%s, %s, %s, %s)",
                [record_id, title, summary, body],
            )

    def insert_many(self, rows: list[tuple[int, str, str, str]]) -> None:
        """Index records known to be absent from the index (new ones), in one statement."""
        with connection.cursor() as cursor:
            cursor.executemany(
                f"INSERT INTO {self.table} (rowid, title, summary, body) VALUES (%s, %s, %s, %s)",
                rows,
            )

    def delete(self, record_id: int) -> None:
        with connection.cursor() as cursor:
            cursor.execute(f"DELETE FROM {self.table} WHERE rowid = %s", [record_id])

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
        weights = ", ".join(str(w) for w in WEIGHTS)
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

    def indexed_ids(self) -> set[int]:
        with connection.cursor() as cursor:
            cursor.execute(f"SELECT rowid FROM {self.table}")
            return {row[0] for row in cursor.fetchall()}


class PostgresTsvector:
    table = "catalog_searchdoc"
    # The terms are already analysed, so the 'simple' configuration only splits them.
    UPSERT = (
        f"INSERT INTO {table} (record_id, document) VALUES (%s, "
        "setweight(to_tsvector('simple', %s), 'A') || "
        "setweight(to_tsvector('simple', %s), 'B') || "
        "setweight(to_tsvector('simple', %s), 'D')) "
        "ON CONFLICT (record_id) DO UPDATE SET document = EXCLUDED.document"
    )

    def create(self) -> None:
        with connection.cursor() as cursor:
            cursor.execute(
                f"CREATE TABLE IF NOT EXISTS {self.table} ("
                "record_id bigint PRIMARY KEY, document tsvector NOT NULL)"
            )
            cursor.execute(
                f"CREATE INDEX IF NOT EXISTS {self.table}_document ON {self.table} "
                "USING gin (document)"
            )

    def drop(self) -> None:
        with connection.cursor() as cursor:
            cursor.execute(f"DROP TABLE IF EXISTS {self.table}")

    def upsert(self, record_id: int, title: str, summary: str, body: str) -> None:
        with connection.cursor() as cursor:
            cursor.execute(self.UPSERT, [record_id, title, summary, body])

    def insert_many(self, rows: list[tuple[int, str, str, str]]) -> None:
        with connection.cursor() as cursor:
            cursor.executemany(self.UPSERT, rows)

    def delete(self, record_id: int) -> None:
        with connection.cursor() as cursor:
            cursor.execute(f"DELETE FROM {self.table} WHERE record_id = %s", [record_id])

    @staticmethod
    def expression(query: ParsedQuery) -> str:
        return " & ".join(
            "(" + " | ".join("(" + " <-> ".join(alt) + ")" for alt in clause.alternatives) + ")"
            for clause in query.clauses
        )

    def match_sql(self, query: ParsedQuery) -> tuple[str, list[Any]]:
        return (
            f"SELECT record_id FROM {self.table} WHERE document @@ to_tsquery('simple', %s)",
            [self.expression(query)],
        )

    def ranked_sql(
        self, query: ParsedQuery, candidates: tuple[str, Sequence[Any]] | None
    ) -> tuple[str, list[Any]]:
        expression = self.expression(query)
        narrow, params = (
            (f"AND record_id IN ({candidates[0]}) ", [*candidates[1]]) if candidates else ("", [])
        )
        return (
            f"SELECT record_id FROM {self.table} WHERE document @@ to_tsquery('simple', %s) "
            f"{narrow}ORDER BY ts_rank_cd('{{0.1, 0.2, 0.4, 1.0}}', document, "
            "to_tsquery('simple', %s)) DESC, record_id",
            [expression, *params, expression],
        )

    def indexed_ids(self) -> set[int]:
        with connection.cursor() as cursor:
            cursor.execute(f"SELECT record_id FROM {self.table}")
            return {row[0] for row in cursor.fetchall()}


def engine() -> Engine:
    if connection.vendor == "postgresql":
        return PostgresTsvector()
    return SQLiteFTS5()
