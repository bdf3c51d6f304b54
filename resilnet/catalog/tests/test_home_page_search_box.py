"""The home page answers "what did countries do about X" without a click: one labelled
search box per module that declares a search page (the catalog does), a plain GET form
that works without script, in every language."""

import re

import pytest

from resilnet.catalog.tests.conftest import measure
from resilnet.core import modules


def search_forms(html: str) -> list[str]:
    return re.findall(r'<form class="searchbar" role="search".*?</form>', html, re.S)


@pytest.mark.parametrize("language", ["en", "ar"])
def test_the_home_page_has_a_search_box_for_the_catalog(client, reference_data, language):
    response = client.get("/", HTTP_ACCEPT_LANGUAGE=language)
    html = response.content.decode()
    assert f'<html lang="{language}"' in html
    forms = search_forms(html)
    declared = [m for m in modules.navigation() if m.search_url_name]
    assert len(forms) == len(declared) >= 1
    catalog = next(f for f in forms if 'action="/catalog/"' in f)
    assert 'method="get"' in catalog
    # A visible label tied to the box, and a button: no script needed to search.
    label = re.search(r'<label for="([^"]+)">([^<]+)</label>', catalog)
    assert label is not None
    assert label.group(2).strip()
    assert f'id="{label.group(1)}" name="q" type="search"' in catalog
    assert '<button type="submit">' in catalog


@pytest.mark.parametrize("language", ["en", "ar"])
def test_the_home_search_box_lands_on_the_catalog_search(client, publish, language):
    publish(measure(title="Zero-rating of health information sites"))
    page = client.get("/catalog/", {"q": "zero-rating"}, HTTP_ACCEPT_LANGUAGE=language)
    assert page.status_code == 200
    assert "Zero-rating of health information sites" in page.content.decode()


def test_a_module_without_a_search_page_gets_no_box(client, reference_data):
    without = [m for m in modules.navigation() if not m.search_url_name]
    assert without  # the schools, alerts and planning modules declare none
    html = client.get("/").content.decode()
    for module in without:
        assert not any(f'action="/{module.slug}/"' in f for f in search_forms(html))
