"""Campaigns and their messages: what the dispatcher claims, what it reports back, and
the kill switch.

The dispatcher (`resilnet dispatcher`) calls only the functions of the contract below:
`claim`, `renew`, `release`, `record_outcomes`, `record_receipts`,
`handle_mobile_originated`, `operators_with_work` and `halted_campaign_ids`. Each is one
short transaction with a bounded number of statements whatever the number of messages it
handles, so a dispatcher reporting hundreds of outcomes every 100 ms does not hold the
database.

Leases: `claim` marks messages `sending` under a worker's name until a time. A message
whose lease ran out while `sending` may have had its submit_sm on the wire when its
dispatcher died; the next claim takes it over and flags it `maybe_duplicate`, and the
report counts those. Outcomes from a worker that no longer holds a message's lease change
nothing (they are logged).

Long messages: the SMSC must receive a message's parts in order. A part accepted is
stored (`MessagePart`, under the SMSC's id) and the message's `parts_sent` counts the
leading parts accepted. A retry (throttling) or an unknown outcome re-sends from the first
part not accepted: the parts after it are sent again even if the SMSC had accepted them
(their earlier ids are forgotten and the message is flagged `maybe_duplicate`), so the
handset receives the parts in order. `Outbound.parts` holds the parts still to send and
`Outbound.first_seq` the number of the first of them.

Receipts are matched by (operator, SMSC id). The dispatcher records a batch of outcomes
before the receipts it read after them: a receipt whose submit_sm_resp is not recorded
yet is an unknown id. An SMSC may hand a receipt to another dispatcher's bind before the
submitting one has written the part: the dispatcher answers such receipts "later" for a
while (the SMSC delivers them again) before taking them as unknown.
"""

from __future__ import annotations

import datetime as dt
import logging
from collections import OrderedDict
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from datetime import timedelta
from itertools import groupby
from typing import Any, Literal

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import connection, transaction
from django.db.models import F, Q
from django.utils import timezone
from django.utils.translation import gettext as _

from resilnet.alerts import gsm, selectors
from resilnet.alerts.models import (
    Alert,
    AlertInfo,
    AlertState,
    Audience,
    Campaign,
    CampaignState,
    Message,
    MessagePart,
    MessageState,
    MsgType,
    Operator,
    Status,
    SubscriberLanguage,
)
from resilnet.alerts.models.delivery import FAILED_STATES, FINAL_STATES
from resilnet.alerts.numbers import mask_msisdn
from resilnet.alerts.services import audiences
from resilnet.alerts.smpp.receipts import (
    MAX_MESSAGE_ID,
    Receipt,
    ReceiptError,
    canonical_message_id,
    receipt_id_keys,
)
from resilnet.core.bulk import copy_rows
from resilnet.core.models import AuditAction, Role, User
from resilnet.core.services import record_audit, start_job

logger = logging.getLogger(__name__)

RETRY_AFTER = timedelta(seconds=3)  # a throttled message waits this long before its retry
BUILD_CHUNK = 5000  # messages written per transaction when a campaign is built
BACKGROUND_FROM = 50_000  # recipients beyond which a campaign is built by a worker
ID_BATCH = 500  # ids per IN (…) list
REASON_LENGTH = 200


# The contract ---------------------------------------------------------------------------


@dataclass(frozen=True)
class Outbound:
    """A message to send: its parts still to send as (esm_class, data_coding, payload),
    the first of them numbered `first_seq` (1 unless earlier parts were accepted)."""

    message_id: int
    msisdn: str
    parts: tuple[tuple[int, int, bytes], ...]
    attempt: int
    first_seq: int = 1


@dataclass(frozen=True)
class PartOutcome:
    message_id: int
    seq: int
    kind: Literal["accepted", "retry", "failed", "unknown"]
    smsc_id: str | None = None
    reason: str = ""


def _now() -> dt.datetime:
    return timezone.now()


def _adapt(value: dt.datetime | None) -> Any:
    return connection.ops.adapt_datetimefield_value(value)


def _table(model: Any) -> str:
    return connection.ops.quote_name(model._meta.db_table)


def _marks(n: int) -> str:
    return ", ".join(["%s"] * n)


def _batches(ids: Sequence[int], size: int = ID_BATCH) -> Iterable[list[int]]:
    for start in range(0, len(ids), size):
        yield list(ids[start : start + size])


