"""Reads of the alerts module: its pages, its feeds, its reports, the dispatcher and
other modules.

Audiences: a `Segment` names the admin areas (each including the areas below it, read
through `resilnet.schools.selectors`), languages and operators of the active subscribers
an alert reaches, and whether it is the live audience or a test audience: the two never
mix, so an Exercise or Test alert cannot reach a live subscriber through a segment.
Recipients are walked by id (keyset pages, `id > last`), never by OFFSET, so the millionth
recipient costs what the first does.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any, NamedTuple

from django.db.models import Count, Exists, OuterRef, Q, QuerySet
from django.utils import timezone

from resilnet.alerts.models import (
    Alert,
    AlertInfo,
    AlertState,
    Operator,
    Scope,
    Status,
    Subscriber,
    SubscriberImport,
    SubscriberLanguage,
    SubscriberStatus,
)
from resilnet.alerts.models.alerts import PUBLIC_STATES
from resilnet.core.models import AuditEvent
from resilnet.schools import selectors as school_selectors


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


RECIPIENT_CHUNK = 5000


@dataclass(frozen=True)
class Segment:
    area_ids: tuple[int, ...] = ()  # empty: every area (and subscribers without one)
    languages: tuple[str, ...] = ()
    operator_ids: tuple[int, ...] = ()
    test: bool = False  # the test audience instead of the live one


class Recipient(NamedTuple):
    id: int
    msisdn: str
    operator_id: int
    language: str
    area_id: int | None


def subscribers_in(segment: Segment) -> QuerySet[Subscriber]:
    """The active subscribers of a segment, of enabled operators."""
    qs = Subscriber.objects.filter(
        status=SubscriberStatus.ACTIVE, is_test=segment.test, operator__enabled=True
    )
    if segment.area_ids:
        qs = qs.filter(area_id__in=sorted(school_selectors.descendant_area_ids(segment.area_ids)))
    if segment.languages:
        qs = qs.filter(language__in=list(segment.languages))
    if segment.operator_ids:
        qs = qs.filter(operator_id__in=list(segment.operator_ids))
    return qs


def recipient_count(segment: Segment) -> int:
    return subscribers_in(segment).count()


def iter_recipients(
    segment: Segment, *, chunk: int = RECIPIENT_CHUNK, after_id: int = 0
) -> Iterator[list[Recipient]]:
    """The segment's recipients a chunk at a time, by id; `after_id` resumes a walk."""
    qs = subscribers_in(segment).order_by("id")
    last = after_id
    while True:
        rows = [
            Recipient(*row)
            for row in qs.filter(id__gt=last).values_list(
                "id", "msisdn", "operator_id", "language", "area_id"
            )[:chunk]
        ]
        if not rows:
            return
        yield rows
        last = rows[-1].id


def counts_by(segment: Segment, dimension: str) -> list[dict[str, Any]]:
    """The segment's recipients counted by `operator`, `area` or `language`, largest
    first, each with a label."""
    column = {"operator": "operator_id", "area": "area_id", "language": "language"}[dimension]
    rows = list(
        subscribers_in(segment)
        .order_by()
        .values(column)
        .annotate(n=Count("id"))
        .order_by("-n", column)
    )
    names: dict[Any, str]
    if dimension == "operator":
        names = dict(Operator.objects.values_list("id", "name"))
    elif dimension == "area":
        names = school_selectors.area_names([r[column] for r in rows if r[column] is not None])
    else:
        names = {code: str(label) for code, label in SubscriberLanguage.choices}
    return [
        {"key": r[column], "label": str(names.get(r[column], r[column] or "—")), "count": r["n"]}
        for r in rows
    ]


# Pages ------------------------------------------------------------------------------


def operators() -> QuerySet[Operator]:
    return Operator.objects.annotate(
        active=Count("subscribers", filter=Q(subscribers__status=SubscriberStatus.ACTIVE))
    ).order_by("name")


def operator_names() -> list[tuple[int, str]]:
    """(id, name) of every operator by name: the filters' choices, without the count of
    subscribers `operators` makes."""
    return list(Operator.objects.order_by("name").values_list("id", "name"))


def enabled_operators(name: str | None = None) -> list[Operator]:
    """The operators the dispatcher serves (or the one named): it asks every second, so
    no count of subscribers here."""
    qs = Operator.objects.filter(enabled=True).order_by("name")
    if name is not None:
        qs = qs.filter(name=name)
    return list(qs)


def operator(operator_id: int) -> Operator | None:
    return Operator.objects.filter(pk=operator_id).first()


def operator_by_name(name: str) -> Operator | None:
    return Operator.objects.filter(name__iexact=name).first()


def subscriber_list(
    *,
    number: str = "",
    status: str = "",
    test: bool | None = None,
    operator_id: int | None = None,
    language: str = "",
    area_ids: tuple[int, ...] = (),
) -> QuerySet[Subscriber]:
    """Subscribers for the list page, newest first; `number` matches the end of the number
    (whoever filters by it sees full numbers anyway)."""
    qs = Subscriber.objects.select_related("operator").order_by("-id")
    if number:
        qs = qs.filter(msisdn__endswith=number)
    if status:
        qs = qs.filter(status=status)
    if test is not None:
        qs = qs.filter(is_test=test)
    if operator_id:
        qs = qs.filter(operator_id=operator_id)
    if language:
        qs = qs.filter(language=language)
    if area_ids:
        qs = qs.filter(area_id__in=sorted(school_selectors.descendant_area_ids(area_ids)))
    return qs


def area_names(area_ids: list[int] | None = None) -> dict[int, str]:
    return school_selectors.area_names(area_ids)


def subscriber_imports() -> QuerySet[SubscriberImport]:
    return SubscriberImport.objects.select_related("actor", "job")


def subscriber_import(import_id: int) -> SubscriberImport | None:
    return SubscriberImport.objects.filter(pk=import_id).first()
