"""The catalog on a 375 px phone, in English and in Arabic: no page type is wider than the
screen, a search's first result is within the first screen, the filters are folded behind
one control that works without script, and the active filters are chips that remove
themselves."""

import pytest

from conftest import PASSWORD
from resilnet.catalog import services
from resilnet.catalog.tests.conftest import measure

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

PHONE = {"width": 375, "height": 667}
LONG_URL = "https://www.example.org/" + "regulatory-decisions/" * 12 + "decision-2020-041.pdf"


@pytest.fixture
def catalog(reference_data, contributor, moderator):
    records = []
    for n, country in enumerate(["EGY", "KEN", "SEN", "JOR", "CHN", "BRA"]):
        content = measure(title=f"Zero-rating of health information sites, part {n}")
        content["countries"] = [country]
        content["fields"]["sources"] = [LONG_URL]
        content["links"] = [{"url": LONG_URL}]
        content["title"]["ar"] = f"إعفاء المواقع الصحية من رسوم البيانات {n}"
        content["summary"]["ar"] = "ألزمت الهيئة المشغلين بعدم احتساب رسوم البيانات."
        record = services.do_create_record(contributor, content, submit=True)
        services.do_publish(moderator, record)
        records.append(record)
    return records


def pages(record):
    return [
        "/catalog/",
        "/catalog/?q=health",
        "/catalog/?q=health&country=EGY&binding=mandatory",
        f"/catalog/records/{record.pk}/",
        "/catalog/countries/EGY/",
        "/catalog/propose/",
        "/api/v1/docs",
    ]


SIGNED_IN = ["/catalog/mine/", "/catalog/moderation/", "/catalog/new/measure/", "/catalog/import/"]


def phone(browser, language):
    context = browser.new_context(viewport=PHONE, locale=language, is_mobile=True)
    return context, context.new_page()


def switch_language(page, base, language):
    page.goto(base + "/catalog/")
    page.select_option("#language-select", language)
    page.click(".language button[type=submit]")
    page.wait_for_load_state()


def widths(page):
    return page.evaluate(
        "[document.documentElement.scrollWidth, document.documentElement.clientWidth]"
    )


# What sticks out, named in the failure: the first elements wider than the viewport.
STICKING_OUT = """[...document.querySelectorAll("body *")]
  .filter(e => { const box = e.getBoundingClientRect();
                 return box.right > innerWidth || box.left < 0; })
  .map(e => `${e.tagName}.${e.className}#${e.id} ${Math.round(e.getBoundingClientRect().width)}`)
  .slice(0, 8)"""


def too_wide(page, base, paths):
    wrong = {}
    for path in paths:
        page.goto(base + path)
        document_width, viewport = widths(page)
        if document_width > viewport:
            wrong[path] = (document_width, page.evaluate(STICKING_OUT))
    return wrong


@pytest.mark.parametrize("language", ["en", "ar"])
def test_no_catalog_page_is_wider_than_a_phone(browser, live_server, catalog, language):
    context, page = phone(browser, language)
    switch_language(page, live_server.url, language)
    assert page.locator("html").get_attribute("lang") == language
    assert too_wide(page, live_server.url, pages(catalog[0])) == {}
    page.goto(live_server.url + "/accounts/login/")
    page.fill("input[name=username]", "mona")
    page.fill("input[name=password]", PASSWORD)
    page.click("main button[type=submit]")
    page.wait_for_load_state()
    assert too_wide(page, live_server.url, SIGNED_IN + pages(catalog[0])[3:4]) == {}
    context.close()


@pytest.mark.parametrize("language", ["en", "ar"])
def test_a_search_shows_its_first_result_on_the_first_screen(
    browser, live_server, catalog, language
):
    context, page = phone(browser, language)
    switch_language(page, live_server.url, language)
    for path in ["/catalog/?q=health", "/catalog/"]:
        page.goto(live_server.url + path)
        first = page.locator(".hits h2 a").first.bounding_box()
        assert first is not None
        assert first["y"] + first["height"] <= PHONE["height"], path
    context.close()


def test_filters_fold_behind_one_control_and_chips_remove_them(browser, live_server, catalog):
    context = browser.new_context(viewport=PHONE, java_script_enabled=False)
    page = context.new_page()
    page.goto(live_server.url + "/catalog/?q=health")
    assert not page.locator('input[name="country"][value="EGY"]').is_visible()
    page.click(".facets > summary")  # <details> opens without script
    page.check('input[name="country"][value="EGY"]')
    page.check('input[name="binding"][value="mandatory"]')
    page.click(".facets button[type=submit]")
    page.wait_for_load_state()
    assert page.locator(".hits h2 a").count() == 1
    chips = page.locator(".chips a:not(.clear)")
    assert chips.all_inner_texts() == ["Country: Egypt ×", "Binding: Mandatory ×"]
    chips.first.click()  # removes the country, keeps the words and the other filter
    page.wait_for_load_state()
    assert "q=health" in page.url
    assert "binding=mandatory" in page.url
    assert "EGY" not in page.url
    assert page.locator(".hits h2 a").count() == 6
    assert page.locator(".chips a:not(.clear)").all_inner_texts() == ["Binding: Mandatory ×"]
    context.close()


def test_filters_stay_a_column_on_a_wide_screen(browser, live_server, catalog):
    context = browser.new_context(viewport={"width": 1280, "height": 800})
    page = context.new_page()
    page.goto(live_server.url + "/catalog/?q=health")
    assert page.locator('input[name="country"][value="EGY"]').is_visible()
    facets = page.locator(".facets").bounding_box()
    results = page.locator(".results").bounding_box()
    assert facets["x"] + facets["width"] <= results["x"]  # a column before the results
    context.close()
