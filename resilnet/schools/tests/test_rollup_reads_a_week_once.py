"""Several days rolled up together, their week read once: each day takes exactly the
measurements from its midnight to the next (a week across New Year included), the same
figures as each day rolled up alone, deleted schools left out; and a roll-up run again
over unchanged data writes nothing at all."""

from __future__ import annotations

import statistics
import uuid
from datetime import UTC, date, datetime, timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from resilnet.schools.models import AreaWeeklyCount, School, SchoolDailyStatus, SchoolWeeklyStatus
from resilnet.schools.services import measurements, rollups
from resilnet.schools.tests.measurement_fixtures import make_school

TICK = timedelta(microseconds=1)
# 2020-W53 runs from Monday 2020-12-28 to Sunday 2021-01-03.
READINGS = {
    "a": [
        (datetime(2020, 12, 27, 23, 59, 59, tzinfo=UTC), 1_000),  # the week before
        (datetime(2020, 12, 28, tzinfo=UTC), 2_000_000),
        (datetime(2020, 12, 31, tzinfo=UTC) - TICK, 3_000_000),  # last of the 30th
        (datetime(2020, 12, 31, tzinfo=UTC), 5_000_000),
        (datetime(2020, 12, 31, 12, tzinfo=UTC), 8_000_000),
        (datetime(2021, 1, 1, tzinfo=UTC) - TICK, 13_000_000),
        (datetime(2021, 1, 1, tzinfo=UTC), 21_000_000),
        (datetime(2021, 1, 4, tzinfo=UTC) - TICK, 34_000_000),  # last of the week
        (datetime(2021, 1, 4, tzinfo=UTC), 55_000_000),  # 2021-W01
        (datetime(2021, 1, 5, tzinfo=UTC), 89_000_000),
    ],
    "b": [
        (datetime(2021, 1, 1, 8, tzinfo=UTC), 400_000),
        (datetime(2021, 1, 3, 23, tzinfo=UTC), 600_000),
        (datetime(2021, 1, 5, 7, tzinfo=UTC), 900_000),
    ],
    "gone": [(datetime(2020, 12, 31, 9, tzinfo=UTC), 7_000_000)],
}
DAYS = [date(2020, 12, 30), date(2020, 12, 31), date(2021, 1, 1), date(2021, 1, 3)]
DAYS += [date(2021, 1, 4), date(2021, 1, 5)]


@pytest.fixture(autouse=True)
def _old_dates_allowed(settings):
    settings.SCHOOLS_MEASUREMENT_MAX_AGE_DAYS = 10_000


@pytest.fixture
def schools(reference_data):
    made = {}
    for i, (name, readings) in enumerate(READINGS.items()):
        made[name] = make_school(giga=name, lat=-1 - i / 100)
        measurements.record_measurements(
            made[name],
            [
                {"uuid": str(uuid.uuid4()), "timestamp": t.isoformat(), "download_bps": d}
                for t, d in readings
            ],
        )
    School.objects.filter(pk=made["gone"].pk).update(deleted_at=timezone.now())
    return made


def days_stored():
    return sorted(
        SchoolDailyStatus.objects.values_list(
            "school__school_id_giga", "date", "download_bps", "num_measurements"
        )
    )


def test_days_of_a_week_read_once_take_exactly_their_own_measurements(schools):
    rollups.roll_up(DAYS)
    together = days_stored()

    expected = []
    for name in ("a", "b"):
        for day in DAYS:
            values = [d for t, d in READINGS[name] if t.date() == day]
            if values:
                expected.append((name, day, round(statistics.median(values)), len(values)))
    assert together == sorted(expected)

    weeks = {
        (w.school.school_id_giga, w.week_start): (w.num_measurements, w.download_bps)
        for w in SchoolWeeklyStatus.objects.select_related("school")
    }
    assert weeks == {
        ("a", date(2020, 12, 28)): (7, 8_000_000),
        ("b", date(2020, 12, 28)): (2, 500_000),
        ("a", date(2021, 1, 4)): (2, 72_000_000),
        ("b", date(2021, 1, 4)): (1, 900_000),
    }

    SchoolDailyStatus.objects.all().delete()
    for day in DAYS:
        rollups.roll_up([day])
    assert days_stored() == together


def test_a_roll_up_run_again_writes_nothing(schools):
    rollups.roll_up(DAYS)
    counts = sorted(AreaWeeklyCount.objects.values_list("id", "area_id", "status", "schools"))
    assert counts
    with CaptureQueriesContext(connection) as queries:
        report = rollups.roll_up(DAYS)
    # The statuses that would change are looked for in a temporary table of the
    # connection (none found): nothing stored is written.
    moves = '"schools_status_moves"'
    writes = [
        q["sql"]
        for q in queries.captured_queries
        if q["sql"].lstrip().split(" ", 1)[0].upper() in {"INSERT", "UPDATE", "DELETE", "COPY"}
        and not q["sql"].startswith((f"INSERT INTO {moves}", f"DELETE FROM {moves}"))  # noqa: S608
    ]
    assert writes == []
    assert report.schools_changed == 0
    assert sorted(AreaWeeklyCount.objects.values_list("id", "area_id", "status", "schools")) == (
        counts
    )