def _each_batch(
    sql: str, ids: Sequence[Any], before: Sequence[Any] = (), after: Sequence[Any] = ()
) -> list[tuple[Any, ...]]:
    """Run `sql`, whose `{ids}` stands for `IN (…)` of the ids, and return its rows: on
    PostgreSQL once, the ids passed as one array (`= ANY(%s)`: one statement to parse and
    plan however many ids); on SQLite once per batch of placeholders. The hot paths of the
    dispatcher's calls use it instead of the ORM, whose cost per id in an IN list is many
    times the database's."""
    rows: list[tuple[Any, ...]] = []
    if not ids:
        return rows
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute(sql.format(ids="= ANY(%s)"), [*before, list(ids), *after])
            return cursor.fetchall() if cursor.description is not None else rows
        for batch in _batches(ids):
            cursor.execute(sql.format(ids=f"IN ({_marks(len(batch))})"), [*before, *batch, *after])
            if cursor.description is not None:
                rows += cursor.fetchall()
    return rows


def running_campaign_ids() -> list[int]:
    return list(_running_campaigns())


def _running_campaigns() -> dict[int, str]:
    """Running campaigns, oldest first, with the digest of their alert's approved content
    (which names the texts cached for them)."""
    return dict(
        Campaign.objects.filter(state=CampaignState.RUNNING)
        .order_by("id")
        .values_list("id", "alert__approval_fingerprint")
    )


def halted_campaign_ids() -> list[int]:
    """Campaigns the kill switch stopped: a dispatcher releases the messages of these it
    holds (`release`) instead of sending them."""
    return list(Campaign.objects.filter(state=CampaignState.HALTED).values_list("id", flat=True))


def operators_with_work(now: dt.datetime | None = None) -> list[int]:
    """Operators with messages to claim (or leases to take over), one index probe each."""
    now = now or _now()
    running = running_campaign_ids()
    ours = Q(campaign__isnull=True) | Q(campaign_id__in=running)
    found = []
    for operator_id in Operator.objects.filter(enabled=True).values_list("id", flat=True):
        mine = Message.objects.filter(ours, operator_id=operator_id)
        if (
            mine.filter(state=MessageState.QUEUED).exists()
            or mine.filter(state=MessageState.SENDING, lease_until__lt=now).exists()
        ):
            found.append(operator_id)
    return found


_RETURNING = "id, campaign_id, msisdn, language, text, parts_sent, attempts"


def _claim_sql(where: str, order: str, *, takeover: bool) -> str:
    """One statement: pick rows by `where`, lease them, return them. PostgreSQL skips rows
    another dispatcher is leasing at this moment; SQLite has one writer at a time."""
    m = _table(Message)
    flag = ", maybe_duplicate = TRUE" if takeover else ""
    # 'queued' and 'sending' are written literally: a partial index is used only when the
    # query names its condition's value.
    state = "sending" if takeover else "queued"
    pick = (
        f"SELECT id FROM {m} WHERE operator_id = %s AND state = '{state}' AND {where} "  # noqa: S608
        f"ORDER BY {order} LIMIT %s"
    )
    if connection.vendor == "postgresql":
        # ARRAY(…) runs the pick once; as a plain IN (…) PostgreSQL may run it again per
        # row and lease more than the limit.
        pick = f"SELECT UNNEST(ARRAY({pick} FOR UPDATE SKIP LOCKED))"
    return (
        f"UPDATE {m} SET state = 'sending', lease_owner = %s, lease_until = %s, "  # noqa: S608
        f"attempts = attempts + 1{flag} WHERE state = '{state}' AND id IN ({pick}) "
        f"RETURNING {_RETURNING}"
    )


def claim(operator_id: int, worker: str, limit: int, lease: timedelta) -> list[Outbound]:
    """Up to `limit` messages for this operator, leased to `worker` until now + `lease`:
    first messages whose lease ran out (taken over, flagged maybe_duplicate), then replies,
    then the queued messages of running campaigns, oldest campaign first."""
    if limit <= 0:
        return []
    now = _now()
    until = _adapt(now + lease)
    worker = worker[:64]
    rows: list[tuple[Any, ...]] = []
    with transaction.atomic(), connection.cursor() as cursor:
        versions = _running_campaigns()
        running = list(versions)
        campaigns = "campaign_id IS NULL"
        if running:
            campaigns = f"(campaign_id IS NULL OR campaign_id IN ({_marks(len(running))}))"
        cursor.execute(
            _claim_sql(f"lease_until < %s AND {campaigns}", "lease_until", takeover=True),
            [worker, until, operator_id, _adapt(now), *running, limit],
        )
        rows += cursor.fetchall()
        due = "(not_before IS NULL OR not_before <= %s)"
        for campaign_id in [None, *running]:
            if len(rows) >= limit:
                break
            which = "campaign_id IS NULL" if campaign_id is None else "campaign_id = %s"
            params = [] if campaign_id is None else [campaign_id]
            cursor.execute(
                _claim_sql(f"{which} AND {due}", "id", takeover=False),
                [worker, until, operator_id, *params, _adapt(now), limit - len(rows)],
            )
            rows += cursor.fetchall()
    rows.sort(key=lambda r: (r[1] is not None, r[1] or 0, r[0]))
    texts: dict[tuple[int, str], list[tuple[int, int, bytes]]] = {}  # for this batch
    outbound = []
    for message_id, campaign_id, msisdn, language, text, parts_sent, attempts in rows:
        if campaign_id is None:
            parts = gsm.smpp_parts(text, message_id & 0xFF)
        else:
            key = (campaign_id, language)
            if key not in texts:
                texts[key] = campaign_parts(campaign_id, language, versions.get(campaign_id, ""))
            parts = _with_reference(texts[key], message_id & 0xFF)
        outbound.append(
            Outbound(
                message_id=message_id,
                msisdn=msisdn,
                parts=tuple(parts[parts_sent:]),
                attempt=attempts,
                first_seq=parts_sent + 1,
            )
        )
    return outbound


