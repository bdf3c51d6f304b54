import csv
import io
import json

from resilnet.core.models import AuditAction, AuditEvent
from resilnet.schools.models import School
from resilnet.schools.tests.readside import kenya_fixture  # noqa: F401 (a fixture)


def body(response) -> bytes:
    return b"".join(response.streaming_content)


def test_csv_export_of_a_filtered_selection_is_audited(client, kenya):
    response = client.get(
        "/api/v1/schools/export.csv", {"country": "KEN", "school_area_type": "rural"}
    )
    assert response.status_code == 200
    assert response["Content-Type"] == "text/csv; charset=utf-8"
    data = body(response)
    assert not data.startswith(b"\xef\xbb\xbf")
    rows = list(csv.DictReader(io.StringIO(data.decode())))
    assert {row["school_name"] for row in rows} == {"Likoni Primary", "Kisauni Primary"}
    assert rows[0]["country"] == "KEN"
    event = AuditEvent.objects.get(action=AuditAction.EXPORTED)
    assert event.after == {
        "format": "csv",
        "filters": {"country": "KEN", "school_area_type": "rural"},
    }


def test_csv_export_with_byte_order_mark_for_excel(client, kenya):
    data = body(client.get("/schools/export.csv", {"country": "KEN", "bom": "1"}))
    assert data.startswith(b"\xef\xbb\xbf")
    rows = list(csv.DictReader(io.StringIO(data.decode("utf-8-sig"))))
    assert len(rows) == 4
    assert list(rows[0])[:3] == ["id", "country", "school_id_giga"]


def test_csv_cells_that_look_like_formulas_are_escaped(client, kenya):
    School.objects.filter(school_id_giga="ke-1").update(school_name="=HYPERLINK(1)")
    data = body(client.get("/api/v1/schools/export.csv", {"q": "ke-1"})).decode()
    assert "'=HYPERLINK(1)" in data


def test_geojson_export_is_a_valid_feature_collection(client, kenya):
    response = client.get("/api/v1/schools/export.geojson", {"status": "bad"})
    assert response["Content-Type"] == "application/geo+json"
    document = json.loads(body(response))
    assert document["type"] == "FeatureCollection"
    [feature] = document["features"]
    assert feature["geometry"] == {"type": "Point", "coordinates": [39.66, -4.08]}
    assert feature["properties"]["school_name"] == "Likoni Primary"
    assert feature["id"] == School.objects.get(school_id_giga="ke-3").pk


def test_export_reads_in_keyset_chunks(kenya):
    from resilnet.schools import selectors

    rows = list(selectors.iter_schools(None, ["school_id_giga"], chunk=1))
    assert [giga for _id, giga in rows] == ["ke-1", "ke-2", "ke-3", "ke-4"]


def test_empty_export_is_still_valid(client, kenya):
    document = json.loads(body(client.get("/api/v1/schools/export.geojson", {"q": "nothing"})))
    assert document == {"type": "FeatureCollection", "features": []}
    data = body(client.get("/api/v1/schools/export.csv", {"q": "' OR 1=1 --"})).decode()
    assert data.splitlines()[1:] == []


def test_export_refuses_bad_filters(client, kenya):
    response = client.get("/api/v1/schools/export.csv", {"status": "evil"})
    assert response.status_code == 422
    assert response.json()["errors"][0]["location"] == "query.status"
    assert client.get("/api/v1/schools/export.geojson", {"country": "XXX"}).status_code == 404
    assert client.get("/schools/export.csv", {"country": "XXX"}).status_code == 400
    assert client.get("/schools/export.xlsx").status_code == 404
    assert not AuditEvent.objects.filter(action=AuditAction.EXPORTED).exists()
