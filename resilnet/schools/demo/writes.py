"""Where the demo writes schools and measurements: THE PLACE THAT SWITCHES TO THE SERVICES.

The registry, measurement and roll-up services (services/registry.py, measurements.py,
rollups.py) are written beside this one. Until they are in, these three functions insert
rows directly with `resilnet.core.bulk.insert_rows`, filling in what those services keep
(tile key, static status, coverage, roll-up marks); once they are in, each becomes one
call of its service and the rest of the demo stays as it is:

    write_schools       -> services.registry     (upsert schools by school_id_giga)
    write_measurements  -> services.measurements (bulk measurements, marking their days)
    roll_up             -> services.rollups      (roll up the marked days)
"""

from __future__ import annotations

from collections.abc import Sequence
from functools import partial
from typing import Any

from django.db import connection, models
from django.utils import timezone

from resilnet.core.bulk import insert_rows
from resilnet.core.models import Country
from resilnet.schools.geo import tile_key
from resilnet.schools.models import CountrySettings, Measurement, RollupMark, School
from resilnet.schools.status import (
    GLOBAL_BENCHMARK_BPS,
    Connectivity,
    coverage,
    static_connectivity,
)

CHUNK = 20_000  # rows per executemany


def _insert(
    model: type[models.Model], rows: Sequence[dict[str, Any]], same: dict[str, Any]
) -> None:
    """Insert dicts keyed by field attnames; `same` holds the values every row shares and
    a field named in neither gets its default. Values are prepared as the ORM would,
    the shared ones once (a hundred thousand ORM preparations cost more than the insert)."""
    fields = [f for f in model._meta.concrete_fields if not f.primary_key]
    columns = tuple(str(f.column) for f in fields)
    shared = {
        f.attname: f.get_db_prep_save(same.get(f.attname, f.get_default()), connection)
        for f in fields
        if f.attname in same or (rows and f.attname not in rows[0])
    }
    varying = [f for f in fields if f.attname not in shared]
    prepare = {
        f.attname: (
            connection.ops.adapt_datetimefield_value
            if isinstance(f, models.DateTimeField)
            else partial(f.get_db_prep_save, connection=connection)
        )
        for f in varying
        if isinstance(f, models.DateField | models.UUIDField | models.JSONField)
    }
    # Column by column: one pass of each preparation over a list, no dict per row.
    lists = []
    for f in fields:
        if f.attname in shared:
            lists.append([shared[f.attname]] * len(rows))
        else:
            column = [row[f.attname] for row in rows]
            prep = prepare.get(f.attname)
            lists.append(list(map(prep, column)) if prep else column)
    values = list(zip(*lists, strict=True))
    for start in range(0, len(values), CHUNK):
        insert_rows(model._meta.db_table, columns, values[start : start + CHUNK])


def write_schools(country: Country, rows: Sequence[dict[str, Any]]) -> None:
    """Create these schools of one country (rows keyed by School's field names)."""
    settings = CountrySettings.objects.filter(country=country).first()
    national = settings.national_benchmark_bps if settings else GLOBAL_BENCHMARK_BPS
    now = timezone.now()
    full = []
    for row in rows:
        contracted, connected = row["download_speed_contracted"], row["connectivity_govt"]
        realtime = row.get("realtime", False)
        full.append(
            {
                **row,
                "country_id": country.pk,
                "tile_key": tile_key(row["latitude"], row["longitude"]),
                "realtime": realtime,
                "connectivity_global": Connectivity.UNKNOWN
                if realtime
                else static_connectivity(connected, contracted, GLOBAL_BENCHMARK_BPS),
                "connectivity_national": Connectivity.UNKNOWN
                if realtime
                else static_connectivity(connected, contracted, national),
                "coverage": coverage(row["cellular_coverage_type"]),
            }
        )
    _insert(School, full, {"created_at": now, "updated_at": now})


def write_measurements(rows: Sequence[dict[str, Any]]) -> None:
    """Store measurements (keyed by Measurement's attnames) and mark their days."""
    now = timezone.now()
    _insert(Measurement, rows, {"received_at": now})
    days = {row["timestamp"].date() for row in rows}
    days -= set(RollupMark.objects.filter(date__in=days).values_list("date", flat=True))
    _insert(RollupMark, [{"date": day} for day in sorted(days)], {"marked_at": now})


def roll_up() -> None:
    """Roll up the marked days. The roll-up service does it; until it is in, the marks
    wait for the periodic task `roll_up_marked_days` that will call it."""
