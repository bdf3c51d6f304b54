"""The weekly counts per area, grouped by the database, equal counting school by school in
Python with `status.static_connectivity`: every static case (a government "no", no,
zero, negative and each band of contracted speed, against both benchmarks), schools in
one area, two or none, real-time schools measured and not, and deleted schools."""

from __future__ import annotations

import itertools
import uuid
from collections import Counter
from datetime import UTC, date, datetime

import pytest

from resilnet.core.models import Country
from resilnet.schools import status
from resilnet.schools.models import (
    AdminArea,
    AreaSchoolCount,
    AreaWeeklyCount,
    CountrySettings,
    School,
    SchoolWeeklyStatus,
)
from resilnet.schools.services import counts, measurements, registry, rollups
from resilnet.schools.tests.measurement_fixtures import make_school

DAY = date(2025, 3, 12)  # a Wednesday
NATIONAL = 4_000_000


@pytest.fixture(autouse=True)
def _old_dates_allowed(settings):
    settings.SCHOOLS_MEASUREMENT_MAX_AGE_DAYS = 10_000


def counted_in_python(country: Country, monday: date, national: int = NATIONAL) -> dict[tuple, int]:
    weekly = {
        w.school_id: (w.connectivity_global, w.connectivity_national)
        for w in SchoolWeeklyStatus.objects.filter(week_start=monday)
    }
    counts: Counter[tuple] = Counter()
    for s in School.objects.filter(country=country, deleted_at=None):
        by = weekly.get(s.pk) or tuple(
            status.static_connectivity(s.connectivity_govt, s.download_speed_contracted, b)
            for b in (status.GLOBAL_BENCHMARK_BPS, national)
        )
        for benchmark, value in zip(("global", "national"), by, strict=True):
            for area in {None, s.admin1_area_id, s.admin2_area_id}:
                counts[(area, benchmark, str(value))] += 1
    return dict(counts)


def stored(country: Country, monday: date) -> dict[tuple, int]:
    return {
        (c.area_id, c.benchmark, c.status): c.schools
        for c in AreaWeeklyCount.objects.filter(country=country, week_start=monday)
    }


def test_area_counts_equal_counting_school_by_school(reference_data):
    kenya = Country.objects.get(iso3="KEN")
    CountrySettings.objects.create(country=kenya, national_benchmark_bps=NATIONAL)
    one = AdminArea.objects.create(country=kenya, level=1, code="P1", name="One")
    two = AdminArea.objects.create(country=kenya, level=1, code="P2", name="Two")
    district = AdminArea.objects.create(
        country=kenya, level=2, code="D1", name="District", parent=one
    )
    places = [(None, None), (one, None), (one, district), (None, district), (two, two)]
    speeds = [None, 0, -5, 500_000, 2_000_000, 5_000_000, 30_000_000]
    cases = itertools.product((True, False, None), speeds, places)
    for i, (govt, speed, (admin1, admin2)) in enumerate(cases):
        make_school(
            giga=f"s-{i}",
            lat=-1 - i / 1000,
            connectivity_govt=govt,
            download_speed_contracted=speed,
            admin1_area=admin1,
            admin2_area=admin2,
        )
    # Real-time schools: measured this week in each band, one quiet with last week's row
    # (carried on as unknown), and deleted ones that must not count.
    when = datetime.combine(DAY, datetime.min.time(), tzinfo=UTC)
    measured = []
    for i, (down, (admin1, admin2)) in enumerate(
        zip([0, 700_000, 3_000_000, 10_000_000, 50_000_000], places, strict=True)
    ):
        school = make_school(
            giga=f"r-{i}",
            lat=1 + i / 1000,
            connectivity_govt=False,
            admin1_area=admin1,
            admin2_area=admin2,
        )
        measured.append(school)
        measurements.record_measurements(
            school,
            [{"uuid": str(uuid.uuid4()), "timestamp": when.isoformat(), "download_bps": down}],
        )
    quiet = make_school(giga="quiet", lat=2, download_speed_contracted=30_000_000)
    last_week = date(2025, 3, 3)
    measurements.record_measurements(
        quiet,
        [
            {
                "uuid": str(uuid.uuid4()),
                "timestamp": datetime(2025, 3, 4, 9, tzinfo=UTC).isoformat(),
                "download_bps": 90_000_000,
            }
        ],
    )
    rollups.roll_up([date(2025, 3, 4)])
    assert stored(kenya, last_week) == counted_in_python(kenya, last_week)
    # Deleted through the registry, whose hook recounts the counts per area the weekly
    # counts start from.
    registry.do_delete_school(None, measured[-1])
    gone = make_school(giga="gone", lat=3, admin1_area=one, download_speed_contracted=30_000_000)
    registry.do_delete_school(None, gone)

    rollups.roll_up([DAY])

    monday = rollups.week_start(DAY)
    weekly = dict(
        SchoolWeeklyStatus.objects.filter(week_start=monday).values_list(
            "school__school_id_giga", "connectivity_global"
        )
    )
    assert weekly == {
        "r-0": "no_internet",
        "r-1": "bad",
        "r-2": "moderate",
        "r-3": "moderate",
        "quiet": "unknown",
    }
    counts = stored(kenya, monday)
    assert counts == counted_in_python(kenya, monday)
    live = School.objects.filter(country=kenya, deleted_at=None).count()
    for benchmark in ("global", "national"):
        assert sum(n for (a, b, _s), n in counts.items() if a is None and b == benchmark) == live
    assert {a for a, _b, _s in counts} == {None, one.pk, two.pk, district.pk}


