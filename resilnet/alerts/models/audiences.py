"""Who alerts reach: operators (their SMSCs) and subscribers.

An operator's SMPP password is stored as given, not hashed: the dispatcher must present
it in a bind_transmitter/transceiver PDU, and SMPP 3.4 carries it in clear text (8
characters at most) anyway. It is never shown on a page, never written to the audit log
(only that it changed) and never logged; whoever reads the database can read it, as they
can read everything else the dispatcher needs.

A subscriber's admin area is the id of an admin area of the schools module, a plain
integer rather than a foreign key: this module reads areas only through
`resilnet.schools.selectors`. Numbers are E.164 (`+` and up to 15 digits) and are never
written in full to logs or audit rows (`services.audiences.mask_msisdn`).
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from resilnet.alerts.numbers import mask_msisdn

__all__ = [
    "BindMode",
    "Operator",
    "StopChannel",
    "Subscriber",
    "SubscriberImport",
    "SubscriberLanguage",
    "SubscriberStagedChunk",
    "SubscriberStatus",
]


class BindMode(models.TextChoices):
    TRANSCEIVER = "transceiver", _("Transceiver (one bind sends and receives)")
    TRANSMITTER_RECEIVER = "tx+rx", _("Transmitter and receiver (two binds)")


class SubscriberLanguage(models.TextChoices):
    """The six UN languages, under the platform's language codes."""

    ARABIC = "ar", _("Arabic")
    CHINESE = "zh-hans", _("Chinese")
    ENGLISH = "en", _("English")
    FRENCH = "fr", _("French")
    RUSSIAN = "ru", _("Russian")
    SPANISH = "es", _("Spanish")


class SubscriberStatus(models.TextChoices):
    ACTIVE = "active", _("Active")
    STOPPED = "stopped", _("Stopped")


class StopChannel(models.TextChoices):
    SMS = "sms", _("STOP by SMS")
    STAFF = "staff", _("Stopped by staff")


class Operator(models.Model):
    """A mobile network operator and how the dispatcher reaches its SMSC."""

    name = models.CharField(_("name"), max_length=100, unique=True)
    host = models.CharField(_("SMSC host"), max_length=253)
    port = models.PositiveIntegerField(_("SMSC port"))
    system_id = models.CharField(_("system id"), max_length=15)  # SMPP 3.4: 16 octets with NUL
    password = models.CharField(_("password"), max_length=8)  # SMPP 3.4: 9 octets with NUL
    system_type = models.CharField(_("system type"), max_length=12, blank=True)
    tps = models.PositiveIntegerField(_("messages per second"), default=50)
    binds = models.PositiveSmallIntegerField(_("binds"), default=1)
    window = models.PositiveIntegerField(_("window"), default=10)
    bind_mode = models.CharField(
        _("bind mode"), max_length=12, choices=BindMode.choices, default=BindMode.TRANSCEIVER
    )
    enabled = models.BooleanField(_("enabled"), default=True)
    is_test = models.BooleanField(_("test operator"), default=False)
    created_at = models.DateTimeField(default=timezone.now)
    updated_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


class Subscriber(models.Model):
    msisdn = models.CharField(_("number"), max_length=16, unique=True)  # E.164
    operator = models.ForeignKey(Operator, on_delete=models.PROTECT, related_name="subscribers")
    area_id = models.BigIntegerField(_("admin area"), null=True, blank=True, db_index=True)
    language = models.CharField(
        _("language"),
        max_length=8,
        choices=SubscriberLanguage.choices,
        default=SubscriberLanguage.ENGLISH,
    )
    consent_source = models.CharField(_("consent source"), max_length=200)
    consent_at = models.DateTimeField(_("consent time"))
    status = models.CharField(
        _("status"), max_length=8, choices=SubscriberStatus.choices, default=SubscriberStatus.ACTIVE
    )
    stopped_at = models.DateTimeField(_("stopped at"), null=True, blank=True)
    stopped_how = models.CharField(
        _("stopped how"), max_length=8, choices=StopChannel.choices, blank=True
    )
    stop_keyword = models.CharField(_("stop keyword"), max_length=20, blank=True)
    is_test = models.BooleanField(_("test audience"), default=False)
    created_at = models.DateTimeField(default=timezone.now)
    updated_at = models.DateTimeField(default=timezone.now)

    class Meta:
        indexes = [
            # Segments walk the live (or test) active subscribers by id (keyset pages).
            models.Index(fields=["is_test", "status", "id"], name="subscriber_segment"),
            models.Index(fields=["operator", "status"], name="subscriber_operator"),
        ]

    def __str__(self) -> str:
        return mask_msisdn(self.msisdn)


class SubscriberImport(models.Model):
    """One import of a subscriber file. Its checked rows are staged first
    (`SubscriberStagedChunk`), then applied a chunk per short transaction; turning
    `staging` into `applying` is the commit point (docs/adr/0008)."""

    class State(models.TextChoices):
        STAGING = "staging", _("Checking")
        APPLYING = "applying", _("Writing")
        DONE = "done", _("Done")
        DISCARDED = "discarded", _("Nothing written")

    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    job = models.ForeignKey(
        "core.Job", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    source = models.CharField(max_length=200, blank=True)
    region = models.CharField(max_length=2, blank=True)  # default region of national numbers
    mode = models.CharField(max_length=20)
    test = models.BooleanField(default=False)  # the rows are a test audience
    state = models.CharField(
        max_length=10, choices=State.choices, default=State.STAGING, db_index=True
    )
    total = models.PositiveIntegerField(default=0)
    rejected = models.PositiveIntegerField(default=0)
    created = models.PositiveIntegerField(default=0)
    updated = models.PositiveIntegerField(default=0)
    unchanged = models.PositiveIntegerField(default=0)
    # The rejected rows as CSV (row, column, reason): never a number in full.
    report = models.TextField(blank=True)
    started_at = models.DateTimeField(default=timezone.now)
    heartbeat_at = models.DateTimeField(default=timezone.now)
    finished_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-started_at"]

    def __str__(self) -> str:
        return f"subscriber import {self.pk} ({self.state})"


class SubscriberStagedChunk(models.Model):
    """Checked rows of an import waiting to be applied, a chunk of them as one JSON list
    (read by no page)."""

    batch = models.ForeignKey(SubscriberImport, on_delete=models.CASCADE, related_name="chunks")
    rows = models.TextField()

    def __str__(self) -> str:
        return f"subscriber import {self.batch_id} chunk {self.pk}"
