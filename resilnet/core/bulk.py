"""Plain-row inserts for the bulk paths of services (the catalog import, the audit rows
it appends): one executemany per table and no model instance per row, which costs more
than the insert itself at a hundred thousand rows. Callers pass values already adapted
for the database (`connection.ops.adapt_*`), as the ORM would."""

from __future__ import annotations

from typing import Any

from django.db import connection


def insert_rows(table: str, columns: tuple[str, ...], rows: list[tuple[Any, ...]]) -> None:
    if rows:
        names = ", ".join(connection.ops.quote_name(c) for c in columns)
        marks = ", ".join(["%s"] * len(columns))
        with connection.cursor() as cursor:
            cursor.executemany(
                f"INSERT INTO {connection.ops.quote_name(table)} ({names}) VALUES ({marks})",  # noqa: S608
                rows,
            )
