"""Files attached to records: adding one after checking what its bytes say it is,
moderating it, removing one (its file goes once the removal is committed), and collecting
the stored files no attachment names.

A file is part of what a record publishes, so it is moderated like an edit: a moderator's
file is live at once; anybody else's is pending, seen only by those who may edit the
record and by moderators, until a moderator approves it, on its own or with the revision
they publish (workflow.do_publish), or rejects it (the uploader reads why). A live file of
a published record is removed by moderators only; its owner may withdraw a pending one,
or remove any file while the record has never been published.
"""

from __future__ import annotations

import hashlib
import os
from datetime import timedelta

from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.db import transaction
from django.utils import timezone

from resilnet.catalog import attachments as kinds
from resilnet.catalog.models import ATTACHMENT_FOLDER, Attachment, Record
from resilnet.catalog.services.permissions import can_edit, can_remove_attachment, is_moderator
from resilnet.catalog.services.records import _notify, _require_reason
from resilnet.catalog.taxonomy import AttachmentState
from resilnet.core.models import AuditAction, User
from resilnet.core.services import record_audit


@transaction.atomic
def do_add_attachment(actor: User, record: Record, name: str, data: bytes) -> Attachment:
    """Attach a file after checking its size and what its bytes say it is."""
    if not can_edit(actor, record):
        raise PermissionDenied("You may not add files to this record.")
    limit = kinds.MAX_ATTACHMENT_BYTES  # looked up at each call, so a changed limit applies
    if len(data) > limit:
        raise ValidationError({"file": f"The file is larger than {limit // 2**20} MB."})
    if not data:
        raise ValidationError({"file": "The file is empty."})
    try:
        mime, extension = kinds.sniff(data[:8192], data)
    except kinds.AttachmentRefused as exc:
        raise ValidationError({"file": f"This file is {exc}."}) from None
    display = os.path.basename(name.replace("\\", "/"))[:150] or "file"
    stem = display.rsplit(".", 1)[0] if "." in display else display
    attachment = Attachment(
        record=record,
        name=f"{stem}.{extension}",
        mime_type=mime,
        extension=extension,
        size=len(data),
        sha256=hashlib.sha256(data).hexdigest(),
        uploaded_by=actor,
        state=AttachmentState.LIVE if is_moderator(actor) else AttachmentState.PENDING,
    )
    attachment.file.save(attachment.name, ContentFile(data), save=False)
    attachment.save()
    record_audit(
        actor,
        AuditAction.UPDATED,
        record,
        after={"attachment": attachment.name, "bytes": len(data), "state": attachment.state},
    )
    return attachment


def _awaiting(actor: User, attachment: Attachment) -> Attachment:
    if not is_moderator(actor):
        raise PermissionDenied("Only moderators approve or reject files.")
    attachment = (
        Attachment.objects.select_for_update(of=("self",))
        .select_related("record", "uploaded_by")
        .get(pk=attachment.pk)
    )
    if attachment.state != AttachmentState.PENDING:
        raise ValidationError({"file": "This file is not awaiting approval."})
    return attachment


@transaction.atomic
def do_approve_attachment(actor: User, attachment: Attachment) -> None:
    attachment = _awaiting(actor, attachment)
    attachment.state = AttachmentState.LIVE
    attachment.save(update_fields=["state"])
    _audit_approval(actor, attachment.record, attachment.name)


def _approve_pending_files(actor: User, record: Record) -> None:
    """Approve the files awaiting approval on `record`, in the caller's transaction (a
    moderator publishing the record's pending revision)."""
    pending = Attachment.objects.filter(record=record, state=AttachmentState.PENDING)
    for name in pending.values_list("name", flat=True):
        _audit_approval(actor, record, name)
    pending.update(state=AttachmentState.LIVE)


def _audit_approval(actor: User, record: Record, name: str) -> None:
    record_audit(
        actor,
        AuditAction.TRANSITIONED,
        record,
        before={"attachment": name, "state": AttachmentState.PENDING},
        after={"attachment": name, "state": AttachmentState.LIVE},
    )


@transaction.atomic
def do_reject_attachment(actor: User, attachment: Attachment, reason: str) -> None:
    """Remove a file awaiting approval; its uploader reads why."""
    reason = _require_reason(reason)
    attachment = _awaiting(actor, attachment)
    uploader = attachment.uploaded_by
    _remove(actor, attachment, reason)
    if uploader is not None:
        _notify(
            [uploader.email],
            f"[resilnet] File not accepted: {attachment.name}",
            f"A moderator did not accept the file “{attachment.name}” added to "
            f"“{attachment.record.title}”:\n\n{reason}",
        )


@transaction.atomic
def do_remove_attachment(actor: User, attachment: Attachment) -> None:
    if not can_remove_attachment(actor, attachment):
        raise PermissionDenied(
            "Files of a published record are removed by moderators; you may withdraw a file "
            "awaiting approval."
        )
    _remove(actor, attachment)


def _remove(actor: User, attachment: Attachment, reason: str = "") -> None:
    record = attachment.record
    name = attachment.name
    stored = attachment.file.name
    attachment.delete()
    record_audit(actor, AuditAction.UPDATED, record, before={"attachment": name}, reason=reason)
    # Once the removal is committed: a rollback must find the file still there.
    transaction.on_commit(lambda: _delete_unused_file(stored), robust=True)


def _delete_unused_file(stored: str | None) -> None:
    if stored and not Attachment.objects.filter(file=stored).exists():
        default_storage.delete(stored)


def collect_attachment_files(
    *, older_than: timedelta = timedelta(hours=1), dry_run: bool = False
) -> list[tuple[str, int]]:
    """Delete stored attachment files that no attachment names (`resilnet catalog
    collect-files`): files of records deleted with their attachments, of uploads whose
    transaction rolled back, of removals interrupted before their file went. Files newer
    than `older_than` stay: an upload saves its file before its row is committed.
    Returns (path, bytes) of each file deleted, or that would be with `dry_run`."""
    wanted = set(Attachment.objects.values_list("file", flat=True))
    cutoff = timezone.now() - older_than
    found: list[tuple[str, int]] = []
    folders = [ATTACHMENT_FOLDER]
    while folders:
        folder = folders.pop()
        if not default_storage.exists(folder):
            continue
        subfolders, files = default_storage.listdir(folder)
        folders += [f"{folder}/{name}" for name in subfolders]
        for name in files:
            path = f"{folder}/{name}"
            if path in wanted or default_storage.get_modified_time(path) > cutoff:
                continue
            found.append((path, default_storage.size(path)))
            if not dry_run:
                default_storage.delete(path)
    return sorted(found)
