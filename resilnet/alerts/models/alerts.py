"""Alerts as people write and approve them: CAP 1.2 fields, one info block per language.

Field names and value lists follow OASIS CAP 1.2 (section 3.2); the workflow state and the
approval are the platform's own. Areas belong to the alert and are repeated in every info
block of the CAP document (one area list whatever the language).
"""

from __future__ import annotations

import uuid

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

__all__ = [
    "Alert",
    "AlertArea",
    "AlertInfo",
    "AlertState",
    "Audience",
    "Category",
    "Certainty",
    "Language",
    "MsgType",
    "Scope",
    "Severity",
    "Status",
    "Urgency",
]


class Status(models.TextChoices):
    ACTUAL = "Actual", _("Actual")
    EXERCISE = "Exercise", _("Exercise")
    SYSTEM = "System", _("System")
    TEST = "Test", _("Test")
    DRAFT = "Draft", _("Draft")


class MsgType(models.TextChoices):
    ALERT = "Alert", _("Alert")
    UPDATE = "Update", _("Update")
    CANCEL = "Cancel", _("Cancel")


class Scope(models.TextChoices):
    PUBLIC = "Public", _("Public")
    RESTRICTED = "Restricted", _("Restricted")
    PRIVATE = "Private", _("Private")


class Category(models.TextChoices):
    GEO = "Geo", _("Geophysical")
    MET = "Met", _("Meteorological")
    SAFETY = "Safety", _("Public safety")
    SECURITY = "Security", _("Security")
    RESCUE = "Rescue", _("Rescue and recovery")
    FIRE = "Fire", _("Fire")
    HEALTH = "Health", _("Health")
    ENV = "Env", _("Environment")
    TRANSPORT = "Transport", _("Transport")
    INFRA = "Infra", _("Infrastructure")
    CBRNE = "CBRNE", _("Chemical, biological, radiological, nuclear or explosive")
    OTHER = "Other", _("Other")


class Urgency(models.TextChoices):
    IMMEDIATE = "Immediate", _("Immediate")
    EXPECTED = "Expected", _("Expected")
    FUTURE = "Future", _("Future")
    PAST = "Past", _("Past")
    UNKNOWN = "Unknown", _("Unknown")


class Severity(models.TextChoices):
    EXTREME = "Extreme", _("Extreme")
    SEVERE = "Severe", _("Severe")
    MODERATE = "Moderate", _("Moderate")
    MINOR = "Minor", _("Minor")
    UNKNOWN = "Unknown", _("Unknown")


class Certainty(models.TextChoices):
    OBSERVED = "Observed", _("Observed")
    LIKELY = "Likely", _("Likely")
    POSSIBLE = "Possible", _("Possible")
    UNLIKELY = "Unlikely", _("Unlikely")
    UNKNOWN = "Unknown", _("Unknown")


class Language(models.TextChoices):
    """The six UN languages, as CAP's `language` (RFC 3066) codes."""

    AR = "ar", _("Arabic")
    ZH = "zh", _("Chinese")
    EN = "en", _("English")
    FR = "fr", _("French")
    RU = "ru", _("Russian")
    ES = "es", _("Spanish")


class Audience(models.TextChoices):
    LIVE = "live", _("Live audiences")
    TEST = "test", _("Test audiences only")


class AlertState(models.TextChoices):
    DRAFT = "draft", _("Draft")
    SUBMITTED = "submitted", _("Awaiting approval")
    APPROVED = "approved", _("Approved, scheduled")
    PUBLISHED = "published", _("Published")
    REJECTED = "rejected", _("Rejected")
    WITHDRAWN = "withdrawn", _("Withdrawn")  # stopped by its author before publication
    SUPERSEDED = "superseded", _("Superseded by an update")
    CANCELLED = "cancelled", _("Cancelled")  # a published Cancel referenced it


EDITABLE_STATES = (
    AlertState.DRAFT,
    AlertState.SUBMITTED,
    AlertState.APPROVED,
    AlertState.REJECTED,
)
PUBLIC_STATES = (AlertState.PUBLISHED, AlertState.SUPERSEDED, AlertState.CANCELLED)


def new_identifier() -> str:
    return f"resilnet-{uuid.uuid4()}"


