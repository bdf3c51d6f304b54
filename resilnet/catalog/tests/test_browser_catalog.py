"""The regulator's question, asked in a real browser: mandatory consumer-protection
measures of the emergency phase in Arab States, read in French, with feed and CSV."""

import pytest

from resilnet.catalog import services
from resilnet.catalog.tests.conftest import measure

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def catalog(reference_data, contributor, moderator):
    def publish(content):
        record = services.do_create_record(contributor, content, submit=True)
        services.do_publish(moderator, record)

    target = measure(
        title="Suspension of disconnections for unpaid bills",
        countries=["EGY"],
        fields={"category": "consumer_protection", "binding": "mandatory", "phase": "emergency"},
    )
    target["title"]["fr"] = "Suspension des coupures pour factures impayées"
    target["summary"]["fr"] = "Les opérateurs ne coupent plus les abonnés pendant l'urgence."
    publish(target)
    publish(
        measure(
            title="Voluntary zero-rating",
            countries=["EGY"],
            fields={"category": "consumer_protection", "binding": "voluntary"},
        )
    )
    publish(
        measure(
            title="Mandatory zero-rating in Kenya",
            countries=["KEN"],
            fields={"category": "consumer_protection", "binding": "mandatory"},
        )
    )


def test_filter_read_in_french_subscribe_and_download(browser, live_server, catalog):
    context = browser.new_context(locale="fr")
    page = context.new_page()
    page.goto(live_server.url + "/catalog/")
    for name, value in [
        ("binding", "mandatory"),
        ("category", "consumer_protection"),
        ("phase", "emergency"),
        ("itu_region", "arab_states"),
    ]:
        page.check(f'input[name="{name}"][value="{value}"]')
    page.click(".facets button[type=submit]")
    page.wait_for_load_state()
    titles = page.locator(".hits h2 a").all_inner_texts()
    assert titles == ["Suspension des coupures pour factures impayées"]
    feed = page.locator('link[rel="alternate"][type="application/atom+xml"]').get_attribute("href")
    assert "itu_region=arab_states" in feed
    with page.expect_download() as download:
        page.click("text=CSV")
    lines = open(download.value.path(), encoding="utf-8").read().splitlines()
    assert len(lines) == 2  # the header and the one measure
    assert "Suspension of disconnections for unpaid bills" in lines[1]
    page.click(".hits h2 a")
    page.wait_for_load_state()
    assert page.locator("h1").inner_text() == "Suspension des coupures pour factures impayées"
    context.close()
