"""The home page in real headless Chromium (Debian's package, driven by Playwright)."""

from pathlib import Path

import pytest

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

SCREENSHOTS = Path(__file__).resolve().parents[3] / "var" / "screenshots"


@pytest.mark.parametrize(
    ("locale", "direction"), [("en", "ltr"), ("ar", "rtl")], ids=["english", "arabic"]
)
def test_home_page_renders_with_the_right_direction(
    browser, live_server, reference_data, locale, direction
):
    context = browser.new_context(locale=locale, viewport={"width": 1280, "height": 900})
    page = context.new_page()
    errors = []
    page.on(
        "console", lambda message: errors.append(message.text) if message.type == "error" else None
    )
    page.on("pageerror", lambda error: errors.append(str(error)))
    response = page.goto(live_server.url + "/")
    assert response.status == 200
    html = page.locator("html")
    assert html.get_attribute("dir") == direction
    assert html.get_attribute("lang") == locale
    assert page.locator("main h1").is_visible()
    assert page.locator("main table tbody tr").count() == 6  # the ITU regions
    # The navigation sits at the reading start: left in English, right in Arabic.
    brand = page.locator(".brand").bounding_box()
    assert (brand["x"] < 640) == (direction == "ltr")
    # htmx loads only on pages with hx- attributes (job progress): the home page has none.
    assert page.evaluate("typeof window.htmx") == "undefined"
    assert errors == []
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SCREENSHOTS / f"home-{locale}.png"), full_page=True)
    context.close()


def test_the_language_switcher_in_the_browser(browser, live_server):
    context = browser.new_context(locale="en")
    page = context.new_page()
    page.goto(live_server.url + "/countries/")
    page.select_option("#language-select", "fr")
    page.click(".language button")
    page.wait_for_load_state()
    assert page.locator("html").get_attribute("lang") == "fr"
    assert page.url.endswith("/countries/")
    context.close()
