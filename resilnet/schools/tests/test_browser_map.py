"""The map of schools in real headless Chromium: it asks the site's tile endpoint for
tiles whose URL follows the layer, the filters and the week, draws cells and schools,
zooms into a cell, opens a school's profile, and nothing it loads leaves the machine."""

from __future__ import annotations

import datetime
import json
import math
import re
from urllib.parse import parse_qs, urlsplit

import mapbox_vector_tile
import pytest

from resilnet.core.models import Country
from resilnet.schools.geo import tile_key
from resilnet.schools.models import School

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

TILE = re.compile(r"^/tiles/schools/(\d+)/(\d+)/(\d+)\.mvt$")
# The map opens centred here; a feature at this point sits under the map's middle.
CENTRE = (10.0, 10.0)


def watch(context, live_server):
    """Every request the page and its workers make, and those for another host than the
    live server's loopback one (refused, so a slip cannot reach the network)."""
    host = urlsplit(live_server.url).hostname
    assert host in {"localhost", "127.0.0.1"}
    requests, outside = [], []

    def seen(request):
        requests.append(request.url)
        if urlsplit(request.url).scheme in {"http", "https"}:
            if urlsplit(request.url).hostname != host:
                outside.append(request.url)

    def refuse(route):
        return route.continue_() if urlsplit(route.request.url).hostname == host else route.abort()

    # The events see what a worker asks for even before routing reaches it.
    context.on("request", seen)
    context.route("**/*", refuse)
    return requests, outside


def errors_of(page):
    errors = []
    page.on("console", lambda m: errors.append((m.text, m.location)) if m.type == "error" else None)
    page.on("pageerror", lambda error: errors.append((str(error), {})))
    return errors


def tile_requests(requests):
    return [urlsplit(url) for url in requests if TILE.match(urlsplit(url).path)]


def zoom_of(url: str) -> int:
    match = TILE.match(urlsplit(url).path)
    return int(match[1]) if match else -1


def last_week(weeks_back: int) -> str:
    monday = datetime.date.today() - datetime.timedelta(days=datetime.date.today().weekday())
    year, week, _day = (monday - datetime.timedelta(weeks=weeks_back)).isocalendar()
    return f"{year}-W{week:02d}"


def test_tile_urls_follow_layer_filters_and_week(browser, live_server):
    context = browser.new_context(locale="en", viewport={"width": 1280, "height": 900})
    requests, outside = watch(context, live_server)
    page = context.new_page()
    errors = errors_of(page)

    def tiles_for(action, expected: dict) -> None:
        """`action` makes the map ask for tiles with exactly the query `expected`."""

        def wanted(request) -> bool:
            url = urlsplit(request.url)
            return bool(TILE.match(url.path)) and parse_qs(url.query) == expected

        with page.expect_request(wanted):
            action()

    tiles_for(lambda: page.goto(live_server.url + "/schools/map/"), {"layer": ["global"]})
    page.wait_for_load_state("networkidle")
    # Before anything is chosen, every tile is asked for on the global benchmark.
    assert {url.query for url in tile_requests(requests)} == {"layer=global"}

    tiles_for(lambda: page.check('input[name="layer"][value="national"]'), {"layer": ["national"]})
    assert page.locator("#week-label").inner_text() == f"Latest ({last_week(0)})"
    week = {"layer": ["national"], "week": [last_week(1)]}
    tiles_for(lambda: page.click("#week-previous"), week)
    assert page.locator("#week-label").inner_text() == last_week(1)

    tiles_for(lambda: page.select_option("#map-status", "bad"), {**week, "status": ["bad"]})
    assert "status=bad" in page.url  # the address keeps the view

    tiles_for(lambda: page.click("#week-next"), {"layer": ["national"], "status": ["bad"]})
    assert page.locator("#week-label").inner_text() == f"Latest ({last_week(0)})"

    # The boundaries and the map's worker came from the site too, by their hashed names.
    paths = " ".join(urlsplit(url).path for url in requests)
    assert re.search(r"/static/vendor/world-atlas/countries-110m\.[0-9a-f]{12}\.json", paths)
    assert re.search(r"/static/vendor/maplibre-gl/maplibre-gl-csp-worker\.[0-9a-f]{12}\.js", paths)
    assert outside == []
    assert errors == []
    context.close()


