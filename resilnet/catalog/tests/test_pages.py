import re
from datetime import timedelta

import pytest
from django.utils import timezone

from resilnet.catalog.models import Record, Revision
from resilnet.catalog.taxonomy import Status
from resilnet.catalog.tests.conftest import measure


@pytest.fixture
def records(publish):
    publish(measure())
    publish(
        measure(
            title="Temporary spectrum assignments",
            countries=["EGY"],
            fields={"category": "spectrum", "binding": "mandatory"},
            body={"en": "**Extra** spectrum <script>alert(1)</script> [x](javascript:alert(1))"},
        )
    )


def test_search_page_with_facets_works_without_javascript(client, records):
    html = client.get("/catalog/?q=spectrum&binding=mandatory").content.decode()
    assert "1 record" in html
    assert "Temporary spectrum assignments" in html
    assert "<mark>charge</mark>" in client.get("/catalog/?q=charge").content.decode()
    assert 'name="binding" value="mandatory" checked' in html
    assert "Egypt" in html  # the country facet shows names


def test_search_page_survives_hostile_parameters(client, records):
    response = client.get(
        "/catalog/?q=%22&page=abc&sort=evil&country=%3Cscript%3E&year=x" + "&sdg=1" * 100
    )
    assert response.status_code == 200
    assert "<script>" not in response.content.decode().split("</header>")[1]


def test_record_page_sanitises_markdown_and_cites(client, records):
    record = Record.objects.get(title="Temporary spectrum assignments")
    html = client.get(f"/catalog/records/{record.pk}/").content.decode()
    assert "<strong>Extra</strong>" in html
    assert "<script>alert" not in html
    assert 'href="javascript' not in html
    assert f"record {record.pk}" in html  # citation
    assert "Zero-rating" in html  # related record (same category? no: same binding)


def test_record_page_falls_back_to_the_original_language(client, records):
    record = Record.objects.first()
    html = client.get(f"/catalog/records/{record.pk}/", HTTP_ACCEPT_LANGUAGE="fr").content.decode()
    assert record.title in html


def test_drafts_are_private(client, contributor, make_user):
    from resilnet.catalog import services

    record = services.do_create_record(contributor, measure())
    assert client.get(f"/catalog/records/{record.pk}/").status_code == 404
    client.force_login(make_user("olga", "Contributor"))
    assert client.get(f"/catalog/records/{record.pk}/").status_code == 404
    client.force_login(contributor)
    assert client.get(f"/catalog/records/{record.pk}/").status_code == 200


def form_data(**overrides):
    data = {
        "original_language": "en",
        "title": "Data caps waived for telemedicine",
        "summary": "Operators waive data caps for telemedicine platforms.",
        "body": "",
        "countries": ["KEN", "UGA"],
        "date": "2020-04-02",
        "tags": "telemedicine, data caps",
        "links": "https://example.org/decision",
        "organisation": "Communications Authority",
        "licence": "CC-BY-4.0",
        "f_authority_type": "regulator",
        "f_category": "consumer_protection",
        "f_phase": "emergency",
        "f_binding": "mandatory",
        "f_measure_status": "in_force",
        "f_sources": "https://example.org/source",
    }
    data.update(overrides)
    return data


def test_contributor_submits_and_moderator_publishes_through_the_pages(
    client, contributor, moderator
):
    client.force_login(contributor)
    response = client.post("/catalog/new/measure/", form_data() | {"submit": "1"})
    record = Record.objects.get()
    assert response.url == f"/catalog/records/{record.pk}/"
    assert record.status == Status.SUBMITTED
    assert record.content["fields"]["sources"] == ["https://example.org/source"]
    client.force_login(moderator)
    queue = client.get("/catalog/moderation/").content.decode()
    assert "Data caps waived" in queue
    client.post(f"/catalog/records/{record.pk}/publish")
    record.refresh_from_db()
    assert record.status == Status.PUBLISHED
    assert "Data caps waived" in client.get("/catalog/?q=telemedicine").content.decode()


