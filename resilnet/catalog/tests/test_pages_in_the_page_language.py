"""Catalog pages speak the reader's language: country names from the ISO 3166
translations, sorted in the page language's order; languages by name; one locale-aware
date format; user content marked with its own language and direction."""

import re

import pytest
from django.utils.functional import Promise

from resilnet.catalog.taxonomy import ACTION_LINES, SDG_NAMES
from resilnet.catalog.tests.conftest import measure
from resilnet.core.geo_names import sort_key


@pytest.fixture
def three_countries(reference_data, publish):
    records = []
    for iso3 in ["EGY", "JOR", "KEN"]:
        content = measure(title=f"Zero-rating in {iso3}", countries=[iso3])
        content["fields"]["announced_on"] = "2020-03-18"
        records.append(publish(content))
    french = measure(title="Gratuité des sites de santé", original_language="fr", countries=["EGY"])
    french["summary"] = {"fr": "Les opérateurs ne facturent plus les données."}
    records.append(publish(french))
    return records


def facet_labels(html, name):
    return re.findall(rf'name="{name}" value="[^"]+"(?: checked)?> ([^<]+?) <span', html)


def test_country_names_are_translated_and_sorted_by_the_page_language(client, three_countries):
    english = client.get("/catalog/", HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert facet_labels(english, "country") == ["Egypt", "Jordan", "Kenya"]
    arabic = client.get("/catalog/", HTTP_ACCEPT_LANGUAGE="ar").content.decode()
    # Egypt first (two records), then Jordan and Kenya in Arabic alphabetical order
    assert facet_labels(arabic, "country") == ["مصر", "الأردن", "كينيا"]
    chinese = client.get("/catalog/?country=EGY", HTTP_ACCEPT_LANGUAGE="zh-hans").content
    assert "埃及" in chinese.decode()
    russian = client.get(f"/catalog/records/{three_countries[1].pk}/", HTTP_ACCEPT_LANGUAGE="ru")
    assert ">Иордания</a>" in russian.content.decode()


def test_sort_key_orders_each_alphabet():
    arabic = ["مصر", "الأردن", "كينيا", "البحرين", "تونس"]
    assert sorted(arabic, key=sort_key) == ["الأردن", "البحرين", "تونس", "كينيا", "مصر"]
    latin = ["Égypte", "Zambie", "Émirats arabes unis", "Angola", "eswatini"]
    assert sorted(latin, key=sort_key) == [
        "Angola",
        "Égypte",
        "Émirats arabes unis",
        "eswatini",
        "Zambie",
    ]
    cyrillic = ["Ёмкость", "Египет", "Армения"]
    assert sorted(cyrillic, key=sort_key) == ["Армения", "Египет", "Ёмкость"]


def test_languages_are_named_not_coded(client, three_countries):
    record = three_countries[0]
    english = client.get(f"/catalog/records/{record.pk}/", HTTP_ACCEPT_LANGUAGE="en").content
    assert "<dd>English</dd>" in english.decode()
    arabic = client.get(f"/catalog/records/{record.pk}/", HTTP_ACCEPT_LANGUAGE="ar").content
    assert "<dd>الإنكليزية</dd>" in arabic.decode()


def test_one_locale_aware_date_format_in_results_and_details(client, three_countries):
    record = three_countries[0]
    results = client.get("/catalog/", HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert '<bdi><time datetime="2020-03-20">March 20, 2020</time></bdi>' in results
    assert "20-03-2020" not in results
    page = client.get(f"/catalog/records/{record.pk}/", HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert '<bdi><time datetime="2020-03-18">March 18, 2020</time></bdi>' in page
    assert "2020-03-18<" not in page
    french = client.get(f"/catalog/records/{record.pk}/", HTTP_ACCEPT_LANGUAGE="fr").content
    assert '<time datetime="2020-03-18">18 mars 2020</time>' in french.decode()


def test_user_content_carries_its_language_and_direction(client, three_countries):
    french = three_countries[-1]
    arabic_page = client.get("/catalog/", HTTP_ACCEPT_LANGUAGE="ar").content.decode()
    link = f'href="/catalog/records/{french.pk}/" lang="fr" dir="auto">Gratuité des sites de santé'
    assert link in arabic_page
    assert '<p lang="fr" dir="auto">Les opérateurs' in arabic_page
    record_page = client.get(f"/catalog/records/{french.pk}/", HTTP_ACCEPT_LANGUAGE="ar")
    assert '<h1 lang="fr" dir="auto">Gratuité des sites de santé</h1>' in (
        record_page.content.decode()
    )


def test_action_lines_and_sdgs_are_marked_for_translation():
    assert all(isinstance(name, Promise) for name in ACTION_LINES.values())
    assert sorted(SDG_NAMES) == list(range(1, 18))
    assert all(isinstance(name, Promise) for name in SDG_NAMES.values())
