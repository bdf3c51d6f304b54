"""Where the demo writes: through the services, as a country office's files would be.

Schools go through the registry's import (the same checks, area links, statuses, audit
row and map cells as a file), measurements through the measurement service's plain-row
store and roll-up marks, and the roll-up through its service."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from django.db import transaction

from resilnet.core.models import Country
from resilnet.schools.importers.base import SourceRows
from resilnet.schools.models import School
from resilnet.schools.services import measurements, registry, rollups

CHUNK = 20_000  # measurements per transaction


def write_schools(country: Country, rows: Sequence[dict[str, Any]]) -> None:
    """Create these schools of one country (rows keyed by School's field names)."""
    realtime = [row["school_id_giga"] for row in rows if row.get("realtime")]
    master = []
    for row in rows:
        values = {k: v for k, v in row.items() if k not in {"realtime", "admin1_area_id"}}
        if values.get("download_speed_contracted") is not None:
            # A master file gives the contracted speed in Mbit/s, as Giga's schema does.
            values["download_speed_contracted"] /= 1_000_000
        master.append(values)
    if not master:
        return
    source = SourceRows(
        tuple(master[0]), iter(enumerate(master, start=2)), estimated_rows=len(master)
    )
    report = registry.import_schools(
        None, source, country=country.iso3, mode=registry.VALID_ROWS, source_name="demo"
    )
    if report.rejected:
        raise RuntimeError(f"the demo's schools of {country.iso3} failed their checks: {report}")
    ids = School.objects.filter(
        country=country, deleted_at=None, school_id_giga__in=realtime
    ).values_list("id", flat=True)
    measurements.make_realtime(ids)


def write_measurements(rows: Sequence[dict[str, Any]]) -> None:
    """Store measurements (keyed by Measurement's attnames) and mark their days."""
    adapt = measurements.RowAdapter()
    values = [
        (
            adapt.uuid(row["uuid"]),
            row["school_id"],
            adapt.adapt_time(row["timestamp"]),
            row["download_bps"],
            row["upload_bps"],
            row["latency_ms"],
            row["jitter_ms"],
            row["packet_loss"],
            row["source"],
            adapt.empty_json,
            adapt.empty_json,
            False,
            adapt.received_at,
        )
        for row in rows
    ]
    for start in range(0, len(values), CHUNK):
        with transaction.atomic():
            measurements.store_rows(values[start : start + CHUNK])
    with transaction.atomic():
        measurements.mark_days(row["timestamp"].date() for row in rows)


def roll_up() -> None:
    rollups.roll_up()
