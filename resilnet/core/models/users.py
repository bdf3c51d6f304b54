from django.conf import settings
from django.contrib.auth.models import AbstractUser
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


class Role(models.TextChoices):
    """The roles of the platform; each is a Django group of the same name."""

    CONTRIBUTOR = "Contributor", _("Contributor")
    MODERATOR = "Moderator", _("Moderator")
    ALERT_AUTHOR = "Alert author", _("Alert author")
    ALERT_APPROVER = "Alert approver", _("Alert approver")
    ANALYST = "Analyst", _("Analyst")
    PLANNER = "Planner", _("Planner")
    ADMINISTRATOR = "Administrator", _("Administrator")


class User(AbstractUser):
    organisation = models.CharField(_("organisation"), max_length=200, blank=True)
    # Set for a request authenticated by an API token: the user then acts with that one
    # role only (see core.api.TokenAuth).
    token_role: str | None = None

    def roles(self) -> set[str]:
        held = set(self.groups.values_list("name", flat=True))
        if self.token_role is not None:
            allowed = self.is_superuser or self.token_role in held
            return {self.token_role} if allowed else set()
        return held

    def has_role(self, role: str) -> bool:
        if self.token_role is not None:
            return role in self.roles()
        return self.is_superuser or role in self.roles()

    @property
    def is_administrator(self) -> bool:
        return self.has_role(Role.ADMINISTRATOR)


class APIToken(models.Model):
    """A machine client's credential. Only a SHA-256 digest of the secret is stored."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="api_tokens"
    )
    name = models.CharField(_("name"), max_length=100)
    prefix = models.CharField(max_length=12, unique=True)
    digest = models.CharField(max_length=64)
    role = models.CharField(_("role"), max_length=32, choices=Role.choices)
    created_at = models.DateTimeField(default=timezone.now)
    expires_at = models.DateTimeField(_("expires"), null=True, blank=True)
    revoked_at = models.DateTimeField(null=True, blank=True)
    last_used_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return f"{self.name} ({self.prefix}…)"

    def is_active(self, now=None) -> bool:
        now = now or timezone.now()
        if self.revoked_at is not None:
            return False
        return self.expires_at is None or self.expires_at > now


class LoginFailure(models.Model):
    username = models.CharField(max_length=150, db_index=True)
    ip = models.GenericIPAddressField(null=True, blank=True, db_index=True)
    at = models.DateTimeField(default=timezone.now, db_index=True)

    def __str__(self) -> str:
        return f"{self.username} from {self.ip} at {self.at:%Y-%m-%d %H:%M}"
