"""Who may see and change plans: pure checks shared by pages and services' callers.

Plans are read by planners, analysts and administrators (they are a ministry's working
documents, not public pages); only planners and administrators change them.
"""

from __future__ import annotations

from typing import Any

from resilnet.core.models import Role


def _has(user: Any, *roles: str) -> bool:
    if not getattr(user, "is_authenticated", False):
        return False
    return any(user.has_role(role) for role in roles)


def can_view(user: Any) -> bool:
    return _has(user, Role.PLANNER, Role.ANALYST, Role.ADMINISTRATOR)


def can_edit(user: Any) -> bool:
    return _has(user, Role.PLANNER, Role.ADMINISTRATOR)
