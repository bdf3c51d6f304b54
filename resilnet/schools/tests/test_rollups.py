"""Roll-ups: daily medians, ISO weeks around New Year, unknown weeks, area counts."""

from __future__ import annotations

import uuid
from datetime import UTC, date, datetime, timedelta

import pytest

from resilnet.core.models import Country
from resilnet.schools.models import (
    AdminArea,
    AreaWeeklyCount,
    CountrySettings,
    RollupMark,
    School,
    SchoolDailyStatus,
    SchoolWeeklyStatus,
)
from resilnet.schools.services import measurements, rollups
from resilnet.schools.tests.measurement_fixtures import make_school, school  # noqa: F401


@pytest.fixture(autouse=True)
def _old_dates_allowed(settings):
    settings.SCHOOLS_MEASUREMENT_MAX_AGE_DAYS = 10_000


def send(school, when, download, **extra):  # noqa: F811
    measurements.record_measurements(
        school,
        [
            {
                "uuid": str(uuid.uuid4()),
                "timestamp": when.isoformat(),
                "download_bps": download,
                **extra,
            }
        ],
    )


@pytest.mark.parametrize(
    ("day", "iso"),
    [
        (date(2020, 12, 31), (2020, 53)),
        (date(2021, 1, 3), (2020, 53)),
        (date(2021, 1, 4), (2021, 1)),
        (date(2024, 12, 30), (2025, 1)),
    ],
)
def test_iso_weeks_around_new_year(school, day, iso):  # noqa: F811
    send(
        school,
        datetime.combine(day, datetime.min.time(), tzinfo=UTC) + timedelta(hours=9),
        30_000_000,
    )
    rollups.roll_up([day])
    week = SchoolWeeklyStatus.objects.get(school=school)
    assert (week.iso_year, week.iso_week) == iso
    assert week.week_start == day - timedelta(days=day.weekday())
    assert week.week_start.weekday() == 0


def test_a_week_spanning_two_years_takes_both_sides(school):  # noqa: F811
    # 2020-W53 runs from Monday 2020-12-28 to Sunday 2021-01-03.
    for when, down in [
        (datetime(2020, 12, 29, 10, tzinfo=UTC), 10_000_000),
        (datetime(2020, 12, 31, 23, 59, tzinfo=UTC), 30_000_000),
        (datetime(2021, 1, 2, 8, tzinfo=UTC), 50_000_000),
        (datetime(2021, 1, 4, 8, tzinfo=UTC), 90_000_000),  # next week
    ]:
        send(school, when, down)
    rollups.roll_up([date(2021, 1, 2)])
    week = SchoolWeeklyStatus.objects.get(school=school, week_start=date(2020, 12, 28))
    assert (week.num_measurements, week.download_bps) == (3, 30_000_000)
    assert week.connectivity_global == "good"


def test_daily_medians_and_idempotence(school):  # noqa: F811
    day = date(2023, 5, 10)
    for hour, down, lat in [
        (1, 4_000_000, 30.0),
        (2, 2_000_000, None),
        (3, 8_000_000, 50.0),
        (4, 6_000_000, 10.0),
    ]:
        send(
            school, datetime(2023, 5, 10, hour, tzinfo=UTC), down, latency_ms=lat
        ) if lat else send(school, datetime(2023, 5, 10, hour, tzinfo=UTC), down)
    send(school, datetime(2023, 5, 11, 0, tzinfo=UTC), 99_000_000)  # the next day
    rollups.roll_up([day])
    first = list(SchoolDailyStatus.objects.values())
    rollups.roll_up([day])
    again = list(SchoolDailyStatus.objects.values())
    assert [{k: v for k, v in r.items() if k != "id"} for r in first] == [
        {k: v for k, v in r.items() if k != "id"} for r in again
    ]
    daily = SchoolDailyStatus.objects.get(date=day)
    assert (daily.download_bps, daily.latency_ms, daily.num_measurements) == (5_000_000, 30.0, 4)
    assert SchoolWeeklyStatus.objects.count() == 1


def test_group_medians_against_python():
    keys = [3, 1, 1, 2, 3, 3, 1]
    values = [5.0, 1.0, float("nan"), 7.0, 1.0, 9.0, 4.0]
    import statistics

    import numpy as np

    groups = np.array([1, 2, 3, 4])
    got = rollups.group_medians(np.searchsorted(groups, keys), np.array(values), len(groups))
    for g, m in zip(groups.tolist(), got.tolist(), strict=True):
        present = [v for k, v in zip(keys, values, strict=True) if k == g and v == v]
        assert (m != m) if not present else m == statistics.median(present)


def test_marked_days_only_and_marks_cleared(school):  # noqa: F811
    send(school, datetime(2023, 5, 10, 1, tzinfo=UTC), 1_000)
    RollupMark.objects.create(date=date(2023, 6, 1))
    report = rollups.roll_up()
    assert report.days == [date(2023, 5, 10), date(2023, 6, 1)]
    assert not RollupMark.objects.exists()
    assert rollups.roll_up().days == []


