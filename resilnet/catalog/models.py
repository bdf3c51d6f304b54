"""Catalog records, their revisions and the facet values search counts."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.db import models
from django.db.models.functions import Now
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from resilnet.catalog.taxonomy import AttachmentState, Collection, Status
from resilnet.core.models import Country


class Record(models.Model):
    """One catalog entry. Its columns hold the live (published) content, or the latest
    draft while it has never been published; every edit is a `Revision`."""

    # Owners may change their record themselves in these states (core.auth.OwnerDraftBackend).
    OWNER_EDITABLE_STATUSES = frozenset({Status.DRAFT, Status.CHANGES_REQUESTED})

    collection = models.CharField(_("collection"), max_length=16, choices=Collection.choices)
    status = models.CharField(
        _("status"), max_length=20, choices=Status.choices, default=Status.DRAFT, db_index=True
    )
    external_id = models.CharField(max_length=200, null=True, blank=True, unique=True)
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    title = models.CharField(_("title"), max_length=500)
    original_language = models.CharField(max_length=8, default="en")
    content = models.JSONField(default=dict)
    countries = models.ManyToManyField(Country, blank=True, related_name="catalog_records")
    record_date = models.DateField(null=True, blank=True, db_index=True)
    live_revision = models.ForeignKey(
        "Revision", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    pending_revision = models.ForeignKey(
        "Revision", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now)
    updated_at = models.DateTimeField(default=timezone.now)
    published_at = models.DateTimeField(null=True, blank=True, db_index=True)

    class Meta:
        ordering = ["-published_at", "-id"]
        indexes = [models.Index(fields=["collection", "status"])]
        permissions = [
            ("moderate_record", "Can approve, reject and request changes to records"),
        ]

    def __str__(self) -> str:
        return self.title

    def text(self, field: str, language: str) -> str:
        values: dict[str, str] = self.content.get(field) or {}
        return values.get(self.text_language(field, language), "")

    def text_language(self, field: str, language: str) -> str:
        """The language `text` shows `field` in: `language`, else the original, else any."""
        values: dict[str, str] = self.content.get(field) or {}
        for candidate in (language, self.original_language, *values):
            if values.get(candidate):
                return candidate
        return self.original_language

    @property
    def fields(self) -> dict[str, Any]:
        return self.content.get("fields") or {}


class Revision(models.Model):
    """A snapshot of a record's content, kept for ever and diffable with any other."""

    record = models.ForeignKey(Record, on_delete=models.CASCADE, related_name="revisions")
    number = models.PositiveIntegerField()
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    state = models.CharField(max_length=20, choices=Status.choices, default=Status.DRAFT)
    content = models.JSONField()
    note = models.TextField(
        blank=True, help_text=_("The moderator's reason, or the editor's note.")
    )
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["record", "-number"]
        constraints = [
            models.UniqueConstraint(fields=["record", "number"], name="revision_record_number")
        ]

    def __str__(self) -> str:
        return f"{self.record} r{self.number}"


class IndexChange(models.Model):
    """A record whose search entry must be refreshed: written in the transaction of the
    change, so the segment index (search/segments/) follows committed state only. Each
    host's index applies the rows past its own mark; rows are pruned after a week."""

    record_id = models.BigIntegerField()
    created_at = models.DateTimeField(db_default=Now())

    def __str__(self) -> str:
        return f"change {self.pk}: record {self.record_id}"


class IndexChangeLog(models.Model):
    """The change log's own state, in one row (missing: never pruned, epoch ""). A host
    whose index is behind `pruned_through`, or follows another `epoch`, rebuilds it."""

    # Every change up to this id may have been deleted.
    pruned_through = models.BigIntegerField(default=0)
    # The history the change ids count: a flush or a restore sets ids back, and starts
    # another one.
    epoch = models.CharField(max_length=32, blank=True, default="")

    def __str__(self) -> str:
        return f"index change log: pruned through {self.pruned_through}, epoch {self.epoch}"


