"""Rolling a day up again rewrites only the school days and weeks whose figures moved:
the others keep their rows (the same primary keys), a school whose measurements are gone
loses them, and the figures are those of a roll-up from scratch."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta

import pytest
from django.db import connection

from resilnet.schools.models import Measurement, SchoolDailyStatus, SchoolWeeklyStatus
from resilnet.schools.services import measurements, rollups
from resilnet.schools.tests.measurement_fixtures import make_school


@pytest.fixture(autouse=True)
def _old_dates_allowed(settings):
    settings.SCHOOLS_MEASUREMENT_MAX_AGE_DAYS = 10_000


DAY = datetime(2025, 3, 12, 9, tzinfo=UTC)  # a Wednesday


def send(school, download, hours=0):
    measurements.record_measurements(
        school,
        [
            {
                "uuid": str(uuid.uuid4()),
                "timestamp": (DAY + timedelta(hours=hours)).isoformat(),
                "download_bps": download,
            }
        ],
    )


def rows(model):
    return {
        r["school_id"]: r
        for r in model.objects.values("id", "school_id", "download_bps", "num_measurements")
    }


def test_a_second_roll_up_rewrites_only_what_moved(reference_data):
    schools = [make_school(giga=f"g-{i}", lat=-1 - i / 100) for i in range(4)]
    for i, s in enumerate(schools):
        send(s, 10_000_000 * (i + 1))
    rollups.roll_up([DAY.date()])
    days, weeks = rows(SchoolDailyStatus), rows(SchoolWeeklyStatus)
    assert len(days) == len(weeks) == 4

    send(schools[1], 90_000_000, hours=1)  # the median of 20 and 90 Mbps: 55 Mbps
    Measurement.objects.filter(school=schools[3]).delete()
    rollups.roll_up([DAY.date()])
    days_after, weeks_after = rows(SchoolDailyStatus), rows(SchoolWeeklyStatus)

    for before, after in ((days, days_after), (weeks, weeks_after)):
        unchanged = (schools[0].pk, schools[2].pk)
        assert [after[s] for s in unchanged] == [before[s] for s in unchanged]
        moved = after[schools[1].pk]
        assert (moved["download_bps"], moved["num_measurements"]) == (55_000_000, 2)
        # Rewritten: updated in place on SQLite, out and in again on PostgreSQL.
        same_row = connection.vendor != "postgresql"
        assert (moved["id"] == before[schools[1].pk]["id"]) is same_row
    # The school whose measurements are gone has neither its day nor its week (it had
    # no row the week before to carry on).
    assert schools[3].pk not in days_after
    assert schools[3].pk not in weeks_after

    # The same figures as rolling up from nothing.
    SchoolDailyStatus.objects.all().delete()
    SchoolWeeklyStatus.objects.all().delete()
    rollups.roll_up([DAY.date()])
    strip = lambda table: {s: {**r, "id": 0} for s, r in table.items()}  # noqa: E731
    assert strip(rows(SchoolDailyStatus)) == strip(days_after)
    assert strip(rows(SchoolWeeklyStatus)) == strip(weeks_after)
