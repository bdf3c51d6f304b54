"""A roll-up applies the statuses it changes to the map's cells and the counts per area as
deltas, in the transaction that writes them, instead of recounting whole countries: after
any roll-up they equal a full recount."""

from __future__ import annotations

import random

import pytest
from django.db import connection

from resilnet.core.models import Country
from resilnet.schools.models import AdminArea, AreaSchoolCount, School
from resilnet.schools.services import counts, rollups, tiles
from resilnet.schools.tests.measurement_fixtures import make_school
from resilnet.schools.tests.test_rollup_set_based_writes import (
    LAST_WEEK,
    THIS_WEEK,
    TODAY,
    week_row,
)

STATUSES = ("good", "moderate", "bad", "no_internet", "unknown")


@pytest.fixture(autouse=True)
def _old_dates_allowed(settings):
    settings.SCHOOLS_MEASUREMENT_MAX_AGE_DAYS = 10_000


def grid_rows():
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT level, cell, country_id, education_level, area_type, realtime, rolled_up, "
            "total, global_good, global_moderate, global_bad, global_no_internet, "
            "global_unknown, national_good, national_moderate, national_bad, "
            "national_no_internet, national_unknown FROM schools_gridcell"
        )
        return sorted(cursor.fetchall())


def count_rows():
    return sorted(
        AreaSchoolCount.objects.values_list(
            "country_id",
            "area_id",
            "schools",
            "global_good",
            "global_unknown",
            "national_bad",
            "national_moderate",
            "national_no_internet",
        ),
        key=str,
    )


@pytest.mark.parametrize("recount_above", [1.0, 0.3, 0.0])  # deltas, mixed, recounts
def test_status_changes_equal_a_full_recount(reference_data, monkeypatch, recount_above):
    monkeypatch.setattr(rollups, "CHUNK", 7)  # several chunks, each its own deltas
    monkeypatch.setattr(rollups, "RECOUNT_ABOVE", recount_above)
    kenya, uganda = Country.objects.get(iso3="KEN"), Country.objects.get(iso3="UGA")
    province = AdminArea.objects.create(country=kenya, level=1, code="P", name="P")
    district = AdminArea.objects.create(country=kenya, level=2, code="D", name="D", parent=province)
    rng = random.Random(11)
    schools = []
    for i in range(60):
        country = kenya if i % 4 else uganda
        schools.append(
            make_school(
                iso3=country.iso3,
                giga=f"g-{i}",
                lat=rng.uniform(-4, 4),
                lon=rng.uniform(30, 40),
                realtime=i % 5 != 0,  # a few that only the static status counts
                education_level=rng.choice(["Primary", "Secondary"]),
                school_area_type=rng.choice(["urban", "rural", ""]),
                admin1_area=province if country == kenya and i % 3 else None,
                admin2_area=district if country == kenya and i % 6 == 1 else None,
                connectivity_global=rng.choice(STATUSES),
                connectivity_national=rng.choice(STATUSES),
            )
        )
    ids = [kenya.pk, uganda.pk]
    tiles.refresh_grid(ids)
    counts.refresh_counts(ids)
    expected = {s.pk: (s.connectivity_global, s.connectivity_national) for s in schools}
    for monday in (LAST_WEEK, THIS_WEEK):
        for school in schools:
            if school.realtime and rng.random() < 0.8:
                expected[school.pk] = (rng.choice(STATUSES), rng.choice(STATUSES))
                week_row(school, monday, 1, *expected[school.pk])
            elif school.realtime and monday == LAST_WEEK:
                expected[school.pk] = ("unknown", "unknown")  # no week: unknown
        before = tiles.data_version()
        moved = rollups.update_current_statuses(ids, TODAY)
        assert moved > 10
        # Every school's status is its week's, whichever piece and country it fell in.
        assert {
            pk: (g, n)
            for pk, g, n in School.objects.values_list(
                "pk", "connectivity_global", "connectivity_national"
            )
        } == expected
        assert tiles.data_version() > before
        incremental = grid_rows(), count_rows()
        tiles.refresh_grid(ids, weeks=False)
        counts.refresh_counts(ids)
        assert (grid_rows(), count_rows()) == incremental

    # Nothing changes: nothing is written, the tiles keep their ETag.
    before = tiles.data_version()
    assert rollups.update_current_statuses(ids, TODAY) == 0
    assert tiles.data_version() == before


def test_cells_that_drifted_from_the_schools_are_recounted_not_broken(reference_data, monkeypatch):
    """A status written around the services leaves the cells behind: the deltas would take
    a count below zero, so the roll-up keeps the statuses it wrote and recounts the
    country instead of failing."""
    monkeypatch.setattr(rollups, "RECOUNT_ABOVE", 1.0)  # deltas, whatever the share
    kenya = Country.objects.get(iso3="KEN")
    schools = [
        make_school(giga=f"g-{i}", lat=-1 - i / 10, realtime=True, connectivity_global="good")
        for i in range(4)
    ]
    tiles.refresh_grid([kenya.pk])
    counts.refresh_counts([kenya.pk])
    School.objects.update(connectivity_global="bad")  # around the services: cells say good
    for school in schools:
        week_row(school, THIS_WEEK, 1, "moderate", "moderate")
    assert rollups.update_current_statuses([kenya.pk], TODAY) == 4
    assert set(School.objects.values_list("connectivity_global", flat=True)) == {"moderate"}
    incremental = grid_rows(), count_rows()
    tiles.refresh_grid([kenya.pk], weeks=False)
    counts.refresh_counts([kenya.pk])
    assert (grid_rows(), count_rows()) == incremental
