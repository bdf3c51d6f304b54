"""The map grid's refresh works one country at a time, and each of its statements reads
that country's rows only, through an index that starts with the country. When SQLite
chose the (level, rolled_up, cell) index instead, summing a level into the level above
read every country's cells of that level for each country: the refresh grew with the
square of the number of countries (81 s at 2.1 million schools in 141 countries)."""

from __future__ import annotations

import re

from django.db import connection

from resilnet.core.tests.databases import sqlite_only
from resilnet.schools.services import tiles
from resilnet.schools.tests.conftest import import_file, master_csv


def plans_of_the_refresh() -> list[tuple[str, list[str]]]:
    statements: list[tuple[str, list]] = []

    def record(execute, sql, params, many, context):
        statements.append((sql, list(params or [])))
        return execute(sql, params, many, context)

    with connection.execute_wrapper(record):
        tiles.refresh_grid()
    plans = []
    with connection.cursor() as cursor:
        for sql, params in statements:
            if not re.match(r"\s*(INSERT|DELETE|SELECT)", sql, re.IGNORECASE):
                continue
            cursor.execute("EXPLAIN QUERY PLAN " + sql, params)
            plans.append((sql, [row[3] for row in cursor.fetchall()]))
    return plans


@sqlite_only("EXPLAIN QUERY PLAN is SQLite's; PostgreSQL plans from its statistics")
def test_each_statement_of_a_countrys_refresh_reads_that_country_only(kenya, tmp_path):
    import_file(master_csv(tmp_path))
    plans = plans_of_the_refresh()
    per_country = [(sql, plan) for sql, plan in plans if "country_id = " in sql]
    # The schools counted into the finest level, every coarser level from the one below,
    # the rolled-up rows, the deletions, and the same for the weeks' cells.
    assert len(per_country) >= 6
    for sql, plan in per_country:
        # The outermost loop: the table read first, whose rows drive the rest.
        outer = next(step for step in plan if step.startswith(("SEARCH", "SCAN")))
        assert outer.startswith("SEARCH"), (sql, plan)
        assert "(country_id=?" in outer, (sql, plan)
