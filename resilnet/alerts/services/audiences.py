"""Operators and the subscriber registry: every change to them.

Each `do_*` checks who may act, validates, writes and appends to the audit log in one
transaction. Numbers never reach a log line or an audit row in full: audit rows name a
subscriber by `mask_msisdn`, and an import's audit row holds counts only.

The subscriber import follows docs/adr/0008: rows are read and checked a block at a time
and the valid ones staged (`SubscriberStagedChunk`); one short transaction is the commit
point; staged chunks are then applied one short transaction each. Subscribers are matched
by number, so importing a file again updates them (operator, area, language, consent)
and creates nothing twice. A stopped subscriber stays stopped whatever a file says: only
`do_resubscribe` (a person's new consent) turns them active again.
"""

from __future__ import annotations

import csv
import io
import ipaddress
import json
import logging
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from itertools import islice
from typing import IO, Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import connection, transaction
from django.utils import timezone
from django.utils.dateparse import parse_date, parse_datetime
from django.utils.translation import gettext as _

from resilnet.alerts import importers, permissions
from resilnet.alerts.models import (
    BindMode,
    Operator,
    StopChannel,
    Subscriber,
    SubscriberImport,
    SubscriberLanguage,
    SubscriberStagedChunk,
    SubscriberStatus,
)
from resilnet.alerts.numbers import NumberError, is_region, mask_msisdn, stop_keyword, to_e164
from resilnet.core import staged_imports
from resilnet.core.bulk import copy_rows
from resilnet.core.exports import safe_cell
from resilnet.core.models import AuditAction, User
from resilnet.core.services import record_audit
from resilnet.schools import selectors as school_selectors

logger = logging.getLogger(__name__)

# Operators --------------------------------------------------------------------------

OPERATOR_FIELDS = (
    "name",
    "host",
    "port",
    "system_id",
    "password",
    "system_type",
    "tps",
    "binds",
    "window",
    "bind_mode",
    "enabled",
    "is_test",
)
_HOST_LABEL = re.compile(r"^(?!-)[A-Za-z0-9-]{1,63}(?<!-)$")


def _valid_host(host: str) -> bool:
    try:
        ipaddress.ip_address(host)
        return True
    except ValueError:
        pass
    if len(host) > 253 or host.endswith("."):
        return False
    labels = host.split(".")
    return all(_HOST_LABEL.match(label) for label in labels) and not labels[-1].isdigit()


def _check_operator(values: dict[str, Any], current: Operator | None) -> dict[str, Any]:
    """The operator's fields, cleaned; ValidationError naming every field at fault."""
    errors: dict[str, str] = {}
    clean = dict(values)
    for name in ("name", "host", "system_id", "password", "system_type"):
        if name in clean:
            clean[name] = str(clean[name] or "").strip()
    limits = {"name": 100, "system_id": 15, "password": 8, "system_type": 12}
    for name, limit in limits.items():
        text = clean.get(name)
        if text is not None and len(text) > limit:
            errors[name] = _("At most %(n)d characters (SMPP 3.4).") % {"n": limit}
        elif text is not None and not text.isprintable():
            errors[name] = _("Printable characters only.")
    for name in ("name", "host", "system_id"):
        if name in clean and not clean[name]:
            errors[name] = _("Required.")
    if clean.get("host") and not _valid_host(clean["host"]):
        errors["host"] = _("Not a host name or an IP address: %(host)s") % {
            "host": clean["host"][:100]
        }
    ranges = {"port": (1, 65535), "tps": (1, 100_000), "binds": (1, 16), "window": (1, 1000)}
    for name, (low, high) in ranges.items():
        if name not in clean:
            continue
        try:
            number = int(clean[name])
            if isinstance(clean[name], float | bool) or str(number) != str(clean[name]).strip():
                raise ValueError
        except (TypeError, ValueError):
            errors[name] = _("A whole number.")
            continue
        if not low <= number <= high:
            errors[name] = _("From %(low)s to %(high)s.") % {"low": low, "high": high}
        clean[name] = number
    if "bind_mode" in clean and clean["bind_mode"] not in BindMode.values:
        errors["bind_mode"] = _("Transceiver or tx+rx.")
    new_name = clean.get("name")
    if new_name and not errors.get("name"):
        taken = Operator.objects.filter(name__iexact=new_name)
        if current is not None:
            taken = taken.exclude(pk=current.pk)
        if taken.exists():
            errors["name"] = _("An operator named %(name)s exists.") % {"name": new_name}
    unknown = sorted(set(clean) - set(OPERATOR_FIELDS))
    if unknown:
        errors[unknown[0]] = _("Not a field of an operator.")
    if errors:
        raise ValidationError(errors)
    return clean


