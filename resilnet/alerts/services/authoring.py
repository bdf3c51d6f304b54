"""Writing, approving and publishing alerts.

An author drafts; another person holding the Alert approver role approves what the
review page showed them, identified by a digest of it (`fingerprint`); any change after
that voids the approval, and publication checks the digest again. Every step validates,
writes and appends to the audit log in one transaction.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import re
from collections.abc import Iterable
from dataclasses import asdict, dataclass, field
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from resilnet.alerts import gsm
from resilnet.alerts.cap import XML_ILLEGAL
from resilnet.alerts.models import (
    Alert,
    AlertArea,
    AlertInfo,
    AlertState,
    Audience,
    Category,
    Certainty,
    Language,
    MsgType,
    Scope,
    Severity,
    Status,
    Urgency,
)
from resilnet.alerts.models.alerts import EDITABLE_STATES, new_identifier
from resilnet.alerts.services import delivery
from resilnet.core.models import AuditAction, AuditEvent, Role, User
from resilnet.core.services import record_audit
from resilnet.schools import selectors as schools

MAX_SEGMENT_CAP = 10
NOTE_LIMIT = 2000  # restriction, addresses, note, and the reason of a rejection
AREA_DESC_LIMIT = 500
GOOGLE_EVENT_LIMIT = 35  # Google Public Alerts: event under 35 characters
# CAP 1.2 identifier and sender: no spaces, commas, "<" or "&" (section 3.2.1).
CAP_TOKEN = re.compile(r"[^\s,<&]{1,200}")
TEXT_LIMITS = {
    "event": 100,
    "sender_name": 200,
    "headline": 200,
    "description": 8000,
    "instruction": 4000,
    "web": 500,
    "contact": 200,
    "sms_text": 2000,
}


class AlertInvalid(ValidationError):
    """Errors keyed by field: `status`, `info[fr].event`, `area[2].polygon[1]`, …"""


@dataclass
class InfoInput:
    language: str
    event: str = ""
    urgency: str = Urgency.UNKNOWN
    severity: str = Severity.UNKNOWN
    certainty: str = Certainty.UNKNOWN
    category: str = Category.HEALTH
    effective: dt.datetime | None = None
    onset: dt.datetime | None = None
    expires: dt.datetime | None = None
    sender_name: str = ""
    headline: str = ""
    description: str = ""
    instruction: str = ""
    web: str = ""
    contact: str = ""
    sms_text: str = ""


@dataclass
class AreaInput:
    area_desc: str
    polygons: list[list[list[float]]] = field(default_factory=list)
    circles: list[list[float]] = field(default_factory=list)
    geocodes: list[list[str]] = field(default_factory=list)
    admin_area_ids: list[int] = field(default_factory=list)


@dataclass
class AlertInput:
    status: str = Status.ACTUAL
    scope: str = Scope.PUBLIC
    restriction: str = ""
    addresses: str = ""
    note: str = ""
    sender: str = ""
    identifier: str = ""
    publish_at: dt.datetime | None = None
    sms_segment_cap: int = 3
    audience: str = Audience.TEST
    infos: list[InfoInput] = field(default_factory=list)
    areas: list[AreaInput] = field(default_factory=list)


# Validation ---------------------------------------------------------------------------


class _Errors(dict[str, list[str]]):
    def add(self, key: str, message: str) -> None:
        self.setdefault(key, []).append(message)

    def raise_if_any(self) -> None:
        if self:
            raise AlertInvalid(dict(self))


def _check_text(errors: _Errors, key: str, value: str, limit: int) -> None:
    if len(value) > limit:
        errors.add(
            key,
            _("At most %(limit)d characters (%(n)d given).") % {"limit": limit, "n": len(value)},
        )
    bad = XML_ILLEGAL.search(value)
    if bad:
        errors.add(
            key,
            _("Character %(pos)d (U+%(code)04X) is not allowed.")
            % {"pos": bad.start() + 1, "code": ord(bad.group())},
        )


def _check_choice(errors: _Errors, key: str, value: str, choices: Iterable[str]) -> None:
    if value not in set(choices):
        errors.add(
            key,
            _("%(value)s is not one of %(choices)s.")
            % {
                "value": repr(str(value)[:40]),
                "choices": ", ".join(choices),
            },
        )


def _check_aware(errors: _Errors, key: str, value: dt.datetime | None) -> None:
    if value is not None and timezone.is_naive(value):
        errors.add(key, _("A time needs its UTC offset."))


def _is_number(v: Any) -> bool:
    return (
        isinstance(v, int | float) and not isinstance(v, bool) and v == v and abs(v) != float("inf")
    )


def _check_point(errors: _Errors, key: str, point: Any) -> bool:
    if not (isinstance(point, list | tuple) and len(point) == 2 and all(map(_is_number, point))):
        errors.add(key, _("A point is a pair of numbers: latitude, longitude."))
        return False
    lat, lon = point
    if not (-90 <= lat <= 90 and -180 <= lon <= 180):
        errors.add(
            key,
            _("Latitude %(lat)s, longitude %(lon)s is outside WGS84 ranges.")
            % {"lat": lat, "lon": lon},
        )
        return False
    return True


def _check_area(errors: _Errors, key: str, area: AreaInput) -> None:
    _check_text(errors, f"{key}.area_desc", area.area_desc, AREA_DESC_LIMIT)
    if not area.area_desc.strip():
        errors.add(f"{key}.area_desc", _("An area needs a description."))
    for i, ring in enumerate(area.polygons[:100]):
        ring_key = f"{key}.polygon[{i}]"
        if not isinstance(ring, list | tuple) or len(ring) < 4:
            errors.add(
                ring_key,
                _("A polygon needs at least four points, the last one equal to the first."),
            )
            continue
        if len(ring) > 10000:
            errors.add(ring_key, _("A polygon has at most 10,000 points."))
            continue
        if all(_check_point(errors, ring_key, p) for p in ring) and list(ring[0]) != list(ring[-1]):
            errors.add(
                ring_key, _("The polygon is not closed: its last point must equal its first.")
            )
    if len(area.polygons) > 100:
        errors.add(f"{key}.polygon", _("At most 100 polygons per area."))
    for i, circle in enumerate(area.circles[:100]):
        circle_key = f"{key}.circle[{i}]"
        if not (isinstance(circle, list | tuple) and len(circle) == 3):
            errors.add(circle_key, _("A circle is latitude, longitude and radius in km."))
        elif _check_point(errors, circle_key, list(circle[:2])) and not (
            _is_number(circle[2]) and 0 <= circle[2] <= 20000
        ):
            errors.add(circle_key, _("The radius is a number of km from 0 to 20,000."))
    for i, geocode in enumerate(area.geocodes[:100]):
        geo_key = f"{key}.geocode[{i}]"
        if not (
            isinstance(geocode, list | tuple)
            and len(geocode) == 2
            and all(isinstance(g, str) and g.strip() for g in geocode)
        ):
            errors.add(geo_key, _("A geocode is a value name and a value."))
        else:
            for part in geocode:
                _check_text(errors, geo_key, part, 200)
    ids = area.admin_area_ids[:1000]
    if not all(isinstance(i, int) and not isinstance(i, bool) for i in ids):
        errors.add(f"{key}.admin_areas", _("Admin areas are named by their numeric ids."))
    else:
        missing = set(ids) - set(schools.areas_by_id(ids))
        if missing:
            errors.add(
                f"{key}.admin_areas",
                _("No admin area %(ids)s.") % {"ids": ", ".join(map(str, sorted(missing)))},
            )


def validate_draft(data: AlertInput) -> None:
    """What any saved draft must satisfy; raises AlertInvalid naming each field."""
    errors = _Errors()
    _check_choice(errors, "status", data.status, Status.values)
    _check_choice(errors, "scope", data.scope, Scope.values)
    _check_choice(errors, "audience", data.audience, Audience.values)
    for key in ("identifier", "sender"):
        value = getattr(data, key)
        if value and not CAP_TOKEN.fullmatch(value):
            errors.add(key, _("Up to 200 characters without spaces, commas, “<” or “&”."))
    for key in ("restriction", "addresses", "note"):
        _check_text(errors, key, getattr(data, key), NOTE_LIMIT)
    if data.scope == Scope.RESTRICTED and not data.restriction.strip():
        errors.add("restriction", _("A Restricted alert says who may see it."))
    if data.scope == Scope.PRIVATE and not data.addresses.strip():
        errors.add("addresses", _("A Private alert lists its addresses."))
    if data.status != Status.ACTUAL and data.audience != Audience.TEST:
        errors.add(
            "audience",
            _("A %(status)s alert can reach only test audiences.") % {"status": data.status},
        )
    _check_aware(errors, "publish_at", data.publish_at)
    cap = data.sms_segment_cap
    if not (isinstance(cap, int) and 1 <= cap <= MAX_SEGMENT_CAP):
        errors.add("sms_segment_cap", _("From 1 to %(max)d segments.") % {"max": MAX_SEGMENT_CAP})
        cap = MAX_SEGMENT_CAP
    if len(data.infos) > len(Language.values):
        errors.add("infos", _("One info block per language, six at most."))
    seen: set[str] = set()
    for info in data.infos[: len(Language.values)]:
        key = f"info[{str(info.language)[:8]}]"
        _check_choice(errors, f"{key}.language", info.language, Language.values)
        if info.language in seen:
            errors.add(f"{key}.language", _("Only one info block per language."))
        seen.add(info.language)
        _check_choice(errors, f"{key}.category", info.category, Category.values)
        _check_choice(errors, f"{key}.urgency", info.urgency, Urgency.values)
        _check_choice(errors, f"{key}.severity", info.severity, Severity.values)
        _check_choice(errors, f"{key}.certainty", info.certainty, Certainty.values)
        for name, limit in TEXT_LIMITS.items():
            _check_text(errors, f"{key}.{name}", getattr(info, name), limit)
        for name in ("effective", "onset", "expires"):
            _check_aware(errors, f"{key}.{name}", getattr(info, name))
        if info.web and not re.fullmatch(r"https?://[^\s<>\"]+", info.web):
            errors.add(f"{key}.web", _("A web address starts with http:// or https://."))
        _check_sms(errors, f"{key}.sms_text", info.sms_text, cap)
    if len(data.areas) > 50:
        errors.add("areas", _("At most 50 areas."))
    for i, area in enumerate(data.areas[:50]):
        _check_area(errors, f"area[{i}]", area)
    errors.raise_if_any()


def unsendable(exc: gsm.UnencodableText) -> str:
    """gsm's error as people read it, in their language (gsm itself has no Django)."""
    return _("Character %(pos)d (U+%(code)04X) cannot be sent by SMS.") % {
        "pos": exc.index + 1,
        "code": ord(exc.char),
    }


