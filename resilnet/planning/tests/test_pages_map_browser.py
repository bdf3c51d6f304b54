"""A plan over the schools map, and the comparison page, in real headless Chromium: the
sites drawn in their technology's colour and counted by category, a site's costs on click,
the layer chosen and dropped from the map's own controls; two plans side by side."""

from __future__ import annotations

import struct
import zlib
from decimal import Decimal

import pytest

from conftest import PASSWORD
from resilnet.planning.models import ScenarioState, SiteResult
from resilnet.planning.selectors import COLOURS
from resilnet.planning.services import scenarios as scenario_services
from resilnet.planning.tests.conftest import scenario_fields
from resilnet.schools.tests.test_browser_map import errors_of, watch

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

# A plan laid out symmetrically around the equator: framed on it, its middle site sits
# under the map's middle pixel.
CENTRE = (0.0, 37.5)  # latitude, longitude
LAYOUT = [
    # (dlat, dlon, technology, connected, via)
    (0.0, 0.0, "fibre", True, (0.03, -0.05)),
    (0.2, 0.2, "fibre", True, (0.15, 0.12)),
    (-0.2, -0.2, "cellular", True, None),
    (0.2, -0.2, "cellular", True, None),
    (-0.2, 0.2, "microwave", True, (-0.12, 0.1)),
    (0.1, -0.1, "satellite", True, None),
    (-0.1, 0.1, "existing", False, None),
    (0.1, 0.1, "none", False, None),
    (-0.1, -0.1, "none", False, None),
]


def pixel(png: bytes) -> tuple[int, int, int]:
    """The colour of a 1×1 PNG screenshot (one row, one pixel: every PNG filter leaves it
    as it is, so inflating the data is all the decoding there is)."""
    assert png[:8] == b"\x89PNG\r\n\x1a\n"
    data, offset = b"", 8
    while offset < len(png):
        (length,) = struct.unpack(">I", png[offset : offset + 4])
        kind = png[offset + 4 : offset + 8]
        if kind == b"IDAT":
            data += png[offset + 8 : offset + 8 + length]
        offset += 12 + length
    raw = zlib.decompress(data)
    return raw[1], raw[2], raw[3]


def rgb(colour: str) -> tuple[int, int, int]:
    return int(colour[1:3], 16), int(colour[3:5], 16), int(colour[5:7], 16)


@pytest.fixture
def laid_out_plan(planner, inputs):
    scenario = scenario_services.do_create_scenario(
        planner, **scenario_fields(inputs, name="Laid out")
    )
    lat0, lon0 = CENTRE
    SiteResult.objects.bulk_create(
        SiteResult(
            scenario=scenario,
            site_id=f"L{i}",
            name=f"Site {i}",
            latitude=lat0 + dlat,
            longitude=lon0 + dlon,
            num_students=100 + i,
            technology=technology,
            connected=connected,
            capex=Decimal(1000 * (i + 1)),
            opex_per_year=Decimal(100 * (i + 1)),
            npv=Decimal(2000 * (i + 1)),
            demand_mbps=20.0,
            reason="fibre_node" if technology == "fibre" else "satellite_only",
            via_kind="node" if via else "",
            via_id=f"N{i}" if via else "",
            via_latitude=lat0 + via[0] if via else None,
            via_longitude=lon0 + via[1] if via else None,
            link_km=3.0 if via else 0.0,
        )
        for i, (dlat, dlon, technology, connected, via) in enumerate(LAYOUT)
    )
    scenario.state = ScenarioState.DONE
    scenario.totals = {"total": {"sites": 6}}
    scenario.save(update_fields=["state", "totals"])
    return scenario


def signed_in(browser, live_server, username: str, **options):
    context = browser.new_context(locale="en", viewport={"width": 1280, "height": 900}, **options)
    _requests, outside = watch(context, live_server)
    page = context.new_page()
    errors = errors_of(page)
    page.goto(live_server.url + "/accounts/login/")
    page.fill("input[name=username]", username)
    page.fill("input[name=password]", PASSWORD)
    page.click("main button[type=submit]")
    page.wait_for_load_state()
    return context, page, errors, outside


def legend_counts(page) -> dict[str, int]:
    rows = page.locator("#overlay-items li .swatch.shape")
    counts = {}
    for i in range(rows.count()):
        swatch = rows.nth(i)
        value = swatch.locator("xpath=../data").get_attribute("value")
        counts[swatch.get_attribute("data-category")] = int(value)
    return counts


