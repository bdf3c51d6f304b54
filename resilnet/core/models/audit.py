from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


class AuditAction(models.TextChoices):
    CREATED = "created", _("created")
    UPDATED = "updated", _("updated")
    DELETED = "deleted", _("deleted")
    TRANSITIONED = "transitioned", _("changed status")
    ROLES_CHANGED = "roles_changed", _("changed roles")
    PASSWORD_CHANGED = "password_changed", _("changed password")
    LOGGED_IN = "logged_in", _("signed in")
    LOGGED_OUT = "logged_out", _("signed out")
    LOGIN_FAILED = "login_failed", _("failed to sign in")
    LOGIN_THROTTLED = "login_throttled", _("sign-in throttled")
    TOKEN_CREATED = "token_created", _("created API token")
    TOKEN_REVOKED = "token_revoked", _("revoked API token")
    JOB_STARTED = "job_started", _("started job")
    EXPORTED = "exported", _("exported")
    BACKED_UP = "backed_up", _("backed up")
    RESTORED = "restored", _("restored")


class AppendOnlyError(Exception):
    pass


class AuditEvent(models.Model):
    """One state change. Rows are never updated or deleted: the database refuses it."""

    at = models.DateTimeField(default=timezone.now, db_index=True)
    # No foreign-key constraint: the record must outlive whatever it points at.
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.DO_NOTHING,
        db_constraint=False,
        related_name="+",
    )
    actor_label = models.CharField(max_length=150, blank=True)
    action = models.CharField(max_length=32, choices=AuditAction.choices, db_index=True)
    object_type = models.CharField(max_length=100, blank=True)
    object_id = models.CharField(max_length=64, blank=True)
    object_repr = models.CharField(max_length=200, blank=True)
    before = models.JSONField(null=True, blank=True)
    after = models.JSONField(null=True, blank=True)
    reason = models.TextField(blank=True)
    ip = models.GenericIPAddressField(null=True, blank=True)
    request_id = models.CharField(max_length=64, blank=True)

    class Meta:
        ordering = ["-at", "-id"]
        indexes = [models.Index(fields=["object_type", "object_id", "-at"])]

    def __str__(self) -> str:
        return f"{self.at:%Y-%m-%d %H:%M:%S} {self.actor_label} {self.action} {self.object_repr}"

    def save(self, *args, **kwargs):
        if self.pk is not None:
            raise AppendOnlyError("audit events are append-only")
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        raise AppendOnlyError("audit events are append-only")
