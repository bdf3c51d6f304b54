"""/api/v1/docs is a page of the site, read from the API's own OpenAPI document: every
operation and every schema has an anchored section, every link on it lands, it needs no
script and nothing from another host, and it speaks the reader's language and direction."""

import re

import pytest
from django.utils.html import escape

from resilnet.core import api_docs

pytestmark = pytest.mark.django_db

METHODS = {"get", "put", "post", "patch", "delete"}


@pytest.fixture(scope="module")
def page(django_db_blocker):
    from django.test import Client

    with django_db_blocker.unblock():
        response = Client().get("/api/v1/docs")
    assert response.status_code == 200
    return response.content.decode()


def test_every_operation_and_schema_has_an_anchored_section(client, page):
    document = client.get("/api/v1/openapi.json").json()
    ids = set(re.findall(r'\sid="([^"]+)"', page))
    for path, item in document["paths"].items():
        for method, operation in item.items():
            if method in METHODS:
                assert f"op-{operation['operationId']}" in ids, (method, path)
                assert f"{method.upper()} {path}</code>" in page, (method, path)
                assert escape(operation["summary"]) in page
    for name in document["components"]["schemas"]:
        assert api_docs.schema_anchor(name) in ids, name


def test_every_anchor_on_the_page_lands(page):
    ids = set(re.findall(r'\sid="([^"]+)"', page))
    targets = set(re.findall(r'href="#([^"]*)"', page))
    assert len(targets) > 50
    assert targets - ids == set()


def test_parameters_bodies_and_answers_are_described(page):
    countries = page.split('id="op-resilnet_core_api_list_countries"')[1].split("</section>")[0]
    assert "<code>page_size</code>" in countries
    assert "default: 50; at least 1; at most 500" in countries
    assert '<a href="#schema-pagedcountryout">PagedCountryOut</a>' in countries
    assert "application/problem+json" in countries
    create = page.split('id="op-resilnet_core_api_create_token"')[1].split("</section>")[0]
    assert "Request body" in create
    paged = page.split('id="schema-pagedcountryout"')[1].split("</section>")[0]
    assert 'array of <a href="#schema-countryout">CountryOut</a>' in paged


def test_it_needs_no_script_and_nothing_from_another_host(page):
    assert "<script" not in page
    assert 'href="/api/v1/openapi.json"' in page
    assert not re.search(r'(?:src|href)="(?:https?:)?//', page)


def test_it_is_inside_the_site_layout_in_arabic_right_to_left(client):
    response = client.get("/api/v1/docs", HTTP_ACCEPT_LANGUAGE="ar")
    html = response.content.decode()
    assert '<html lang="ar" dir="rtl">' in html
    assert 'class="site-header"' in html
    assert '<main id="main">' in html
    # Paths and types read left to right inside the right-to-left page.
    assert '<code dir="ltr">GET /api/v1/countries</code>' in html


def test_a_schema_with_hostile_or_broken_parts_is_written_safely():
    document = {
        "info": {"title": "<script>alert(1)</script>"},
        "paths": {
            "/x": {
                "get": {
                    "summary": "<img src=x onerror=alert(1)>",
                    "parameters": [
                        {"name": "q", "in": "query", "schema": {"$ref": "https://elsewhere/s"}},
                        "not a parameter",
                    ],
                    "responses": {200: {"content": {"application/json": {"schema": 7}}}},
                },
                "post": "not an operation",
            },
            "/y": None,
        },
        "components": {
            "schemas": {
                '"><b>': {"type": "array", "items": {"$ref": '#/components/schemas/"><b>'}},
                "Deep": {"type": "object", "properties": {"a": nested(40)}},
            }
        },
    }
    reference = api_docs.reference(document)
    (operation,) = reference.groups[0][1]
    assert operation.parameters[0].type == '<code class="api-type">https://elsewhere/s</code>'
    assert operation.answers[0].contents[0].type == '<code class="api-type">any</code>'
    hostile = next(m for m in reference.models if m.name == '"><b>')
    assert "&quot;&gt;&lt;b&gt;" in hostile.type
    assert "<b>" not in hostile.type
    deep = next(m for m in reference.models if m.name == "Deep")
    depth, fields = 0, deep.fields
    while fields:
        depth, fields = depth + 1, fields[0].fields
    assert depth == api_docs.MAX_DEPTH


def nested(levels):
    schema = {"type": "string"}
    for _ in range(levels):
        schema = {"type": "object", "properties": {"a": schema}}
    return schema
