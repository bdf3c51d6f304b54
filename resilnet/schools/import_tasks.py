"""The school master import as a background job (django-tasks), for the import page."""

from __future__ import annotations

from typing import Any

from django_tasks import task

from resilnet.core import services as core_services


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
    from resilnet.core.tasks import UploadRefused, exports_dir, run_upload_import
    from resilnet.schools import importers
    from resilnet.schools.services import registry

    def read_and_import(user: Any, stream: Any, progress: Any) -> Any:
        source = importers.read(stream, file_format, mapping)
        return registry.import_schools(
            user,
            source,
            country=country,
            mode=mode,
            dry_run=dry_run,
            progress=progress,
            source_name=name,
        )

    def refused(exc: Exception) -> tuple[str, str] | None:
        if isinstance(exc, importers.ImportFormatError):
            return f"Unusable file: {exc}", str(exc)
        return None

    try:
        report = run_upload_import(job_id, path, read_and_import, refused=refused)
    except UploadRefused as exc:
        return {"error": exc.error}
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
