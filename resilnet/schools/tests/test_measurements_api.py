"""POST /api/v1/schools/measurements: device keys, validation, idempotence, rate limit."""

from __future__ import annotations

import json
import uuid
from datetime import UTC, datetime, timedelta

import pytest
from django.utils import timezone

from resilnet.schools.models import DeviceKey, Measurement, RollupMark, School
from resilnet.schools.services import measurements
from resilnet.schools.tests.measurement_fixtures import make_school, school  # noqa: F401

URL = "/api/v1/schools/measurements"


def item(**overrides):
    value = {
        "uuid": str(uuid.uuid4()),
        "timestamp": (timezone.now() - timedelta(hours=1)).isoformat(),
        "download_bps": 25_000_000,
        "upload_bps": 5_000_000,
        "latency_ms": 40.5,
        "jitter_ms": 3.0,
        "packet_loss": 0.5,
        "source": "ndt",
    }
    value.update(overrides)
    return value


def post(client, secret, body, header="Authorization"):
    headers = (
        {"HTTP_AUTHORIZATION": f"Device {secret}"}
        if header == "Authorization"
        else {"HTTP_X_DEVICE_KEY": secret}
    )
    data = body if isinstance(body, str | bytes) else json.dumps(body)
    return client.post(URL, data=data, content_type="application/json", **headers)


@pytest.fixture
def secret(school):  # noqa: F811
    return measurements.do_issue_device_key(None, school, "lab tablet")


def test_a_key_stores_only_its_digest_and_uploads_measurements(client, school, secret):  # noqa: F811
    key = DeviceKey.objects.get(school=school)
    assert secret not in key.digest
    assert secret.startswith("rnd_")
    first = item()
    response = post(client, secret, {"items": [first]})
    assert response.status_code == 200, response.content
    assert response.json() == {"new": [first["uuid"]], "repeated": []}
    stored = Measurement.objects.get()
    assert (stored.school, stored.download_bps, stored.latency_ms) == (school, 25_000_000, 40.5)
    school.refresh_from_db()
    assert school.realtime
    assert RollupMark.objects.filter(date=stored.timestamp.date()).exists() or (
        # the immediate task backend may have rolled it up already
        school.daily_statuses.filter(date=stored.timestamp.date()).exists()
    )


def test_a_repeat_is_accepted_and_not_duplicated(client, secret):
    first, second = item(), item()
    post(client, secret, {"items": [first]})
    response = post(client, secret, {"items": [first, second, first]}, header="X-Device-Key")
    assert response.status_code == 200
    assert response.json() == {"new": [second["uuid"]], "repeated": [first["uuid"]]}
    assert Measurement.objects.count() == 2


def test_refuses_missing_unknown_and_revoked_keys(client, school, secret):  # noqa: F811
    assert post(client, "", {"items": [item()]}).status_code == 401
    assert post(client, "rnd_nonsense", {"items": [item()]}).status_code == 401
    assert post(client, "rnd_' OR 1=1 --", {"items": [item()]}).status_code == 401
    measurements.do_revoke_device_key(None, DeviceKey.objects.get())
    response = post(client, secret, {"items": [item()]})
    assert response.status_code == 401
    assert "revoked" in response.json()["detail"]
    assert not Measurement.objects.exists()


def test_a_key_of_another_school_cannot_write_to_this_one(school, secret):  # noqa: F811
    from django.core.exceptions import ValidationError

    other = make_school(giga="g-2")
    key = measurements.authenticate_device_key(secret)
    with pytest.raises(ValidationError, match="another school"):
        measurements.record_measurements(key, [item()], school=other)
    assert not Measurement.objects.exists()


def test_a_deleted_school_receives_nothing(client, school, secret):  # noqa: F811
    School.objects.filter(pk=school.pk).update(deleted_at=timezone.now())
    response = post(client, secret, {"items": [item()]})
    assert response.status_code == 401
    assert "deleted" in response.json()["detail"]
    assert not Measurement.objects.exists()


@pytest.mark.parametrize(
    ("overrides", "field"),
    [
        ({"download_bps": -1}, "download_bps"),
        ({"download_bps": 10**30}, "download_bps"),
        ({"download_bps": "fast"}, "download_bps"),
        ({"download_bps": "1; DROP TABLE schools_measurement"}, "download_bps"),
        ({"upload_bps": 1.5}, "upload_bps"),
        ({"latency_ms": -3}, "latency_ms"),
        ({"jitter_ms": 1e300}, "jitter_ms"),
        ({"packet_loss": 101}, "packet_loss"),
        ({"source": "' OR '1'='1"}, "source"),
        ({"uuid": "not-a-uuid"}, "uuid"),
        ({"timestamp": "yesterday"}, "timestamp"),
        ({"timestamp": (datetime.now(UTC) + timedelta(days=1)).isoformat()}, "timestamp"),
        ({"timestamp": "2001-01-01T00:00:00Z"}, "timestamp"),
        ({"timestamp": "2024-01-01T00:00:00"}, "timestamp"),
        ({"client_latitude": 200, "client_longitude": 0}, "client_latitude"),
    ],
)
def test_invalid_items_are_refused_naming_the_field(client, secret, overrides, field):
    good = item()
    response = post(client, secret, {"items": [good, item(**overrides)]})
    assert response.status_code == 422, response.content
    body = response.json()
    assert body["type"] == "about:blank"
    assert any(field in error["location"] for error in body["errors"]), body
    assert not Measurement.objects.exists()  # nothing half-written


def test_non_json_and_oversized_bodies(client, secret):
    response = post(client, secret, "{not json")
    assert response.status_code == 400
    assert post(client, secret, b"\xff\xfe").status_code == 400
    huge = {"items": [item(client_info={"pad": "x" * 300_000})]}
    assert post(client, secret, huge).status_code == 413
    too_many = {"items": [item() for _ in range(measurements.MAX_BATCH + 1)]}
    assert post(client, secret, too_many).status_code == 422
    assert post(client, secret, {"items": []}).status_code == 422
    assert post(client, secret, [1, 2]).status_code == 422
    assert not Measurement.objects.exists()


def test_a_nul_character_is_refused(client, secret):
    response = post(client, secret, {"items": [item(source="ndt\x00")]})
    assert response.status_code == 422
    assert not Measurement.objects.exists()


def test_rate_limited_per_key_with_retry_after(client, school, secret, monkeypatch):  # noqa: F811
    monkeypatch.setattr(measurements, "REQUESTS_PER_MINUTE", 3)
    other = measurements.do_issue_device_key(None, make_school(giga="g-3"), "")
    now = timezone.now().replace(second=10)
    key = DeviceKey.objects.get(school=school)
    assert [measurements.take_device_request(key, now) for _ in range(3)] == [0, 0, 0]
    assert measurements.take_device_request(key, now) == 50
    response = post(client, secret, {"items": [item()]})
    if response.status_code == 429:  # still the same minute
        assert int(response["Retry-After"]) >= 1
    assert post(client, other, {"items": [item()]}).status_code == 200  # keys count apart
    later = now + timedelta(minutes=1)
    assert measurements.take_device_request(key, later) == 0


def test_a_far_away_client_is_flagged(client, school, secret):  # noqa: F811
    near, far = (
        item(client_latitude=-1.30, client_longitude=36.82),
        item(client_latitude=-4.05, client_longitude=39.66),
    )
    assert post(client, secret, {"items": [near, far]}).status_code == 200
    flags = dict(Measurement.objects.values_list("uuid", "location_mismatch"))
    assert flags == {uuid.UUID(near["uuid"]): False, uuid.UUID(far["uuid"]): True}
