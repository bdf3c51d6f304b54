"""Reads of the catalog for pages, the API, feeds and other modules."""

from __future__ import annotations

import difflib
import json
from datetime import datetime, timedelta
from typing import Any

from django.db.models import Count, F, Min, Q, QuerySet
from django.utils import timezone

from resilnet.catalog.models import Attachment, Record, Revision
from resilnet.catalog.permissions import can_remove_attachment, can_see_attachment, is_moderator
from resilnet.catalog.taxonomy import AttachmentState, Status


def published() -> QuerySet[Record]:
    return Record.objects.filter(status=Status.PUBLISHED)


def newest_published(collection: str) -> QuerySet[Record]:
    """A collection's published records, newest by their own date first, undated last
    (on every engine), then newest id: the order of its page and of its feed."""
    return (
        published()
        .filter(collection=collection)
        .order_by(F("record_date").desc(nulls_last=True), "-id")
    )


def record_for(user: Any, record_id: int) -> Record | None:
    """A record the user may see: published ones for everybody, others for their owner
    and moderators."""
    record = (
        Record.objects.select_related("owner", "live_revision", "pending_revision")
        .filter(pk=record_id)
        .first()
    )
    if record is None:
        return None
    if record.status == Status.PUBLISHED or is_moderator(user):
        return record
    if user is not None and user.is_authenticated and record.owner_id == user.pk:
        return record
    return None


def moderation_queue() -> QuerySet[Revision]:
    """Submitted revisions, oldest first: new records and edits to published ones."""
    return (
        Revision.objects.filter(state=Status.SUBMITTED, record__pending_revision_id=F("id"))
        .select_related("record", "author")
        .order_by("created_at")
    )


def filtered_queue(
    *,
    collection: str = "",
    country: str = "",
    waiting_days: int = 0,
    now: datetime | None = None,
    limit: int = 200,
) -> list[Revision]:
    """The queue narrowed to a collection, a country named by the submitted revision, or
    revisions waiting at least `waiting_days`; at most `limit`, oldest first.

    The country is read from the revision's content (a new record has no countries of its
    own until published); JSON containment is not portable to SQLite, so that one filter
    runs here, over a queue that moderators keep short."""
    queue = moderation_queue()
    if collection:
        queue = queue.filter(record__collection=collection)
    if waiting_days:
        queue = queue.filter(created_at__lte=(now or timezone.now()) - timedelta(days=waiting_days))
    if not country:
        return list(queue[:limit])
    found = []
    for revision in queue.iterator(chunk_size=500):
        if country in (revision.content or {}).get("countries", ()):
            found.append(revision)
            if len(found) == limit:
                break
    return found


def queue_countries() -> list[str]:
    """The ISO3 codes the waiting revisions name, for the queue's country filter."""
    codes: set[str] = set()
    for content in moderation_queue().values_list("content", flat=True).iterator(chunk_size=500):
        codes.update(c for c in (content or {}).get("countries", ()) if isinstance(c, str))
    return sorted(codes)


def pending_attachments() -> QuerySet[Attachment]:
    """Files added to published records, awaiting a moderator, oldest first. (Those of a
    record never published are decided with the record, on its page.)"""
    return (
        Attachment.objects.filter(state=AttachmentState.PENDING, record__status=Status.PUBLISHED)
        .select_related("record", "uploaded_by")
        .order_by("created_at")
    )


def queue_summary(now: datetime | None = None) -> dict[str, Any]:
    now = now or timezone.now()
    queue = moderation_queue()
    summary = queue.aggregate(count=Count("id"), oldest=Min("created_at"))
    by_collection = dict(queue.values_list("record__collection").annotate(n=Count("id")).order_by())
    oldest = summary["oldest"]
    files = pending_attachments().count()
    return {
        "count": summary["count"],
        "files": files,
        "waiting": summary["count"] + files,
        "oldest": oldest,
        "oldest_age": (now - oldest) if oldest else None,
        "by_collection": by_collection,
    }


def record_files(user: Any, record: Record) -> list[dict[str, Any]]:
    """The record's files the user may see, each with whether it awaits approval and
    whether the user may remove it."""
    files = []
    for attachment in record.attachments.all():
        attachment.record = record  # the permission checks read it
        if can_see_attachment(user, attachment):
            files.append(
                {
                    "file": attachment,
                    "pending": attachment.state == AttachmentState.PENDING,
                    "can_remove": can_remove_attachment(user, attachment),
                }
            )
    return files


def my_records(user: Any) -> QuerySet[Record]:
    return Record.objects.filter(owner=user).order_by("-updated_at")


def related(record: Record, limit: int = 5) -> list[Record]:
    """Published records sharing the most facet values (same countries, category, tags)."""
    values = list(
        record.facets.exclude(name__in=["language", "year", "collection"]).values_list(
            "name", "value"
        )
    )
    if not values:
        return []
    condition = Q()
    for name, value in values:
        condition |= Q(facets__name=name, facets__value=value)
    return list(
        published()
        .exclude(pk=record.pk)
        .filter(condition)
        .annotate(shared=Count("facets"))
        .order_by("-shared", "-published_at")[:limit]
    )


def flatten(content: dict[str, Any], prefix: str = "") -> dict[str, str]:
    flat: dict[str, str] = {}
    for key, value in content.items():
        name = f"{prefix}{key}"
        if isinstance(value, dict):
            flat.update(flatten(value, name + "."))
        elif isinstance(value, list):
            flat[name] = "\n".join(
                json.dumps(v, ensure_ascii=False) if isinstance(v, dict) else str(v) for v in value
            )
        elif value not in (None, ""):
            flat[name] = str(value)
    return flat


def revision_diff(old: Revision | None, new: Revision) -> list[dict[str, Any]]:
    """Per field: name, old text, new text and a unified diff, for changed fields only."""
    before = flatten(old.content) if old else {}
    after = flatten(new.content)
    changes = []
    for name in sorted(set(before) | set(after)):
        a, b = before.get(name, ""), after.get(name, "")
        if a != b:
            diff = list(difflib.unified_diff(a.splitlines(), b.splitlines(), lineterm="", n=1))[2:]
            changes.append({"field": name, "old": a, "new": b, "diff": diff})
    return changes


def proposals_from(ip: str | None, since: datetime) -> int:
    """Visitor proposals from one address since `since`, counted in the audit log."""
    from resilnet.core.models import AuditAction, AuditEvent

    if not ip:
        return 0
    return AuditEvent.objects.filter(
        action=AuditAction.CREATED,
        object_type="catalog.record",
        actor_label__startswith="visitor ",
        ip=ip,
        at__gte=since,
    ).count()