# Texts: one split per (campaign, language) --------------------------------------------

_TEXT_CACHE: OrderedDict[tuple[int, str], dict[str, list[tuple[int, int, bytes]]]] = OrderedDict()
_TEXT_CACHE_SIZE = 64


def cap_language(subscriber_language: str) -> str:
    """A subscriber's language (zh-hans) as CAP writes it (zh)."""
    return subscriber_language.split("-")[0].lower()


def sms_texts(alert: Alert) -> dict[str, str]:
    """The alert's SMS text per CAP language, in the order of its info blocks."""
    infos = AlertInfo.objects.filter(alert=alert).order_by("id")
    return {i.language: i.sms_text for i in infos if i.sms_text.strip()}


def text_for(texts: dict[str, str], subscriber_language: str) -> str:
    """The text for a subscriber's language, else the alert's first text."""
    return texts.get(cap_language(subscriber_language)) or next(iter(texts.values()), "")


def campaign_parts(campaign_id: int, language: str, version: str) -> list[tuple[int, int, bytes]]:
    """The campaign's text for a subscriber language as SMPP parts with reference 0. A
    published alert's texts never change, so they are split once and kept, under the
    campaign and the digest of its alert's approved content (`version`): a campaign id
    reused by another database never gets another's text."""
    key = (campaign_id, version)
    texts = _TEXT_CACHE.get(key)
    if texts is None:
        alert = Alert.objects.get(campaign__id=campaign_id)
        by_language = sms_texts(alert)
        texts = {
            code: gsm.smpp_parts(text_for(by_language, code), 0)
            for code in SubscriberLanguage.values
        }
        _TEXT_CACHE[key] = texts
        while len(_TEXT_CACHE) > _TEXT_CACHE_SIZE:
            _TEXT_CACHE.popitem(last=False)
    else:
        _TEXT_CACHE.move_to_end(key)
    return texts.get(language) or texts[SubscriberLanguage.ENGLISH]


def _with_reference(
    parts: list[tuple[int, int, bytes]], reference: int
) -> list[tuple[int, int, bytes]]:
    """The parts with this message's concatenation reference (header octet 3) in place
    of the cached 0: one message's parts share it, consecutive messages differ."""
    if len(parts) == 1:
        return parts
    return [
        (esm, coding, payload[:3] + bytes((reference,)) + payload[4:])
        for esm, coding, payload in parts
    ]


# Leases -------------------------------------------------------------------------------


def renew(worker: str, message_ids: list[int], lease: timedelta) -> None:
    """Extend the lease of messages `worker` still holds."""
    until = _now() + lease
    with transaction.atomic():
        for ids in _batches(message_ids):
            Message.objects.filter(
                id__in=ids, state=MessageState.SENDING, lease_owner=worker[:64]
            ).update(lease_until=until)


def release(worker: str, message_ids: list[int]) -> int:
    """Give back messages leased but not sent (their campaign was halted, the dispatcher
    is stopping): queued again, the attempt not counted. Returns how many."""
    released = 0
    with transaction.atomic():
        for ids in _batches(message_ids):
            released += Message.objects.filter(
                id__in=ids, state=MessageState.SENDING, lease_owner=worker[:64]
            ).update(
                state=MessageState.QUEUED,
                lease_owner="",
                lease_until=None,
                attempts=F("attempts") - 1,  # counted by claim, never below 1 here
            )
    return released


# Outcomes -----------------------------------------------------------------------------


def _smsc_id(raw: str | None) -> str:
    text = str(raw or "").replace("\x00", "")
    try:
        return canonical_message_id(text)
    except ReceiptError:
        return text.strip().lower()[:MAX_MESSAGE_ID]


def _reason(text: str) -> str:
    return str(text or "").replace("\x00", "")[:REASON_LENGTH]