def _check_sms(errors: _Errors, key: str, text: str, cap: int) -> None:
    try:
        measured = gsm.measure(text)
    except gsm.UnencodableText as exc:
        errors.add(key, unsendable(exc))
        return
    if measured.segments > cap:
        errors.add(
            key,
            _("%(segments)d SMS segments (%(encoding)s), over this alert's cap of %(cap)d.")
            % {"segments": measured.segments, "encoding": measured.encoding, "cap": cap},
        )


def validate_complete(alert: Alert, now: dt.datetime | None = None) -> None:
    """What an alert needs before approval: the Google Public Alerts feed rules (one info
    per language, expires and area present, event under 35 characters, urgency, severity
    and certainty known) and an expiry still ahead."""
    now = now or timezone.now()
    errors = _Errors()
    infos = list(alert.infos.all())
    if not infos:
        errors.add("infos", _("An alert needs at least one language."))
    for info in infos:
        key = f"info[{info.language}]"
        if not info.event.strip():
            errors.add(f"{key}.event", _("The event is required."))
        elif len(info.event) >= GOOGLE_EVENT_LIMIT:
            errors.add(
                f"{key}.event",
                _("The event must be under %(n)d characters.") % {"n": GOOGLE_EVENT_LIMIT},
            )
        for name in ("urgency", "severity", "certainty"):
            if getattr(info, name) == "Unknown":
                errors.add(f"{key}.{name}", _("Unknown is not accepted by alert feeds."))
        if info.expires is None:
            errors.add(f"{key}.expires", _("The expiry time is required."))
        elif info.expires <= now:
            errors.add(f"{key}.expires", _("The expiry time has passed."))
        elif info.effective and info.effective >= info.expires:
            errors.add(f"{key}.expires", _("The alert expires before it takes effect."))
        if not info.headline.strip():
            errors.add(f"{key}.headline", _("The headline is required."))
    areas = list(alert.areas.all())
    if not areas:
        errors.add("areas", _("An alert needs at least one area."))
    for i, area in enumerate(areas):
        if not (area.polygons or area.circles or area.geocodes or area.admin_area_ids):
            errors.add(
                f"area[{i}]", _("An area needs a polygon, a circle, a geocode or an admin area.")
            )
    errors.raise_if_any()


