"""Background work of the alerts module (django-tasks)."""

from __future__ import annotations

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
