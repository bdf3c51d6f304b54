"""What every `resilnet` command shares, at the project level and in each module's command
group: the failure that becomes one line and an exit status, Django set-up, progress bars.

Only command-line modules import this (the import contract in pyproject.toml says so).
"""

from __future__ import annotations

import logging
import os
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any


class CommandFailed(Exception):
    """A failure to report as one line, with the exit status to use."""

    def __init__(self, message: str, status: int = 1) -> None:
        super().__init__(message)
        self.status = status


def setup_django() -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "resilnet.settings")
    import django

    django.setup()


def call_command(*args: str) -> None:
    from django.core.management import call_command as django_call

    django_call(*args)


@contextmanager
def progress_bar(
    label: str, total: int | None = None
) -> Iterator[Callable[[int, int | None], None]]:
    """A bar for work done in this process; yields `update(done, total)`."""
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn

    with Progress(TextColumn(label), BarColumn(), MofNCompleteColumn(), transient=True) as bar:
        task = bar.add_task(label, total=total)

        def update(done: int, total: int | None = None) -> None:
            bar.update(task, completed=done, total=total)

        yield update


def watch_job(job_id: int, poll: float = 0.5) -> int:
    """Show a job's progress as a bar until it finishes; exit 1 if it failed."""
    from rich.progress import (
        BarColumn,
        MofNCompleteColumn,
        Progress,
        TaskProgressColumn,
        TextColumn,
        TimeElapsedColumn,
    )

    from resilnet.core.models import Job, JobState

    job = Job.objects.filter(pk=job_id).first()
    if job is None:
        raise CommandFailed(f"no job with id {job_id}")
    with Progress(
        TextColumn("{task.description}"),
        BarColumn(),
        TaskProgressColumn(),
        MofNCompleteColumn(),
        TimeElapsedColumn(),
        transient=False,
    ) as progress:
        bar = progress.add_task(job.label, total=None)
        while True:
            job.refresh_from_db()
            progress.update(
                bar,
                completed=job.done,
                total=job.total,
                description=f"{job.label}: {job.message or job.get_state_display()}",
            )
            if job.finished:
                break
            time.sleep(poll)
    if job.state == JobState.FAILED:
        raise CommandFailed(f"job {job_id} failed: {job.message}")
    print(f"job {job_id} {job.get_state_display()}: {job.message}")
    return 0


def run_beside_progress_bar(work: Callable[[], Any], job_id: int) -> None:
    """Run a job's work in a thread here while the bar follows its progress."""
    import threading

    from django.db import connection

    def run() -> None:
        try:
            work()
        except Exception:
            # The task marks its job failed with the reason, which watch_job reports.
            logging.getLogger("resilnet.cli").debug("job %s failed", job_id, exc_info=True)
        finally:
            connection.close()

    thread = threading.Thread(target=run, name=f"job-{job_id}")
    thread.start()
    try:
        watch_job(job_id)
    finally:
        thread.join()