# The approval's digest ----------------------------------------------------------------


def _iso(value: dt.datetime | None) -> str | None:
    return value.astimezone(dt.UTC).isoformat() if value else None


INFO_FIELDS = tuple(f.name for f in InfoInput.__dataclass_fields__.values())
AREA_FIELDS = ("area_desc", "polygons", "circles", "geocodes", "admin_area_ids")


def snapshot(alert: Alert) -> dict[str, Any]:
    """Everything an approver sees of an alert, as JSON-ready values."""
    infos = sorted(alert.infos.all(), key=lambda i: i.language)
    return {
        "identifier": alert.identifier,
        "sender": alert.sender,
        "status": alert.status,
        "msg_type": alert.msg_type,
        "scope": alert.scope,
        "restriction": alert.restriction,
        "addresses": alert.addresses,
        "note": alert.note,
        "references": sorted(a.identifier for a in alert.references.all()),
        "publish_at": _iso(alert.publish_at),
        "sms_segment_cap": alert.sms_segment_cap,
        "audience": alert.audience,
        "infos": [
            {
                name: _iso(v) if isinstance(v := getattr(info, name), dt.datetime) else v
                for name in INFO_FIELDS
            }
            for info in infos
        ],
        "areas": [{name: getattr(a, name) for name in AREA_FIELDS} for a in alert.areas.all()],
    }