def test_unknown_week_for_a_quiet_realtime_school_and_counts_cover_every_school(school):  # noqa: F811
    kenya = Country.objects.get(iso3="KEN")
    province = AdminArea.objects.create(country=kenya, level=1, code="P1", name="Province")
    School.objects.filter(pk=school.pk).update(admin1_area=province)
    CountrySettings.objects.create(country=kenya, national_benchmark_bps=4_000_000)
    quiet = make_school(giga="g-quiet", admin1_area=province)
    make_school(giga="g-static", connectivity_govt=True, download_speed_contracted=5_000_000)
    send(school, datetime(2023, 5, 9, tzinfo=UTC), 10_000_000)
    send(quiet, datetime(2023, 5, 9, tzinfo=UTC), 500_000)
    rollups.roll_up([date(2023, 5, 9)])
    send(school, datetime(2023, 5, 16, tzinfo=UTC), 25_000_000)
    rollups.roll_up([date(2023, 5, 16)])
    week2 = {
        w.school.school_id_giga: w
        for w in SchoolWeeklyStatus.objects.filter(week_start=date(2023, 5, 15))
    }
    assert week2["g-quiet"].connectivity_global == "unknown"
    assert week2["g-quiet"].num_measurements == 0
    assert (week2["g-1"].connectivity_global, week2["g-1"].connectivity_national) == (
        "good",
        "good",
    )
    counts = {
        (c.area_id, c.benchmark, c.status): c.schools
        for c in AreaWeeklyCount.objects.filter(week_start=date(2023, 5, 15))
    }
    assert counts == {
        (None, "global", "good"): 1,
        (None, "global", "unknown"): 1,
        (None, "global", "moderate"): 1,  # the static school: 5 Mbps contracted
        (None, "national", "good"): 2,
        (None, "national", "unknown"): 1,
        (province.pk, "global", "good"): 1,
        (province.pk, "global", "unknown"): 1,
        (province.pk, "national", "good"): 1,
        (province.pk, "national", "unknown"): 1,
    }


def test_current_status_is_this_weeks_or_the_last_complete_one(school):  # noqa: F811
    today = date(2023, 5, 17)  # a Wednesday
    send(school, datetime(2023, 5, 9, tzinfo=UTC), 30_000_000)
    rollups.roll_up([date(2023, 5, 9)])
    rollups.roll_up_week(date(2023, 5, 15))  # this week, nothing yet: carried as unknown
    rollups.update_current_statuses([school.country_id], today)
    school.refresh_from_db()
    assert school.connectivity_global == "good"  # last week's
    send(school, datetime(2023, 5, 16, tzinfo=UTC), 2_000_000)
    rollups.roll_up([date(2023, 5, 16)])
    rollups.update_current_statuses([school.country_id], today)
    school.refresh_from_db()
    assert school.connectivity_global == "moderate"  # this week's


def test_countries_without_realtime_schools_are_counted_when_a_week_is_rolled_up(school):  # noqa: F811
    static = make_school(
        iso3="UGA",
        giga="u-1",
        lat=0.35,
        lon=32.58,
        connectivity_govt=True,
        download_speed_contracted=30_000_000,
    )
    make_school(iso3="UGA", giga="u-2", lat=0.36, lon=32.59, connectivity_govt=False)
    send(school, datetime(2023, 5, 9, tzinfo=UTC), 10_000_000)
    rollups.roll_up([date(2023, 5, 9)])
    uganda = {
        (c.benchmark, c.status): c.schools
        for c in AreaWeeklyCount.objects.filter(
            country=static.country, area=None, week_start=date(2023, 5, 8)
        )
    }
    assert uganda == {
        ("global", "good"): 1,
        ("global", "no_internet"): 1,
        ("national", "good"): 1,
        ("national", "no_internet"): 1,
    }


def test_count_week_takes_a_country_without_realtime_schools(reference_data):
    static = make_school(iso3="UGA", giga="u-1", lat=0.35, lon=32.58)
    rollups.count_week(static.country, date(2023, 5, 8))
    assert list(
        AreaWeeklyCount.objects.filter(area=None).values_list("benchmark", "status", "schools")
    ) == [("global", "unknown", 1), ("national", "unknown", 1)]


def test_rolling_up_an_old_week_late_carries_unknown_into_the_weeks_after(school):  # noqa: F811
    send(school, datetime(2023, 5, 23, tzinfo=UTC), 30_000_000)  # week of 22 May
    rollups.roll_up([date(2023, 5, 23)])
    # A measurement of two weeks before arrives late.
    send(school, datetime(2023, 5, 9, tzinfo=UTC), 30_000_000)  # week of 8 May
    rollups.roll_up([date(2023, 5, 9)])
    weeks = dict(
        SchoolWeeklyStatus.objects.filter(school=school).values_list(
            "week_start", "connectivity_global"
        )
    )
    assert weeks == {
        date(2023, 5, 8): "good",
        date(2023, 5, 15): "unknown",  # sent nothing that week
        date(2023, 5, 22): "good",
    }
    counted = AreaWeeklyCount.objects.get(
        week_start=date(2023, 5, 15), area=None, benchmark="global"
    )
    assert (counted.status, counted.schools) == ("unknown", 1)
