"""A day rolled up into a week whose map cells are already counted moves those cells by
deltas, in the transactions that write the week's rows, instead of recounting the week for
every country: after each roll-up they equal a recount of the week, and cells no school
moved keep their rows. Cells that drifted from the rows are recounted."""

from __future__ import annotations

import uuid
from datetime import UTC, date, datetime

import pytest
from django.db import connection

from resilnet.core.models import Country
from resilnet.schools.models import Measurement, WeekGridCell
from resilnet.schools.services import measurements, rollups, tiles
from resilnet.schools.tests.measurement_fixtures import make_school

MONDAY = date(2025, 3, 10)


@pytest.fixture(autouse=True)
def _old_dates_allowed(settings):
    settings.SCHOOLS_MEASUREMENT_MAX_AGE_DAYS = 10_000


def week_cells() -> list[tuple]:
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT level, cell, country_id, total, global_good, global_moderate, global_bad, "
            "global_no_internet, global_unknown, national_good, national_moderate, "
            "national_bad, national_no_internet, national_unknown FROM schools_weekgridcell "
            "WHERE week_start = %s",
            [connection.ops.adapt_datefield_value(MONDAY)],
        )
        return sorted(cursor.fetchall())


def recounted(countries: list[int]) -> list[tuple]:
    """The week's cells as a recount makes them (rolled back afterwards)."""
    from django.db import transaction

    with transaction.atomic():
        tiles.refresh_week_grid(countries, [MONDAY])
        cells = week_cells()
        transaction.set_rollback(True)
    return cells


def send(school, day: int, bps: int) -> None:
    when = datetime(2025, 3, day, 9, tzinfo=UTC)
    measurements.record_measurements(
        school, [{"uuid": str(uuid.uuid4()), "timestamp": when.isoformat(), "download_bps": bps}]
    )


def test_days_rolled_into_a_counted_week_move_its_cells(reference_data, monkeypatch):
    monkeypatch.setattr(rollups, "CHUNK", 3)  # several transactions, each its own deltas
    countries = [Country.objects.get(iso3=c).pk for c in ("KEN", "FJI")]
    kenya = [make_school(giga=f"k{i}", lat=-1 - i / 50, lon=36 + i / 50) for i in range(6)]
    fiji = [make_school("FJI", giga=f"f{i}", lat=-17 - i / 50, lon=178) for i in range(3)]
    for i, school in enumerate(kenya + fiji):
        send(school, 10, 30_000_000 if i % 2 else 5_000_000)
    rollups.roll_up([date(2025, 3, 10)])  # the week's first day: counted from the rows
    assert week_cells() == recounted(countries)
    fiji_cells = set(WeekGridCell.objects.filter(country_id=countries[1]).values_list("pk"))

    # Tuesday: a Kenyan school falls from good to bad, one rises, one is measured for the
    # first time this week (a cell it enters), a far one starts a cell of its own.
    send(kenya[1], 11, 100_000)
    send(kenya[1], 11, 200_000)
    send(kenya[2], 11, 90_000_000)
    send(kenya[2], 11, 90_000_000)
    newcomer = make_school(giga="k-new", lat=-1.05, lon=36.05)
    send(newcomer, 11, 50_000_000)
    far = make_school(giga="k-far", lat=4.5, lon=41)
    send(far, 11, 2_000_000)
    rollups.roll_up([date(2025, 3, 11)])
    assert week_cells() == recounted(countries)
    assert (
        WeekGridCell.objects.filter(week_start=MONDAY, country_id=countries[0])
        .filter(total__gt=0)
        .count()
        == WeekGridCell.objects.filter(week_start=MONDAY, country_id=countries[0]).count()
    )
    # Fiji's schools did not move: its cells are the same rows, not counted again.
    assert set(WeekGridCell.objects.filter(country_id=countries[1]).values_list("pk")) == fiji_cells

    # The far school's only measurement goes: its row leaves the week, and its cells with it.
    Measurement.objects.filter(school=far).delete()
    rollups.roll_up([date(2025, 3, 11)])
    assert week_cells() == recounted(countries)
    assert not any(
        level == 12 and total == 0 for level, _cell, _country, total, *_rest in week_cells()
    )


def test_cells_that_drifted_from_the_rows_are_recounted(reference_data):
    schools = [make_school(giga=f"k{i}", lat=-1 - i / 50) for i in range(3)]
    for school in schools:
        send(school, 10, 30_000_000)
    rollups.roll_up([date(2025, 3, 10)])
    kenya = [schools[0].country_id]
    # Cells written around the services: no school good in them any more.
    WeekGridCell.objects.filter(week_start=MONDAY).update(global_good=0, national_good=0)
    send(schools[0], 11, 100_000)
    send(schools[0], 11, 100_000)
    rollups.roll_up([date(2025, 3, 11)])
    assert week_cells() == recounted(kenya)
    assert sum(row[4] for row in week_cells() if row[0] == 6) == 2  # two still good
