"""Reads of the alerts module: its pages, its feeds and other modules."""

from __future__ import annotations

import datetime as dt

from django.db.models import Exists, OuterRef, QuerySet
from django.utils import timezone

from resilnet.alerts.models import Alert, AlertInfo, AlertState, Scope, Status
from resilnet.alerts.models.alerts import PUBLIC_STATES
from resilnet.core.models import AuditEvent


def _with_content(qs: QuerySet[Alert]) -> QuerySet[Alert]:
    return qs.prefetch_related("infos", "areas", "references")


def public_alert(identifier: str) -> Alert | None:
    """A published (or since superseded or cancelled) public alert by its CAP identifier."""
    if not 0 < len(identifier) <= 200:
        return None
    qs = Alert.objects.filter(identifier=identifier, state__in=PUBLIC_STATES, scope=Scope.PUBLIC)
    return _with_content(qs).first()


def active_alerts(now: dt.datetime | None = None) -> list[Alert]:
    """Published Actual public alerts that have not expired, newest first: the feed."""
    now = now or timezone.now()
    unexpired = AlertInfo.objects.filter(alert=OuterRef("pk"), expires__gt=now)
    qs = Alert.objects.filter(
        Exists(unexpired), state=AlertState.PUBLISHED, status=Status.ACTUAL, scope=Scope.PUBLIC
    ).order_by("-sent", "-id")
    return list(_with_content(qs)[:500])


def alerts(state: str = "") -> QuerySet[Alert]:
    qs = Alert.objects.select_related("author", "approver").prefetch_related("infos")
    if state in AlertState.values:
        qs = qs.filter(state=state)
    return qs.order_by("-updated_at", "-id")


def alert(pk: int) -> Alert | None:
    return _with_content(Alert.objects.select_related("author", "approver")).filter(pk=pk).first()


def history(alert: Alert) -> QuerySet[AuditEvent]:
    return AuditEvent.objects.filter(
        object_type=alert._meta.label_lower, object_id=str(alert.pk)
    ).order_by("at", "id")