def record_outcomes(worker: str, outcomes: list[PartOutcome]) -> None:
    """What the SMSC answered to each part's submit_sm, in one transaction."""
    if not outcomes:
        return
    worker = worker[:64]
    now = _now()
    stamp = _adapt(now)
    by_message: dict[int, list[PartOutcome]] = {}
    for outcome in outcomes:
        by_message.setdefault(int(outcome.message_id), []).append(outcome)
    outermost = not connection.in_atomic_block
    with transaction.atomic():
        if outermost:
            _commit_without_waiting()
        # id: (parts, parts_sent, operator_id) of the messages the worker holds
        held: dict[int, tuple[int, int, int]] = {
            row[0]: row[1:]
            for row in _each_batch(
                f"SELECT id, parts, parts_sent, operator_id FROM {_table(Message)} "  # noqa: S608
                "WHERE id {ids} AND state = 'sending' AND lease_owner = %s",
                sorted(by_message),
                after=[worker],
            )
        }
        stale = [mid for mid in by_message if mid not in held]
        if stale:
            logger.warning(
                "%d outcomes from %s for %d messages it no longer holds (first %s): ignored",
                sum(len(by_message[m]) for m in stale),
                worker,
                len(stale),
                stale[:5],
            )
        new_parts: dict[tuple[int, int], tuple[Any, ...]] = {}  # (message, seq): row
        failed: dict[str, list[int]] = {}
        retry: dict[bool, list[int]] = {True: [], False: []}  # by maybe_duplicate
        drop_from: list[tuple[int, int]] = []
        maybe_complete: list[int] = []
        for message_id, (parts, parts_sent, operator_id) in held.items():
            reported = sorted(by_message[message_id], key=lambda o: o.seq)
            reported = [o for o in reported if parts_sent < o.seq <= parts]
            if len(reported) != len(by_message[message_id]):
                logger.warning("outcome for a part message %s does not have: ignored", message_id)
            if not reported:
                continue
            for o in reported:
                if o.kind == "accepted":
                    new_parts[message_id, o.seq] = (
                        message_id,
                        o.seq,
                        operator_id,
                        _smsc_id(o.smsc_id),
                        stamp,
                    )
            failure = next((o for o in reported if o.kind == "failed"), None)
            problem = next((o for o in reported if o.kind in ("retry", "unknown")), None)
            if failure is not None:
                failed.setdefault(_reason(failure.reason) or "failed", []).append(message_id)
            elif problem is not None:
                again = [o for o in reported if o.seq >= problem.seq]
                duplicate = any(o.kind in ("unknown", "accepted") for o in again)
                retry[duplicate].append(message_id)
                drop_from.append((message_id, problem.seq))
            else:
                maybe_complete.append(message_id)
        _insert_parts(list(new_parts.values()))
        for message_id, seq in drop_from:
            MessagePart.objects.filter(message_id=message_id, seq__gte=seq).delete()
        _finish_outcomes(held, maybe_complete, failed, retry, now)


def _commit_without_waiting() -> None:
    """Let this transaction's commit return before its WAL reaches the disk (PostgreSQL).

    Only for outcomes: if the server crashes before the write, the outcome is lost, the
    message stays `sending` under its lease, and when the lease runs out the next claim
    takes it over as maybe_duplicate: sent again and counted, which is what the guarantee
    allows for a submit_sm on the wire without a recorded response. The WAL is written in
    order, so a later durable commit (a claim, a receipt) makes every earlier outcome
    durable too: a receipt recorded never points at a part that a crash then loses.
    A claim must wait for the disk: a lost claim would put back in the queue, without the
    maybe_duplicate flag, messages already on the wire. Receipts wait too: the SMSC is
    told it may forget a receipt once it is written, and a lost one would leave its
    message submitted for ever. Set only when the outcomes' transaction is the outermost:
    SET LOCAL would otherwise cover the caller's whole transaction."""
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("SET LOCAL synchronous_commit = off")


PART_COLUMNS = ("message_id", "seq", "operator_id", "smsc_id", "submitted_at")


def _insert_parts(rows: list[tuple[Any, ...]]) -> None:
    """Accepted parts as plain rows (no model instance per row, which costs more than the
    insert); a part already stored keeps its first id. PostgreSQL takes them in one
    statement, a column per array (an executemany there is one round trip per row);
    SQLite, in process, in one executemany."""
    if not rows:
        return
    quote = connection.ops.quote_name
    p = _table(MessagePart)
    into = f"INSERT INTO {p} ({', '.join(map(quote, PART_COLUMNS))}, state, reason) "
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            columns = [list(column) for column in zip(*rows, strict=True)]
            cursor.execute(
                into  # noqa: S608 (names from the model; values are parameters)
                + "SELECT m, s, o, i, t, 'submitted', '' FROM UNNEST("
                "%s::bigint[], %s::integer[], %s::bigint[], %s::text[], %s::timestamptz[]"
                ") AS r (m, s, o, i, t) ON CONFLICT (message_id, seq) DO NOTHING",
                columns,
            )
            return
        cursor.executemany(
            into + f"VALUES ({_marks(len(PART_COLUMNS))}, 'submitted', '') "
            "ON CONFLICT (message_id, seq) DO NOTHING",
            rows,
        )


