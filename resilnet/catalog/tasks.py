"""Background tasks of the catalog, run by `resilnet worker`."""

from __future__ import annotations

from typing import IO, Any

from django_tasks import task

from resilnet.catalog import importers, services
from resilnet.catalog.importers.base import ImportFormatError
from resilnet.core import services as core_services
from resilnet.core.models import User


@task()
def import_file(
    job_id: int,
    path: str,
    file_format: str,
    mode: str,
    dry_run: bool,
    mapping: dict[str, str],
) -> dict[str, Any]:
    """Import an uploaded file, reporting progress; rejected rows go to a CSV beside the job."""
    from resilnet.core.tasks import UploadRefused, exports_dir, run_upload_import

    def read_and_import(actor: User | None, stream: IO[bytes], progress: Any) -> Any:
        parsed = importers.parse(stream, file_format, mapping)
        return services.import_records(
            actor,
            parsed,
            mode=mode,
            dry_run=dry_run,
            progress=lambda done, total: progress(done, total, "Importing"),
        )

    def refused(exc: Exception) -> tuple[str, str] | None:
        if isinstance(exc, ImportFormatError):
            return f"Unusable file: {exc}", str(exc)
        return None

    try:
        report = run_upload_import(job_id, path, read_and_import, refused=refused)
    except UploadRefused as exc:
        return {"error": exc.error}
    result: dict[str, Any] = {
        "created": report.created,
        "updated": report.updated,
        "unchanged": report.unchanged,
        "rejected": len(report.rejected),
        "written": report.written,
    }
    if report.rejected:
        name = f"import-{job_id}-rejected.csv"
        (exports_dir() / name).write_text(report.rejected_rows_csv(), encoding="utf-8")
        result["file"] = name
    if report.dry_run:
        message = f"Dry run: {len(report.rejected)} rejected rows; nothing written."
    elif report.written:
        message = (
            f"{report.created} created, {report.updated} updated, {report.unchanged} unchanged, "
            f"{len(report.rejected)} rejected."
        )
    else:
        message = f"{len(report.rejected)} rejected rows; nothing written (all-or-nothing)."
    core_services.finish_job(job_id, result, message)
    return result


@task()
def collect_attachment_files() -> int:
    """Delete stored files no attachment uses (scheduled daily by the catalog's module)."""
    return len(services.collect_attachment_files())


@task()
def prune_search_index() -> int:
    """Delete the search index's changes older than a week (scheduled daily by the
    catalog's module)."""
    return services.prune_search_index()


@task()
def finish_imports() -> dict[str, int]:
    """Finish imports that stopped after their commit point, discard those that stopped
    before it (scheduled every few minutes by the catalog's module)."""
    return services.finish_imports()
