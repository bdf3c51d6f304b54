import pytest
from django.test import Client

from resilnet.catalog.models import Record
from resilnet.catalog.taxonomy import Status
from resilnet.catalog.tests.conftest import measure
from resilnet.core import services as core_services
from resilnet.core.models import Role


def bearer(user, role):
    issued = core_services.do_create_api_token(user, user, name="t", role=role)
    return {"HTTP_AUTHORIZATION": f"Bearer {issued.plaintext}"}


def test_search_answers_count_results_and_facets(client, publish):
    publish(measure())
    publish(
        measure(title="Spectrum for operators", countries=["EGY"], fields={"category": "spectrum"})
    )
    body = client.get("/api/v1/catalog/search?q=operators&country=egy").json()
    assert body["count"] == 1
    hit = body["results"][0]
    assert set(hit) >= {"id", "collection", "title", "url"}
    assert hit["url"].endswith(f"/catalog/records/{hit['id']}/")
    assert {"value": "EGY", "count": 1} in body["facets"]["country"]
    everything = client.get("/api/v1/catalog/search").json()
    assert everything["count"] == 2
    assert {f["value"] for f in everything["facets"]["category"]} == {
        "consumer_protection",
        "spectrum",
    }


@pytest.mark.parametrize("query", ["page=0", "page_size=1000", "sort=random", "q=" + "x" * 600])
def test_bad_search_parameters_are_422(client, db, query):
    response = client.get(f"/api/v1/catalog/search?{query}")
    assert response.status_code == 422
    assert response["Content-Type"] == "application/problem+json"


def test_create_submit_and_publish_with_tokens(contributor, moderator):
    api = Client()
    response = api.post(
        "/api/v1/catalog/records",
        {"content": measure(), "external_id": "api:1", "submit": True},
        content_type="application/json",
        **bearer(contributor, Role.CONTRIBUTOR),
    )
    assert response.status_code == 201, response.content
    record_id = response.json()["id"]
    assert response.json()["status"] == Status.SUBMITTED
    denied = api.post(
        f"/api/v1/catalog/records/{record_id}/transitions",
        {"action": "publish"},
        content_type="application/json",
        **bearer(contributor, Role.CONTRIBUTOR),
    )
    assert denied.status_code == 403
    published = api.post(
        f"/api/v1/catalog/records/{record_id}/transitions",
        {"action": "publish"},
        content_type="application/json",
        **bearer(moderator, Role.MODERATOR),
    )
    assert published.json()["status"] == Status.PUBLISHED
    assert Client().get(f"/api/v1/catalog/records/{record_id}").status_code == 200


def test_invalid_content_is_422_naming_the_field(contributor):
    response = Client().post(
        "/api/v1/catalog/records",
        {"content": measure(fields={"category": "astrology"})},
        content_type="application/json",
        **bearer(contributor, Role.CONTRIBUTOR),
    )
    assert response.status_code == 422
    assert response.json()["errors"][0]["location"] == "fields.category"
    assert not Record.objects.exists()


def test_analyst_token_cannot_create(analyst):
    response = Client().post(
        "/api/v1/catalog/records",
        {"content": measure()},
        content_type="application/json",
        **bearer(analyst, Role.ANALYST),
    )
    assert response.status_code == 403


def test_drafts_are_404_to_others(client, contributor):
    from resilnet.catalog import services

    record = services.do_create_record(contributor, measure())
    assert client.get(f"/api/v1/catalog/records/{record.pk}").status_code == 404


def test_reason_required_for_request_changes(contributor, moderator):
    from resilnet.catalog import services

    record = services.do_create_record(contributor, measure(), submit=True)
    response = Client().post(
        f"/api/v1/catalog/records/{record.pk}/transitions",
        {"action": "request_changes"},
        content_type="application/json",
        **bearer(moderator, Role.MODERATOR),
    )
    assert response.status_code == 422
    assert "reason" in response.json()["detail"]


def test_a_token_acts_with_its_one_role_only(contributor, make_user):
    both = make_user("bo", Role.CONTRIBUTOR, Role.MODERATOR)
    from resilnet.catalog import services

    record = services.do_create_record(contributor, measure(), submit=True)
    response = Client().post(
        f"/api/v1/catalog/records/{record.pk}/transitions",
        {"action": "publish"},
        content_type="application/json",
        **bearer(both, Role.CONTRIBUTOR),
    )
    assert response.status_code == 404  # as a contributor it cannot even see the submission
    record.refresh_from_db()
    assert record.status == Status.SUBMITTED


