"""Uploading a file on the import page runs a background job with progress."""

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import call_command

from resilnet.catalog import views
from resilnet.catalog.models import Record
from resilnet.core.models import Job, JobState

pytestmark = pytest.mark.django_db(transaction=True)

CSV = (
    b"external_id,collection,title,countries,fields.category,fields.binding\n"
    b"w1,measure,Zero-rating,KEN,consumer_protection,mandatory\n"
    b"w2,measure,Bad,KEN,astrology,mandatory\n"
)


def upload(client, **fields):
    data = {"file_format": "csv", "mode": "valid-rows", "mapping": ""} | fields
    data["file"] = SimpleUploadedFile("records.csv", CSV, content_type="text/csv")
    return client.post("/catalog/import/", data)


def test_a_dry_run_reports_and_writes_nothing(client, reference_data, moderator):
    client.force_login(moderator)
    response = upload(client, dry_run="on")
    job = Job.objects.get()
    assert response.url == f"/jobs/{job.pk}/"
    call_command("run_worker", "--batch", "--interval", "0")
    job.refresh_from_db()
    assert job.state == JobState.SUCCEEDED, job.message
    assert "Dry run: 1 rejected rows" in job.message
    assert not Record.objects.exists()
    page = client.get(f"/jobs/{job.pk}/").content.decode()
    assert "Download" in page  # the rejected rows


def test_valid_rows_are_imported(client, reference_data, moderator):
    client.force_login(moderator)
    upload(client)
    call_command("run_worker", "--batch", "--interval", "0")
    assert list(Record.objects.values_list("external_id", flat=True)) == ["w1"]


def test_the_rejected_rows_download_holds_the_rows(client, reference_data, moderator):
    import csv

    from resilnet.core.tasks import exports_dir

    client.force_login(moderator)
    upload(client, dry_run="on")
    call_command("run_worker", "--batch", "--interval", "0")
    job = Job.objects.get()
    with (exports_dir() / job.result["file"]).open(newline="") as rejected:
        rows = list(csv.reader(rejected))
    assert rows[0] == ["row", "column", "reason", *CSV.decode().splitlines()[0].split(",")]
    assert rows[1][3:] == CSV.decode().splitlines()[2].split(",")


def test_an_xml_bomb_fails_the_job_with_its_reason(client, reference_data, moderator):
    from resilnet.catalog.tests.hostile_files import billion_laughs

    client.force_login(moderator)
    data = {"file_format": "xlsx", "mode": "valid-rows", "mapping": ""}
    data["file"] = SimpleUploadedFile("bomb.xlsx", billion_laughs())
    client.post("/catalog/import/", data)
    call_command("run_worker", "--batch", "--interval", "0")
    job = Job.objects.get()
    assert job.state == JobState.FAILED
    assert job.message.startswith("Unusable file: the workbook's part xl/worksheets/sheet1.xml")
    assert "declares a DTD or entities" in job.message
    assert not Record.objects.exists()


def test_only_moderators_import(client, reference_data, contributor):
    client.force_login(contributor)
    assert upload(client).status_code == 403
    assert not Job.objects.exists()


def test_an_oversized_file_is_413(client, reference_data, moderator, monkeypatch):
    monkeypatch.setattr(views, "MAX_UPLOAD_BYTES", 10)
    client.force_login(moderator)
    response = upload(client)
    assert response.status_code == 413
    assert not Job.objects.exists()
