"""Background work of the schools module (django-tasks)."""

from __future__ import annotations

from django_tasks import task


@task()
def roll_up_marked_days() -> int:
    """Not built yet: rolls up the days that received measurements."""
    return 0
