import pytest
from django.utils import timezone

from resilnet.core import services
from resilnet.core.models import WorkerHeartbeat

pytestmark = pytest.mark.django_db


def test_healthz_without_a_worker_is_degraded_but_up(client):
    body = client.get("/healthz").json()
    assert body["status"] == "degraded"
    assert body["database"]["ok"] is True
    assert body["worker"] == {"ok": False, "heartbeat_age_seconds": None, "pid": None}


def test_healthz_with_a_recent_heartbeat_is_ok(client):
    services.record_worker_heartbeat("w1")
    body = client.get("/healthz").json()
    assert body["status"] == "ok"
    assert body["worker"]["heartbeat_age_seconds"] < 5


def test_healthz_with_a_stale_heartbeat_is_degraded(client):
    services.record_worker_heartbeat("w1")
    WorkerHeartbeat.objects.update(last_seen=timezone.now() - timezone.timedelta(minutes=5))
    body = client.get("/healthz").json()
    assert body["status"] == "degraded"
    assert body["worker"]["heartbeat_age_seconds"] >= 299


def test_metrics_expose_requests_tasks_and_heartbeat(client):
    client.get("/countries/FRA/")
    text = client.get("/metrics").content.decode()
    assert 'resilnet_http_requests_total{method="GET",route="countries/<str:iso3>/"' in text
    assert "resilnet_worker_heartbeat_age_seconds -1.0" in text
    assert "resilnet_http_request_duration_seconds_bucket" in text


def test_metrics_token_when_configured(client, settings):
    settings.METRICS_TOKEN = "s3cret-metrics"
    assert client.get("/metrics").status_code == 401
    ok = client.get("/metrics", HTTP_AUTHORIZATION="Bearer s3cret-metrics")
    assert ok.status_code == 200


def test_every_response_carries_a_request_id(client):
    assert len(client.get("/healthz")["X-Request-ID"]) == 32
    echoed = client.get("/healthz", HTTP_X_REQUEST_ID="abc-123")
    assert echoed["X-Request-ID"] == "abc-123"
    hostile = client.get("/healthz", HTTP_X_REQUEST_ID="a\nb" + "x" * 100)
    assert hostile["X-Request-ID"] != "a\nb" + "x" * 100


def test_json_logs_are_one_object_per_line():
    import json
    import logging

    from resilnet.core.logs import JsonFormatter

    record = logging.LogRecord("resilnet", logging.INFO, __file__, 1, "hello %s", ("wörld",), None)
    record.request_id = "r1"
    line = JsonFormatter().format(record)
    assert "\n" not in line
    assert json.loads(line) | {"time": None} == {
        "time": None,
        "level": "INFO",
        "logger": "resilnet",
        "message": "hello wörld",
        "request_id": "r1",
    }


def test_metrics_stay_bounded_whatever_methods_and_paths_are_sent(client):
    client.get("/metrics")
    before = client.get("/metrics").content
    for n in range(200):
        client.generic(f"INVENTED{n}", "/")
        client.get(f"/no-such-page-{n}")
    after = client.get("/metrics").content.decode()
    assert "INVENTED" not in after
    assert 'method="other",route="/"' in after
    # One series more for the invented methods, one for the unknown pages: a few lines.
    assert len(after) - len(before) < 3000


def test_metrics_name_the_home_page_route(client, reference_data):
    client.get("/")
    text = client.get("/metrics").content.decode()
    assert 'resilnet_http_requests_total{method="GET",route="/",status="200"}' in text
