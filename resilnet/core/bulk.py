"""Plain-row inserts for the bulk paths of services (the catalog import, the audit rows
it appends): one executemany per table and no model instance per row, which costs more
than the insert itself at a hundred thousand rows. Callers pass values already adapted
for the database (`connection.ops.adapt_*`), as the ORM would."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from django.db import connection

# SQLite for bulk work: an import of millions of rows updates indexes larger than the
# default page cache (settings: 64 MB), and every page it evicts is read back from the OS
# on the next insert that lands there. Its short transactions each dirty a page of every
# index per row; with the default checkpoint every 1,000 pages of log, each commit copies
# them into the database again, where a longer log copies a page once for many commits.
BULK_CACHE_MB = 1024
BULK_CHECKPOINT_PAGES = 65_536  # 256 MB of log between checkpoints


@contextmanager
def bulk_cache(megabytes: int = BULK_CACHE_MB) -> Iterator[None]:
    """This connection's SQLite page cache raised to `megabytes` and its checkpoints
    spaced out for the duration, then both set back, the log checkpointed and the cache's
    memory given back. Nothing on other databases."""
    if connection.vendor != "sqlite":
        yield
        return
    with connection.cursor() as cursor:
        cursor.execute("PRAGMA cache_size")
        (cache,) = cursor.fetchone()
        cursor.execute("PRAGMA wal_autocheckpoint")
        (checkpoint,) = cursor.fetchone()
        cursor.execute(f"PRAGMA cache_size = {-int(megabytes) * 1024}")
        cursor.execute(f"PRAGMA wal_autocheckpoint = {BULK_CHECKPOINT_PAGES}")
    try:
        yield
    finally:
        with connection.cursor() as cursor:
            cursor.execute(f"PRAGMA cache_size = {int(cache)}")
            cursor.execute(f"PRAGMA wal_autocheckpoint = {int(checkpoint)}")
            if not connection.in_atomic_block:
                cursor.execute("PRAGMA wal_checkpoint(PASSIVE)")
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