def _finish_outcomes(
    held: dict[int, tuple[int, int, int]],
    maybe_complete: list[int],
    failed: dict[str, list[int]],
    retry: dict[bool, list[int]],
    now: dt.datetime,
) -> None:
    unlease: dict[str, Any] = {"lease_owner": "", "lease_until": None}
    single = [m for m in maybe_complete if held[m][0] == 1]
    several = [m for m in maybe_complete if held[m][0] > 1]
    _each_batch(
        f"UPDATE {_table(Message)} SET state = 'submitted', parts_sent = 1, "  # noqa: S608
        "submitted_at = %s, lease_owner = '', lease_until = NULL WHERE id {ids}",
        single,
        before=[_adapt(now)],
    )
    _advance_long_messages(several, now)
    for reason, message_ids in failed.items():
        for ids in _batches(message_ids):
            Message.objects.filter(id__in=ids).update(
                state=MessageState.FAILED, reason=reason, done_at=now, **unlease
            )
    for duplicate, message_ids in retry.items():
        for ids in _batches(message_ids):
            fields = {"state": MessageState.QUEUED, "not_before": now + RETRY_AFTER, **unlease}
            if duplicate:
                fields["maybe_duplicate"] = True
            Message.objects.filter(id__in=ids).update(**fields)
    # Leading parts kept by a retry: the next attempt starts after them.
    _count_leading_parts([m for ms in retry.values() for m in ms])


def _leading(seqs: Iterable[int]) -> int:
    n = 0
    for seq in sorted(seqs):
        if seq != n + 1:
            break
        n = seq
    return n


def _stored_seqs(message_ids: list[int]) -> dict[int, list[int]]:
    seqs: dict[int, list[int]] = {m: [] for m in message_ids}
    for ids in _batches(message_ids):
        for message_id, seq in MessagePart.objects.filter(message_id__in=ids).values_list(
            "message_id", "seq"
        ):
            seqs[message_id].append(seq)
    return seqs


def _count_leading_parts(message_ids: list[int]) -> None:
    for message_id, seqs in _stored_seqs(message_ids).items():
        Message.objects.filter(id=message_id).update(parts_sent=_leading(seqs))


def _advance_long_messages(message_ids: list[int], now: dt.datetime) -> None:
    """Long messages whose every part is now accepted are submitted; the others keep
    their lease with the count of leading parts accepted (the rest are still on the wire)."""
    if not message_ids:
        return
    parts = dict(Message.objects.filter(id__in=message_ids).values_list("id", "parts"))
    complete = []
    for message_id, seqs in _stored_seqs(message_ids).items():
        leading = _leading(seqs)
        if leading == parts[message_id]:
            complete.append(message_id)
        else:
            Message.objects.filter(id=message_id).update(parts_sent=leading)
    for ids in _batches(complete):
        Message.objects.filter(id__in=ids).update(
            state=MessageState.SUBMITTED,
            parts_sent=F("parts"),
            submitted_at=now,
            lease_owner="",
            lease_until=None,
        )
    # Receipts may have come for every part already.
    _deliver_complete(complete, now)


def _deliver_complete(message_ids: list[int], now: dt.datetime) -> int:
    """Submitted messages whose parts are all delivered become delivered."""
    m, p = _table(Message), _table(MessagePart)
    return len(
        _each_batch(
            f"UPDATE {m} SET state = %s, done_at = %s WHERE id {{ids}} "  # noqa: S608
            f"AND state = %s AND parts = (SELECT COUNT(*) FROM {p} "
            f"WHERE {p}.message_id = {m}.id AND {p}.state = %s) RETURNING id",
            message_ids,
            before=[MessageState.DELIVERED, _adapt(now)],
            after=[MessageState.SUBMITTED, MessageState.DELIVERED],
        )
    )


# Receipts -----------------------------------------------------------------------------


