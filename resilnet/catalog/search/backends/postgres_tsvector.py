"""PostgreSQL: a tsvector column with a GIN index beside the records, ranked by ts_rank_cd."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from django.db import connection

from resilnet.catalog.search import fields
from resilnet.catalog.search.backends.database import DatabaseBackend, Row
from resilnet.catalog.search.query import ParsedQuery

# ts_rank_cd weighs four labels, D, C, B and A, from 0 to 1: each field gets a label, and
# the label the field's weight relative to the heaviest field's.
LABELS = ("A", "B", "D")  # of each field, in the order of fields.FIELDS
_relative = {
    label: weight / max(fields.WEIGHTS)
    for label, weight in zip(LABELS, fields.WEIGHTS, strict=True)
}
RANK_WEIGHTS = "{" + ", ".join(str(_relative.get(label, 0.0)) for label in "DCBA") + "}"


class PostgresTsvectorBackend(DatabaseBackend):
    table = "catalog_searchdoc"
    id_column = "record_id"
    # The terms are already analysed, so the 'simple' configuration only splits them.
    UPSERT = (
        f"INSERT INTO {table} (record_id, document) VALUES (%s, "
        + " || ".join(f"setweight(to_tsvector('simple', %s), '{label}')" for label in LABELS)
        + ") ON CONFLICT (record_id) DO UPDATE SET document = EXCLUDED.document"
    )

    def create_table(self) -> None:
        with connection.cursor() as cursor:
            cursor.execute(
                f"CREATE TABLE IF NOT EXISTS {self.table} ("
                "record_id bigint PRIMARY KEY, document tsvector NOT NULL)"
            )
            cursor.execute(
                f"CREATE INDEX IF NOT EXISTS {self.table}_document ON {self.table} "
                "USING gin (document)"
            )

    def upsert(self, rows: list[Row]) -> None:
        if rows:
            with connection.cursor() as cursor:
                cursor.executemany(self.UPSERT, rows)

    insert = upsert

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
            f"{narrow}ORDER BY ts_rank_cd('{RANK_WEIGHTS}', document, "
            "to_tsquery('simple', %s)) DESC, record_id",
            [expression, *params, expression],
        )