def _operator_audit(values: dict[str, Any]) -> dict[str, Any]:
    """An operator's fields for the audit log: the password only as changed or not."""
    return {k: v for k, v in values.items() if k != "password"}


def _require(allowed: bool, message: str) -> None:
    if not allowed:
        raise PermissionDenied(message)


@transaction.atomic
def do_add_operator(actor: User | None, **values: Any) -> Operator:
    _require(permissions.can_manage_operators(actor), _("Only administrators manage operators."))
    missing = [n for n in ("name", "host", "port", "system_id", "password") if n not in values]
    if missing:
        raise ValidationError({name: _("Required.") for name in missing})
    clean = _check_operator(values, None)
    operator = Operator.objects.create(**clean)
    record_audit(actor, AuditAction.CREATED, operator, after=_operator_audit(clean))
    return operator


@transaction.atomic
def do_update_operator(actor: User | None, operator: Operator, **changes: Any) -> Operator:
    _require(permissions.can_manage_operators(actor), _("Only administrators manage operators."))
    operator = Operator.objects.select_for_update().get(pk=operator.pk)
    clean = _check_operator(changes, operator)
    before = {name: getattr(operator, name) for name in clean}
    changed = {name: value for name, value in clean.items() if before[name] != value}
    if not changed:
        return operator
    for name, value in changed.items():
        setattr(operator, name, value)
    operator.updated_at = timezone.now()
    operator.save()
    after = _operator_audit(changed) | ({"password": "changed"} if "password" in changed else {})
    record_audit(
        actor,
        AuditAction.UPDATED,
        operator,
        before=_operator_audit({k: before[k] for k in changed}),
        after=after,
    )
    return operator


# STOP and resubscribing -------------------------------------------------------------

# The confirmation sent back after a STOP, in each subscriber language. These are SMS
# texts (short, one segment each), kept beside the keywords rather than in the interface
# translations so that each language's reply exists from the start.
STOP_CONFIRMATIONS: dict[str, str] = {
    SubscriberLanguage.ENGLISH: "You are unsubscribed and will get no more health alerts.",
    SubscriberLanguage.FRENCH: "Vous êtes désinscrit et ne recevrez plus d'alertes sanitaires.",
    SubscriberLanguage.SPANISH: "Se ha dado de baja y no recibirá más alertas sanitarias.",
    SubscriberLanguage.RUSSIAN: "Вы отписались и больше не будете получать оповещения о здоровье.",
    SubscriberLanguage.CHINESE: "您已退订，将不再收到健康警报。",
    SubscriberLanguage.ARABIC: "تم إلغاء اشتراكك ولن تصلك تنبيهات صحية بعد الآن.",
}


@dataclass(frozen=True)
class StopOutcome:
    keyword: str | None  # the STOP keyword the message was (folded), or None
    subscriber: Subscriber | None  # the subscriber the number is, if any
    stopped: bool  # this message stopped them (False: already stopped, or not STOP)
    reply: str | None  # the confirmation to send back, in the subscriber's language


