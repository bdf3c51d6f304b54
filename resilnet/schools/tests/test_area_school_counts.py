"""A country's schools counted per area and status ahead (`AreaSchoolCount`): equal to
counting the live schools themselves, and recounted by the hooks that follow imports,
deletions and status changes."""

from __future__ import annotations

import datetime as dt
import random
from collections import Counter

from resilnet.core.models import Country
from resilnet.schools.models import AdminArea, AreaSchoolCount, School
from resilnet.schools.services import counts, registry, rollups
from resilnet.schools.status import Connectivity, Coverage
from resilnet.schools.tests.conftest import import_file, master_csv
from resilnet.schools.tests.readside import make_school


def expected(country, level=None):
    """Counted from the schools: {area id or None: Counter}. A school counts once in each
    area it is in, by either column."""
    result: dict = {}
    for school in School.objects.filter(country=country, deleted_at=None):
        if level is None:
            keys = {None}
        else:
            named = {school.admin1_area, school.admin2_area} - {None}
            keys = {area.pk for area in named if area.level == level}
        for key in keys:
            c = result.setdefault(key, Counter())
            c["schools"] += 1
            c["realtime"] += school.realtime
            c[f"coverage_{school.coverage}"] += 1
            c[f"global_{school.connectivity_global}"] += 1
            c[f"national_{school.connectivity_national}"] += 1
    return result


def stored(country, level):
    fields = ["schools", "realtime"] + [
        f"{prefix}_{value}"
        for prefix, values in (
            ("coverage", Coverage.values),
            ("global", Connectivity.values),
            ("national", Connectivity.values),
        )
        for value in values
    ]
    rows = AreaSchoolCount.objects.filter(country=country)
    rows = rows.filter(area__isnull=True) if level is None else rows.filter(area__level=level)
    return {
        row.area_id: Counter({f: getattr(row, f) for f in fields if getattr(row, f)})
        for row in rows
    }


def test_counts_equal_the_schools_per_country_and_area(reference_data):
    kenya, uganda = Country.objects.get(iso3="KEN"), Country.objects.get(iso3="UGA")
    provinces = [
        AdminArea.objects.create(country=kenya, level=1, code=f"P{i}", name=f"P{i}")
        for i in range(3)
    ]
    districts = [
        AdminArea.objects.create(
            country=kenya, level=2, code=f"D{i}", name=f"D{i}", parent=provinces[i % 3]
        )
        for i in range(5)
    ]
    rng = random.Random(3)
    for n in range(120):
        district = rng.choice([*districts, None])
        make_school(
            kenya,
            f"S{n}",
            admin1_area=district.parent if district else rng.choice([*provinces, None]),
            admin2_area=district,
            realtime=rng.random() < 0.3,
            coverage=rng.choice(Coverage.values),
            connectivity_global=rng.choice(Connectivity.values),
            connectivity_national=rng.choice(Connectivity.values),
            deleted_at=dt.datetime(2025, 1, 1, tzinfo=dt.UTC) if n % 17 == 0 else None,
        )
    # A province named in both columns, and one named as another school's district.
    make_school(kenya, "Both", admin1_area=provinces[0], admin2_area=provinces[0])
    make_school(kenya, "Crossed", admin1_area=provinces[1], admin2_area=provinces[2])
    make_school(uganda, "Kampala", 0.3, 32.6)
    assert counts.refresh_counts([kenya.pk]) == 1 + 3 + 5
    assert stored(kenya, None) == expected(kenya)
    assert stored(kenya, 1) == expected(kenya, 1)
    assert stored(kenya, 2) == expected(kenya, 2)
    assert stored(uganda, None) == {}  # not asked for: not counted

    # Recounting replaces: a school deleted, one changed, a country emptied.
    School.objects.filter(country=kenya).exclude(deleted_at=None).update(deleted_at=None)
    School.objects.filter(country=kenya).update(connectivity_global="good")
    School.objects.filter(country=uganda).update(deleted_at=dt.datetime(2025, 1, 1, tzinfo=dt.UTC))
    counts.refresh_counts([kenya.pk, uganda.pk])
    assert stored(kenya, 1) == expected(kenya, 1)
    assert stored(kenya, None)[None]["global_good"] == 122
    assert not AreaSchoolCount.objects.filter(country=uganda).exists()


def test_imports_deletions_and_status_changes_recount(kenya, tmp_path):
    import_file(master_csv(tmp_path))
    assert stored(kenya, None) == expected(kenya)
    registry.do_delete_school(None, School.objects.get(school_id_giga="g-1"))
    assert stored(kenya, None) == expected(kenya)
    School.objects.filter(country=kenya).update(connectivity_national="bad")
    rollups._statuses_changed([kenya.pk])  # what a roll-up or a new benchmark calls
    assert stored(kenya, None)[None]["national_bad"] == 2