def fingerprint(alert: Alert) -> str:
    canonical = json.dumps(
        snapshot(alert), sort_keys=True, ensure_ascii=False, separators=(",", ":")
    )
    return hashlib.sha256(canonical.encode()).hexdigest()


def approval_is_valid(alert: Alert) -> bool:
    return bool(alert.approval_fingerprint) and alert.approval_fingerprint == fingerprint(alert)


# Actions ------------------------------------------------------------------------------


def _require(actor: User, role: str) -> None:
    if not (actor and actor.is_authenticated and actor.has_role(role)):
        raise PermissionDenied(_("This needs the %(role)s role.") % {"role": role})


def _locked(alert: Alert) -> Alert:
    """Lock the alert's row and reload the caller's instance from it (callers then see
    the state the action left)."""
    Alert.objects.select_for_update().filter(pk=alert.pk).values_list("pk").get()
    alert.refresh_from_db()
    return alert


def default_sender() -> str:
    from django.conf import settings

    return getattr(settings, "RESILNET_ALERTS_SENDER", "alerts@resilnet.invalid")


def _write_content(alert: Alert, data: AlertInput) -> None:
    for name in ("status", "scope", "restriction", "addresses", "note", "publish_at"):
        setattr(alert, name, getattr(data, name))
    alert.sms_segment_cap = data.sms_segment_cap
    alert.audience = data.audience
    alert.sender = data.sender or alert.sender or default_sender()
    alert.updated_at = timezone.now()
    alert.save()
    alert.infos.all().delete()
    alert.areas.all().delete()
    AlertInfo.objects.bulk_create(AlertInfo(alert=alert, **asdict(info)) for info in data.infos)
    AlertArea.objects.bulk_create(AlertArea(alert=alert, **asdict(area)) for area in data.areas)


def _clear_approval(alert: Alert) -> None:
    alert.approver = None
    alert.approved_at = None
    alert.approval_fingerprint = ""


def _transition(actor: User | None, alert: Alert, to: str, reason: str = "", **extra: Any) -> None:
    before = alert.state
    alert.state = to
    alert.save()
    record_audit(
        actor,
        AuditAction.TRANSITIONED,
        alert,
        before={"state": before},
        after={"state": to, **extra},
        reason=reason,
    )


