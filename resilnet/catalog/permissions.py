"""Who may do what with catalog records: pure checks that read and never write.

Pages, the API and the selectors use them to decide what a user sees; the services use
them to refuse what a user may not do (`services.permissions` re-exports them). Reads
import this module, never `catalog.services`.
"""

from __future__ import annotations

from resilnet.catalog.models import Record
from resilnet.catalog.taxonomy import Status
from resilnet.core.models import Role, User


def is_moderator(user: User | None) -> bool:
    return bool(user and user.is_authenticated and user.has_role(Role.MODERATOR)) or bool(
        user and user.is_authenticated and user.is_administrator
    )


def can_create(user: User | None) -> bool:
    """Contributors and moderators create records (visitors propose them)."""
    return bool(
        user is not None
        and user.is_authenticated
        and (user.has_role(Role.CONTRIBUTOR) or is_moderator(user))
    )


def can_edit(user: User | None, record: Record) -> bool:
    if user is None or not user.is_authenticated:
        return False
    if is_moderator(user) or user.has_perm("catalog.change_record", record):
        return True
    # Owners may propose changes to their published record; a moderator approves them.
    return record.owner_id == user.pk and record.status == Status.PUBLISHED
