"""Background tasks of the core module. Each takes its Job's id first and reports progress."""

from __future__ import annotations

import csv
import json
import secrets
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import IO, Any, TypeVar

from django.conf import settings
from django.db.models import QuerySet
from django_tasks import task

from resilnet.core import selectors, services
from resilnet.core.exports import safe_cell
from resilnet.core.models import AuditAction, AuditEvent, Job

T = TypeVar("T")

AUDIT_COLUMNS = [
    "id",
    "at",
    "actor",
    "action",
    "object_type",
    "object_id",
    "object_repr",
    "before",
    "after",
    "reason",
    "ip",
    "request_id",
]
PROGRESS_EVERY = 500


def uploads_dir() -> Path:
    path = Path(settings.VAR_DIR) / "uploads"
    path.mkdir(parents=True, exist_ok=True)
    return path


def save_upload(upload: Any) -> Path:
    """An uploaded file copied under var/uploads for a job to read (the job deletes it)."""
    path = uploads_dir() / f"{secrets.token_hex(8)}.upload"
    with path.open("wb") as out:
        for chunk in upload.chunks():
            out.write(chunk)
    return path


class UploadRefused(Exception):
    """The uploaded file could not be used: the job has failed with `message`; `error` is
    what the task returns."""

    def __init__(self, message: str, error: str) -> None:
        super().__init__(message)
        self.error = error


PHASES = {"checking": "Checking", "writing": "Writing"}


def run_upload_import(
    job_id: int,
    path: str,
    read_and_import: Callable[[Any, IO[bytes], Callable[[int, int | None, str], None]], T],
    *,
    refused: Callable[[Exception], tuple[str, str] | None],
) -> T:
    """What every import page's job does around its module's import: the upload opened,
    progress reported by phase, the job failed with a readable reason, the upload deleted
    whatever happens. `read_and_import(user, stream, progress)` is the module's part;
    `refused(exc)` gives (job message, error) for an error that refuses the file, which
    then raises UploadRefused; any other error fails the job and is raised as it is."""
    job = Job.objects.select_related("requested_by").get(pk=job_id)
    upload = Path(path)

    def progress(done: int, total: int | None, phase: str) -> None:
        services.report_progress(job_id, done, total, PHASES.get(phase, phase))

    try:
        services.report_progress(job_id, 0, None, "Reading the file")
        with upload.open("rb") as stream:
            return read_and_import(job.requested_by, stream, progress)
    except Exception as exc:
        refusal = refused(exc)
        if refusal is None:
            services.fail_job(job_id, f"{exc.__class__.__name__}: {exc}")
            raise
        services.fail_job(job_id, refusal[0])
        raise UploadRefused(*refusal) from exc
    finally:
        upload.unlink(missing_ok=True)


def exports_dir() -> Path:
    path = Path(settings.VAR_DIR) / "exports"
    path.mkdir(parents=True, exist_ok=True)
    return path


def export_path(job: Job) -> Path | None:
    name = (job.result or {}).get("file")
    if not name or "/" in name or name.startswith("."):
        return None
    return exports_dir() / name


def _in_chunks(events: QuerySet[AuditEvent], size: int = 1000) -> Iterator[AuditEvent]:
    """Each chunk read whole: on SQLite (WAL) a read cursor left open across a progress
    update would pin an old snapshot, and the update fails once another connection (the
    worker's heartbeat) has written."""
    last = 0
    while chunk := list(events.filter(id__gt=last)[:size]):
        yield from chunk
        last = chunk[-1].pk


@task()
def export_audit_log(job_id: int, filters: dict[str, Any]) -> dict[str, Any]:
    """Write the audit events matching `filters` to a CSV file under VAR_DIR/exports."""
    try:
        events = selectors.audit_events(**filters).order_by("id")  # the order of recording
        total = events.count()
        services.report_progress(job_id, 0, total, "Writing audit log")
        name = f"audit-log-{job_id}.csv"
        partial = exports_dir() / (name + ".partial")
        with partial.open("w", newline="", encoding="utf-8") as handle:
            writer = csv.writer(handle)
            writer.writerow(AUDIT_COLUMNS)
            for done, event in enumerate(_in_chunks(events), start=1):
                writer.writerow(
                    [
                        safe_cell(value)
                        for value in (
                            event.pk,
                            event.at.isoformat(),
                            event.actor_label,
                            event.action,
                            event.object_type,
                            event.object_id,
                            event.object_repr,
                            json.dumps(event.before, ensure_ascii=False) if event.before else "",
                            json.dumps(event.after, ensure_ascii=False) if event.after else "",
                            event.reason,
                            event.ip or "",
                            event.request_id,
                        )
                    ]
                )
                if done % PROGRESS_EVERY == 0:
                    services.report_progress(job_id, done, total)
        partial.replace(exports_dir() / name)
        result = {"file": name, "rows": total}
        job = Job.objects.get(pk=job_id)
        services.record_operation(
            job.requested_by, AuditAction.EXPORTED, what="audit log", detail=result | filters
        )
        services.finish_job(job_id, result, f"{total} events written")
        return result
    except Exception as exc:
        services.fail_job(job_id, f"{exc.__class__.__name__}: {exc}")
        raise


@task()
def prune_login_failures() -> int:
    """Forget failed sign-ins older than the lockout window (scheduled hourly by core)."""
    return services.prune_login_failures()
