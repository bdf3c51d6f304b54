"""Who may do what with catalog records: pure checks that read and never write.

Pages, the API and the selectors use them to decide what a user sees; the services use
them to refuse what a user may not do (`services.permissions` re-exports them). Reads
import this module, never `catalog.services`.
"""

from __future__ import annotations

from resilnet.catalog.models import Attachment, Record
from resilnet.catalog.taxonomy import AttachmentState, Status
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


def can_see_attachment(user: User | None, attachment: Attachment) -> bool:
    """Live files go with their record; a file awaiting approval is seen by those who
    may edit the record (its owner) and by moderators."""
    return attachment.state == AttachmentState.LIVE or can_edit(user, attachment.record)


def can_remove_attachment(user: User | None, attachment: Attachment) -> bool:
    """Moderators remove any file; those who may edit the record withdraw a file awaiting
    approval, or any file of a record never published. A live file of a published record
    is published content: removing it is a moderator's decision."""
    record = attachment.record
    if not can_edit(user, record):
        return False
    return (
        is_moderator(user)
        or attachment.state == AttachmentState.PENDING
        or record.published_at is None
    )
