"""The map's counted cells follow the data: an import, a deletion and a roll-up each
recount the cells of the countries they touched (services/tiles.refresh_grid)."""

from __future__ import annotations

from datetime import date, timedelta

from django.db.models import Sum
from django.utils import timezone

from resilnet.schools.models import AreaWeeklyCount, GridCell, School
from resilnet.schools.services import measurements, registry, rollups
from resilnet.schools.tests.conftest import import_file, master_csv


def cells(country, **filters) -> dict[str, int]:
    return GridCell.objects.filter(level=6, rolled_up=False, country=country, **filters).aggregate(
        schools=Sum("total"), good=Sum("national_good")
    )


def test_imports_deletions_and_roll_ups_recount_the_map_cells(kenya, tmp_path, analyst):
    import_file(master_csv(tmp_path))
    assert cells(kenya)["schools"] == 3
    # This week's counts per status follow at once: two connected, one without internet.
    this_week = AreaWeeklyCount.objects.filter(
        country=kenya, area=None, benchmark="global", week_start=rollups.week_start(date.today())
    )
    assert dict(this_week.values_list("status", "schools")) == {
        "good": 1,
        "moderate": 1,
        "no_internet": 1,
    }

    kibera = School.objects.get(school_id_giga="g-1")
    registry.do_delete_school(analyst, kibera)
    assert cells(kenya)["schools"] == 2

    likoni = School.objects.get(school_id_giga="g-2")
    now = timezone.now()
    measurements.record_measurements(
        likoni,
        [
            {
                "timestamp": (now - timedelta(minutes=m)).isoformat(),
                "download_bps": 50_000_000,
                "source": "ndt",
            }
            for m in (5, 10)
        ],
    )
    rollups.roll_up()
    assert cells(kenya, realtime=True)["schools"] == 1
    assert cells(kenya, realtime=True)["good"] == 1
