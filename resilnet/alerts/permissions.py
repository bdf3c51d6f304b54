"""Who may see and do what with the alerts module's audiences: pure checks that pages,
the API and the services share. `None` is the platform itself (the command line, tasks).

Full subscriber numbers are shown to administrators only. They manage the registry
(imports, STOP by hand, corrections) and need the numbers for it; approvers decide on an
alert from its text, its audiences and the number of recipients, which need no number,
and authors and analysts work from counts too. Everyone else sees masked numbers
(`numbers.mask_msisdn`), and logs and audit rows never hold a full number.
"""

from __future__ import annotations

from typing import Any

from resilnet.core.models import Role


def _has(user: Any, *roles: str) -> bool:
    if user is None:
        return True
    if not getattr(user, "is_authenticated", False):
        return False
    return any(user.has_role(role) for role in roles)


def can_manage_operators(user: Any) -> bool:
    return _has(user, Role.ADMINISTRATOR)


def can_manage_subscribers(user: Any) -> bool:
    return _has(user, Role.ADMINISTRATOR)


def can_see_numbers(user: Any) -> bool:
    return _has(user, Role.ADMINISTRATOR)


def can_view_audiences(user: Any) -> bool:
    """Operators, subscriber lists (masked) and segment counts."""
    return _has(user, Role.ADMINISTRATOR, Role.ALERT_AUTHOR, Role.ALERT_APPROVER, Role.ANALYST)