def test_week_counts_from_the_counts_per_area_or_counted_again_when_they_drifted(
    reference_data,
):
    """The weekly counts start from the counts per area and redo only the real-time
    schools; counts per area missing or gone below what the real-time schools need are
    not trusted, and the country is counted school by school."""
    kenya = Country.objects.get(iso3="KEN")
    CountrySettings.objects.create(country=kenya, national_benchmark_bps=NATIONAL)
    province = AdminArea.objects.create(country=kenya, level=1, code="P1", name="One")
    for i, speed in enumerate([None, 500_000, 5_000_000, 30_000_000]):
        make_school(giga=f"s-{i}", lat=-1 - i / 100, download_speed_contracted=speed)
    school = make_school(giga="r", lat=1, admin1_area=province)
    when = datetime.combine(DAY, datetime.min.time(), tzinfo=UTC)
    measurements.record_measurements(
        school,
        [{"uuid": str(uuid.uuid4()), "timestamp": when.isoformat(), "download_bps": 50_000_000}],
    )
    counts.refresh_counts([kenya.pk])
    rollups.roll_up([DAY])
    monday = rollups.week_start(DAY)
    expected = counted_in_python(kenya, monday)
    assert stored(kenya, monday) == expected
    assert expected[(province.pk, "global", "good")] == 1

    # The school falls to bad: a count goes down, one goes, one comes; only they move.
    measurements.record_measurements(
        school,
        [
            {"uuid": str(uuid.uuid4()), "timestamp": when.isoformat(), "download_bps": 500_000}
            for _ in range(2)
        ],
    )
    rollups.roll_up([DAY])
    expected = counted_in_python(kenya, monday)
    assert stored(kenya, monday) == expected
    assert (province.pk, "global", "good") not in expected
    assert expected[(province.pk, "global", "bad")] == 1

    # The real-time school's current status (unknown: the week is long past) taken out
    # of counts that do not hold it.
    assert School.objects.get(pk=school.pk).connectivity_global == "unknown"
    AreaSchoolCount.objects.filter(country=kenya).update(global_unknown=0, national_unknown=0)
    AreaWeeklyCount.objects.filter(country=kenya).delete()
    rollups.count_week(kenya.pk, monday)
    assert stored(kenya, monday) == expected

    AreaSchoolCount.objects.filter(country=kenya).delete()
    AreaWeeklyCount.objects.filter(country=kenya).delete()
    rollups.count_week(kenya.pk, monday)
    assert stored(kenya, monday) == expected


def test_countries_counted_together_each_against_its_own_national_benchmark(reference_data):
    """One statement counts the real-time schools of every country rolled up: each
    country's static schools still meet its own national benchmark, and a country whose
    counts per area drifted is counted school by school without the others."""
    kenya, uganda = Country.objects.get(iso3="KEN"), Country.objects.get(iso3="UGA")
    CountrySettings.objects.create(country=kenya, national_benchmark_bps=NATIONAL)
    when = datetime.combine(DAY, datetime.min.time(), tzinfo=UTC)
    for country in (kenya, uganda):
        area = AdminArea.objects.create(country=country, level=1, code="P1", name="One")
        for i, speed in enumerate([None, 500_000, 3_000_000, 10_000_000, 30_000_000]):
            make_school(country.iso3, giga=f"s-{i}", lat=i / 100, download_speed_contracted=speed)
        for i, down in enumerate([3_000_000, 10_000_000]):
            school = make_school(country.iso3, giga=f"r-{i}", lat=1 + i / 100, admin1_area=area)
            measurements.record_measurements(
                school,
                [{"uuid": str(uuid.uuid4()), "timestamp": when.isoformat(), "download_bps": down}],
            )
    counts.refresh_counts([kenya.pk, uganda.pk])
    rollups.roll_up([DAY])
    monday = rollups.week_start(DAY)
    expected = {
        kenya: counted_in_python(kenya, monday),
        uganda: counted_in_python(uganda, monday, status.GLOBAL_BENCHMARK_BPS),
    }
    assert expected[kenya] != expected[uganda]  # the benchmarks tell them apart
    for country, figures in expected.items():
        assert stored(country, monday) == figures

    AreaSchoolCount.objects.filter(country=kenya).delete()
    AreaWeeklyCount.objects.all().delete()
    rollups.count_weeks([uganda.pk, kenya.pk], monday)
    for country, figures in expected.items():
        assert stored(country, monday) == figures
