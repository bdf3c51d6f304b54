"""The proposal form as a visitor meets it: the kind of record first, fields in groups with
their help and required marks, nothing pre-chosen, a trap only bots see, and a reload after
sending that sends nothing twice."""

import gzip
import logging
import re

import pytest

from resilnet.catalog.models import Record
from resilnet.catalog.tests.test_pages import form_data
from resilnet.catalog.views import HONEYPOT_CATCHES

pytestmark = pytest.mark.django_db


@pytest.fixture
def proposal():
    return form_data(name="Ana", email="ana@example.org")


def test_the_kind_of_record_is_chosen_first(client):
    page = client.get("/catalog/propose/").content.decode()
    for collection in ("measure", "case", "podcast", "report"):
        assert f'href="/catalog/propose/{collection}/"' in page
    assert "<form" not in page.split("</header>")[-1].split("<footer")[0]
    assert client.get("/catalog/propose/nonsense/").status_code == 404


def test_a_measure_form_asks_only_for_a_measures_fields_in_groups(client):
    measure = client.get("/catalog/propose/measure/").content.decode()
    case = client.get("/catalog/propose/case/").content.decode()
    assert 'name="f_binding"' in measure
    assert 'name="f_binding"' not in case  # measure-only fields stay on measures
    assert 'name="f_action_lines"' in case
    legends = re.findall(r"<legend>([^<]+)</legend>", measure)
    assert legends[:3] == ["About you", "The record", "Where and when"]


def test_help_texts_are_rendered_where_aria_describedby_points(client):
    page = client.get("/catalog/propose/measure/").content.decode()
    described = set(re.findall(r'aria-describedby="([^"]+)"', page))
    assert described, "no field is described"
    for ids in described:
        for target in ids.split():
            assert f'id="{target}"' in page, target
    assert "One URL per line." in page


def test_required_fields_are_marked_and_selects_start_empty(client):
    page = client.get("/catalog/propose/measure/").content.decode()
    title_label = re.search(r'<label for="id_title">(.*?)</label>', page).group(1)
    assert 'class="required"' in title_label
    summary_label = re.search(r'<label for="id_summary">(.*?)</label>', page).group(1)
    assert "required" not in summary_label
    selects = re.findall(r'<select name="f_[a-z_]+".*?</select>', page, re.S)
    assert selects
    for select in selects:
        chosen = re.findall(r'<option value="([^"]*)" selected>', select)
        assert chosen == [""], select[:200]


def test_the_original_language_defaults_to_the_page_language(client):
    arabic = client.get("/catalog/propose/measure/", HTTP_ACCEPT_LANGUAGE="ar").content.decode()
    assert re.search(r'<option value="ar" selected>', arabic)
    english = client.get("/catalog/propose/measure/").content.decode()
    assert re.search(r'<option value="en" selected>', english)


def test_countries_are_checkboxes_folded_in_a_details_picker(client):
    page = client.get("/catalog/propose/measure/").content.decode()
    picker = page[page.index('<details class="picker">') :]
    assert 'type="checkbox" name="countries" value="KEN"' in picker


def test_the_honeypot_is_hidden_from_people_and_counted_and_logged(client, proposal, caplog):
    page = client.get("/catalog/propose/measure/").content.decode()
    trap = re.search(r"<div hidden aria-hidden=\"true\">.*?</div>", page, re.S).group(0)
    assert 'name="fax_extension"' in trap
    assert 'tabindex="-1"' in trap
    assert "website" not in page  # a name browsers autofill
    before = HONEYPOT_CATCHES._value.get()
    with caplog.at_level(logging.WARNING, logger="resilnet.catalog.views"):
        client.post("/catalog/propose/measure/", proposal | {"fax_extension": "x"})
    assert HONEYPOT_CATCHES._value.get() == before + 1
    assert "honeypot" in caplog.text
    assert not Record.objects.exists()


def test_a_person_whose_browser_fills_website_is_not_thrown_away(client, proposal):
    response = client.post("/catalog/propose/measure/", proposal | {"website": "https://x.org"})
    assert response.status_code == 302
    assert Record.objects.count() == 1


def test_reloading_after_sending_sends_nothing_again(client, proposal):
    response = client.post("/catalog/propose/measure/", proposal, follow=True)
    assert response.redirect_chain == [("/catalog/proposed/", 302)]
    assert "Thank you" in response.content.decode()
    client.get("/catalog/proposed/")  # the reload
    assert Record.objects.count() == 1


def test_an_invalid_proposal_names_the_field_and_keeps_nothing(client, proposal):
    hostile = proposal | {"title": "", "email": "not-an-email", "countries": ["XXX", "' OR 1=1"]}
    response = client.post("/catalog/propose/measure/", hostile)
    assert response.status_code == 200
    page = response.content.decode()
    assert 'id="id_title_error"' in page
    assert 'id="id_email_error"' in page
    assert 'aria-invalid="true"' in page
    assert not Record.objects.exists()


def test_the_form_with_every_country_stays_light(client):
    html = client.get("/catalog/propose/measure/").content
    print(f"proposal form: {len(html)} bytes, {len(gzip.compress(html))} compressed")
    assert len(gzip.compress(html)) < 30 * 1024  # the page budget is 100 KB with CSS and JS