def test_a_layer_chosen_while_tiles_are_still_loading_is_the_one_drawn(browser, live_server):
    # The first tiles are held back until the layer has changed: MapLibre finishes a tile
    # already loading from its old URL, so the map must ask again for the new layer.
    context = browser.new_context(locale="en", viewport={"width": 1280, "height": 900})
    requests, _outside = watch(context, live_server)
    page = context.new_page()
    held = []

    def hold_global(route):
        query = parse_qs(urlsplit(route.request.url).query)
        return held.append(route) if query == {"layer": ["global"]} else route.continue_()

    page.route(re.compile(r"/tiles/schools/"), hold_global)
    page.goto(live_server.url + "/schools/map/")
    for _ in range(200):  # at most 10 s for the map to ask for its first tiles
        if held:
            break
        page.wait_for_timeout(50)
    page.wait_for_timeout(500)  # every tile of the first view asked for, none answered
    assert held
    assert len(held) == len(tile_requests(requests))

    with page.expect_request(
        lambda r: TILE.match(urlsplit(r.url).path) and "layer=national" in r.url, timeout=15_000
    ):
        page.check('input[name="layer"][value="national"]')
        for route in held:
            route.continue_()
    context.close()


def mvt(z: int, x: int, y: int, feature: dict) -> bytes:
    """One real Mapbox Vector Tile with `feature` at CENTRE when the tile holds it."""
    longitude, latitude = CENTRE
    n = 2**z
    world_x = (longitude + 180) / 360 * n
    world_y = (1 - math.asinh(math.tan(math.radians(latitude))) / math.pi) / 2 * n
    features = []
    if int(world_x) == x and int(world_y) == y:
        point = (round((world_x - x) * 4096), round((world_y - y) * 4096))
        features.append({"geometry": f"POINT({point[0]} {point[1]})", "properties": feature})
    return mapbox_vector_tile.encode(
        [{"name": "schools", "features": features}], default_options={"y_coord_down": True}
    )


@pytest.mark.parametrize(
    ("locale", "viewport"),
    [("en", {"width": 1280, "height": 900}), ("ar", {"width": 375, "height": 740})],
    ids=["desktop-english", "phone-arabic"],
)
def test_cells_zoom_in_and_a_school_opens_its_profile(
    browser, live_server, reference_data, locale, viewport
):
    latitude, longitude = CENTRE[1], CENTRE[0]
    school = School.objects.create(
        country=Country.objects.get(iso3="NGA"),
        school_id_giga="ng-1",
        school_name="Kaduna Model School",
        latitude=latitude,
        longitude=longitude,
        education_level="Primary",
        tile_key=tile_key(latitude, longitude),
    )
    context = browser.new_context(locale=locale, viewport=viewport)
    requests, outside = watch(context, live_server)

    # Tiles of our own making, from the browser's side: cells up to zoom 2, then the school.
    def tile(route):
        z, x, y = (int(part) for part in TILE.match(urlsplit(route.request.url).path).groups())
        cell = {"count": 30, "good": 5, "moderate": 0, "bad": 20, "no_internet": 0, "unknown": 5}
        school_feature = {"id": school.pk, "status": "bad", "education_level": "Primary"}
        body = mvt(z, x, y, cell if z < 3 else school_feature)
        route.fulfill(status=200, body=body, content_type="application/vnd.mapbox-vector-tile")

    context.route(TILE_GLOB, tile)
    page = context.new_page()
    errors = errors_of(page)
    page.goto(live_server.url + "/schools/map/")
    legend = page.locator("#legend li")
    legend.last.locator("data[value='30']").wait_for()  # the cell is drawn and counted
    assert legend.first.locator("data").get_attribute("value") == "5"  # good

    page.locator("#map").click()  # the cell under the middle: zoom in on it
    page.locator("#legend li:last-child data[value='1']").wait_for()  # now the school
    assert max(zoom_of(url) for url in requests) >= 3

    page.locator("#map").click()
    panel = page.locator("#school-panel")
    panel.wait_for(state="visible")
    title = page.locator("#school-title")
    strings = json.loads(page.locator("#map-strings").text_content())
    page.wait_for_function(
        "text => document.getElementById('school-title').textContent !== text",
        arg=strings["loading"],
    )
    assert title.inner_text() == "Kaduna Model School"
    assert page.locator("#school-body a").get_attribute("href") == f"/schools/{school.pk}/"
    if viewport["width"] < 400:
        # A bottom sheet on a phone: the whole width, down to the bottom edge.
        box = panel.bounding_box()
        assert box["width"] == viewport["width"]
        assert abs(box["y"] + box["height"] - viewport["height"]) < 1
        assert page.locator("html").get_attribute("dir") == "rtl"
    page.keyboard.press("Escape")
    panel.wait_for(state="hidden")

    # Nigeria, from its Natural Earth outline: the map frames it at a country's zoom.
    if viewport["width"] < 400:
        page.locator(".map-controls summary").click()
    with page.expect_request(lambda request: zoom_of(request.url) >= 4):
        page.select_option("#map-country", "NGA")
    assert outside == []
    assert errors == []
    context.close()


TILE_GLOB = "**/tiles/schools/**"