@transaction.atomic
def do_stop_subscriber(
    actor: User | None, msisdn: str, message: str, *, region: str | None = None
) -> StopOutcome:
    """A mobile-originated message from `msisdn`: if it is STOP (or an equivalent), the
    subscriber stops at once. A subscriber already stopped gets the confirmation again
    (their first one may have been lost); a message that is not STOP changes nothing."""
    keyword = stop_keyword(message)
    if keyword is None:
        return StopOutcome(None, None, False, None)
    try:
        number = to_e164(msisdn, region)
    except NumberError:
        logger.info("STOP from an unreadable number %s", mask_msisdn(str(msisdn)[:20]))
        return StopOutcome(keyword, None, False, None)
    subscriber = Subscriber.objects.select_for_update().filter(msisdn=number).first()
    if subscriber is None:
        logger.info("STOP from %s, who is not a subscriber", mask_msisdn(number))
        return StopOutcome(keyword, None, False, None)
    reply = STOP_CONFIRMATIONS.get(
        subscriber.language, STOP_CONFIRMATIONS[SubscriberLanguage.ENGLISH]
    )
    if subscriber.status == SubscriberStatus.STOPPED:
        return StopOutcome(keyword, subscriber, False, reply)
    _stop(actor, subscriber, StopChannel.SMS, keyword)
    logger.info("%s stopped by SMS (%s)", mask_msisdn(number), keyword)
    return StopOutcome(keyword, subscriber, True, reply)


@transaction.atomic
def do_stop_by_staff(actor: User | None, subscriber: Subscriber, reason: str = "") -> Subscriber:
    _require(permissions.can_manage_subscribers(actor), _("Only administrators stop subscribers."))
    subscriber = Subscriber.objects.select_for_update().get(pk=subscriber.pk)
    if subscriber.status != SubscriberStatus.STOPPED:
        _stop(actor, subscriber, StopChannel.STAFF, "", reason)
    return subscriber


def _stop(
    actor: User | None, subscriber: Subscriber, how: str, keyword: str, reason: str = ""
) -> None:
    now = timezone.now()
    subscriber.status = SubscriberStatus.STOPPED
    subscriber.stopped_at = now
    subscriber.stopped_how = how
    subscriber.stop_keyword = keyword[:20]
    subscriber.updated_at = now
    subscriber.save(
        update_fields=["status", "stopped_at", "stopped_how", "stop_keyword", "updated_at"]
    )
    record_audit(
        actor,
        AuditAction.TRANSITIONED,
        subscriber,
        before={"status": SubscriberStatus.ACTIVE},
        after={"status": SubscriberStatus.STOPPED, "how": how, "keyword": keyword},
        reason=reason[:500],
        actor_label="" if actor else f"STOP by SMS from {mask_msisdn(subscriber.msisdn)}",
    )


@transaction.atomic
def do_resubscribe(
    actor: User | None, subscriber: Subscriber, *, consent_source: str
) -> Subscriber:
    """A stopped subscriber active again, on a new consent (recorded with its time)."""
    _require(permissions.can_manage_subscribers(actor), _("Only administrators resubscribe."))
    consent_source = str(consent_source or "").strip()
    if not consent_source:
        raise ValidationError({"consent_source": _("Say where the new consent comes from.")})
    subscriber = Subscriber.objects.select_for_update().get(pk=subscriber.pk)
    if subscriber.status == SubscriberStatus.ACTIVE:
        return subscriber
    now = timezone.now()
    subscriber.status = SubscriberStatus.ACTIVE
    subscriber.stopped_at = None
    subscriber.stopped_how = ""
    subscriber.stop_keyword = ""
    subscriber.consent_source = consent_source[:200]
    subscriber.consent_at = now
    subscriber.updated_at = now
    subscriber.save()
    record_audit(
        actor,
        AuditAction.TRANSITIONED,
        subscriber,
        before={"status": SubscriberStatus.STOPPED},
        after={"status": SubscriberStatus.ACTIVE, "consent_source": consent_source[:200]},
    )
    return subscriber


# Imports ----------------------------------------------------------------------------

