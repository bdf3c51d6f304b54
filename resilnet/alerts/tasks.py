"""Background work of the alerts module (django-tasks)."""

from __future__ import annotations

from django_tasks import task

from resilnet.alerts.services import audiences, authoring


@task()
def publish_due_alerts() -> int:
    """Publish approved alerts whose publication time has come; returns how many."""
    return authoring.publish_due_alerts()


@task()
def finish_subscriber_imports() -> dict[str, int]:
    """Finish subscriber imports stopped after their commit point, discard the others."""
    return audiences.finish_subscriber_imports()
