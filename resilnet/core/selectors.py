"""Reads of core data that other modules and the pages use."""

from __future__ import annotations

import math
from datetime import timedelta

from django.conf import settings
from django.db.models import Count, Q, QuerySet
from django.utils import timezone

from resilnet.core.models import (
    AuditEvent,
    Country,
    LoginFailure,
    Region,
    RegionKind,
    User,
    WorkerHeartbeat,
)


def countries(
    *,
    q: str = "",
    itu_region: str = "",
    m49_region: str = "",
    ldc: bool | None = None,
    lldc: bool | None = None,
    sids: bool | None = None,
) -> QuerySet[Country]:
    qs = Country.objects.select_related(
        "itu_region", "m49_region", "m49_subregion", "m49_intermediate_region"
    )
    if q:
        qs = qs.filter(Q(name__icontains=q) | Q(iso3__iexact=q) | Q(iso2__iexact=q))
    if itu_region:
        qs = qs.filter(itu_region__code=itu_region)
    if m49_region:
        qs = qs.filter(
            Q(m49_region__code=m49_region)
            | Q(m49_subregion__code=m49_region)
            | Q(m49_intermediate_region__code=m49_region)
        )
    for flag, value in (("ldc", ldc), ("lldc", lldc), ("sids", sids)):
        if value is not None:
            qs = qs.filter(**{flag: value})
    return qs


def country_by_iso3(iso3: str) -> Country | None:
    return countries().filter(iso3=iso3.upper()).first()


def regions(kind: str = "") -> QuerySet[Region]:
    qs = Region.objects.select_related("parent").annotate(
        # A region holds countries through exactly one of these, by its kind.
        country_count=Count("itu_countries", distinct=True)
        + Count("m49_region_countries", distinct=True)
        + Count("m49_subregion_countries", distinct=True)
        + Count("m49_intermediate_countries", distinct=True)
    )
    return qs.filter(kind=kind) if kind else qs


def itu_regions() -> QuerySet[Region]:
    return regions(RegionKind.ITU).order_by("name")


def reference_summary() -> dict[str, int]:
    return Country.objects.aggregate(
        countries=Count("id"),
        ldc=Count("id", filter=Q(ldc=True)),
        lldc=Count("id", filter=Q(lldc=True)),
        sids=Count("id", filter=Q(sids=True)),
    )


def users(*, q: str = "") -> QuerySet[User]:
    qs = User.objects.prefetch_related("groups").order_by("username")
    if q:
        qs = qs.filter(
            Q(username__icontains=q) | Q(email__icontains=q) | Q(organisation__icontains=q)
        )
    return qs


def login_lockout_seconds(username: str, ip: str | None) -> int:
    """Seconds until `username` (or this address) may try again; 0 when not throttled.

    An account is throttled after LOGIN_MAX_FAILURES failures in the window; an address
    after five times as many, so one office behind NAT is not locked out by one person.
    """
    window = timedelta(minutes=settings.LOGIN_LOCKOUT_MINUTES)
    since = timezone.now() - window
    limit = settings.LOGIN_MAX_FAILURES
    recent = LoginFailure.objects.filter(at__gte=since)
    for failures, allowed in (
        (recent.filter(username=username.lower()[:150]), limit),
        (recent.filter(ip=ip) if ip else recent.none(), limit * 5),
    ):
        times = list(failures.order_by("-at").values_list("at", flat=True)[:allowed])
        if len(times) >= allowed:
            # Free again when the oldest of the last `allowed` failures leaves the window.
            remaining = (times[-1] + window - timezone.now()).total_seconds()
            return max(1, math.ceil(remaining))
    return 0


def audit_events(
    *,
    object_type: str = "",
    object_id: str = "",
    actor: str = "",
    action: str = "",
    since=None,
    until=None,
) -> QuerySet[AuditEvent]:
    qs = AuditEvent.objects.all()
    if object_type:
        qs = qs.filter(object_type=object_type)
    if object_id:
        qs = qs.filter(object_id=object_id)
    if actor:
        qs = qs.filter(actor_label__iexact=actor)
    if action:
        qs = qs.filter(action=action)
    if since:
        qs = qs.filter(at__gte=since)
    if until:
        qs = qs.filter(at__lt=until)
    return qs


def audit_object_types() -> list[str]:
    return list(
        AuditEvent.objects.exclude(object_type="")
        .order_by("object_type")
        .values_list("object_type", flat=True)
        .distinct()
    )


def latest_worker_heartbeat() -> WorkerHeartbeat | None:
    return WorkerHeartbeat.objects.order_by("-last_seen").first()


def worker_heartbeat_age() -> float | None:
    """Seconds since the most recent heartbeat of any worker; None when none ever ran."""
    latest = latest_worker_heartbeat()
    if latest is None:
        return None
    return max(0.0, (timezone.now() - latest.last_seen).total_seconds())
