"""Reads for the campaign report: what a campaign targeted, what reached the SMSC, what
was delivered and what failed and why, per operator, area and language, minute by
minute. A handful of grouped queries over the campaign's messages (index
`message_campaign_state`), whatever the number of messages; numbers are masked in every
row that leaves here."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

from django.db.models import Count, Max, Min, Q
from django.db.models.functions import TruncMinute

from resilnet.alerts import selectors
from resilnet.alerts.models import Campaign, Message, MessageState, Operator, SubscriberLanguage
from resilnet.alerts.models.delivery import FAILED_STATES
from resilnet.alerts.numbers import mask_msisdn

REACHED_SMSC = Q(submitted_at__isnull=False)
DIMENSIONS = {"operator": "operator_id", "area": "area_id", "language": "language"}


@dataclass
class CampaignReport:
    campaign: Campaign
    targeted: int
    states: dict[str, int]
    submitted: int  # reached the SMSC (accepted), whatever happened after
    failed_by_reason: list[dict[str, Any]]
    maybe_duplicates: int
    breakdowns: dict[str, list[dict[str, Any]]]
    timeline: list[tuple[dt.datetime, int, int]]  # minute, submitted, delivered
    first_submitted: dt.datetime | None
    last_submitted: dt.datetime | None
    rate: float | None  # messages submitted per second, first to last
    notes: list[str] = field(default_factory=list)

    @property
    def delivered(self) -> int:
        return self.states.get(MessageState.DELIVERED, 0)

    @property
    def failed(self) -> int:
        return sum(self.states.get(s, 0) for s in FAILED_STATES)

    @property
    def pending(self) -> int:
        return sum(
            self.states.get(s, 0)
            for s in (MessageState.QUEUED, MessageState.SENDING, MessageState.SUBMITTED)
        )


def campaign_of(alert_id: int) -> Campaign | None:
    return Campaign.objects.select_related("alert", "halted_by").filter(alert_id=alert_id).first()


def _labels(dimension: str, keys: list[Any]) -> dict[Any, str]:
    if dimension == "operator":
        return dict(Operator.objects.filter(pk__in=keys).values_list("id", "name"))
    if dimension == "area":
        return selectors.area_names([k for k in keys if k is not None])
    return {code: str(label) for code, label in SubscriberLanguage.choices}


def _breakdown(messages: Any, dimension: str) -> list[dict[str, Any]]:
    column = DIMENSIONS[dimension]
    rows = list(
        messages.order_by()
        .values(column)
        .annotate(
            targeted=Count("id"),
            submitted=Count("id", filter=REACHED_SMSC),
            delivered=Count("id", filter=Q(state=MessageState.DELIVERED)),
            failed=Count("id", filter=Q(state__in=FAILED_STATES)),
        )
        .order_by("-targeted", column)
    )
    names = _labels(dimension, [r[column] for r in rows])
    return [
        {"key": r[column], "label": str(names.get(r[column], r[column] or "—"))}
        | {k: r[k] for k in ("targeted", "submitted", "delivered", "failed")}
        for r in rows
    ]


def campaign_report(campaign: Campaign) -> CampaignReport:
    messages = Message.objects.filter(campaign=campaign)
    states = dict(messages.order_by().values_list("state").annotate(n=Count("id")))
    failed = list(
        messages.filter(state__in=FAILED_STATES)
        .order_by()
        .values("state", "reason")
        .annotate(n=Count("id"))
        .order_by("-n", "state", "reason")
    )
    span = messages.aggregate(
        first=Min("submitted_at"), last=Max("submitted_at"), n=Count("id", filter=REACHED_SMSC)
    )
    submitted_per_minute = dict(
        messages.filter(REACHED_SMSC)
        .order_by()
        .annotate(minute=TruncMinute("submitted_at"))
        .values_list("minute")
        .annotate(n=Count("id"))
    )
    delivered_per_minute = dict(
        messages.filter(state=MessageState.DELIVERED, done_at__isnull=False)
        .order_by()
        .annotate(minute=TruncMinute("done_at"))
        .values_list("minute")
        .annotate(n=Count("id"))
    )
    minutes = sorted(set(submitted_per_minute) | set(delivered_per_minute))
    rate = None
    if span["n"] and span["first"] is not None:
        seconds = max((span["last"] - span["first"]).total_seconds(), 1.0)
        rate = span["n"] / seconds
    return CampaignReport(
        campaign=campaign,
        targeted=campaign.targeted,
        states=states,
        submitted=span["n"],
        failed_by_reason=[dict(row) for row in failed],
        maybe_duplicates=messages.filter(maybe_duplicate=True).count(),
        breakdowns={d: _breakdown(messages, d) for d in DIMENSIONS},
        timeline=[
            (m, submitted_per_minute.get(m, 0), delivered_per_minute.get(m, 0)) for m in minutes
        ],
        first_submitted=span["first"],
        last_submitted=span["last"],
        rate=rate,
    )


CSV_HEADER = [
    "message",
    "number",
    "operator",
    "language",
    "area",
    "state",
    "reason",
    "parts",
    "attempts",
    "maybe_duplicate",
    "queued_at",
    "submitted_at",
    "done_at",
]


def _iso(value: dt.datetime | None) -> str:
    return value.isoformat() if value else ""


def csv_rows(campaign: Campaign, chunk: int = 5000) -> Iterator[list[Any]]:
    """One row per message, numbers masked, walked by id (keyset pages)."""
    operators = dict(Operator.objects.values_list("id", "name"))
    areas = selectors.area_names()
    last = 0
    while True:
        page = list(
            Message.objects.filter(campaign=campaign, id__gt=last)
            .order_by("id")
            .values_list(
                "id",
                "msisdn",
                "operator_id",
                "language",
                "area_id",
                "state",
                "reason",
                "parts",
                "attempts",
                "maybe_duplicate",
                "created_at",
                "submitted_at",
                "done_at",
            )[:chunk]
        )
        if not page:
            return
        for row in page:
            (mid, msisdn, op, lang, area, state, reason, parts, attempts, dup, *times) = row
            yield [
                mid,
                mask_msisdn(msisdn),
                operators.get(op, op),
                lang,
                areas.get(area, "") if area is not None else "",
                state,
                reason,
                parts,
                attempts,
                "yes" if dup else "no",
                *(_iso(t) for t in times),
            ]
        last = page[-1][0]


def audience_preview(alert: Any) -> dict[str, Any] | None:
    """What the approver sees before approving: the recipients of the alert's SMS per
    language and per operator (None when it sends no SMS)."""
    from resilnet.alerts.services.delivery import campaign_segment

    segment = campaign_segment(alert)
    if segment is None:
        return None
    return {
        "test": segment.test,
        "total": selectors.recipient_count(segment),
        "by_language": selectors.counts_by(segment, "language"),
        "by_operator": selectors.counts_by(segment, "operator"),
    }
