"""A plan drawn over the schools map: the overlay's GeoJSON (a point per site coloured by its
technology, a line per fibre or microwave link), one site's recommendation and costs, who
may read them, and the schools map offering the plans its visitor may read."""

from __future__ import annotations

import gzip
import json
from decimal import Decimal

import pytest
from django.urls import reverse

from resilnet.core.models import Role
from resilnet.planning.models import ScenarioState, SiteResult
from resilnet.planning.services import scenarios as scenario_services
from resilnet.planning.tests.conftest import scenario_fields

pytestmark = pytest.mark.django_db


def geojson(response) -> dict:
    assert response.status_code == 200
    assert response["Content-Type"] == "application/geo+json"
    return json.loads(b"".join(response.streaming_content))


def test_every_site_is_a_point_of_its_technology_and_every_link_a_line(client, planner, computed):
    _everyone, budget = computed
    client.force_login(planner)
    data = geojson(client.get(reverse("planning:map_data", args=[budget.pk])))
    points = [f for f in data["features"] if f["geometry"]["type"] == "Point"]
    lines = [f for f in data["features"] if f["geometry"]["type"] == "LineString"]
    results = {r.pk: r for r in SiteResult.objects.filter(scenario=budget)}
    assert len(points) == len(results) == 30
    for point in points:
        result = results[point["properties"]["id"]]
        assert point["properties"]["category"] == result.technology
        assert point["geometry"]["coordinates"] == pytest.approx(
            [result.longitude, result.latitude], abs=1e-5
        )
    linked = [r for r in results.values() if r.connected and r.technology in ("fibre", "microwave")]
    assert linked  # the fixture's plan has fibre links to draw
    assert len(lines) == len(linked)
    ends = sorted(tuple(line["geometry"]["coordinates"][1]) for line in lines)
    assert ends == sorted((round(r.longitude, 5), round(r.latitude, 5)) for r in linked)
    # Unfunded sites are drawn too, in their own category.
    unfunded = sum(1 for r in results.values() if not r.connected)
    assert unfunded == sum(1 for p in points if p["properties"]["category"] == "none") > 0


def test_the_overlay_is_gzipped_for_a_browser_that_accepts_it(client, planner, computed):
    _everyone, budget = computed
    client.force_login(planner)
    url = reverse("planning:map_data", args=[budget.pk])
    plain = b"".join(client.get(url).streaming_content)
    response = client.get(url, headers={"Accept-Encoding": "gzip, deflate, br"})
    assert response["Content-Encoding"] == "gzip"
    assert "Accept-Encoding" in response["Vary"]
    packed = b"".join(response.streaming_content)
    assert gzip.decompress(packed) == plain
    assert len(packed) < len(plain) / 3


def test_a_site_shows_its_recommendation_and_cost_breakdown(client, planner, computed):
    everyone, _budget = computed
    client.force_login(planner)
    result = SiteResult.objects.filter(scenario=everyone, technology="fibre").first()
    SiteResult.objects.filter(pk=result.pk).update(
        capex=Decimal("12345.00"), opex_per_year=Decimal("678.00"), npv=Decimal("19125.40")
    )
    answer = client.get(reverse("planning:map_site", args=[everyone.pk, result.pk])).json()
    rows = dict(answer["rows"])
    assert answer["title"] == result.name
    assert rows["Recommendation"] == "Fibre"
    assert rows["Capital cost"] == "USD 12,345"
    assert rows["Running cost per year"] == "USD 678"
    years = everyone.costs["horizon_years"]
    assert rows[f"Cost over {years} years"] == "USD 19,125"
    assert rows["Why"].startswith("Fibre")
    assert rows["Linked from"].startswith(result.via_id + " (")


def test_any_reader_of_plans_may_draw_one_and_no_one_else(
    client, planner, analyst, make_user, computed
):
    everyone, _budget = computed  # made by `planner`
    result = SiteResult.objects.filter(scenario=everyone).first()
    urls = [
        reverse("planning:map_data", args=[everyone.pk]),
        reverse("planning:map_site", args=[everyone.pk, result.pk]),
    ]
    for url in urls:
        response = client.get(url)  # a visitor is sent to sign in, as on every plan page
        assert response.status_code == 302
        assert response["Location"].startswith(reverse("login"))
    client.force_login(make_user("tom", Role.CONTRIBUTOR))  # signed in, not a plan reader
    assert [client.get(url).status_code for url in urls] == [403, 403]
    # Plans are the planning team's shared documents: another planner and an analyst read
    # them as they read the scenario's page.
    for reader in (make_user("paul", Role.PLANNER), analyst):
        client.force_login(reader)
        assert [client.get(url).status_code for url in urls] == [200, 200]


