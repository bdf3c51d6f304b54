import pycountry
import pytest

from resilnet.core import selectors
from resilnet.core.models import Country, Region, RegionKind

pytestmark = pytest.mark.django_db


def test_every_iso_3166_country_is_loaded():
    assert set(Country.objects.values_list("iso3", flat=True)) == {
        c.alpha_3 for c in pycountry.countries
    }


def test_the_six_itu_regions_exist():
    names = set(Region.objects.filter(kind=RegionKind.ITU).values_list("name", flat=True))
    assert names == {"Africa", "Americas", "Arab States", "Asia & Pacific", "CIS", "Europe"}


@pytest.mark.parametrize(
    ("iso3", "itu", "subregion", "ldc", "lldc", "sids"),
    [
        ("EGY", "arab_states", "Northern Africa", False, False, False),
        ("KAZ", "cis", "Central Asia", False, True, False),
        ("FRA", "europe", "Western Europe", False, False, False),
        ("TUV", "asia_pacific", "Polynesia", True, False, True),
        ("BOL", "americas", "Latin America and the Caribbean", False, True, False),
        ("MLI", "africa", "Sub-Saharan Africa", True, True, False),
        ("PRI", None, "Latin America and the Caribbean", False, False, True),
    ],
)
def test_known_facts(iso3, itu, subregion, ldc, lldc, sids):
    country = selectors.country_by_iso3(iso3)
    assert (country.itu_region.code if country.itu_region else None) == itu
    assert country.m49_subregion.name == subregion
    assert (country.ldc, country.lldc, country.sids) == (ldc, lldc, sids)


def test_m49_hierarchy_is_consistent():
    for country in selectors.countries().exclude(m49_subregion=None):
        assert country.m49_subregion.parent == country.m49_region
        if country.m49_intermediate_region:
            assert country.m49_intermediate_region.parent == country.m49_subregion


def test_region_filters_count_member_states():
    assert selectors.countries(itu_region="cis").count() == 9
    assert selectors.countries(m49_region="202").filter(iso3="KEN").exists()
    assert selectors.countries(lldc=True).count() == 32
