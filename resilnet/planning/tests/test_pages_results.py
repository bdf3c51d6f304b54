"""The pages of a computed scenario: the per-site table with its filters, CSV and GeoJSON
exports, the comparison of scenarios side by side, and the printable report."""

from __future__ import annotations

import csv
import io
import json

import pytest
from django.urls import reverse

from resilnet.core.models import AuditEvent
from resilnet.planning.models import SiteResult
from resilnet.planning.services import scenarios as scenario_services
from resilnet.planning.tests.conftest import scenario_fields

pytestmark = pytest.mark.django_db


def body(response) -> str:
    return b"".join(response.streaming_content).decode()


def test_the_csv_export_lists_every_site_with_the_command_lines_columns_first(
    client, planner, computed
):
    _everyone, budget = computed
    client.force_login(planner)
    response = client.get(reverse("planning:export", args=[budget.pk, "csv"]))
    assert response["Content-Disposition"].endswith('.csv"')
    rows = list(csv.DictReader(io.StringIO(body(response))))
    assert len(rows) == 30
    assert list(rows[0])[:6] == [
        "site_id",
        "technology",
        "capex",
        "opex_per_year",
        "npv",
        "connected",
    ]
    connected = [row for row in rows if row["connected"] == "true"]
    assert len(connected) == budget.totals["total"]["sites"]
    assert sum(float(row["npv"]) for row in connected) == pytest.approx(
        budget.totals["total"]["npv"], abs=0.01 * len(connected)
    )
    assert AuditEvent.objects.filter(action="exported", object_type="planning.scenario").exists()


def test_exports_follow_the_table_filters(client, planner, computed):
    _everyone, budget = computed
    client.force_login(planner)
    response = client.get(reverse("planning:export", args=[budget.pk, "csv"]) + "?connected=no")
    rows = list(csv.DictReader(io.StringIO(body(response))))
    assert rows
    assert all(row["connected"] == "false" for row in rows)
    assert all(row["reason"] == "over_budget" for row in rows)


def test_a_site_name_that_looks_like_a_formula_is_exported_as_text(client, planner, computed):
    everyone, _budget = computed
    SiteResult.objects.filter(scenario=everyone, site_id="S0").update(name="=HYPERLINK(1)")
    client.force_login(planner)
    text = body(client.get(reverse("planning:export", args=[everyone.pk, "csv"])))
    assert "'=HYPERLINK(1)" in text


def test_the_geojson_export_has_a_point_per_site_and_a_line_per_fibre_link(
    client, planner, computed
):
    everyone, _budget = computed
    client.force_login(planner)
    data = json.loads(body(client.get(reverse("planning:export", args=[everyone.pk, "geojson"]))))
    points = [f for f in data["features"] if f["geometry"]["type"] == "Point"]
    lines = [f for f in data["features"] if f["geometry"]["type"] == "LineString"]
    assert len(points) == 30
    linked = SiteResult.objects.filter(
        scenario=everyone, connected=True, technology__in=["fibre", "microwave"]
    ).exclude(via_latitude=None)
    assert len(lines) == linked.count()
    assert any(f["properties"]["technology"] == "fibre" for f in lines)
    point = points[0]
    assert point["geometry"]["coordinates"] == [37.0, -1.0]


def test_the_site_table_filters_and_rejects_hostile_input(client, planner, computed):
    _everyone, budget = computed
    client.force_login(planner)
    url = reverse("planning:sites", args=[budget.pk])
    page = client.get(url + "?connected=yes").content.decode()
    assert f"{budget.totals['total']['sites']} sites" in page
    hostile = client.get(url + "?technology=%3Cscript%3E&page=abc&q=" + "x" * 500)
    assert hostile.status_code == 200
    assert "<script>" not in hostile.content.decode().split("</header>")[1]
    assert client.get(url + "?technology=evil").status_code == 200
    exported = client.get(reverse("planning:export", args=[budget.pk, "csv"]) + "?technology=evil")
    assert exported.status_code == 400


def test_compare_puts_scenarios_side_by_side(client, analyst, computed):
    everyone, budget = computed
    client.force_login(analyst)  # analysts read
    page = client.get(
        reverse("planning:compare") + f"?s={everyone.pk}&s={budget.pk}"
    ).content.decode()
    assert "Everyone" in page
    assert "A third" in page
    assert str(everyone.totals["total"]["sites"]) in page
    assert "<svg" in page
    too_many = client.get(reverse("planning:compare") + "?s=1&s=2&s=3&s=4&s=5&s=x")
    assert "at most 4" in too_many.content.decode()
    one = client.get(reverse("planning:compare") + f"?s={budget.pk}").content.decode()
    assert "Choose two to four" in one


def test_the_report_prints_inputs_totals_charts_and_regions(client, planner, computed):
    everyone, budget = computed
    client.force_login(planner)
    page = client.get(reverse("planning:report", args=[budget.pk])).content.decode()
    assert page.count("<svg") == 2
    # Regions of the connected sites: connecting everyone reaches both.
    everywhere = client.get(reverse("planning:report", args=[everyone.pk])).content.decode()
    assert "North" in everywhere
    assert "South" in everywhere
    assert "Connecting every site" in page
    assert "Ten million" not in page  # the scenario's own name is used
    assert "A third" in page


def test_a_scenario_not_computed_has_no_report_nor_export(client, planner, inputs):
    scenario = scenario_services.do_create_scenario(planner, **scenario_fields(inputs))
    client.force_login(planner)
    assert client.get(reverse("planning:report", args=[scenario.pk])).status_code == 404
    assert client.get(reverse("planning:export", args=[scenario.pk, "csv"])).status_code == 404
    assert client.get(reverse("planning:export", args=[scenario.pk, "xlsx"])).status_code == 404
    assert client.get(reverse("planning:scenario", args=[999999])).status_code == 404
