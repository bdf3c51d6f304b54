"""Authentication: throttled sign-in, object-level rules and API tokens."""

from __future__ import annotations

import hmac
from typing import Any

from django import forms
from django.contrib.admin.forms import AdminAuthenticationForm
from django.contrib.auth.backends import BaseBackend, ModelBackend
from django.contrib.auth.forms import AuthenticationForm
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import HttpRequest
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from resilnet.core import selectors, services
from resilnet.core.models import APIToken

# Statuses in which an owner may still change their own record; modules override
# this per model with an OWNER_EDITABLE_STATUSES attribute.
DEFAULT_OWNER_EDITABLE_STATUSES = frozenset({"draft"})


def client_ip(request: HttpRequest | None) -> str | None:
    return request.META.get("REMOTE_ADDR") if request is not None else None


class ThrottledModelBackend(ModelBackend):
    """Django's password check, refused outright while the account or address is throttled."""

    def authenticate(
        self,
        request: HttpRequest | None,
        username: str | None = None,
        password: str | None = None,
        **kwargs: Any,
    ) -> Any:
        if username and selectors.login_lockout_seconds(username, client_ip(request)):
            raise PermissionDenied("sign-in throttled")
        return super().authenticate(request, username=username, password=password, **kwargs)


class OwnerDraftBackend(BaseBackend):
    """Object-level rule: owners may change and delete their own records while in draft.

    Grants `app.change_model` and `app.delete_model` on an object whose `owner_id` is the
    user and whose `status` is one of the model's OWNER_EDITABLE_STATUSES. Model-wide
    permissions (moderators, administrators) still come from groups via ModelBackend.
    """

    def has_perm(self, user_obj: Any, perm: str, obj: Any = None) -> bool:
        if obj is None or not user_obj.is_active or not user_obj.is_authenticated:
            return False
        _app, _, codename = perm.partition(".")
        if not codename.startswith(("change_", "delete_")):
            return False
        if codename.split("_", 1)[1] != obj._meta.model_name:
            return False
        editable = getattr(obj, "OWNER_EDITABLE_STATUSES", DEFAULT_OWNER_EDITABLE_STATUSES)
        return getattr(obj, "owner_id", None) == user_obj.pk and obj.status in editable


def throttle_message(seconds: int) -> str:
    minutes = max(1, (seconds + 59) // 60)
    return ngettext(
        "Too many failed sign-in attempts. Try again in %(minutes)d minute.",
        "Too many failed sign-in attempts. Try again in %(minutes)d minutes.",
        minutes,
    ) % {"minutes": minutes}


class ThrottledLoginMixin:
    """Say clearly that sign-in is throttled instead of 'wrong password'."""

    request: HttpRequest | None

    def clean(self) -> dict[str, Any]:
        username = self.cleaned_data.get("username")  # type: ignore[attr-defined]
        if username:
            seconds = selectors.login_lockout_seconds(username, client_ip(self.request))
            if seconds:
                services.record_login_failure(username, throttled=True)
                raise ValidationError(throttle_message(seconds), code="throttled")
        return super().clean()  # type: ignore[misc]


class LoginForm(ThrottledLoginMixin, AuthenticationForm):
    username = forms.CharField(
        label=_("Username"), max_length=150, widget=forms.TextInput(attrs={"autofocus": True})
    )


class AdminLoginForm(ThrottledLoginMixin, AdminAuthenticationForm):
    pass


class TokenError(Exception):
    """Why a presented token was refused; the message is shown to the client."""


def authenticate_token(presented: str) -> APIToken:
    scheme, _, rest = presented.partition("_")
    prefix, _, secret = rest.partition("_")
    if scheme != services.TOKEN_PREFIX or not prefix or not secret or len(presented) > 200:
        raise TokenError("Malformed API token.")
    token = APIToken.objects.select_related("user").filter(prefix=prefix).first()
    if token is None or not hmac.compare_digest(token.digest, services.token_digest(secret)):
        raise TokenError("Unknown API token.")
    if token.revoked_at is not None:
        raise TokenError("This API token has been revoked.")
    if not token.is_active():
        raise TokenError("This API token has expired.")
    if not token.user.is_active:
        raise TokenError("The account of this API token is disabled.")
    services.touch_api_token(token)
    return token
