"""The school import page: Analysts and Administrators upload a file, a background job
checks and imports it, and the data-quality report is shown and downloadable."""

from __future__ import annotations

import pytest
from django.urls import reverse

from resilnet.schools.models import School
from resilnet.schools.tests.conftest import ROWS, master_csv

pytestmark = pytest.mark.django_db


@pytest.fixture
def immediate_tasks(settings):
    settings.TASKS = {"default": {"BACKEND": "django_tasks.backends.immediate.ImmediateBackend"}}


def test_anonymous_people_are_sent_to_log_in(client):
    response = client.get(reverse("schools:import"))
    assert response.status_code == 302
    assert "login" in response["Location"]


def test_contributors_may_not_import(client, contributor):
    client.force_login(contributor)
    assert client.get(reverse("schools:import")).status_code == 403
    assert client.post(reverse("schools:import")).status_code == 403


def test_an_analyst_imports_and_reads_the_report(client, analyst, kenya, tmp_path, immediate_tasks):
    client.force_login(analyst)
    path = master_csv(tmp_path, [*ROWS, "g-9,G9,Bad,200,36.8,Primary,,,,,"])
    with path.open("rb") as upload:
        response = client.post(
            reverse("schools:import"),
            {"file": upload, "country": "KEN", "mode": "valid-rows", "mapping": ""},
        )
    assert response.status_code == 302
    report = client.get(response["Location"])
    assert report.status_code == 200
    page = report.content.decode()
    assert "200 is outside -90 to 90" in page
    assert School.objects.count() == 3
    job_id = int(response["Location"].rstrip("/").split("/")[-2])
    download = client.get(reverse("job_download", args=[job_id]))
    assert b"200 is outside" in b"".join(download.streaming_content)


def test_a_file_of_unknown_format_is_refused_on_the_form(client, analyst, kenya, tmp_path):
    client.force_login(analyst)
    path = tmp_path / "schools.doc"
    path.write_text("x")
    with path.open("rb") as upload:
        response = client.post(reverse("schools:import"), {"file": upload, "mode": "valid-rows"})
    assert response.status_code == 200
    assert "cannot tell the format" in response.content.decode()