ALL_OR_NOTHING = "all-or-nothing"
VALID_ROWS = "valid-rows"
MODES = (ALL_OR_NOTHING, VALID_ROWS)
CHUNK_ROWS = 5000  # rows checked, staged and applied per transaction: well under a second
CHUNK_ATTEMPTS = 3
STALLED_AFTER = timedelta(minutes=2)
MAX_REPORTED = 100_000  # rejected rows kept in the report; the count covers them all
LANGUAGE_ALIASES = {
    "zh": SubscriberLanguage.CHINESE,
    "zh-cn": SubscriberLanguage.CHINESE,
    "zh_hans": SubscriberLanguage.CHINESE,
    "chinese": SubscriberLanguage.CHINESE,
    "arabic": SubscriberLanguage.ARABIC,
    "english": SubscriberLanguage.ENGLISH,
    "french": SubscriberLanguage.FRENCH,
    "russian": SubscriberLanguage.RUSSIAN,
    "spanish": SubscriberLanguage.SPANISH,
}


class ImportIncomplete(Exception):
    """An import stopped after its commit point; `finish_subscriber_imports` applies the rest."""


@dataclass
class Rejection:
    row: int
    column: str
    reason: str


@dataclass
class ImportReport:
    total: int = 0
    rejected: int = 0
    duplicates: int = 0  # rows repeating an earlier row's number (counted in rejected)
    created: int = 0
    updated: int = 0
    unchanged: int = 0
    rejections: list[Rejection] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    mode: str = ALL_OR_NOTHING
    batch_id: int | None = None

    @property
    def written(self) -> bool:
        return not (self.mode == ALL_OR_NOTHING and self.rejected)

    def rejected_csv(self) -> str:
        return rejected_rows_csv(self.rejections, self.rejected)

    def summary(self) -> dict[str, Any]:
        return {
            "total": self.total,
            "rejected": self.rejected,
            "duplicates": self.duplicates,
            "created": self.created,
            "updated": self.updated,
            "unchanged": self.unchanged,
            "written": self.written,
            "mode": self.mode,
        }


def rejected_rows_csv(rejections: list[Rejection], count: int | None = None) -> str:
    """The rejected rows as CSV: row, column, reason. No cell of the file is repeated (a
    number would then sit in full in a file passed around), and every cell is safe to open
    in a spreadsheet (no formula runs)."""
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(["row", "column", "reason"])
    for r in rejections:
        writer.writerow([r.row, safe_cell(r.column), safe_cell(r.reason)])
    if count is not None and count > len(rejections):
        writer.writerow(["", "", f"… and {count - len(rejections):,} more rejected rows"])
    return out.getvalue()


@dataclass
class _Defaults:
    region: str | None
    operator_id: int | None
    language: str
    consent_source: str
    consent_at: str
    test: bool