def record_receipts(
    operator_id: int, receipts: list[Receipt], *, unknown_out: list[int] | None = None
) -> int:
    """Apply delivery receipts; returns how many matched a part. A part's first final
    state stands; a message is delivered when all its parts are, and takes the first
    final failure of any of its parts. Unknown ids are logged, or, with `unknown_out`,
    their receipts' positions appended to it for the caller to decide."""
    now = _now()
    wanted: list[tuple[Receipt, tuple[str, ...]]] = []
    for receipt in receipts:
        try:
            wanted.append((receipt, receipt_id_keys(receipt.message_id)))
        except ReceiptError:
            wanted.append((receipt, ()))
    # A NUL can be in no stored id (PostgreSQL text refuses it): such a key finds nothing.
    keys = sorted({key for _receipt, ks in wanted for key in ks if "\x00" not in key})
    matched = 0
    with transaction.atomic():
        # smsc id: (part id, message id, still waiting for its receipt), the latest part
        found: dict[str, tuple[int, int, bool]] = {}
        rows = _each_batch(
            f"SELECT id, message_id, smsc_id, state FROM {_table(MessagePart)} "  # noqa: S608
            "WHERE operator_id = %s AND smsc_id {ids}",
            keys,
            before=[operator_id],
        )
        for part_id, message_id, smsc_id, state in sorted(rows):
            found[smsc_id] = (part_id, message_id, state == MessageState.SUBMITTED)
        part_updates: dict[tuple[str, str], list[int]] = {}
        failures: dict[int, tuple[str, str]] = {}
        delivered: set[int] = set()
        unknown: list[str] = []
        for position, (receipt, ks) in enumerate(wanted):
            # An id of digits only reads as decimal or as hexadecimal: the reading whose
            # part still waits for a receipt wins over one already settled.
            hits = [found[k] for k in ks if k in found]
            hit = next((h for h in hits if h[2]), hits[0] if hits else None)
            if hit is None:
                if unknown_out is not None:
                    unknown_out.append(position)
                else:
                    unknown.append(receipt.message_id[:MAX_MESSAGE_ID])
                continue
            matched += 1
            if receipt.outcome is None:
                continue  # en route: nothing final yet
            part_id, message_id, _waiting = hit
            reason = _reason(
                receipt.smsc_state + (f" err:{receipt.error}" if receipt.error else "")
            )
            part_updates.setdefault((receipt.outcome, reason), []).append(part_id)
            if receipt.outcome == MessageState.DELIVERED:
                delivered.add(message_id)
            else:
                failures.setdefault(message_id, (receipt.outcome, reason))
        for (outcome, reason), part_ids in part_updates.items():
            _each_batch(
                f"UPDATE {_table(MessagePart)} SET state = %s, reason = %s, done_at = %s "  # noqa: S608
                "WHERE id {ids} AND state = 'submitted'",
                part_ids,
                before=[outcome, reason, _adapt(now)],
            )
        by_failure = sorted(failures.items(), key=lambda kv: kv[1])
        for (outcome, reason), group in groupby(by_failure, key=lambda kv: kv[1]):
            ids_all = [message_id for message_id, _f in group]
            for ids in _batches(ids_all):
                Message.objects.filter(id__in=ids).exclude(state__in=FINAL_STATES).update(
                    state=outcome, reason=reason, done_at=now, lease_owner="", lease_until=None
                )
        _deliver_complete(sorted(delivered - set(failures)), now)
    if unknown:
        logger.warning(
            "%d receipts from operator %s for unknown message ids (first %s)",
            len(unknown),
            operator_id,
            [u.encode("unicode_escape").decode()[:64] for u in unknown[:3]],
        )
    return matched


# Mobile-originated messages -----------------------------------------------------------


@transaction.atomic
def handle_mobile_originated(operator_id: int, msisdn: str, text: str) -> None:
    """A subscriber's message: STOP (or an equivalent) stops them and queues the
    confirmation as a reply the dispatcher sends like any message; anything else is
    logged without the number in full."""
    outcome = audiences.do_stop_subscriber(None, msisdn, text)
    if outcome.keyword is None:
        logger.info(
            "message from %s through operator %s (%d characters) is not STOP",
            mask_msisdn(str(msisdn)[:20]),
            operator_id,
            len(str(text or "")),
        )
        return
    if outcome.subscriber is None or not outcome.reply:
        return
    queue_reply(operator_id, outcome.subscriber.pk, outcome.subscriber.msisdn, outcome.reply)


def queue_reply(
    operator_id: int, subscriber_id: int | None, msisdn: str, text: str, language: str = ""
) -> Message:
    parts = len(gsm.split(text))
    return Message.objects.create(
        operator_id=operator_id,
        subscriber_id=subscriber_id,
        msisdn=msisdn,
        language=language,
        text=text,
        parts=parts,
    )


# Campaigns ----------------------------------------------------------------------------