def test_the_moderation_queue_says_how_long_the_oldest_revision_has_waited(
    client, contributor, moderator
):
    client.force_login(contributor)
    client.post("/catalog/new/measure/", form_data() | {"submit": "1"})
    Revision.objects.update(created_at=timezone.now() - timedelta(days=3, hours=1))
    client.force_login(moderator)
    queue = client.get("/catalog/moderation/").content.decode()
    assert re.search(r"oldest waiting\s+3\xa0days", queue), queue[:2000]


def test_a_case_form_offers_action_lines_and_sdgs(client, contributor):
    client.force_login(contributor)
    html = client.get("/catalog/new/case/").content.decode()
    assert 'value="C7.4"' in html
    assert 'value="17"' in html
    data = form_data(
        f_stakeholder_type="government",
        f_scope="national",
        f_project_status="ongoing",
        f_action_lines=["C7.4", "C2"],
        f_sdgs=["3", "9"],
        f_partners="Ministry of Health\nA university",
    )
    response = client.post("/catalog/new/case/", data)
    assert response.status_code == 302, response.content.decode()[-2000:]
    record = Record.objects.get()
    assert record.content["fields"]["action_lines"] == ["C2", "C7.4"]
    assert record.content["fields"]["sdgs"] == [3, 9]


def test_form_errors_are_shown_and_nothing_is_saved(client, contributor):
    client.force_login(contributor)
    response = client.post(
        "/catalog/new/measure/", form_data(f_category="astrology", links="ftp://x")
    )
    html = response.content.decode()
    assert "Select a valid choice" in html
    assert not Record.objects.exists()


def test_contributor_cannot_publish_through_the_page(client, contributor):
    from resilnet.catalog import services

    record = services.do_create_record(contributor, measure(), submit=True)
    client.force_login(contributor)
    response = client.post(f"/catalog/records/{record.pk}/publish")
    assert response.status_code == 403
    record.refresh_from_db()
    assert record.status == Status.SUBMITTED


def test_visitor_proposal_with_honeypot_and_rate_limit(client, moderator):
    data = form_data(name="Ana", email="ana@example.org")
    sent = client.post("/catalog/propose/measure/", data)
    assert sent.status_code == 302
    assert sent.url == "/catalog/proposed/"
    assert Record.objects.filter(status=Status.SUBMITTED).count() == 1
    caught = client.post("/catalog/propose/measure/", data | {"fax_extension": "http://spam"})
    assert caught.url == "/catalog/proposed/"  # the bot is thanked like a person
    assert Record.objects.count() == 1  # and nothing was kept
    for _ in range(4):
        client.post("/catalog/propose/measure/", data)
    throttled = client.post("/catalog/propose/measure/", data)
    assert throttled.status_code == 429
    assert Record.objects.count() == 5


def test_country_page_lists_records(client, records):
    html = client.get("/catalog/countries/egy/").content.decode()
    assert "Temporary spectrum assignments" in html
    assert re.search(r"1 published record", html)
    assert client.get("/catalog/countries/XXX/").status_code == 404


def test_history_compares_any_two_revisions(client, contributor, moderator, publish):
    from resilnet.catalog import services

    record = publish()
    services.do_update_record(contributor, record, measure(title="Second title"))
    services.do_update_record(contributor, record, measure(title="Third title"))
    client.force_login(contributor)
    html = client.get(f"/catalog/records/{record.pk}/revisions/?a=1&b=3").content.decode()
    assert "Third title" in html
    assert "Zero-rating of health information sites" in html
    assert "(live)" in html
    assert client.get(f"/catalog/records/{record.pk}/revisions/?a=x&b=99").status_code == 200
    client.logout()
    assert client.get(f"/catalog/records/{record.pk}/revisions/").status_code == 302


def test_search_page_in_arabic_labels_facets_in_arabic(client, records):
    html = client.get("/catalog/", HTTP_ACCEPT_LANGUAGE="ar").content.decode()
    assert 'dir="rtl"' in html
    assert "Collection" not in html.split('class="facets"')[1].split("</aside>")[0]