@transaction.atomic
def do_create_alert(
    actor: User,
    data: AlertInput,
    *,
    msg_type: str = MsgType.ALERT,
    references: Iterable[Alert] = (),
) -> Alert:
    _require(actor, Role.ALERT_AUTHOR)
    validate_draft(data)
    identifier = data.identifier or new_identifier()
    if Alert.objects.filter(identifier=identifier).exists():
        raise AlertInvalid({"identifier": [_("An alert with this identifier exists.")]})
    alert = Alert(identifier=identifier, author=actor, msg_type=msg_type)
    _write_content(alert, data)
    alert.references.set(list(references))
    record_audit(actor, AuditAction.CREATED, alert, after=snapshot(alert))
    return alert


@transaction.atomic
def do_edit_alert(actor: User, alert: Alert, data: AlertInput) -> Alert:
    """Replace a draft's content. Editing a submitted or approved alert sends it back to
    draft: whatever was approved is not what it says any more."""
    _require(actor, Role.ALERT_AUTHOR)
    alert = _locked(alert)
    if alert.state not in EDITABLE_STATES:
        raise AlertInvalid(
            {
                "state": [
                    _("A %(state)s alert cannot be edited.") % {"state": alert.get_state_display()}
                ]
            }
        )
    validate_draft(data)
    if data.identifier and data.identifier != alert.identifier:
        raise AlertInvalid({"identifier": [_("The identifier of an alert does not change.")]})
    before = snapshot(alert)
    before_state = alert.state
    _clear_approval(alert)
    alert.state = AlertState.DRAFT
    _write_content(alert, data)
    after = snapshot(alert)
    record_audit(
        actor,
        AuditAction.UPDATED,
        alert,
        before=before | {"state": before_state},
        after=after | {"state": alert.state},
    )
    return alert


@transaction.atomic
def do_submit_alert(actor: User, alert: Alert) -> Alert:
    _require(actor, Role.ALERT_AUTHOR)
    alert = _locked(alert)
    if alert.state not in (AlertState.DRAFT, AlertState.REJECTED):
        raise AlertInvalid({"state": [_("Only a draft can be submitted for approval.")]})
    validate_complete(alert)
    alert.rejection_reason = ""
    _transition(actor, alert, AlertState.SUBMITTED, fingerprint=fingerprint(alert))
    return alert


def _wrote(user: User, alert: Alert) -> bool:
    """Whether `user` wrote any of this alert (its author or anyone who edited it)."""
    return (
        alert.author_id == user.pk
        or AuditEvent.objects.filter(
            object_type=alert._meta.label_lower,
            object_id=str(alert.pk),
            actor=user,
            action__in=[AuditAction.CREATED, AuditAction.UPDATED],
        ).exists()
    )


@transaction.atomic
def do_approve_alert(
    actor: User, alert: Alert, seen_fingerprint: str, now: dt.datetime | None = None
) -> Alert:
    """Approve what the approver saw (`seen_fingerprint`, from the review page). Publishes
    at once unless a later publication time is set."""
    _require(actor, Role.ALERT_APPROVER)
    alert = _locked(alert)
    if _wrote(actor, alert):
        raise PermissionDenied(_("An alert is approved by someone who did not write it."))
    if alert.state != AlertState.SUBMITTED:
        raise AlertInvalid({"state": [_("Only an alert awaiting approval can be approved.")]})
    current = fingerprint(alert)
    if seen_fingerprint != current:
        raise AlertInvalid(
            {"fingerprint": [_("The alert changed since you reviewed it: review it again.")]}
        )
    validate_complete(alert, now)
    now = now or timezone.now()
    alert.approver, alert.approved_at, alert.approval_fingerprint = actor, now, current
    _transition(actor, alert, AlertState.APPROVED, fingerprint=current)
    if alert.publish_at is None or alert.publish_at <= now:
        _publish(actor, alert, now)
    return alert


