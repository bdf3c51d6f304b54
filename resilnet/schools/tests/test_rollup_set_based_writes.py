"""The roll-up's set-based steps: current statuses written by one `UPDATE … FROM` per
chunk of schools, and the medians computed in numpy from the rows each engine hands
over (PostgreSQL packs each column into one value) equal to Python's
`statistics.median`."""

from __future__ import annotations

import statistics
import uuid
from datetime import UTC, date, datetime, timedelta

import numpy as np
import pytest
from django.utils import timezone

from resilnet.schools.models import School, SchoolWeeklyStatus
from resilnet.schools.services import measurements, rollups
from resilnet.schools.tests.measurement_fixtures import make_school

TODAY = date(2023, 5, 17)  # a Wednesday
THIS_WEEK, LAST_WEEK = date(2023, 5, 15), date(2023, 5, 8)


@pytest.fixture(autouse=True)
def _old_dates_allowed(settings):
    settings.SCHOOLS_MEASUREMENT_MAX_AGE_DAYS = 10_000


def week_row(school, monday, n, global_, national):
    iso_year, iso_week, _ = monday.isocalendar()
    SchoolWeeklyStatus.objects.create(
        school=school,
        week_start=monday,
        iso_year=iso_year,
        iso_week=iso_week,
        num_measurements=n,
        connectivity_global=global_,
        connectivity_national=national,
    )


def test_current_statuses_are_written_chunk_by_chunk_only_where_they_differ(
    reference_data, monkeypatch
):
    monkeypatch.setattr(rollups, "CHUNK", 2)  # several chunks out of a handful of schools
    s = [make_school(giga=f"g-{i}", lat=-1 - i / 100, realtime=True) for i in range(6)]
    week_row(s[0], THIS_WEEK, 3, "good", "moderate")  # measured this week
    week_row(s[0], LAST_WEEK, 2, "bad", "bad")
    week_row(s[1], THIS_WEEK, 0, "unknown", "unknown")  # quiet this week: last week's
    week_row(s[1], LAST_WEEK, 1, "moderate", "bad")
    week_row(s[2], LAST_WEEK, 1, "no_internet", "no_internet")  # nothing yet this week
    # s[3] has no row in either week: unknown, which it already is (not a change).
    week_row(s[4], THIS_WEEK, 1, "good", "good")
    School.objects.filter(pk=s[4].pk).update(connectivity_global="good")  # half there
    week_row(s[5], THIS_WEEK, 1, "bad", "bad")
    School.objects.filter(pk=s[5].pk).update(
        connectivity_global="bad", connectivity_national="bad"
    )  # already right
    deleted = make_school(giga="gone", lat=-2, realtime=True, deleted_at=timezone.now())
    static = make_school(giga="static", lat=-2.1, connectivity_global="good")
    for other in (deleted, static):
        week_row(other, THIS_WEEK, 1, "bad", "bad")

    changed = rollups.update_current_statuses([s[0].country_id], TODAY)

    got = dict(School.objects.values_list("school_id_giga", "connectivity_global"))
    national = dict(School.objects.values_list("school_id_giga", "connectivity_national"))
    assert changed == 4  # g-0, g-1, g-2 and g-4's national status
    assert got == {
        "g-0": "good",
        "g-1": "moderate",
        "g-2": "no_internet",
        "g-3": "unknown",
        "g-4": "good",
        "g-5": "bad",
        "gone": "unknown",  # deleted: left alone
        "static": "good",  # not real-time: left alone
    }
    assert [national[f"g-{i}"] for i in range(6)] == [
        "moderate",
        "bad",
        "no_internet",
        "unknown",
        "good",
        "bad",
    ]
    assert rollups.update_current_statuses([s[0].country_id], TODAY) == 0


def test_the_engines_medians_equal_pythons(reference_data):
    start = datetime(2023, 5, 10, tzinfo=UTC)
    figures = {  # per school: (download, upload or None, latency or None)
        "a": [(4_000_000, None, 30.0), (2_000_000, 1_000, None), (9_000_000, 3_000, 50.0)],
        "b": [(7_000_001, None, None), (2, None, 12.5)],  # no upload at all
        "c": [(5, 5, 5.0)],
    }
    schools = {}
    for i, (name, readings) in enumerate(figures.items()):
        schools[name] = make_school(giga=name, lat=-1 - i / 100)
        items = []
        for k, (down, up, latency) in enumerate(readings):
            item = {
                "uuid": str(uuid.uuid4()),
                "timestamp": (start + timedelta(hours=k)).isoformat(),
                "download_bps": down,
            }
            if up is not None:
                item["upload_bps"] = up
            if latency is not None:
                item["latency_ms"] = latency
            items.append(item)
        measurements.record_measurements(schools[name], items)
    gone = make_school(giga="gone", lat=-2)
    measurements.record_measurements(
        gone, [{"uuid": str(uuid.uuid4()), "timestamp": start.isoformat(), "download_bps": 1}]
    )
    School.objects.filter(pk=gone.pk).update(deleted_at=timezone.now())

    ids, counts, down, up, latency = rollups._medians(start.date(), start.date() + timedelta(1))

    def median(values):
        present = [v for v in values if v is not None]
        return statistics.median(present) if present else None

    expected = [
        (
            schools[name].pk,
            len(readings),
            *(median([r[column] for r in readings]) for column in range(3)),
        )
        for name, readings in figures.items()
    ]
    nan_as_none = lambda v: None if v != v else v  # noqa: E731
    got = [
        (s, c, *(nan_as_none(v) for v in values))
        for s, c, *values in zip(
            ids.tolist(), counts.tolist(), down.tolist(), up.tolist(), latency.tolist(), strict=True
        )
    ]
    assert got == sorted(expected)


def test_a_days_medians_from_its_weeks_rows_equal_the_day_read_alone(reference_data):
    # The week is read once and each row's day worked out by the engine: the first and
    # last second of a day must land in it, whichever engine counts the days.
    monday = date(2023, 5, 8)
    midnight = datetime.combine(monday, datetime.min.time(), tzinfo=UTC)
    offsets = [0, 1, 86_399, 86_400, 86_401, 3 * 86_400 - 1, 6 * 86_400 + 86_399]
    for i in range(3):
        school = make_school(giga=f"w-{i}", lat=-1 - i / 100)
        measurements.record_measurements(
            school,
            [
                {
                    "uuid": str(uuid.uuid4()),
                    "timestamp": (midnight + timedelta(seconds=s)).isoformat(),
                    "download_bps": 1_000 * (k + 1) * (i + 1),
                    "latency_ms": 10.0 + k + i / 3,
                }
                for k, s in enumerate(offsets)
            ],
        )
    week = rollups._read_week(monday)
    days_seen = set()
    for d in range(7):
        day = monday + timedelta(days=d)
        alone = rollups._medians(day, day + timedelta(days=1))
        from_week = rollups._medians(day, day + timedelta(days=1), week)
        for a, b in zip(alone, from_week, strict=True):
            assert np.array_equal(a, b, equal_nan=True)
        if len(alone[0]):
            days_seen.add(d)
    assert days_seen == {0, 1, 2, 6}
    whole = rollups._medians(monday, monday + timedelta(days=7))
    for a, b in zip(whole, rollups._medians(monday, monday + timedelta(days=7), week), strict=True):
        assert np.array_equal(a, b, equal_nan=True)
