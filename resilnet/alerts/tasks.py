"""Background work of the alerts module (django-tasks)."""

from __future__ import annotations

from typing import Any

from django_tasks import task

from resilnet.alerts.services import audiences, authoring, delivery


@task()
def publish_due_alerts() -> int:
    """Publish approved alerts whose publication time has come; returns how many."""
    return authoring.publish_due_alerts()


@task()
def finish_subscriber_imports() -> dict[str, int]:
    """Finish subscriber imports stopped after their commit point, discard the others."""
    return audiences.finish_subscriber_imports()


@task()
def build_campaign(job_id: int, campaign_id: int) -> dict[str, int]:
    """Write a large campaign's messages a chunk per transaction, with progress."""
    from resilnet.core import services as core_services

    try:
        total = delivery.build_campaign(
            campaign_id,
            progress=lambda done, total: core_services.report_progress(job_id, done, total),
        )
    except Exception as exc:
        core_services.fail_job(job_id, str(exc)[:300])
        raise
    core_services.finish_job(job_id, {"messages": total})
    return {"messages": total}


@task()
def finish_campaigns() -> int:
    """Mark finished the running campaigns with nothing left to send."""
    return delivery.finish_campaigns()


@task()
def import_subscriber_file(
    job_id: int,
    path: str,
    name: str,
    file_format: str,
    region: str | None,
    operator: str | None,
    language: str,
    consent_source: str,
    mode: str,
    test: bool,
) -> dict[str, Any]:
    """Check and import an uploaded subscriber file (the import page). The rejected-rows
    report goes to a CSV file beside the job: the page shows it and offers it to download."""
    from django.core.exceptions import ValidationError

    from resilnet.alerts import importers
    from resilnet.core import services as core_services
    from resilnet.core.tasks import UploadRefused, exports_dir, run_upload_import

    def read_and_import(user: Any, stream: Any, progress: Any) -> Any:
        return audiences.do_import_subscribers(
            user,
            stream,
            file_format,
            region=region,
            operator=operator,
            language=language,
            consent_source=consent_source,
            mode=mode,
            test=test,
            progress=progress,
            source_name=name,
            job_id=job_id,
        )

    def refused(exc: Exception) -> tuple[str, str] | None:
        if isinstance(exc, importers.SubscriberFileError):
            return f"Unusable file: {exc}", str(exc)
        if isinstance(exc, ValidationError):
            return " ".join(exc.messages), " ".join(exc.messages)
        return None

    try:
        report = run_upload_import(job_id, path, read_and_import, refused=refused)
    except UploadRefused as exc:
        return {"error": exc.error}
    result = report.summary() | {
        "file": f"subscriber-import-{job_id}-rejected.csv",
        "notes": report.notes,
    }
    (exports_dir() / result["file"]).write_text(report.rejected_csv(), encoding="utf-8")
    if report.written:
        message = (
            f"{report.created} added, {report.updated} updated, {report.unchanged} unchanged, "
            f"{report.rejected} rejected."
        )
    else:
        message = f"{report.rejected} rejected rows; nothing written."
    core_services.finish_job(job_id, result, message)
    return result