@transaction.atomic
def do_reject_alert(actor: User, alert: Alert, reason: str) -> Alert:
    _require(actor, Role.ALERT_APPROVER)
    alert = _locked(alert)
    reason = reason.strip()
    if not reason:
        raise AlertInvalid({"reason": [_("Say why the alert is rejected.")]})
    if len(reason) > NOTE_LIMIT:
        raise AlertInvalid({"reason": [_("At most 2,000 characters.")]})
    if alert.state not in (AlertState.SUBMITTED, AlertState.APPROVED):
        raise AlertInvalid(
            {"state": [_("Only an alert awaiting approval or publication can be rejected.")]}
        )
    _clear_approval(alert)
    alert.rejection_reason = reason
    _transition(actor, alert, AlertState.REJECTED, reason=reason)
    return alert


@transaction.atomic
def do_withdraw_alert(actor: User, alert: Alert, reason: str = "") -> Alert:
    _require(actor, Role.ALERT_AUTHOR)
    alert = _locked(alert)
    if alert.state not in EDITABLE_STATES:
        raise AlertInvalid({"state": [_("A published alert is stopped by a Cancel alert.")]})
    _clear_approval(alert)
    _transition(actor, alert, AlertState.WITHDRAWN, reason=reason[:NOTE_LIMIT])
    return alert


def _publish(actor: User | None, alert: Alert, now: dt.datetime) -> bool:
    if not approval_is_valid(alert):
        _clear_approval(alert)
        _transition(
            actor,
            alert,
            AlertState.SUBMITTED,
            reason="approval void: the alert changed after approval",
        )
        return False
    alert.sent = now
    _transition(actor, alert, AlertState.PUBLISHED)
    follows = {MsgType.UPDATE: AlertState.SUPERSEDED, MsgType.CANCEL: AlertState.CANCELLED}
    if alert.msg_type in follows:
        for earlier in alert.references.select_for_update().filter(state=AlertState.PUBLISHED):
            _transition(actor, earlier, follows[MsgType(alert.msg_type)], reason=alert.identifier)
    # Its SMS campaign starts in the same transaction (a Cancel or an Update halts those
    # it replaces).
    delivery.on_alert_published(actor, alert)
    return True


@transaction.atomic
def do_publish_alert(actor: User | None, alert: Alert, now: dt.datetime | None = None) -> bool:
    """Publish an approved alert; an approval that no longer matches the alert is void and
    the alert goes back to awaiting approval (False)."""
    alert = _locked(alert)
    if alert.state != AlertState.APPROVED:
        raise AlertInvalid({"state": [_("Only an approved alert can be published.")]})
    return _publish(actor, alert, now or timezone.now())


def publish_due_alerts(now: dt.datetime | None = None) -> int:
    """Publish approved alerts whose time has come (the periodic task); returns how many."""
    now = now or timezone.now()
    due = Alert.objects.filter(state=AlertState.APPROVED, publish_at__lte=now).values_list(
        "pk", flat=True
    )
    published = 0
    for pk in list(due[:500]):
        with transaction.atomic():
            alert = (
                Alert.objects.select_for_update().filter(pk=pk, state=AlertState.APPROVED).first()
            )
            if alert is not None:
                published += _publish(None, alert, now)
    return published


@transaction.atomic
def do_create_follow_up(actor: User, earlier: Alert, msg_type: str) -> Alert:
    """A draft Update or Cancel of a published alert: its content copied, referencing it
    (and whatever it referenced, as CAP asks of a chain of messages)."""
    _require(actor, Role.ALERT_AUTHOR)
    if msg_type not in (MsgType.UPDATE, MsgType.CANCEL):
        raise AlertInvalid({"msg_type": [_("A follow-up is an Update or a Cancel.")]})
    earlier = _locked(earlier)
    if earlier.state != AlertState.PUBLISHED:
        raise AlertInvalid(
            {"references": [_("Only a published alert can be updated or cancelled.")]}
        )
    data = AlertInput(
        status=earlier.status,
        scope=earlier.scope,
        restriction=earlier.restriction,
        addresses=earlier.addresses,
        sender=earlier.sender,
        sms_segment_cap=earlier.sms_segment_cap,
        audience=earlier.audience,
        infos=[InfoInput(**{n: getattr(i, n) for n in INFO_FIELDS}) for i in earlier.infos.all()],
        areas=[AreaInput(**{n: getattr(a, n) for n in AREA_FIELDS}) for a in earlier.areas.all()],
    )
    chain = [earlier, *earlier.references.all()]
    return do_create_alert(actor, data, msg_type=msg_type, references=chain)
