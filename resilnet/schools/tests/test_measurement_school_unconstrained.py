"""A measurement's school has no database constraint (docs/adr/0014): a row whose school
is gone, which only a school deleted outright during an import could leave, is left out
of the roll-up instead of failing it; the ORM still deletes a school's measurements
with it."""

from __future__ import annotations

import uuid
from datetime import UTC, date, datetime

import pytest
from django.db import connection

from resilnet.schools.models import Measurement, School, SchoolDailyStatus
from resilnet.schools.services import measurements, rollups
from resilnet.schools.tests.measurement_fixtures import make_school

DAY = date(2026, 11, 2)


@pytest.fixture(autouse=True)
def _old_dates_allowed(settings):
    settings.SCHOOLS_MEASUREMENT_MAX_AGE_DAYS = 10_000


def measure(school: School, hour: int, download: int) -> None:
    measurements.record_measurements(
        school,
        [
            {
                "uuid": str(uuid.uuid4()),
                "timestamp": datetime(2026, 11, 2, hour, tzinfo=UTC).isoformat(),
                "download_bps": download,
            }
        ],
    )


def test_a_measurement_of_a_school_gone_is_left_out_of_the_roll_up(reference_data):
    kept = make_school(giga="kept")
    gone = make_school(giga="gone", lat=-1.5)
    measure(kept, 8, 4_000_000)
    measure(gone, 9, 9_000_000)
    # Deleted outright behind the ORM's back, as a race with an import could leave it.
    table = connection.ops.quote_name(School._meta.db_table)
    with connection.cursor() as cursor:
        cursor.execute(f"DELETE FROM {table} WHERE id = %s", [gone.pk])  # noqa: S608
    assert Measurement.objects.filter(school_id=gone.pk).count() == 1

    rollups.roll_up([DAY])

    assert list(SchoolDailyStatus.objects.values_list("school_id", "download_bps")) == [
        (kept.pk, 4_000_000)
    ]


def test_deleting_a_school_through_the_orm_deletes_its_measurements(reference_data):
    kept = make_school(giga="kept")
    gone = make_school(giga="gone", lat=-1.5)
    measure(kept, 8, 4_000_000)
    measure(gone, 9, 9_000_000)

    School.objects.filter(pk=gone.pk).delete()

    assert list(Measurement.objects.values_list("school_id", flat=True)) == [kept.pk]
