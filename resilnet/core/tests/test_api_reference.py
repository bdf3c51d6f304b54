import re

import pytest

pytestmark = pytest.mark.django_db


def test_country_by_iso3(client):
    response = client.get("/api/v1/countries/ken")
    assert response.status_code == 200
    body = response.json()
    assert body["iso3"] == "KEN"
    assert body["iso2"] == "KE"
    assert body["name"] == "Kenya"
    assert body["itu_region"] == "africa"
    assert body["m49_intermediate_region"]["code"] == "014"
    assert (body["ldc"], body["lldc"], body["sids"]) == (False, False, False)


@pytest.mark.parametrize("code", ["XYZ", "ZZ", "<script>", "A" * 300])
def test_unknown_country_is_a_404_problem_naming_the_code(client, code):
    response = client.get(f"/api/v1/countries/{code}")
    assert response.status_code == 404
    assert response["Content-Type"] == "application/problem+json"
    problem = response.json()
    assert problem["status"] == 404
    assert problem["title"] == "Country not found"
    assert repr(code[:20]) in problem["detail"]


def test_a_nul_character_in_a_country_code_is_a_404_on_every_engine(client):
    response = client.get("/api/v1/countries/K%00E")
    assert response.status_code == 404
    assert response.json()["title"] == "Country not found"


def test_countries_are_paginated_with_links(client):
    response = client.get("/api/v1/countries?page_size=100&page=2")
    body = response.json()
    assert body["count"] == 249
    assert body["pages"] == 3
    assert len(body["results"]) == 100
    assert body["next"].endswith("page=3")
    assert body["previous"].endswith("page=1")
    last = client.get("/api/v1/countries?page_size=100&page=3").json()
    assert len(last["results"]) == 49
    assert last["next"] is None


def test_countries_filter_by_region_and_flags(client):
    body = client.get("/api/v1/countries?itu_region=arab_states&ldc=true&page_size=500").json()
    codes = {c["iso3"] for c in body["results"]}
    assert {"SDN", "YEM", "SOM", "DJI", "MRT", "COM"} <= codes
    assert all(c["itu_region"] == "arab_states" and c["ldc"] for c in body["results"])


@pytest.mark.parametrize(
    "query", ["page=0", "page_size=100000", "page=abc", "ldc=perhaps", "q=" + "x" * 200]
)
def test_bad_query_parameters_are_422_problems(client, query):
    response = client.get(f"/api/v1/countries?{query}")
    assert response.status_code == 422
    assert response["Content-Type"] == "application/problem+json"
    assert response.json()["errors"]


def test_regions_list_counts_countries(client):
    regions = client.get("/api/v1/regions?kind=itu").json()
    assert len(regions) == 6
    assert sum(r["country_count"] for r in regions) == 195


def test_openapi_document_describes_the_endpoints(client):
    spec = client.get("/api/v1/openapi.json").json()
    assert spec["openapi"].startswith("3.")
    for path in ("/api/v1/countries", "/api/v1/countries/{iso3}", "/api/v1/regions", "/api/v1/me"):
        assert path in spec["paths"]


def test_interactive_docs_are_served_locally(client):
    response = client.get("/api/v1/docs")
    assert response.status_code == 200
    html = response.content.decode()
    assert re.search(r"/static/ninja/swagger-ui-bundle\.[0-9a-f]{12}\.js", html)
    assert "cdn" not in html.lower()
