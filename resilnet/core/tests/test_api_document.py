"""The OpenAPI document says every answer an operation can give, as it is given: each
error a problem document (application/problem+json) of the declared schema."""

import json

import jsonschema_rs
import pytest
from django.test import Client

from resilnet.core import services
from resilnet.core.api import ERROR_DESCRIPTIONS, errors
from resilnet.core.models import Role

pytestmark = pytest.mark.django_db

PROBLEM = "application/problem+json"


@pytest.fixture
def document(client):
    return client.get("/api/v1/openapi.json").json()


def operations(document):
    for path, methods in document["paths"].items():
        for method, operation in methods.items():
            yield f"{method.upper()} {path}", operation


def conforms(document, schema_name, body):
    """Errors of `body` against a schema of the document (empty when it conforms)."""
    schema = {"$ref": f"#/components/schemas/{schema_name}", "components": document["components"]}
    return [error.message for error in jsonschema_rs.Draft202012Validator(schema).iter_errors(body)]


def problem_schema(document, path, method, status):
    content = document["paths"][path][method]["responses"][str(status)]["content"]
    assert list(content) == [PROBLEM]
    return content[PROBLEM]["schema"]["$ref"].rsplit("/", 1)[1]


def test_every_error_is_declared_as_a_problem_document(document):
    for name, operation in operations(document):
        statuses = {int(status) for status in operation["responses"] if int(status) >= 400}
        for status in statuses - {414}:
            response = operation["responses"][str(status)]
            assert response["description"] == ERROR_DESCRIPTIONS[status], name
            expected = "ValidationProblemSchema" if status == 422 else "ProblemSchema"
            assert response["content"] == {
                PROBLEM: {"schema": {"$ref": f"#/components/schemas/{expected}"}}
            }, name


def test_operations_declare_the_errors_every_such_operation_can_give(document):
    # What the framework answers before a handler runs: a module's operation declares it
    # with errors(...), and this keeps the next module's honest too.
    for name, operation in operations(document):
        declared = {int(status) for status in operation["responses"]}
        assert 414 in declared, name  # the web server's limit on the request line
        # Any query string may hold a NUL character; a path's text is any text.
        parsed = [
            p
            for p in operation["parameters"]
            if p["in"] == "query" or p["schema"]["type"] != "string"
        ]
        if parsed or "requestBody" in operation:
            assert 422 in declared, name
        if "requestBody" in operation:
            assert {400, 413} <= declared, name
        security = operation.get("security")
        if security:
            assert 401 in declared, name  # a bad token is refused even where none is needed
        if security and {} not in security and name.split()[0] != "GET":
            assert 403 in declared, name  # a session's write without its CSRF token


def test_reads_open_to_visitors_say_credentials_are_optional(document):
    security = document["paths"]["/api/v1/me"]["get"]["security"]
    assert {} not in security
    assert {"TokenAuth": []} in security


def test_a_422_names_each_location_as_declared(document, client):
    response = client.get("/api/v1/countries?page=0&ldc=maybe")
    assert response.status_code == 422
    assert response["Content-Type"] == PROBLEM
    name = problem_schema(document, "/api/v1/countries", "get", 422)
    assert conforms(document, name, response.json()) == []
    assert len(response.json()["errors"]) == 2


def test_a_404_is_a_problem_as_declared(document, client):
    response = client.get("/api/v1/countries/XYZ")
    assert response.status_code == 404
    name = problem_schema(document, "/api/v1/countries/{iso3}", "get", 404)
    assert conforms(document, name, response.json()) == []
    assert conforms(document, "ValidationProblemSchema", response.json()) != []


def test_a_401_a_400_and_a_413_are_problems_as_declared(document, make_user, settings):
    user = make_user("tess", Role.CONTRIBUTOR)
    assert Client().get("/api/v1/me").status_code == 401
    body = Client().get("/api/v1/me").json()
    assert conforms(document, problem_schema(document, "/api/v1/me", "get", 401), body) == []

    browser = Client()
    browser.force_login(user)
    malformed = browser.post("/api/v1/me/tokens", "{nope", content_type="application/json")
    assert malformed.status_code == 400
    name = problem_schema(document, "/api/v1/me/tokens", "post", 400)
    assert conforms(document, name, malformed.json()) == []

    settings.DATA_UPLOAD_MAX_MEMORY_SIZE = 100
    issued = services.do_create_api_token(user, user, name="t", role=Role.CONTRIBUTOR)
    large = Client().post(
        "/api/v1/me/tokens",
        json.dumps({"name": "x" * 200, "role": "Contributor"}),
        content_type="application/json",
        HTTP_AUTHORIZATION=f"Bearer {issued.plaintext}",
    )
    assert large.status_code == 413
    name = problem_schema(document, "/api/v1/me/tokens", "post", 413)
    assert conforms(document, name, large.json()) == []


def test_errors_are_declared_only_for_statuses_the_api_describes():
    assert errors(404, 401) == {401: errors(401)[401], 404: errors(404)[404]}
    with pytest.raises(ValueError, match="418"):
        errors(418)
