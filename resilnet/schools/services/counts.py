"""The live schools of each area and country counted by their current statuses
(`AreaSchoolCount`), so a country's statistics read a row per area instead of counting
hundreds of thousands of schools on every request (bench/schools_stats.py). Recounted
whenever schools or their statuses change, by the same hooks that recount the map's
cells."""

from __future__ import annotations

from collections.abc import Iterable

from django.db import connection, transaction

from resilnet.schools.models import AreaSchoolCount, School
from resilnet.schools.status import Connectivity, Coverage

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
    written = 0
    for country_id in sorted(set(country_ids)):
        with transaction.atomic(), connection.cursor() as cursor:
            cursor.execute(f"DELETE FROM {COUNTS} WHERE country_id = %s", [country_id])  # noqa: S608
            # The country, then its areas of each level: each an index-only scan of the
            # country's schools (the covering index `school_static_counts`).
            for area in ("NULL", "admin1_area_id", "admin2_area_id"):
                named = "" if area == "NULL" else f" AND {area} IS NOT NULL"
                grouped = "" if area == "NULL" else f", {area}"
                cursor.execute(
                    f"INSERT INTO {COUNTS} (country_id, area_id, schools, realtime, {names}) "  # noqa: S608
                    f"SELECT country_id, {area}, COUNT(*), "
                    f"SUM(CASE WHEN realtime THEN 1 ELSE 0 END), {sums} FROM {SCHOOLS} "
                    f"WHERE country_id = %s AND deleted_at IS NULL{named} "
                    f"GROUP BY country_id{grouped}",
                    [*values, country_id],
                )
                written += max(cursor.rowcount, 0)
    return written