def test_a_plan_is_drawn_over_the_schools_map_in_its_technologies_colours(
    browser, live_server, planner, laid_out_plan
):
    context, page, errors, outside = signed_in(browser, live_server, planner.username)
    page.goto(live_server.url + f"/planning/{laid_out_plan.pk}/")
    page.click(f'a[href="/schools/map/?overlay=planning-{laid_out_plan.pk}"]')
    legend = page.locator("#overlay-legend")
    legend.wait_for(state="visible")
    assert page.locator("#overlay-title").inner_text() == "Laid out (Kenya)"
    expected = {name: 0 for name in COLOURS}
    for _dlat, _dlon, technology, _connected, _via in LAYOUT:
        expected[technology] += 1
    page.wait_for_function(
        "n => document.querySelector('#overlay-items li:last-child data')?.value === String(n)",
        arg=len(LAYOUT),
    )
    assert legend_counts(page) == expected
    swatches = page.locator("#overlay-items .swatch.shape")
    assert {
        swatches.nth(i).get_attribute("data-category"): swatches.nth(i).get_attribute("data-colour")
        for i in range(swatches.count())
    } == COLOURS

    # The middle site, a fibre school, is drawn in fibre's colour under the map's middle.
    box = page.locator("#map").bounding_box()
    middle = (box["x"] + box["width"] / 2, box["y"] + box["height"] / 2)
    shot = page.screenshot(clip={"x": middle[0], "y": middle[1], "width": 1, "height": 1})
    drawn = pixel(shot)
    assert all(abs(a - b) <= 10 for a, b in zip(drawn, rgb(COLOURS["fibre"]), strict=True)), drawn

    # Clicked, it tells its recommendation and what it costs.
    page.mouse.click(*middle)
    page.wait_for_function("() => document.getElementById('school-title').textContent === 'Site 0'")
    terms = page.locator("#school-body dt").all_inner_texts()
    facts = dict(zip(terms, page.locator("#school-body dd").all_inner_texts(), strict=True))
    assert facts["Recommendation"] == "Fibre"
    assert facts["Capital cost"] == "USD 1,000"
    assert facts["Running cost per year"] == "USD 100"
    assert facts["Linked from"] == "N0 (3.0 km)"
    page.keyboard.press("Escape")

    # Dropped and chosen again from the map's controls; the address follows.
    page.select_option("#map-overlay", "")
    legend.wait_for(state="hidden")
    assert "overlay=" not in page.url
    page.select_option("#map-overlay", f"planning-{laid_out_plan.pk}")
    legend.wait_for(state="visible")
    assert f"overlay=planning-{laid_out_plan.pk}" in page.url
    assert outside == []
    assert errors == []
    context.close()


def test_an_engine_plan_is_counted_on_the_map_as_in_its_totals(
    browser, live_server, planner, computed
):
    _everyone, budget = computed
    context, page, errors, outside = signed_in(browser, live_server, planner.username)
    page.goto(live_server.url + f"/schools/map/?overlay=planning-{budget.pk}")
    page.wait_for_function(
        "n => document.querySelector('#overlay-items li:last-child data')?.value === String(n)",
        arg=SiteResult.objects.filter(scenario=budget).count(),
    )
    shown = {name: int(budget.totals[name]["sites"]) for name in COLOURS}
    assert legend_counts(page) == shown
    assert outside == []
    assert errors == []
    context.close()


def test_the_comparison_page_puts_two_plans_side_by_side(browser, live_server, planner, computed):
    everyone, budget = computed
    context, page, errors, outside = signed_in(browser, live_server, planner.username)
    page.goto(live_server.url + "/planning/compare/")
    page.check(f'input[name="s"][value="{everyone.pk}"]')
    page.check(f'input[name="s"][value="{budget.pk}"]')
    page.click("main form button[type=submit]")
    table = page.locator("table.compare")
    table.wait_for()
    # One column per plan, in the order they were listed to choose from.
    columns = [
        {"Everyone": everyone, "A third": budget}[name]
        for name in table.locator("thead th").all_inner_texts()[1:]
    ]
    assert {column.pk for column in columns} == {everyone.pk, budget.pk}
    for label, key in (("Sites connected", "sites"), ("Students connected", "students")):
        row = table.locator("tr", has=page.locator("th", has_text=label))
        assert row.locator("td").all_inner_texts() == [
            f"{column.totals['total'][key]:,}"
            for column in columns  # grouped, as in English
        ]
    assert everyone.totals["total"]["sites"] > budget.totals["total"]["sites"]
    assert page.locator("main svg").count() >= 1  # the technology mix, drawn
    assert outside == []
    assert errors == []
    context.close()
