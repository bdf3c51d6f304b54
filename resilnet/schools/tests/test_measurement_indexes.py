"""The measurement table carries only the indexes something reads by: each index is work
for every row a bulk import writes. Lookups by school go through (school, timestamp)."""

from __future__ import annotations

from django.db import connection

from resilnet.schools.models import Measurement


def test_measurements_are_indexed_by_uuid_school_and_time_and_nothing_else(db):
    with connection.cursor() as cursor:
        constraints = connection.introspection.get_constraints(cursor, Measurement._meta.db_table)
    indexed = sorted(
        tuple(c["columns"])
        for c in constraints.values()
        if (c["index"] or c["unique"]) and not c["primary_key"]
    )
    assert indexed == [("school_id", "timestamp"), ("timestamp",), ("uuid",)]