def test_a_token_sees_what_its_user_sees(contributor, make_user):
    from resilnet.catalog import services

    draft = services.do_create_record(contributor, measure())
    anonymous = Client().get(f"/api/v1/catalog/records/{draft.pk}")
    assert anonymous.status_code == 404
    owner = Client().get(
        f"/api/v1/catalog/records/{draft.pk}", **bearer(contributor, Role.CONTRIBUTOR)
    )
    assert owner.status_code == 200
    assert owner.json()["status"] == "draft"
    admin = make_user("adele", Role.ADMINISTRATOR)
    assert (
        Client()
        .get(f"/api/v1/catalog/records/{draft.pk}", **bearer(admin, Role.ADMINISTRATOR))
        .status_code
        == 200
    )
    bad = Client().get(
        f"/api/v1/catalog/records/{draft.pk}", HTTP_AUTHORIZATION="Bearer rn_nope_nope"
    )
    assert bad.status_code == 401


@pytest.mark.parametrize(
    ("where", "location"),
    [("title", "body.content.title.en"), ("note", "body.note")],
)
def test_a_nul_character_is_422_on_every_engine(contributor, where, location):
    from resilnet.catalog import services

    record = services.do_create_record(contributor, measure())
    content = measure(title="Zero\x00rating") if where == "title" else measure()
    body = {"content": content, "note": "a\x00b" if where == "note" else ""}
    response = Client().put(
        f"/api/v1/catalog/records/{record.pk}",
        body,
        content_type="application/json",
        **bearer(contributor, Role.CONTRIBUTOR),
    )
    assert response.status_code == 422
    assert response["Content-Type"] == "application/problem+json"
    assert response.json()["errors"][0]["location"] == location
    assert Record.objects.get(pk=record.pk).revisions.count() == 1


def test_a_nul_character_in_a_search_is_422(client, db):
    response = client.get("/api/v1/catalog/search?q=a%00b")
    assert response.status_code == 422
    assert response.json()["errors"][0]["location"] == "query.q"


def test_the_page_and_the_api_read_one_search_the_same_way(client, publish):
    publish(measure(title="Spectrum for operators", countries=["EGY"]))
    publish(measure(title="Operators zero-rate health sites", countries=["KEN"]))
    asked = "q=operators&country=egy&country=&page=1"
    api = client.get(f"/api/v1/catalog/search?{asked}").json()
    page = client.get(f"/catalog/?{asked}").content.decode()
    assert api["count"] == 1
    hit = api["results"][0]
    assert hit["title"] == "Spectrum for operators"
    assert hit["snippet"] in page  # the same snippet, marks and all
    assert "Operators zero-rate" not in page


@pytest.mark.parametrize(
    ("countries", "location"),
    [([{}], "countries.0"), (["KEN", 5], "countries.1"), ([["KEN"]], "countries.0")],
)
def test_countries_that_are_not_text_are_422_naming_the_item(contributor, countries, location):
    response = Client().post(
        "/api/v1/catalog/records",
        {"content": measure(countries=countries)},
        content_type="application/json",
        **bearer(contributor, Role.CONTRIBUTOR),
    )
    assert response.status_code == 422
    assert response.json()["errors"][0]["location"] == location


@pytest.mark.parametrize("value", [0, 86400, 1.5, "0", " 1584662400 "])
@pytest.mark.parametrize("field", ["date", "fields.effective_on"])
def test_a_number_is_not_taken_for_a_date(contributor, field, value):
    content = measure()
    if field == "date":
        content["date"] = value
    else:
        content["fields"]["effective_on"] = value
    response = Client().post(
        "/api/v1/catalog/records",
        {"content": content},
        content_type="application/json",
        **bearer(contributor, Role.CONTRIBUTOR),
    )
    assert response.status_code == 422, response.content
    assert response.json()["errors"] == [
        {"location": field, "message": "Input should be a date like 2020-03-12"}
    ]
    assert not Record.objects.exists()
