"""What the platform sends: a campaign per published alert, a message per recipient, and
the parts of each message as the SMSC accepted them.

A message copies what the dispatcher needs (number, operator, language, area) so the
dispatcher never joins the subscriber table; the text comes from the alert (one text per
language, split once per campaign and language) or, for replies such as a STOP
confirmation, from the message's own `text`. The partial indexes keep claiming cheap at a
million messages: the queued ones of an operator are a short index range whatever the
number already sent, and so are the leased ones.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from resilnet.alerts.models.alerts import Alert
from resilnet.alerts.models.audiences import Operator, Subscriber
from resilnet.alerts.numbers import mask_msisdn

__all__ = ["Campaign", "CampaignState", "Message", "MessagePart", "MessageState"]


class CampaignState(models.TextChoices):
    QUEUED = "queued", _("Preparing")  # messages still being written
    RUNNING = "running", _("Sending")
    HALTED = "halted", _("Halted")
    FINISHED = "finished", _("Finished")


class Campaign(models.Model):
    """The SMS sending of one published alert."""

    alert = models.OneToOneField(Alert, on_delete=models.PROTECT, related_name="campaign")
    state = models.CharField(
        _("state"), max_length=10, choices=CampaignState.choices, default=CampaignState.QUEUED
    )
    test = models.BooleanField(_("test audience"), default=True)
    targeted = models.PositiveIntegerField(_("targeted"), default=0)
    # Messages are written by subscriber id; the last id written lets an interrupted
    # build resume, `built_at` says it is complete.
    built_until = models.BigIntegerField(default=0)
    built_at = models.DateTimeField(null=True, blank=True)
    job = models.ForeignKey(
        "core.Job", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now)
    started_at = models.DateTimeField(null=True, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)
    halted_at = models.DateTimeField(null=True, blank=True)
    halted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    halt_reason = models.CharField(_("halt reason"), max_length=500, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["state"], name="campaign_state")]

    def __str__(self) -> str:
        return f"campaign {self.pk} of {self.alert_id}"


class MessageState(models.TextChoices):
    QUEUED = "queued", _("Queued")
    SENDING = "sending", _("Sending")  # leased by a dispatcher
    SUBMITTED = "submitted", _("Submitted")  # every part accepted by the SMSC
    DELIVERED = "delivered", _("Delivered")
    UNDELIVERABLE = "undeliverable", _("Undeliverable")
    EXPIRED = "expired", _("Expired")
    REJECTED = "rejected", _("Rejected")
    FAILED = "failed", _("Failed")


FINAL_STATES = (
    MessageState.DELIVERED,
    MessageState.UNDELIVERABLE,
    MessageState.EXPIRED,
    MessageState.REJECTED,
    MessageState.FAILED,
)
FAILED_STATES = FINAL_STATES[1:]


class Message(models.Model):
    """One SMS to one phone (of one or more parts)."""

    # null: a reply (a STOP confirmation). No index of its own: message_campaign_state
    # (campaign, state) serves every lookup by campaign, and each index is written again at
    # every state change of a million messages.
    campaign = models.ForeignKey(
        Campaign,
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="messages",
        db_index=False,
    )
    subscriber = models.ForeignKey(
        Subscriber, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    operator = models.ForeignKey(Operator, on_delete=models.PROTECT, related_name="+")
    msisdn = models.CharField(max_length=16)
    language = models.CharField(max_length=8)
    area_id = models.BigIntegerField(null=True, blank=True)
    text = models.TextField(blank=True)  # replies only; campaigns' texts are the alert's
    parts = models.PositiveSmallIntegerField(default=1)
    # Leading parts the SMSC accepted (their MessagePart rows exist): a retry re-sends
    # from the next one, so parts reach the SMSC in order.
    parts_sent = models.PositiveSmallIntegerField(default=0)
    state = models.CharField(max_length=14, choices=MessageState.choices, default="queued")
    reason = models.CharField(max_length=200, blank=True)
    attempts = models.PositiveSmallIntegerField(default=0)
    # A submit_sm of this message may have reached the SMSC without its response being
    # recorded (a dispatcher died or lost the link): it may be sent twice.
    maybe_duplicate = models.BooleanField(default=False)
    lease_owner = models.CharField(max_length=64, blank=True)
    lease_until = models.DateTimeField(null=True, blank=True)
    not_before = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(default=timezone.now)
    submitted_at = models.DateTimeField(null=True, blank=True)
    done_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        indexes = [
            # claim: an operator's queued messages, replies (no campaign) then by campaign
            models.Index(
                fields=["operator", "campaign", "id"],
                condition=Q(state="queued"),
                name="message_claim",
            ),
            # takeover of leases that ran out
            models.Index(
                fields=["operator", "lease_until"],
                condition=Q(state="sending"),
                name="message_lease",
            ),
            models.Index(fields=["campaign", "state"], name="message_campaign_state"),
        ]

    def __str__(self) -> str:
        return f"message {self.pk} to {mask_msisdn(self.msisdn)}"


class MessagePart(models.Model):
    """A part the SMSC accepted, under the id it gave (canonical form,
    `smpp.receipts.canonical_message_id`) so its receipt finds it."""

    # No index of its own: the unique (message, seq) serves lookups by message.
    message = models.ForeignKey(
        Message, on_delete=models.CASCADE, related_name="part_set", db_index=False
    )
    seq = models.PositiveSmallIntegerField()
    operator = models.ForeignKey(
        Operator, on_delete=models.PROTECT, related_name="+", db_index=False
    )
    smsc_id = models.CharField(max_length=64)
    state = models.CharField(max_length=14, choices=MessageState.choices, default="submitted")
    reason = models.CharField(max_length=200, blank=True)
    submitted_at = models.DateTimeField(default=timezone.now)
    done_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["message", "seq"], name="message_part_seq"),
        ]
        indexes = [models.Index(fields=["operator", "smsc_id"], name="message_part_receipt")]

    def __str__(self) -> str:
        return f"part {self.seq} of message {self.message_id}"