class _Checker:
    """Checks rows into staged tuples, remembering the numbers seen (duplicates within
    the file are rejected, the first occurrence kept)."""

    def __init__(self, defaults: _Defaults, columns: tuple[str, ...]) -> None:
        self.d = defaults
        self.columns = set(columns)
        self.operators = {
            name.casefold(): pk for pk, name in Operator.objects.values_list("id", "name")
        }
        self.area_codes = school_selectors.area_ids_by_code() if "area" in columns else {}
        self.area_ids = {i for i in self.area_codes.values() if i is not None}
        self.seen: dict[int, int] = {}  # number (digits as an int) → its first row
        self.rows = 0
        self.rejected = 0
        self.duplicates = 0
        self.rejections: list[Rejection] = []

    def reject(self, row: int, column: str, reason: str) -> None:
        self.rejected += 1
        if len(self.rejections) < MAX_REPORTED:
            self.rejections.append(Rejection(row, column, reason))

    def check(self, block: list[tuple[int, dict[str, str]]]) -> list[list[Any]]:
        valid: list[list[Any]] = []
        for number, row in block:
            self.rows += 1
            staged = self._row(number, row)
            if staged is not None:
                valid.append(staged)
        return valid

    def _row(self, number: int, row: dict[str, str]) -> list[Any] | None:
        if "" in row:  # a line whose width differs from the header's
            self.reject(number, "", row[""])
            return None
        try:
            msisdn = to_e164(row.get("msisdn", ""), self.d.region)
        except NumberError as exc:
            self.reject(number, "msisdn", str(exc))
            return None
        key = int(msisdn[1:])
        first = self.seen.get(key)
        if first is not None:
            self.duplicates += 1
            self.reject(number, "msisdn", f"the same number as row {first}")
            return None
        self.seen[key] = number
        operator_id = self.d.operator_id
        name = row.get("operator", "")
        if name:
            operator_id = self.operators.get(name.casefold())
            if operator_id is None:
                self.reject(number, "operator", f"no operator named {name[:100]!r}")
                return None
        if operator_id is None:
            self.reject(number, "operator", "no operator (add the column or give a default)")
            return None
        area_id = None
        area = row.get("area", "")
        if area:
            area_id = self._area(area)
            if area_id is None:
                self.reject(number, "area", f"no admin area {area[:100]!r}")
                return None
        language = self.d.language
        if row.get("language"):
            raw = row["language"].strip().lower()
            found = raw if raw in SubscriberLanguage.values else LANGUAGE_ALIASES.get(raw)
            if found is None:
                self.reject(
                    number, "language", f"not one of {', '.join(SubscriberLanguage.values)}"
                )
                return None
            language = str(found)
        source = row.get("consent_source") or self.d.consent_source
        if len(source) > 200:
            self.reject(number, "consent_source", "over 200 characters")
            return None
        consent_at = self.d.consent_at
        if row.get("consent_at"):
            when = _consent_time(row["consent_at"])
            if when is None:
                self.reject(number, "consent_at", "not a date or time (YYYY-MM-DD[THH:MM])")
                return None
            consent_at = when
        return [msisdn, operator_id, area_id, language, source, consent_at, self.d.test]

    def _area(self, text: str) -> int | None:
        if text.isdigit():
            return int(text) if int(text) in self.area_ids else None
        return self.area_codes.get(text)


def _consent_time(text: str) -> str | None:
    try:
        when = parse_datetime(text)
        if when is None:
            day = parse_date(text)
            when = datetime(day.year, day.month, day.day) if day else None
    except ValueError:
        return None
    if when is None or not 1990 <= when.year <= 2100:
        return None
    if timezone.is_naive(when):
        when = timezone.make_aware(when, UTC)
    if when > timezone.now() + timedelta(days=1):
        return None
    return when.isoformat()