class Alert(models.Model):
    # CAP 1.2 <alert>
    identifier = models.CharField(_("identifier"), max_length=200, unique=True)
    sender = models.CharField(_("sender"), max_length=200)
    sent = models.DateTimeField(_("sent"), null=True, blank=True)  # set on publication
    status = models.CharField(_("status"), max_length=16, choices=Status.choices)
    msg_type = models.CharField(
        _("message type"), max_length=16, choices=MsgType.choices, default=MsgType.ALERT
    )
    scope = models.CharField(_("scope"), max_length=16, choices=Scope.choices, default="Public")
    restriction = models.TextField(_("restriction"), blank=True)
    addresses = models.TextField(_("addresses"), blank=True)
    note = models.TextField(_("note"), blank=True)
    references = models.ManyToManyField(
        "self", symmetrical=False, blank=True, related_name="referenced_by"
    )
    # Workflow
    state = models.CharField(
        _("state"), max_length=16, choices=AlertState.choices, default=AlertState.DRAFT
    )
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="alerts_written"
    )
    approver = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="alerts_approved",
    )
    approved_at = models.DateTimeField(null=True, blank=True)
    # Digest of everything the approver saw (services.authoring.fingerprint): an approval
    # whose digest no longer matches the alert is void.
    approval_fingerprint = models.CharField(max_length=64, blank=True)
    rejection_reason = models.TextField(blank=True)
    publish_at = models.DateTimeField(_("publish at"), null=True, blank=True)
    sms_segment_cap = models.PositiveSmallIntegerField(_("SMS segment cap"), default=3)
    audience = models.CharField(
        _("audience"), max_length=8, choices=Audience.choices, default=Audience.TEST
    )
    created_at = models.DateTimeField(default=timezone.now)
    updated_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["state", "publish_at"])]

    def __str__(self) -> str:
        return self.identifier


class AlertInfo(models.Model):
    """CAP <info>: one per language."""

    alert = models.ForeignKey(Alert, on_delete=models.CASCADE, related_name="infos")
    language = models.CharField(_("language"), max_length=8, choices=Language.choices)
    category = models.CharField(
        _("category"), max_length=16, choices=Category.choices, default=Category.HEALTH
    )
    event = models.CharField(_("event"), max_length=100)
    urgency = models.CharField(_("urgency"), max_length=16, choices=Urgency.choices)
    severity = models.CharField(_("severity"), max_length=16, choices=Severity.choices)
    certainty = models.CharField(_("certainty"), max_length=16, choices=Certainty.choices)
    effective = models.DateTimeField(_("effective"), null=True, blank=True)
    onset = models.DateTimeField(_("onset"), null=True, blank=True)
    expires = models.DateTimeField(_("expires"), null=True, blank=True)
    sender_name = models.CharField(_("sender name"), max_length=200, blank=True)
    headline = models.CharField(_("headline"), max_length=200, blank=True)
    description = models.TextField(_("description"), blank=True)
    instruction = models.TextField(_("instruction"), blank=True)
    web = models.URLField(_("web"), max_length=500, blank=True)
    contact = models.CharField(_("contact"), max_length=200, blank=True)
    sms_text = models.TextField(_("SMS text"), blank=True)

    class Meta:
        ordering = ["alert", "id"]
        constraints = [
            models.UniqueConstraint(fields=["alert", "language"], name="alert_info_language")
        ]

    def __str__(self) -> str:
        return f"{self.alert_id} [{self.language}] {self.event}"


class AlertArea(models.Model):
    """CAP <area>. Polygons are lists of rings of [lat, lon] pairs (WGS84), circles
    [lat, lon, radius_km], geocodes [valueName, value]; admin areas are ids of the schools
    module's areas, read through its selectors."""

    alert = models.ForeignKey(Alert, on_delete=models.CASCADE, related_name="areas")
    area_desc = models.CharField(_("area description"), max_length=500)
    polygons = models.JSONField(default=list, blank=True)
    circles = models.JSONField(default=list, blank=True)
    geocodes = models.JSONField(default=list, blank=True)
    admin_area_ids = models.JSONField(default=list, blank=True)

    class Meta:
        ordering = ["alert", "id"]

    def __str__(self) -> str:
        return self.area_desc