def campaign_segment(alert: Alert) -> selectors.Segment | None:
    """Who an alert's SMS reaches: the subscribers of its admin areas (and the areas below
    them) speaking one of its SMS languages, in the live audience only for an Actual alert
    meant for live audiences. None when it sends no SMS: no SMS text, or no admin area
    (subscribers are located by admin area; polygons and circles alone reach nobody, as an
    empty area list would mean everywhere)."""
    texts = sms_texts(alert)
    area_ids = sorted(
        {int(i) for area in alert.areas.all() for i in area.admin_area_ids if isinstance(i, int)}
    )
    if not texts or not area_ids:
        return None
    languages = tuple(code for code in SubscriberLanguage.values if cap_language(code) in texts)
    live = alert.status == Status.ACTUAL and alert.audience == Audience.LIVE
    return selectors.Segment(area_ids=tuple(area_ids), languages=languages, test=not live)


def may_halt(actor: User | None) -> bool:
    if actor is None:
        return True  # the platform itself: a Cancel alert halts what it cancels
    return bool(
        actor.is_authenticated
        and (actor.has_role(Role.ALERT_APPROVER) or actor.has_role(Role.ADMINISTRATOR))
    )


def on_alert_published(actor: User | None, alert: Alert) -> Campaign | None:
    """Called by publication, in its transaction: a Cancel halts the campaigns of the
    alerts it cancels, an Update those of the alerts it supersedes (their texts are out of
    date: nobody should get them after the correction); an alert with SMS texts and an
    audience starts its campaign."""
    halted_as = {MsgType.CANCEL.value: "cancelled", MsgType.UPDATE.value: "superseded"}.get(
        alert.msg_type
    )
    if halted_as is not None:
        earlier = Campaign.objects.filter(
            alert__in=alert.references.all(),
            state__in=(CampaignState.QUEUED, CampaignState.RUNNING),
        )
        for campaign in earlier:
            _halt(actor, campaign, f"{halted_as} by {alert.identifier}"[:500])
    return do_start_campaign(alert, actor=actor)


@transaction.atomic
def do_start_campaign(alert: Alert, *, actor: User | None = None) -> Campaign | None:
    """The campaign of a published alert (the existing one if it has one), or None when
    the alert sends no SMS. Up to BACKGROUND_FROM recipients are written here, in chunks;
    more are written by a worker, a chunk per transaction, with progress."""
    existing = Campaign.objects.filter(alert=alert).first()
    if existing is not None:
        return existing
    if alert.state != AlertState.PUBLISHED:
        raise ValidationError(_("Only a published alert is sent."))
    segment = campaign_segment(alert)
    if segment is None:
        return None
    targeted = selectors.recipient_count(segment)
    campaign = Campaign.objects.create(alert=alert, test=segment.test, targeted=targeted)
    record_audit(
        actor,
        AuditAction.CREATED,
        campaign,
        after={"alert": alert.identifier, "targeted": targeted, "test": segment.test},
    )
    if targeted > BACKGROUND_FROM:
        from resilnet.alerts import tasks

        campaign.job = start_job(
            actor,
            tasks.build_campaign,
            f"SMS campaign of {alert.identifier}"[:200],
            campaign_id=campaign.pk,
        )
        campaign.save(update_fields=["job"])
    else:
        build_campaign(campaign.pk)
        campaign.refresh_from_db()
    return campaign


MESSAGE_COLUMNS = (
    "campaign_id",
    "subscriber_id",
    "operator_id",
    "msisdn",
    "language",
    "area_id",
    "text",
    "parts",
    "parts_sent",
    "state",
    "reason",
    "attempts",
    "maybe_duplicate",
    "lease_owner",
    "created_at",
)


def build_campaign(
    campaign_id: int,
    *,
    chunk: int | None = None,
    progress: Callable[[int, int], None] | None = None,
) -> int:
    """Write the campaign's messages, `chunk` recipients per transaction, resuming after
    the last recipient written; the campaign runs when all are written (unless halted
    meanwhile). Returns the number of messages it has."""
    campaign = Campaign.objects.select_related("alert").get(pk=campaign_id)
    segment = campaign_segment(campaign.alert)
    texts = sms_texts(campaign.alert)
    chunk = chunk or BUILD_CHUNK
    written = Message.objects.filter(campaign_id=campaign_id).count()  # an earlier run's
    counts = {
        code: len(gsm.split(text_for(texts, code))) if texts else 1
        for code in SubscriberLanguage.values
    }
    while segment is not None:
        with transaction.atomic():
            campaign = Campaign.objects.select_for_update().get(pk=campaign_id)
            if campaign.built_at is not None:
                break
            page = next(
                selectors.iter_recipients(segment, chunk=chunk, after_id=campaign.built_until),
                [],
            )
            if not page:
                break
            now = _adapt(_now())
            copy_rows(
                Message._meta.db_table,
                MESSAGE_COLUMNS,
                [
                    (
                        campaign_id,
                        r.id,
                        r.operator_id,
                        r.msisdn,
                        r.language,
                        r.area_id,
                        "",
                        counts.get(r.language, 1),
                        0,
                        MessageState.QUEUED,
                        "",
                        0,
                        False,
                        "",
                        now,
                    )
                    for r in page
                ],
            )
            Campaign.objects.filter(pk=campaign_id).update(built_until=page[-1].id)
        written += len(page)
        if progress is not None:
            progress(written, max(campaign.targeted, written))
    _analyze_messages()
    with transaction.atomic():
        campaign = Campaign.objects.select_for_update().get(pk=campaign_id)
        if campaign.built_at is None:
            now = _now()
            campaign.built_at = now
            campaign.targeted = Message.objects.filter(campaign_id=campaign_id).count()
            if campaign.state == CampaignState.QUEUED:
                campaign.state = CampaignState.RUNNING
                campaign.started_at = now
            campaign.save()
    return campaign.targeted


