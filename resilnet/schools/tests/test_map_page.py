"""The map page: what the server gives the script (tile URL template, translated strings,
filter choices, countries), the security policy it runs under, and the front-end files
it loads being found where the page says."""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys

import pytest
from django.contrib.staticfiles import finders
from django.urls import reverse
from django.utils import timezone

from resilnet.config import ConfigError, load
from resilnet.core.models import Country
from resilnet.schools.geo import tile_key
from resilnet.schools.models import School

pytestmark = pytest.mark.django_db


def json_block(html: str, element_id: str) -> dict:
    start = html.index(f'<script id="{element_id}" type="application/json">')
    start = html.index(">", start) + 1
    return json.loads(html[start : html.index("</script>", start)])


def school(country: Country, name: str, **fields) -> School:
    latitude, longitude = fields.pop("latitude", -1.29), fields.pop("longitude", 36.82)
    return School.objects.create(
        country=country,
        school_id_giga=name,
        school_name=name,
        latitude=latitude,
        longitude=longitude,
        education_level="Primary",
        tile_key=tile_key(latitude, longitude),
        **fields,
    )


def test_the_page_carries_the_tile_template_and_the_week_range(client):
    response = client.get(reverse("schools:map"))
    assert response.status_code == 200
    config = json_block(response.content.decode(), "map-config")
    assert config["tiles"] == "/tiles/schools/{z}/{x}/{y}.mvt"
    assert config["api"] == "/api/v1/schools/"
    assert config["profile"] == "/schools/{id}/"
    # Hashed names, as everywhere a page names a static file (cached for a year).
    assert re.fullmatch(
        r"/static/vendor/maplibre-gl/maplibre-gl-csp-worker\.[0-9a-f]{12}\.js", config["worker"]
    )
    assert re.fullmatch(
        r"/static/vendor/world-atlas/countries-110m\.[0-9a-f]{12}\.json", config["atlas"]
    )
    assert config["basemap"] == ""
    monday = timezone.now().date() - timezone.timedelta(days=timezone.now().weekday())
    assert config["last_week"] == monday.isoformat()
    assert config["first_week"] < config["last_week"]


def test_the_country_selector_lists_only_countries_with_live_schools(client, reference_data):
    kenya, chad, peru = (Country.objects.get(iso3=code) for code in ("KEN", "TCD", "PER"))
    school(kenya, "KE-1")
    school(chad, "TD-1", deleted_at=timezone.now())
    school(peru, "PE-1", latitude=-12.05, longitude=-77.04)
    html = client.get(reverse("schools:map")).content.decode()
    assert json_block(html, "map-config")["countries"] == {"KEN": "404", "PER": "604"}
    assert '<option value="KEN">Kenya</option>' in html
    assert 'value="TCD"' not in html
    # Without JavaScript the same countries lead to their statistics.
    noscript = html[html.index("<noscript>") : html.index("</noscript>")]
    assert reverse("schools:country", args=["KEN"]) in noscript
    assert reverse("schools:index") in noscript


def test_the_strings_for_the_script_are_translated(client):
    english = json_block(client.get(reverse("schools:map")).content.decode(), "map-strings")
    assert english["fields"]["country"] == "Country"
    assert english["status"]["no_internet"] == "No internet"
    assert set(english["layer"]) == {"global", "national", "coverage"}
    french = client.get(reverse("schools:map"), HTTP_ACCEPT_LANGUAGE="fr")
    assert json_block(french.content.decode(), "map-strings")["fields"]["country"] == "Pays"


def test_the_page_reads_arabic_right_to_left(client):
    html = client.get(reverse("schools:map"), HTTP_ACCEPT_LANGUAGE="ar").content.decode()
    assert 'dir="rtl"' in html


def test_chosen_filters_are_kept_and_anything_else_is_ignored(client):
    html = client.get(
        reverse("schools:map"),
        {"layer": "coverage", "status": "bad", "area_type": "rural", "source": "ndt"},
    ).content.decode()
    assert '<input type="radio" name="layer" value="coverage" checked>' in html
    assert '<option value="bad" selected>' in html
    assert '<option value="rural" selected>' in html
    assert '<option value="ndt" selected>' in html


