"""The school master import as a background job (django-tasks), for the import page."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from django_tasks import task

from resilnet.core import services as core_services
from resilnet.core.models import Job


@task()
def import_school_file(
    job_id: int,
    path: str,
    name: str,
    file_format: str,
    country: str | None,
    mode: str,
    dry_run: bool,
    mapping: dict[str, str],
) -> dict[str, Any]:
    """Check and import an uploaded school master file; the data-quality report goes to a
    CSV file beside the job (downloaded from the job page and shown by the report page)."""
    from resilnet.core.tasks import exports_dir
    from resilnet.schools import importers
    from resilnet.schools.services import registry

    job = Job.objects.select_related("requested_by").get(pk=job_id)
    upload = Path(path)
    phases = {"checking": "Checking", "writing": "Writing"}
    try:
        core_services.report_progress(job_id, 0, None, "Reading the file")
        with upload.open("rb") as stream:
            source = importers.read(stream, file_format, mapping)
            report = registry.import_schools(
                job.requested_by,
                source,
                country=country,
                mode=mode,
                dry_run=dry_run,
                progress=lambda done, total, phase: core_services.report_progress(
                    job_id, done, total, phases.get(phase, phase)
                ),
                source_name=name,
            )
    except importers.ImportFormatError as exc:
        core_services.fail_job(job_id, f"Unusable file: {exc}")
        return {"error": str(exc)}
    except Exception as exc:
        core_services.fail_job(job_id, f"{exc.__class__.__name__}: {exc}")
        raise
    finally:
        upload.unlink(missing_ok=True)
    result = report.summary() | {"file": f"school-import-{job_id}-report.csv"}
    (exports_dir() / result["file"]).write_text(report.findings_csv(), encoding="utf-8")
    if report.written:
        message = (
            f"{report.created} created, {report.updated} updated, {report.unchanged} unchanged, "
            f"{report.rejected} rejected."
        )
    else:
        message = f"{report.rejected} rejected rows; nothing written."
    core_services.finish_job(job_id, result, message)
    return result


@task()
def finish_school_imports() -> dict[str, int]:
    """Finish imports that stopped after their commit point (scheduled by the module)."""
    from resilnet.schools.services import registry

    return registry.finish_school_imports()
