"""Plain-row inserts for the bulk paths of services (the catalog import, the audit rows
it appends): one executemany per table and no model instance per row, which costs more
than the insert itself at a hundred thousand rows. Callers pass values already adapted
for the database (`connection.ops.adapt_*`), as the ORM would."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from django.db import connection

# SQLite's page cache for bulk work: an import of millions of rows updates indexes larger
# than the default cache (settings: 64 MB), and every page it evicts is read back from the
# OS and parsed again on the next insert that lands there.
BULK_CACHE_MB = 1024


@contextmanager
def bulk_cache(megabytes: int = BULK_CACHE_MB) -> Iterator[None]:
    """This connection's SQLite page cache raised to `megabytes` for the duration, then
    set back and its memory given back. Nothing on other databases."""
    if connection.vendor != "sqlite":
        yield
        return
    with connection.cursor() as cursor:
        cursor.execute("PRAGMA cache_size")
        (before,) = cursor.fetchone()
        cursor.execute(f"PRAGMA cache_size = {-int(megabytes) * 1024}")
    try:
        yield
    finally:
        with connection.cursor() as cursor:
            cursor.execute(f"PRAGMA cache_size = {int(before)}")
            cursor.execute("PRAGMA shrink_memory")


def insert_rows(
    table: str,
    columns: tuple[str, ...],
    rows: list[tuple[Any, ...]],
    *,
    skip_conflicts_on: str = "",
) -> int:
    """With `skip_conflicts_on` (a unique column), a row whose value is already there is
    skipped (`ON CONFLICT … DO NOTHING`, on SQLite and PostgreSQL alike). Returns the
    number of rows inserted as the driver counts them."""
    if not rows:
        return 0
    quote = connection.ops.quote_name
    names = ", ".join(quote(c) for c in columns)
    marks = ", ".join(["%s"] * len(columns))
    tail = f" ON CONFLICT ({quote(skip_conflicts_on)}) DO NOTHING" if skip_conflicts_on else ""
    with connection.cursor() as cursor:
        cursor.executemany(
            f"INSERT INTO {quote(table)} ({names}) VALUES ({marks}){tail}",  # noqa: S608
            rows,
        )
        return max(cursor.rowcount, 0)


def copy_rows(table: str, columns: tuple[str, ...], rows: list[tuple[Any, ...]]) -> int:
    """`insert_rows` through PostgreSQL's COPY (a stream, no statement per row: several
    times faster at thousands of rows); an INSERT on other databases."""
    if connection.vendor != "postgresql" or not rows:
        return insert_rows(table, columns, rows)
    quote = connection.ops.quote_name
    names = ", ".join(quote(c) for c in columns)
    with connection.cursor() as cursor:
        with cursor.cursor.copy(f"COPY {quote(table)} ({names}) FROM STDIN") as copy:
            for row in rows:
                copy.write_row(row)
    return len(rows)
