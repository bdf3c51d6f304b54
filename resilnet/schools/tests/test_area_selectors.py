"""The admin-area selectors other modules read (the alerts module's audiences and CAP
areas): names with their parent, descendants, codes and references, without reading the
areas' boundaries."""

from __future__ import annotations

from django.db import connection
from django.test.utils import CaptureQueriesContext

from resilnet.core.models import Country
from resilnet.schools import selectors
from resilnet.schools.models import AdminArea, AreaLevel


def ids(**names: str) -> dict[str, int]:
    return {key: AdminArea.objects.get(name=name).pk for key, name in names.items()}


def add_district(kenya) -> AdminArea:
    return AdminArea.objects.create(
        country=kenya,
        level=AreaLevel.ADMIN2,
        code="KE-30-1",
        name="Kibra",
        parent=AdminArea.objects.get(name="Nairobi"),
    )


def test_area_names_carry_the_parent_and_never_read_boundaries(kenya):
    add_district(kenya)
    a = ids(kenya="Kenya", nairobi="Nairobi", mombasa="Mombasa", kibra="Kibra")
    with CaptureQueriesContext(connection) as queries:
        names = selectors.area_names()
    assert names == {
        a["kenya"]: "Kenya",
        a["mombasa"]: "Kenya › Mombasa",
        a["nairobi"]: "Kenya › Nairobi",
        a["kibra"]: "Nairobi › Kibra",
    }
    assert list(names) == [a["kenya"], a["mombasa"], a["nairobi"], a["kibra"]]
    assert len(queries) == 1
    assert "boundary" not in queries[0]["sql"]
    assert selectors.area_names([a["kibra"], a["kenya"], 999_999]) == {
        a["kenya"]: "Kenya",
        a["kibra"]: "Nairobi › Kibra",
    }
    assert selectors.area_names([]) == {}


def test_descendants_include_the_areas_themselves_and_everything_below(kenya):
    add_district(kenya)
    a = ids(kenya="Kenya", nairobi="Nairobi", mombasa="Mombasa", kibra="Kibra")
    assert selectors.descendant_area_ids([a["kenya"]]) == set(a.values())
    assert selectors.descendant_area_ids([a["nairobi"], a["mombasa"]]) == {
        a["nairobi"],
        a["mombasa"],
        a["kibra"],
    }
    assert selectors.descendant_area_ids([a["kibra"], 999_999]) == {a["kibra"]}
    assert selectors.descendant_area_ids([]) == set()


def test_a_code_two_areas_share_names_none_of_them(kenya):
    uganda = Country.objects.get(iso3="UGA")
    AdminArea.objects.create(country=uganda, level=AreaLevel.ADMIN1, code="KE-01", name="Other")
    a = ids(kenya="Kenya", nairobi="Nairobi")
    codes = selectors.area_ids_by_code()
    assert codes["KEN"] == a["kenya"]
    assert codes["KE-30"] == a["nairobi"]
    assert codes["KE-01"] is None


def test_area_references_leave_out_unknown_ids(kenya):
    a = ids(nairobi="Nairobi")
    assert selectors.areas_by_id([a["nairobi"], 999_999]) == {
        a["nairobi"]: selectors.AreaRef(a["nairobi"], "KEN", AreaLevel.ADMIN1, "KE-30", "Nairobi")
    }