def test_hostile_and_foreign_ids_are_not_found(client, planner, computed):
    everyone, budget = computed
    client.force_login(planner)
    other = SiteResult.objects.filter(scenario=budget).first()
    assert client.get(reverse("planning:map_site", args=[everyone.pk, other.pk])).status_code == (
        404
    )
    for path in (
        f"/planning/{10**30}/map.geojson",
        f"/planning/{everyone.pk}/map/{10**30}.json",
        "/planning/-1/map.geojson",
        f"/planning/{everyone.pk}/map/1%20OR%201=1.json",
        f"/planning/{everyone.pk}/map/..%2F..%2Fetc%2Fpasswd.json",
        "/planning/999999/map.geojson",
    ):
        assert client.get(path).status_code == 404, path
    response = client.post(reverse("planning:map_data", args=[everyone.pk]))
    assert response.status_code == 405  # reads only


def test_a_plan_not_computed_has_no_overlay(client, planner, inputs):
    scenario = scenario_services.do_create_scenario(planner, **scenario_fields(inputs))
    client.force_login(planner)
    assert client.get(reverse("planning:map_data", args=[scenario.pk])).status_code == 404
    client.force_login(planner)
    response = client.get(reverse("planning:scenario", args=[scenario.pk]))
    assert b"/schools/map/?overlay=" not in response.content


def test_an_empty_plan_is_an_empty_collection(client, planner, computed):
    everyone, _budget = computed
    SiteResult.objects.filter(scenario=everyone).delete()
    client.force_login(planner)
    data = geojson(client.get(reverse("planning:map_data", args=[everyone.pk])))
    assert data == {"type": "FeatureCollection", "features": []}


def test_the_schools_map_offers_the_plans_its_visitor_may_read(
    client, planner, make_user, computed, inputs
):
    everyone, budget = computed
    draft = scenario_services.do_create_scenario(planner, **scenario_fields(inputs, name="Draft"))
    assert draft.state == ScenarioState.DRAFT

    def config(response) -> dict:
        page = response.content.decode()
        start = page.index('id="map-config"')
        body = page[page.index(">", start) + 1 : page.index("</script>", start)]
        return json.loads(body)

    # Anonymous and non-planning visitors see the schools map as before, with no plan.
    assert config(client.get(reverse("schools:map")))["overlays"] == {}
    client.force_login(make_user("tom", Role.CONTRIBUTOR))
    page = client.get(reverse("schools:map") + f"?overlay=planning-{everyone.pk}")
    assert config(page)["overlays"] == {}
    assert config(page)["overlay"] == ""

    client.force_login(planner)
    found = config(client.get(reverse("schools:map")))
    assert set(found["overlays"]) == {f"planning-{everyone.pk}", f"planning-{budget.pk}"}
    overlay = found["overlays"][f"planning-{budget.pk}"]
    assert overlay["data_url"] == reverse("planning:map_data", args=[budget.pk])
    assert [c["value"] for c in overlay["categories"]] == [
        "fibre",
        "cellular",
        "microwave",
        "satellite",
        "existing",
        "none",
    ]
    assert len({c["colour"] for c in overlay["categories"]}) == 6
    assert len({c["shape"] for c in overlay["categories"]}) == 6  # not colour alone

    # The scenario's page links to the map with its plan chosen.
    scenario_page = client.get(reverse("planning:scenario", args=[budget.pk])).content.decode()
    link = f"/schools/map/?overlay=planning-{budget.pk}"
    assert f'href="{link}"' in scenario_page
    assert config(client.get(link))["overlay"] == f"planning-{budget.pk}"
    for hostile in (f"planning-{draft.pk}", "planning-1%27%3B", "x" * 5000):
        assert config(client.get(reverse("schools:map") + "?overlay=" + hostile))["overlay"] == ""