class RecordFacet(models.Model):
    """One facet value of a published record (country, region, category, SDG, …)."""

    # No index of its own: the unique constraint below starts with it.
    record = models.ForeignKey(
        Record, on_delete=models.CASCADE, related_name="facets", db_index=False
    )
    name = models.CharField(max_length=24)
    value = models.CharField(max_length=100)

    class Meta:
        indexes = [models.Index(fields=["name", "value", "record"])]
        constraints = [
            models.UniqueConstraint(fields=["record", "name", "value"], name="facet_unique")
        ]

    def __str__(self) -> str:
        return f"{self.name}={self.value}"


ATTACHMENT_FOLDER = "catalog"  # in the media storage


def attachment_path(instance: Attachment, filename: str) -> str:
    # Stored under a name of our own: the uploader's file name is only shown, never used.
    return f"{ATTACHMENT_FOLDER}/{instance.sha256[:2]}/{instance.sha256}.{instance.extension}"


class Attachment(models.Model):
    """A file attached to a record, checked by content and served as a download."""

    record = models.ForeignKey(Record, on_delete=models.CASCADE, related_name="attachments")
    file = models.FileField(upload_to=attachment_path, max_length=200)
    name = models.CharField(max_length=200)
    mime_type = models.CharField(max_length=120)
    extension = models.CharField(max_length=8)
    size = models.PositiveBigIntegerField()
    sha256 = models.CharField(max_length=64)
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now)
    # A contributor's file is a change to the record like an edit: pending until a
    # moderator approves it (services/attachments.py).
    state = models.CharField(
        max_length=8, choices=AttachmentState.choices, default=AttachmentState.LIVE, db_index=True
    )

    class Meta:
        ordering = ["record", "created_at"]

    def __str__(self) -> str:
        return self.name


class ImportBatch(models.Model):
    """One import past validation. Its rows are staged first (`StagedRow`, seen by no
    page), then applied a few hundred at a time, each chunk in its own short transaction.
    Turning `staging` into `applying` is the import's commit point: a batch that stops
    before it is discarded, one that stops after it is finished, by another process if
    need be (services/imports.py, docs/adr/0008-imports-in-bounded-transactions.md)."""

    class State(models.TextChoices):
        STAGING = "staging"
        APPLYING = "applying"
        DONE = "done"
        DISCARDED = "discarded"

    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    mode = models.CharField(max_length=20)
    state = models.CharField(
        max_length=10, choices=State.choices, default=State.STAGING, db_index=True
    )
    total = models.PositiveIntegerField(default=0)  # rows in the file
    rejected = models.PositiveIntegerField(default=0)
    created = models.PositiveIntegerField(default=0)
    updated = models.PositiveIntegerField(default=0)
    unchanged = models.PositiveIntegerField(default=0)
    started_at = models.DateTimeField(default=timezone.now)
    # Moved on by every transaction of the import: a batch quiet for long has stopped.
    heartbeat_at = models.DateTimeField(default=timezone.now)
    finished_at = models.DateTimeField(null=True, blank=True)
    error = models.TextField(blank=True)

    def __str__(self) -> str:
        return f"import {self.pk} ({self.state})"


class StagedRow(models.Model):
    """A validated row of an import, waiting to be applied (and deleted as it is)."""

    # No index of its own: the unique constraint below starts with it.
    batch = models.ForeignKey(
        ImportBatch, on_delete=models.CASCADE, related_name="rows", db_index=False
    )
    row = models.PositiveIntegerField()  # in the source file
    external_id = models.CharField(max_length=200, blank=True)
    content = models.JSONField()  # RecordContent, validated

    class Meta:
        constraints = [models.UniqueConstraint(fields=["batch", "row"], name="staged_row_unique")]

    def __str__(self) -> str:
        return f"import {self.batch_id} row {self.row}"