@pytest.mark.parametrize(
    "value",
    ["<script>alert(1)</script>", "' OR 1=1 --", "good\x00", "x" * 100_000, "%ZZ", "Primary "],
    ids=["markup", "sql", "nul", "oversized", "bad-escape", "near-miss"],
)
def test_hostile_filter_values_fall_back_to_all(client, value):
    response = client.get(
        reverse("schools:map"),
        {name: value for name in ("layer", "education_level", "area_type", "status", "source")},
    )
    assert response.status_code == 200
    html = response.content.decode()
    assert "alert(1)" not in html
    start = html.index('id="map-controls"')
    controls = html[start : html.index("</form>", start)]
    assert " selected>" not in controls  # every filter is back to "All"
    assert '<input type="radio" name="layer" value="global" checked>' in html


def test_the_policy_lets_maplibre_start_its_worker_from_our_own_file(client):
    policy = client.get(reverse("schools:map"))["Content-Security-Policy"]
    directives = dict(part.strip().split(" ", 1) for part in policy.split(";") if part.strip())
    assert directives["worker-src"] == "'self'"
    assert directives["script-src"] == "'self'"  # no blob:, no inline script
    assert directives["connect-src"] == "'self'"  # tiles, API and boundaries from the site
    html = client.get(reverse("schools:map")).content.decode()
    assert re.search(
        r'<script src="/static/vendor/maplibre-gl/maplibre-gl-csp\.[0-9a-f]{12}\.js"', html
    )
    assert "<script>" not in html  # only JSON blocks and script files


def test_a_basemap_url_adds_its_origin_and_nothing_else(tmp_path):
    # Settings are read once per process: a fresh one with the variable set.
    code = (
        "import django, json; django.setup(); from django.conf import settings; "
        "print(json.dumps(settings.CONTENT_SECURITY_POLICY['DIRECTIVES'], default=str))"
    )
    environment = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "resilnet.settings",
        "RESILNET_VAR_DIR": str(tmp_path),
        "RESILNET_BASEMAP_URL": "https://tiles.example.org:8443/osm/{z}/{x}/{y}.png?key=a",
    }
    output = subprocess.run(
        [sys.executable, "-c", code], env=environment, capture_output=True, text=True, check=True
    ).stdout
    directives = json.loads(output)
    assert directives["connect-src"][1:] == ["https://tiles.example.org:8443"]
    assert directives["img-src"][2:] == ["https://tiles.example.org:8443"]
    assert directives["script-src"] == ["'self'"]


@pytest.mark.parametrize(
    ("value", "message"),
    [
        ("tiles.example.org/{z}/{x}/{y}.png", "http(s) URL"),
        ("https://tiles.example.org/{z}/{x}.png", "{z}, {x} and {y}"),
        ("https://{s}.tiles.example.org/{z}/{x}/{y}.png", "fixed host name"),
        ("https://a.org/{z}/{x}/{y}.png; script-src *", "semicolons"),
        ("https://a.org, https://b.org/{z}/{x}/{y}", "commas"),
        ("javascript:alert(1)//{z}{x}{y}", "http(s) URL"),
    ],
)
def test_a_malformed_basemap_url_stops_start_up_naming_the_variable(value, message):
    with pytest.raises(ConfigError) as error:
        load({"RESILNET_BASEMAP_URL": value})
    assert str(error.value).startswith("RESILNET_BASEMAP_URL: ")
    assert message in str(error.value)


@pytest.mark.parametrize(
    "path",
    [
        "vendor/maplibre-gl/maplibre-gl-csp.js",
        "vendor/maplibre-gl/maplibre-gl-csp-worker.js",
        "vendor/maplibre-gl/maplibre-gl.css",
        "vendor/topojson-client/topojson-client.min.js",
        "vendor/world-atlas/countries-110m.json",
        "vendor/world-atlas/countries-50m.json",
        "schools/map.js",
        "schools/map.css",
    ],
)
def test_the_files_the_page_loads_are_found_by_the_static_finders(client, path):
    assert finders.find(path), path
    # ...and served by the site itself under their own names too (WhiteNoise, STATIC_ROOT).
    response = client.get("/static/" + path)
    assert response.status_code == 200
    b"".join(response.streaming_content if response.streaming else [response.content])
