"""The national benchmark: who may set it, and what it recomputes."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta

import pytest

from resilnet.core.models import AuditEvent
from resilnet.schools.models import AreaWeeklyCount, CountrySettings, School, SchoolWeeklyStatus
from resilnet.schools.services import measurements, rollups
from resilnet.schools.tests.measurement_fixtures import make_school, school  # noqa: F401

URL = "/api/v1/schools/countries/KEN/benchmark"


@pytest.fixture
def measured(school):  # noqa: F811
    when = datetime.now(UTC) - timedelta(hours=1)
    measurements.record_measurements(
        school,
        [{"uuid": str(uuid.uuid4()), "timestamp": when.isoformat(), "download_bps": 8_000_000}],
    )
    make_school(giga="g-static", download_speed_contracted=6_000_000)
    rollups.roll_up([when.date()])
    return school


def put(client, body):
    return client.put(URL, data=body, content_type="application/json")


def test_an_analyst_sets_it_and_national_statuses_follow(client, analyst, measured):
    week = SchoolWeeklyStatus.objects.get()
    assert (week.connectivity_global, week.connectivity_national) == ("moderate", "moderate")
    client.force_login(analyst)
    response = put(client, '{"mbps": 5}')
    assert response.status_code == 200, response.content
    assert response.json() == {"country": "KEN", "national_benchmark_bps": 5_000_000, "job": None}
    week.refresh_from_db()
    assert (week.connectivity_global, week.connectivity_national) == ("moderate", "good")
    assert School.objects.get(school_id_giga="g-static").connectivity_national == "good"
    measured.refresh_from_db()
    assert measured.connectivity_national == "good"
    counts = dict(
        AreaWeeklyCount.objects.filter(area=None, benchmark="national").values_list(
            "status", "schools"
        )
    )
    assert counts == {"good": 2}
    event = AuditEvent.objects.filter(object_type="schools.countrysettings").get()
    assert event.after == {"national_benchmark_bps": 5_000_000}
    assert event.before == {"national_benchmark_bps": 20_000_000}


def test_others_may_not(client, contributor, measured):
    assert put(client, '{"mbps": 5}').status_code == 401
    client.force_login(contributor)
    assert put(client, '{"mbps": 5}').status_code == 403
    assert not CountrySettings.objects.exists()


@pytest.mark.parametrize(
    "body", ['{"mbps": 0}', '{"mbps": -1}', '{"mbps": 1e308}', '{"mbps": "fast"}', "{}", "not json"]
)
def test_bad_values_are_refused(client, admin_user, measured, body):
    client.force_login(admin_user)
    assert put(client, body).status_code in (400, 422)
    assert not CountrySettings.objects.exists()


def test_unknown_country(client, admin_user, reference_data):
    client.force_login(admin_user)
    for code in ("XXX", "K'N", "KENYA"):
        response = client.put(
            f"/api/v1/schools/countries/{code}/benchmark",
            data='{"mbps": 5}',
            content_type="application/json",
        )
        assert response.status_code == 404
