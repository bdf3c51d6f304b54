"""Background work of the schools module (django-tasks)."""

from __future__ import annotations

from typing import Any

from django_tasks import task

from resilnet.core import services as core_services
from resilnet.schools.services import benchmark, rollups


@task()
def roll_up_marked_days() -> int:
    """Roll up the days that received measurements (enqueued on arrival, and every minute
    by the scheduler); returns how many days."""
    report = rollups.roll_up()
    rollups.roll_up_current_week_if_missing()
    return len(report.days)


@task()
def recompute_national_statuses(job_id: int, country_id: int) -> dict[str, Any]:
    try:
        benchmark.recompute_national_statuses(
            country_id,
            progress=lambda done, total: core_services.report_progress(job_id, done, total),
        )
    except Exception as exc:
        core_services.fail_job(job_id, str(exc)[:300])
        raise
    core_services.finish_job(job_id, {"country_id": country_id}, "National statuses recomputed")
    return {"country_id": country_id}