def do_import_subscribers(
    actor: User | None,
    stream: IO[bytes],
    file_format: str,
    *,
    region: str | None = None,
    operator: str | None = None,
    language: str = SubscriberLanguage.ENGLISH,
    consent_source: str = "",
    mode: str = ALL_OR_NOTHING,
    test: bool = False,
    progress: Callable[[int, int | None, str], None] | None = None,
    source_name: str = "",
    job_id: int | None = None,
) -> ImportReport:
    """Check every row of a CSV or XLSX file of subscribers and (unless all-or-nothing
    with a rejected row) create or update them. `region` is the country of the numbers
    (ISO 3166-1 alpha-2; national numbers are read as its, others refused); `operator`,
    `language` and `consent_source` apply to rows without the column. Raises
    importers.SubscriberFileError for a file that cannot be read at all, ValidationError
    for a wrong option, ImportIncomplete if it stopped after its commit point."""
    _require(
        permissions.can_manage_subscribers(actor), _("Only administrators import subscribers.")
    )
    errors: dict[str, str] = {}
    if mode not in MODES:
        errors["mode"] = _("All-or-nothing or valid-rows.")
    if region and not is_region(region):
        errors["region"] = _("Not a region code (ISO 3166-1 alpha-2, e.g. KE).")
    operator_id = None
    if operator:
        operator_id = (
            Operator.objects.filter(name__iexact=operator).values_list("id", flat=True).first()
        )
        if operator_id is None:
            errors["operator"] = _("No operator named %(name)s.") % {"name": operator[:100]}
    if language not in SubscriberLanguage.values:
        errors["language"] = _("Not one of the six languages.")
    if errors:
        raise ValidationError(errors)
    now = timezone.now()
    source = importers.read(stream, file_format)
    defaults = _Defaults(
        region.upper() if region else None,
        operator_id,
        language,
        (consent_source or f"import {source_name}".strip())[:200],
        now.isoformat(),
        test,
    )
    checker = _Checker(defaults, source.columns)
    report = ImportReport(mode=mode)
    report.notes += [f"column ignored: {name}" for name in source.ignored]
    with transaction.atomic():
        batch_id = SubscriberImport.objects.create(
            actor=actor if actor is not None and actor.pk else None,
            job_id=job_id,
            source=source_name[:200],
            region=defaults.region or "",
            mode=mode,
            test=test,
        ).pk
    staged = 0
    try:
        while block := list(islice(source.rows, CHUNK_ROWS)):
            valid = checker.check(block)
            if valid and not (mode == ALL_OR_NOTHING and checker.rejected):
                with transaction.atomic():
                    SubscriberStagedChunk.objects.create(
                        batch_id=batch_id, rows=json.dumps(valid, separators=(",", ":"))
                    )
                    _beat(batch_id)
                staged += len(valid)
            if progress:
                progress(checker.rows, None, "checking")
        report.total, report.rejected = checker.rows, checker.rejected
        report.duplicates = checker.duplicates
        report.rejections = checker.rejections
        with transaction.atomic():
            state = (
                SubscriberImport.State.APPLYING
                if report.written
                else SubscriberImport.State.DISCARDED
            )
            SubscriberImport.objects.filter(pk=batch_id).update(
                state=state,
                total=report.total,
                rejected=report.rejected,
                report=report.rejected_csv(),
                heartbeat_at=timezone.now(),
                finished_at=None if report.written else timezone.now(),
            )
            if not report.written:
                _audit_import(actor, batch_id)
    except BaseException:
        staged_imports.discard_quietly(
            SubscriberImport, SubscriberStagedChunk, batch_id, "subscriber import"
        )
        raise
    report.batch_id = batch_id
    if not report.written:
        _discard(batch_id)
        return report
    try:
        batch = _apply_batch(batch_id, staged, progress)
    except Exception as exc:
        raise ImportIncomplete(
            f"import {batch_id} stopped after its commit point ({exc.__class__.__name__}); "
            "the rest is applied by `resilnet alerts subscribers finish-imports`"
        ) from exc
    report.created, report.updated, report.unchanged = batch.created, batch.updated, batch.unchanged
    return report


def _audit_import(actor: User | None, batch_id: int) -> None:
    batch = SubscriberImport.objects.get(pk=batch_id)
    record_audit(
        actor if actor is not None else batch.actor,
        AuditAction.CREATED,
        batch,
        after={
            "source": batch.source,
            "state": batch.state,
            "total": batch.total,
            "rejected": batch.rejected,
            "created": batch.created,
            "updated": batch.updated,
            "unchanged": batch.unchanged,
            "test": batch.test,
        },
    )


def _beat(batch_id: int) -> None:
    staged_imports.beat(SubscriberImport, batch_id)


def _discard(batch_id: int) -> None:
    """Forget the staged rows of an import that never reached its commit point."""
    staged_imports.discard(SubscriberImport, SubscriberStagedChunk, batch_id)


def finish_subscriber_imports(*, quiet_for: timedelta = STALLED_AFTER) -> dict[str, int]:
    """Finish imports that stopped after their commit point, discard those that stopped
    before it."""
    discarded, finished = staged_imports.stalled(SubscriberImport, quiet_for)
    for batch_id in discarded:
        _discard(batch_id)
    for batch_id in finished:
        _apply_batch(batch_id, None, None)
    return {"finished": len(finished), "discarded": len(discarded)}


