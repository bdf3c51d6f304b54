"""A roll-up recounts the map's cells only when it changed something the map shows: a
school's current status, or a school turned real-time by its first measurements (even
when its status stays the same). One that changed neither leaves the cells and the
tiles' data version alone."""

from __future__ import annotations

from datetime import timedelta

from django.db.models import Sum
from django.utils import timezone

from resilnet.schools.models import GridCell, School, WeekGridCell
from resilnet.schools.services import measurements, rollups, tiles
from resilnet.schools.tests.conftest import import_file, master_csv


def counted(country, **filters) -> dict[str, int | None]:
    return GridCell.objects.filter(level=6, rolled_up=True, country=country, **filters).aggregate(
        schools=Sum("total"), good=Sum("global_good")
    )


def counted_this_week(country) -> dict[str, int | None]:
    return WeekGridCell.objects.filter(
        week_start=rollups.week_start(timezone.now().date()),
        level=6,
        country=country,
    ).aggregate(schools=Sum("total"), good=Sum("global_good"))


def measure(giga: str, bps: int) -> None:
    now = timezone.now()
    measurements.record_measurements(
        School.objects.get(school_id_giga=giga),
        [
            {"timestamp": (now - timedelta(minutes=m)).isoformat(), "download_bps": bps}
            for m in (5, 10)
        ],
    )


def test_a_roll_up_recounts_the_cells_only_when_the_map_changes(kenya, tmp_path):
    import_file(master_csv(tmp_path))
    assert counted(kenya) == {"schools": 3, "good": 1}

    # Kibera is good by its contracted 25 Mbps and stays good at 50 Mbps: no status
    # changes, but it is real-time now, and the cells say so.
    measure("g-1", 50_000_000)
    before = tiles.data_version()
    report = rollups.roll_up()
    assert report.schools_changed == 0
    assert counted(kenya, realtime=True) == {"schools": 1, "good": 1}
    assert counted(kenya, realtime=False)["schools"] == 2
    assert counted_this_week(kenya) == {"schools": 1, "good": 1}  # the time player's cells
    assert tiles.data_version() > before

    # The same day again: nothing the map shows changed.
    unchanged = tiles.data_version()
    cells = sorted(
        GridCell.objects.values_list("level", "cell", "realtime", "total", "global_good")
    )
    report = rollups.roll_up([timezone.now().date()])
    assert report.countries == {kenya.pk}
    assert tiles.data_version() == unchanged
    assert (
        sorted(GridCell.objects.values_list("level", "cell", "realtime", "total", "global_good"))
        == cells
    )

    # Likoni (moderate by its contract) measures 50 Mbps: good now, recounted.
    measure("g-2", 50_000_000)
    report = rollups.roll_up()
    assert report.schools_changed == 1
    assert counted(kenya, realtime=True) == {"schools": 2, "good": 2}
    assert counted(kenya) == {"schools": 3, "good": 2}
    assert counted_this_week(kenya) == {"schools": 2, "good": 2}
    assert tiles.data_version() > unchanged


def test_the_grid_check_names_countries_with_uncounted_real_time_schools(kenya, tmp_path):
    import_file(master_csv(tmp_path))
    assert tiles.realtime_not_in_grid([kenya.pk]) == set()
    measurements.make_realtime([School.objects.get(school_id_giga="g-3").pk])
    assert tiles.realtime_not_in_grid([kenya.pk]) == {kenya.pk}
    tiles.refresh_grid([kenya.pk])
    assert tiles.realtime_not_in_grid([kenya.pk]) == set()
    assert tiles.realtime_not_in_grid([]) == set()
