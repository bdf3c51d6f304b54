"""The live schools of each area and country counted by their current statuses
(`AreaSchoolCount`), so a country's statistics read a row per area instead of counting
hundreds of thousands of schools on every request (bench/schools_stats.py). Recounted
whenever schools or their statuses change, by the same hooks that recount the map's
cells."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from django.db import connection, transaction

from resilnet.schools.models import AreaSchoolCount, School
from resilnet.schools.status import Connectivity, Coverage

BENCHMARKS = ("global", "national")
STATUSES = tuple(Connectivity.values)
COUNTS = AreaSchoolCount._meta.db_table
SCHOOLS = School._meta.db_table
# (column of AreaSchoolCount, column of School, value counted)
_COUNTED = [
    *((f"coverage_{c}", "coverage", c) for c in Coverage.values),
    *((f"global_{c}", "connectivity_global", c) for c in Connectivity.values),
    *((f"national_{c}", "connectivity_national", c) for c in Connectivity.values),
]


def refresh_counts(country_ids: Iterable[int]) -> int:
    """Recount these countries and their admin areas, a transaction per country (readers
    see the old counts or the new); returns the rows written."""
    names = ", ".join(name for name, _column, _value in _COUNTED)
    sums = ", ".join(
        f"SUM(CASE WHEN {column} = %s THEN 1 ELSE 0 END)" for _name, column, _value in _COUNTED
    )
    values = [value for _name, _column, value in _COUNTED]
    insert = f"INSERT INTO {COUNTS} (country_id, area_id, schools, realtime, {names}) "
    counted = f"COUNT(*), SUM(CASE WHEN realtime THEN 1 ELSE 0 END), {sums}"
    live = "country_id = %s AND deleted_at IS NULL"
    columns = "country_id, realtime, coverage, connectivity_global, connectivity_national"
    in_areas = _in_areas(SCHOOLS, columns, f"{live} AND ")
    written = 0
    for country_id in sorted(set(country_ids)):
        with transaction.atomic(), connection.cursor() as cursor:
            cursor.execute(f"DELETE FROM {COUNTS} WHERE country_id = %s", [country_id])  # noqa: S608
            # Index-only scans of the country's schools (the covering index
            # `school_static_counts`): the country, then its areas.
            cursor.execute(
                f"{insert}SELECT country_id, NULL, {counted} FROM {SCHOOLS} "  # noqa: S608
                f"WHERE {live} GROUP BY country_id",
                [*values, country_id],
            )
            written += max(cursor.rowcount, 0)
            cursor.execute(
                f"{insert}SELECT country_id, area, {counted} FROM ({in_areas}) u "  # noqa: S608
                f"GROUP BY country_id, area",
                [*values, country_id, country_id],
            )
            written += max(cursor.rowcount, 0)
    return written


def move_statuses(cursor: Any, moves: str) -> None:
    """Apply the connectivity statuses that changed (`moves`: the schools' id, country and
    areas, with their old and new status on each benchmark) to the counts of those
    countries and areas, inside the caller's transaction, instead of recounting whole
    countries."""
    moved = [(f"{b}_{s}", f"new_{b[0]}", f"old_{b[0]}", s) for b in BENCHMARKS for s in STATUSES]
    deltas = ", ".join(
        f"SUM(CASE WHEN {new} = %s THEN 1 ELSE 0 END) - "
        f"SUM(CASE WHEN {old} = %s THEN 1 ELSE 0 END) AS {name}"
        for name, new, old, _s in moved
    )
    values = [v for _n, _new, _old, s in moved for v in (s, s)]
    assign = ", ".join(f"{name} = {COUNTS}.{name} + d.{name}" for name, *_rest in moved)
    in_areas = _in_areas(moves, "old_g, old_n, new_g, new_n", "")
    cursor.execute(
        f"UPDATE {COUNTS} SET {assign} FROM (SELECT country_id, {deltas} FROM {moves} "  # noqa: S608
        f"GROUP BY country_id) d "
        f"WHERE {COUNTS}.country_id = d.country_id AND {COUNTS}.area_id IS NULL",
        values,
    )
    cursor.execute(
        f"UPDATE {COUNTS} SET {assign} FROM (SELECT area, {deltas} FROM ({in_areas}) u "  # noqa: S608
        f"GROUP BY area) d WHERE {COUNTS}.area_id = d.area",
        values,
    )


def _in_areas(table: str, columns: str, where: str) -> str:
    """`columns` of each (area, school) of `table`: a school counts once in each area it is
    in, whichever column names it (an area named as both its province and its district
    counts it once). `where` narrows the schools (ending in AND)."""
    return (
        f"SELECT admin1_area_id AS area, {columns} FROM {table} "  # noqa: S608
        f"WHERE {where}admin1_area_id IS NOT NULL UNION ALL "
        f"SELECT admin2_area_id, {columns} FROM {table} WHERE {where}"
        f"admin2_area_id IS NOT NULL "
        f"AND (admin1_area_id IS NULL OR admin1_area_id <> admin2_area_id)"
    )