def _apply_batch(
    batch_id: int, total: int | None, progress: Callable[[int, int | None, str], None] | None
) -> SubscriberImport:
    done = 0
    while True:
        batch, applied = staged_imports.retried_chunk(
            lambda: _apply_chunk(batch_id),
            label=f"subscriber import {batch_id}",
            attempts=CHUNK_ATTEMPTS,
        )
        if batch.state != SubscriberImport.State.APPLYING:
            return batch
        done += applied
        if progress:
            progress(done, total, "writing")


INSERT_COLUMNS = (
    "msisdn",
    "operator_id",
    "area_id",
    "language",
    "consent_source",
    "consent_at",
    "is_test",
    "status",
    "stopped_how",
    "stop_keyword",
    "created_at",
    "updated_at",
)
COMPARED = ("operator_id", "area_id", "language", "consent_source", "is_test")


def _apply_chunk(batch_id: int) -> tuple[SubscriberImport, int]:
    """One staged chunk written, and deleted, in the caller's transaction; the batch
    closed (and audited) when none is left."""
    batch = SubscriberImport.objects.select_for_update().get(pk=batch_id)
    if batch.state != SubscriberImport.State.APPLYING:
        return batch, 0
    chunk = SubscriberStagedChunk.objects.filter(batch_id=batch_id).order_by("id").first()
    if chunk is None:
        batch.state = SubscriberImport.State.DONE
        batch.finished_at = timezone.now()
        batch.save(update_fields=["state", "finished_at"])
        _audit_import(None, batch_id)
        return batch, 0
    rows = json.loads(chunk.rows)
    existing = {
        found[0]: found[1:]
        for found in Subscriber.objects.filter(msisdn__in=[r[0] for r in rows]).values_list(
            "msisdn", "id", "status", *COMPARED
        )
    }
    now = timezone.now()
    prep = connection.ops
    now_db = prep.adapt_datetimefield_value(now)
    new: list[tuple[Any, ...]] = []
    changed: list[tuple[Any, ...]] = []
    unchanged = 0
    for msisdn, operator_id, area_id, language, source, consent_at, test in rows:
        found = existing.get(msisdn)
        if found is None:
            new.append(
                (
                    msisdn,
                    operator_id,
                    area_id,
                    language,
                    source,
                    prep.adapt_datetimefield_value(datetime.fromisoformat(consent_at)),
                    test,
                    SubscriberStatus.ACTIVE.value,
                    "",
                    "",
                    now_db,
                    now_db,
                )
            )
            continue
        # A stopped subscriber is updated too, and stays stopped (status is not written).
        pk, _status, *current = found
        if tuple(current) == (operator_id, area_id, language, source, test):
            unchanged += 1
            continue
        # The consent time moves only with a new consent source: a file imported again
        # does not renew consents it merely repeats.
        consent = None
        if current[3] != source:
            consent = prep.adapt_datetimefield_value(datetime.fromisoformat(consent_at))
        changed.append((operator_id, area_id, language, source, test, consent, now_db, pk))
    copy_rows(Subscriber._meta.db_table, INSERT_COLUMNS, new)
    if changed:
        quote = prep.quote_name
        sets = ", ".join(f"{quote(c)} = %s" for c in COMPARED)
        sets += ", consent_at = COALESCE(%s, consent_at), updated_at = %s"
        with connection.cursor() as cursor:
            cursor.executemany(
                f"UPDATE {quote(Subscriber._meta.db_table)} SET {sets} WHERE id = %s",  # noqa: S608
                changed,
            )
    chunk.delete()
    batch.created += len(new)
    batch.updated += len(changed)
    batch.unchanged += unchanged
    batch.heartbeat_at = now
    batch.save(update_fields=["created", "updated", "unchanged", "heartbeat_at"])
    return batch, len(rows)
