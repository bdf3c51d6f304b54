"""A busy database never stops the worker: it waits out locks held by a long writer and
runs again a task that failed only because the database was busy."""

import os
import sqlite3
import subprocess
import sys
import time

import pytest
from django.core.management import call_command
from django.db import OperationalError, connection
from django_tasks.base import TaskResultStatus
from django_tasks_db.models import DBTaskResult

from resilnet.core import services, tasks
from resilnet.core.models import WorkerHeartbeat
from resilnet.core.tests.databases import sqlite_only

pytestmark = pytest.mark.django_db(transaction=True)


def test_a_task_that_failed_on_a_locked_database_runs_again_later(monkeypatch):
    calls = []

    def busy(now=None):
        calls.append(now)
        raise OperationalError("database is locked")

    monkeypatch.setattr(services, "prune_login_failures", busy)
    result = tasks.prune_login_failures.enqueue()
    call_command("run_worker", "--batch", "--interval", "0")
    row = DBTaskResult.objects.get(pk=result.id)
    assert len(calls) == 1
    assert row.status == TaskResultStatus.READY  # queued again, not failed
    assert row.run_after > row.enqueued_at

    # Once the retries are spent it fails for good, with the reason kept.
    for _ in range(10):
        DBTaskResult.objects.filter(pk=result.id, status="READY").update(run_after=row.enqueued_at)
        call_command("run_worker", "--batch", "--interval", "0")
    row.refresh_from_db()
    assert row.status == TaskResultStatus.FAILED
    assert len(calls) == 5
    assert "database is locked" in row.traceback


def test_another_failure_is_not_run_again(monkeypatch):
    def broken(now=None):
        raise OperationalError("no such column: nonsense")

    monkeypatch.setattr(services, "prune_login_failures", broken)
    result = tasks.prune_login_failures.enqueue()
    call_command("run_worker", "--batch", "--interval", "0")
    assert DBTaskResult.objects.get(pk=result.id).status == TaskResultStatus.FAILED


@sqlite_only("SQLite's database-wide write lock; PostgreSQL locks rows")
def test_the_worker_outlives_a_writer_holding_the_lock_longer_than_its_timeout(tmp_path):
    database = connection.settings_dict["NAME"]
    env = {k: v for k, v in os.environ.items() if not k.startswith(("RESILNET_", "DJANGO_"))}
    env.update(
        {
            "RESILNET_DATABASE_URL": f"sqlite:///{database}",
            "RESILNET_VAR_DIR": str(tmp_path),
            "RESILNET_DB_LOCK_TIMEOUT": "1",
        }
    )
    worker = subprocess.Popen(
        [sys.executable, "-m", "resilnet.cli", "worker"],
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    try:
        # Started and polling: its heartbeat is the sign (start-up is slow on a busy machine).
        deadline = time.monotonic() + 60
        while not WorkerHeartbeat.objects.exists() and time.monotonic() < deadline:
            time.sleep(0.2)
        writer = sqlite3.connect(database, timeout=30)
        writer.execute("BEGIN EXCLUSIVE")
        time.sleep(4)  # four times the worker's lock timeout
        writer.rollback()
        writer.close()
        alive_after_lock = worker.poll() is None
        result = tasks.prune_login_failures.enqueue()
        deadline = time.monotonic() + 60
        status = TaskResultStatus.READY
        while status in (TaskResultStatus.READY, TaskResultStatus.RUNNING):
            if time.monotonic() > deadline:
                break
            time.sleep(0.3)
            status = DBTaskResult.objects.get(pk=result.id).status
        alive_at_end = worker.poll() is None
    finally:
        worker.terminate()
        output, _ = worker.communicate(timeout=30)
    assert alive_after_lock, output
    assert status == TaskResultStatus.SUCCESSFUL, output
    assert alive_at_end, output
