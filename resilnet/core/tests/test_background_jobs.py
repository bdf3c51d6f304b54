"""Jobs run on a real worker (the database queue) and report progress to page and CLI."""

import csv
import re

import pytest
from django.core.management import call_command
from django_tasks_db.models import DBTaskResult

from resilnet.core import selectors, services, tasks
from resilnet.core.models import AuditAction, AuditEvent, Job, JobState, WorkerHeartbeat

# The worker commits and reconnects as in production, so these tests use real transactions.
pytestmark = pytest.mark.django_db(transaction=True)


def run_worker():
    call_command("run_worker", "--batch", "--interval", "0")


@pytest.fixture
def hostile_event(admin_user):
    # A name that a spreadsheet would run as a formula if the export did not escape it.
    services.record_audit(admin_user, AuditAction.UPDATED, object_repr='=HYPERLINK("x")')


def test_export_job_runs_on_the_worker_and_writes_a_safe_csv(admin_user, hostile_event):
    job = services.start_job(admin_user, tasks.export_audit_log, "Audit export", filters={})
    assert job.state == JobState.QUEUED
    assert DBTaskResult.objects.filter(id=job.task_id).exists()

    run_worker()

    job.refresh_from_db()
    assert job.state == JobState.SUCCEEDED, job.message
    path = tasks.export_path(job)
    rows = list(csv.DictReader(path.open(encoding="utf-8")))
    assert len(rows) == job.result["rows"] == job.total
    reprs = [row["object_repr"] for row in rows]
    assert '\'=HYPERLINK("x")' in reprs
    assert AuditEvent.objects.filter(action=AuditAction.EXPORTED).exists()


def test_progress_is_reported_in_steps(admin_user, settings):
    for n in range(1200):
        services.record_audit(admin_user, AuditAction.UPDATED, object_repr=f"r{n}")
    job = services.start_job(admin_user, tasks.export_audit_log, "Audit export", filters={})
    seen = []
    original = services.report_progress

    def spy(job_id, done, total=None, message=""):
        seen.append(done)
        original(job_id, done, total, message)

    tasks.services.report_progress = spy
    try:
        run_worker()
    finally:
        tasks.services.report_progress = original
    assert seen[:3] == [0, 500, 1000]
    job.refresh_from_db()
    assert job.state == JobState.SUCCEEDED


def test_a_failing_job_is_marked_failed_with_its_reason(admin_user):
    job = services.start_job(
        admin_user, tasks.export_audit_log, "Bad export", filters={"no_such_filter": "x"}
    )
    run_worker()
    job.refresh_from_db()
    assert job.state == JobState.FAILED
    assert "no_such_filter" in job.message


def test_the_job_page_shows_a_progress_bar_and_the_download(client, admin_user, hostile_event):
    job = services.start_job(admin_user, tasks.export_audit_log, "Audit export", filters={})
    client.force_login(admin_user)
    queued = client.get(f"/jobs/{job.pk}/").content.decode()
    assert "<progress" in queued
    assert 'http-equiv="refresh"' in queued  # works without JavaScript
    assert "hx-get" in queued  # and polls with htmx when it loads
    # The one kind of page that loads it (by its hashed name).
    assert re.search(r"/static/vendor/htmx/htmx\.min\.[0-9a-f]{12}\.js", queued)
    run_worker()
    done = client.get(f"/jobs/{job.pk}/").content.decode()
    assert "Download" in done
    assert 'http-equiv="refresh"' not in done
    assert "vendor/htmx/" not in done  # nothing polls any more
    download = client.get(f"/jobs/{job.pk}/download")
    assert download.status_code == 200
    assert b"object_repr" in b"".join(download.streaming_content)


def test_other_users_cannot_see_a_job(client, admin_user, contributor):
    job = services.start_job(admin_user, tasks.export_audit_log, "Audit export", filters={})
    client.force_login(contributor)
    assert client.get(f"/jobs/{job.pk}/").status_code == 404
    assert client.get(f"/jobs/{job.pk}/download").status_code == 404


def test_the_audit_page_starts_an_export(client, admin_user):
    client.force_login(admin_user)
    response = client.post("/audit/export", {"action": "created"})
    job = Job.objects.get()
    assert response.url == f"/jobs/{job.pk}/"
    run_worker()
    job.refresh_from_db()
    assert job.state == JobState.SUCCEEDED


def test_the_cli_watches_a_job_to_the_end(admin_user, capsys):
    from resilnet.cli import watch_job

    job = services.start_job(admin_user, tasks.export_audit_log, "Audit export", filters={})
    run_worker()
    assert watch_job(job.pk, poll=0) == 0
    assert "succeeded" in capsys.readouterr().out


def test_the_worker_reports_a_heartbeat_while_running_and_removes_it_on_exit(db):
    seen = []
    original = services.record_worker_heartbeat

    def spy(worker_id):
        original(worker_id)
        seen.append(selectors.worker_heartbeat_age())

    services.record_worker_heartbeat = spy
    try:
        run_worker()
    finally:
        services.record_worker_heartbeat = original
    assert seen
    assert seen[0] is not None
    assert seen[0] < 5
    assert not WorkerHeartbeat.objects.exists()