def _analyze_messages() -> None:
    """PostgreSQL plans a claim from the table's statistics. Taken before the campaign's
    rows were written, they say its operator and campaign have (almost) no messages; the
    claim then walks every message of the operator instead of the queued ones' index, at
    each claim, until autovacuum analyses the table a minute or more later: fresh
    statistics before the campaign runs. SQLite plans without them."""
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute(f"ANALYZE {_table(Message)}")


def _halt(actor: User | None, campaign: Campaign, reason: str) -> None:
    before = campaign.state
    campaign.state = CampaignState.HALTED
    campaign.halted_at = _now()
    campaign.halted_by = actor if actor is not None and actor.pk else None
    campaign.halt_reason = reason
    campaign.save()
    record_audit(
        actor,
        AuditAction.TRANSITIONED,
        campaign,
        before={"state": before},
        after={"state": CampaignState.HALTED},
        reason=reason,
    )


def _locked_campaign(campaign: Campaign) -> Campaign:
    return Campaign.objects.select_for_update().select_related("alert").get(pk=campaign.pk)


@transaction.atomic
def do_halt_campaign(actor: User | None, campaign: Campaign, reason: str = "") -> Campaign:
    """The kill switch: no message of the campaign is claimed from now on; dispatchers
    release the ones they hold within a second (`halted_campaign_ids`)."""
    if not may_halt(actor):
        raise PermissionDenied(_("Approvers and administrators halt campaigns."))
    reason = str(reason or "").strip()
    if len(reason) > 500:
        raise ValidationError({"reason": [_("At most 500 characters.")]})
    campaign = _locked_campaign(campaign)
    if campaign.state not in (CampaignState.QUEUED, CampaignState.RUNNING):
        raise ValidationError(
            {
                "state": [
                    _("A %(state)s campaign cannot be halted.")
                    % {"state": campaign.get_state_display()}
                ]
            }
        )
    _halt(actor, campaign, reason)
    return campaign


@transaction.atomic
def do_resume_campaign(actor: User | None, campaign: Campaign) -> Campaign:
    if not may_halt(actor):
        raise PermissionDenied(_("Approvers and administrators resume campaigns."))
    campaign = _locked_campaign(campaign)
    if campaign.state != CampaignState.HALTED:
        raise ValidationError({"state": [_("Only a halted campaign can be resumed.")]})
    if campaign.alert.state != AlertState.PUBLISHED:
        raise ValidationError(
            {"state": [_("The alert is no longer published: its campaign stays halted.")]}
        )
    campaign.state = CampaignState.RUNNING if campaign.built_at else CampaignState.QUEUED
    campaign.started_at = campaign.started_at or _now()
    campaign.save()
    record_audit(
        actor,
        AuditAction.TRANSITIONED,
        campaign,
        before={"state": CampaignState.HALTED},
        after={"state": campaign.state},
    )
    return campaign


def finish_campaigns(now: dt.datetime | None = None) -> int:
    """Running campaigns with nothing left to send (every message submitted or final)
    are finished; returns how many (a periodic task)."""
    now = now or _now()
    finished = 0
    for campaign_id in running_campaign_ids():
        pending = Message.objects.filter(
            campaign_id=campaign_id, state__in=(MessageState.QUEUED, MessageState.SENDING)
        )
        if not pending.exists():
            finished += Campaign.objects.filter(
                pk=campaign_id, state=CampaignState.RUNNING, built_at__isnull=False
            ).update(state=CampaignState.FINISHED, finished_at=now)
    return finished


__all__ = [
    "FAILED_STATES",
    "Outbound",
    "PartOutcome",
    "claim",
    "do_halt_campaign",
    "do_resume_campaign",
    "do_start_campaign",
    "halted_campaign_ids",
    "handle_mobile_originated",
    "operators_with_work",
    "record_outcomes",
    "record_receipts",
    "release",
    "renew",
]
