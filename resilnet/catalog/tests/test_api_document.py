"""The OpenAPI document describes a record's content as the catalog validates it, so that a
client (or a schema-driven fuzzer) can build a valid record from the document alone."""

import jsonschema_rs
import pytest
from django.test import Client

from resilnet.catalog.schemas import FIELDS_BY_COLLECTION, parse_content
from resilnet.catalog.tests.conftest import measure
from resilnet.catalog.tests.test_api import bearer
from resilnet.core.models import Role

pytestmark = pytest.mark.django_db

# One valid content per collection, as little as each needs.
MINIMAL_FIELDS = {
    "podcast": {"audio_url": "https://example.org/episode.mp3"},
    "video": {"video_url": "https://example.org/video.mp4"},
}


def minimal(collection, **overrides):
    content = {"collection": collection, "title": {"en": f"A {collection}"}}
    if collection in MINIMAL_FIELDS:
        content["fields"] = MINIMAL_FIELDS[collection]
    return {**content, **overrides}


@pytest.fixture
def document(client):
    return client.get("/api/v1/openapi.json").json()


def validator(document, schema_name):
    schema = {"$ref": f"#/components/schemas/{schema_name}", "components": document["components"]}
    return jsonschema_rs.Draft202012Validator(schema)


def content_schema(document):
    """The schema of RecordIn.content, standing alone."""
    schema = document["components"]["schemas"]["RecordIn"]["properties"]["content"]
    return jsonschema_rs.Draft202012Validator({**schema, "components": document["components"]})


def test_content_is_one_shape_per_collection_with_its_own_fields(document):
    content = document["components"]["schemas"]["RecordIn"]["properties"]["content"]
    assert content["discriminator"]["propertyName"] == "collection"
    mapping = content["discriminator"]["mapping"]
    assert set(mapping) == set(FIELDS_BY_COLLECTION)
    schemas = document["components"]["schemas"]
    for collection, model in FIELDS_BY_COLLECTION.items():
        shape = schemas[mapping[collection].rsplit("/", 1)[1]]
        assert shape["properties"]["collection"]["const"] == collection
        fields = shape["properties"]["fields"]
        reference = fields["allOf"][0] if "allOf" in fields else fields
        assert reference == {"$ref": f"#/components/schemas/{model.__name__}"}
        assert shape["additionalProperties"] is False
    assert document["components"]["schemas"]["RecordUpdate"]["properties"]["content"] == {
        key: value for key, value in content.items() if key != "description"
    }


@pytest.mark.parametrize("collection", sorted(FIELDS_BY_COLLECTION))
def test_what_the_document_accepts_the_catalog_accepts(document, collection):
    content = minimal(collection)
    assert content_schema(document).is_valid(content)
    parse_content(content)


@pytest.mark.parametrize(
    "content",
    [
        measure(fields={"category": "astrology"}),
        measure(original_language="fr", title={"en": "Only in English"}),
        measure(title={}),
        minimal("podcast", fields={}),
        minimal("case", fields={"action_lines": ["C12"]}),
        minimal("case", fields={"sdgs": [18]}),
        minimal("news", fields={"category": "spectrum"}),
    ],
    ids=[
        "unknown-category",
        "no-title-in-original-language",
        "no-title",
        "podcast-without-audio",
        "unknown-action-line",
        "unknown-sdg",
        "another-collection's-field",
    ],
)
def test_what_the_document_refuses_the_api_refuses(document, contributor, content):
    assert not content_schema(document).is_valid(content)
    response = Client().post(
        "/api/v1/catalog/records",
        {"content": content},
        content_type="application/json",
        **bearer(contributor, Role.CONTRIBUTOR),
    )
    assert response.status_code == 422, response.content


def test_a_reason_is_required_to_turn_a_revision_down(document):
    transition = validator(document, "TransitionIn")
    assert transition.is_valid({"action": "publish"})
    assert transition.is_valid({"action": "reject", "reason": "Out of scope"})
    assert not transition.is_valid({"action": "reject"})
    assert not transition.is_valid({"action": "request_changes", "reason": "  "})


@pytest.mark.parametrize("collection", sorted(FIELDS_BY_COLLECTION))
def test_records_answered_conform_to_the_document(document, contributor, collection):
    api = Client()
    created = api.post(
        "/api/v1/catalog/records",
        {"content": minimal(collection, countries=["KEN"], date="2020-03-12")},
        content_type="application/json",
        **bearer(contributor, Role.CONTRIBUTOR),
    )
    assert created.status_code == 201, created.content
    assert validator(document, "RecordOut").is_valid(created.json()), list(
        validator(document, "RecordOut").iter_errors(created.json())
    )
    read = api.get(
        f"/api/v1/catalog/records/{created.json()['id']}", **bearer(contributor, Role.CONTRIBUTOR)
    )
    assert validator(document, "RecordOut").is_valid(read.json())


def test_links_from_a_new_record_lead_to_operations_of_the_document(document):
    operation_ids = {
        operation["operationId"]
        for methods in document["paths"].values()
        for operation in methods.values()
    }
    created = document["paths"]["/api/v1/catalog/records"]["post"]["responses"]["201"]
    assert set(created["links"]) == {"read", "edit", "move", "revisions"}
    for link in created["links"].values():
        assert link["operationId"] in operation_ids
        assert link["parameters"] == {"record_id": "$response.body#/id"}


def test_downloads_declare_their_media_types(document):
    paths = document["paths"]
    assert list(paths["/api/v1/catalog/export.csv"]["get"]["responses"]["200"]["content"]) == [
        "text/csv"
    ]
    assert list(paths["/api/v1/catalog/export.json"]["get"]["responses"]["200"]["content"]) == [
        "application/json"
    ]
