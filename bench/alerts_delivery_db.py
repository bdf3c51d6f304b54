"""The database side of sending a campaign: `claim` + `record_outcomes` +
`record_receipts` (services/delivery.py, the calls the dispatcher makes) over a campaign
of --messages messages, against a naive baseline (one ORM query and save per message and
step, as a first version would write it) on the same kind of rows, in one run. Prints
messages per second through all three steps (median of --runs), each step's share, and
the ratio.

    .venv/bin/python bench/alerts_delivery_db.py --messages 200000
    RESILNET_DATABASE_URL=postgres://… .venv/bin/python bench/alerts_delivery_db.py

With --before REV, the services as they were at commit REV (their source read from git,
loaded beside the current ones; same schema) run in the same run, alternating with the
current ones, and the table shows both: wall seconds, CPU seconds of this process and,
on PostgreSQL, of its server backend.

    .venv/bin/python bench/alerts_delivery_db.py --before 6c67a1f --runs 2

The baseline runs on fewer messages (--baseline-messages; its rate does not depend on the
count). Each run starts from the same freshly written queued messages. A round claims
--batch messages, reports every part accepted in batches of 500 (the dispatcher reports
every ~100 ms) and then their receipts: SMSC ids in hexadecimal in the submit_sm_resp and in
decimal in the receipts, as some SMSCs write them.
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import tempfile
import time
import types
from datetime import timedelta
from pathlib import Path
from typing import Any

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "resilnet.settings")
os.environ.setdefault("RESILNET_VAR_DIR", tempfile.mkdtemp(prefix="bench-delivery-"))

from schools_measurements import server_cpu  # CPU of this connection's server backend

REPORT_BATCH = 500
LEASE = timedelta(minutes=5)
BASE_ID = 0xA000000000  # SMSC ids: hexadecimal with a letter in replies, decimal in receipts


def setup_campaign(n: int) -> tuple[int, int]:
    """An operator, a published alert and its campaign of n queued messages (written
    directly: building campaigns is not what is measured here)."""
    from django.utils import timezone

    from resilnet.alerts.models import Alert, AlertInfo, Campaign, Message, MessagePart, Operator
    from resilnet.alerts.services import audiences, delivery
    from resilnet.core.bulk import copy_rows
    from resilnet.core.models import User

    MessagePart.objects.all().delete()
    Message.objects.all().delete()
    Campaign.objects.all().delete()
    operator = Operator.objects.filter(name="Bench").first() or audiences.do_add_operator(
        None,
        name="Bench",
        host="127.0.0.1",
        port=2775,
        system_id="b",
        password="b",  # noqa: S106
    )
    user = User.objects.filter(username="bench").first() or User.objects.create(username="bench")
    alert = Alert.objects.filter(identifier="bench").first()
    if alert is None:
        alert = Alert.objects.create(
            identifier="bench",
            sender="bench",
            status="Actual",
            author=user,
            state="published",
            approval_fingerprint="bench",
            audience="live",
        )
        AlertInfo.objects.create(
            alert=alert,
            language="en",
            event="Cholera",
            urgency="Immediate",
            severity="Severe",
            certainty="Observed",
            sms_text="Cholera: boil water.",
        )
    now = timezone.now()
    campaign = Campaign.objects.create(
        alert=alert, state="running", test=False, targeted=n, built_at=now, started_at=now
    )
    stamp = delivery._adapt(now)
    rows = [
        (
            campaign.pk,
            None,
            operator.pk,
            f"+2547{i:08d}",
            "en",
            None,
            "",
            1,
            0,
            "queued",
            "",
            0,
            False,
            "",
            stamp,
        )
        for i in range(n)
    ]
    for start in range(0, n, 50_000):
        copy_rows(Message._meta.db_table, delivery.MESSAGE_COLUMNS, rows[start : start + 50_000])
    from django.db import connection

    if connection.vendor == "postgresql":
        # VACUUM: the previous run's deleted rows would otherwise stay in the indexes every
        # run scans (a campaign's table grows; it is not emptied and filled again).
        with connection.cursor() as cursor:
            for model in (Message, MessagePart):
                cursor.execute(f"VACUUM ANALYZE {connection.ops.quote_name(model._meta.db_table)}")
    return operator.pk, campaign.pk


def services_at(rev: str) -> Any:
    """services/delivery.py as it was at commit `rev`, loaded as a module of its own."""
    root = Path(__file__).resolve().parent.parent
    path = "resilnet/alerts/services/delivery.py"
    source = subprocess.run(
        ["git", "show", f"{rev}:{path}"], cwd=root, check=True, capture_output=True, text=True
    ).stdout
    module = types.ModuleType(f"delivery_at_{rev}")
    module.__file__ = f"{rev}:{path}"
    sys.modules[module.__name__] = module  # dataclasses look their module up
    exec(compile(source, module.__file__, "exec"), module.__dict__)  # noqa: S102
    return module


def ours(n: int, batch: int, delivery: Any = None) -> dict[str, Any]:
    if delivery is None:
        from resilnet.alerts.services import delivery
    from resilnet.alerts.smpp.receipts import Receipt

    PartOutcome = delivery.PartOutcome
    operator_id, _campaign = setup_campaign(n)
    spent = {"claim": 0.0, "outcomes": 0.0, "receipts": 0.0}
    done = 0
    cpu, server = time.process_time(), server_cpu()
    started = time.perf_counter()
    while True:
        t0 = time.perf_counter()
        claimed = delivery.claim(operator_id, "bench", batch, LEASE)
        t1 = time.perf_counter()
        if not claimed:
            break
        ids = [o.message_id for o in claimed]
        for start in range(0, len(ids), REPORT_BATCH):
            part = ids[start : start + REPORT_BATCH]
            delivery.record_outcomes(
                "bench", [PartOutcome(m, 1, "accepted", f"{m + BASE_ID:x}", "") for m in part]
            )
        t2 = time.perf_counter()
        for start in range(0, len(ids), REPORT_BATCH):
            part = ids[start : start + REPORT_BATCH]
            matched = delivery.record_receipts(
                operator_id, [Receipt(str(m + BASE_ID), "DELIVRD", "delivered") for m in part]
            )
            assert matched == len(part), (matched, len(part))
        t3 = time.perf_counter()
        spent["claim"] += t1 - t0
        spent["outcomes"] += t2 - t1
        spent["receipts"] += t3 - t2
        done += len(ids)
    took = time.perf_counter() - started
    cpu, server = time.process_time() - cpu, server_cpu() - server
    from resilnet.alerts.models import Message

    assert done == n == Message.objects.filter(state="delivered").count()
    shares = {k: v / took for k, v in spent.items()}
    return {"rate": n / took, "shares": shares, "wall": took, "cpu": cpu, "server": server}


def naive(n: int) -> float:
    from django.db import transaction
    from django.utils import timezone

    from resilnet.alerts.models import Message, MessagePart

    operator_id, campaign_id = setup_campaign(n)
    started = time.perf_counter()
    for _ in range(n):
        with transaction.atomic():
            m = (
                Message.objects.select_for_update()
                .filter(operator_id=operator_id, campaign_id=campaign_id, state="queued")
                .order_by("id")
                .first()
            )
            assert m is not None
            m.state, m.lease_owner, m.lease_until = "sending", "bench", timezone.now() + LEASE
            m.attempts += 1
            m.save()
        with transaction.atomic():
            MessagePart.objects.create(
                message=m,
                seq=1,
                operator_id=operator_id,
                smsc_id=str(m.pk + BASE_ID),
                submitted_at=timezone.now(),
            )
            m.state, m.submitted_at, m.parts_sent = "submitted", timezone.now(), 1
            m.save()
        with transaction.atomic():
            part = MessagePart.objects.get(operator_id=operator_id, smsc_id=str(m.pk + BASE_ID))
            part.state = "delivered"
            part.save()
            message = part.message
            message.state, message.done_at = "delivered", timezone.now()
            message.save()
    return n / (time.perf_counter() - started)


def report(label: str, results: list[dict[str, Any]]) -> float:
    """One line per variant: median rate, its run's step shares, median seconds."""
    rates = [r["rate"] for r in results]
    rate = statistics.median(rates)
    middle = min(results, key=lambda r: abs(r["rate"] - rate))
    seconds = {k: statistics.median(r[k] for r in results) for k in ("wall", "cpu", "server")}
    print(
        f"{label}: {rate:,.0f} messages/s (median of {len(results)}: "
        + ", ".join(f"{r:,.0f}" for r in rates)
        + f"); wall {seconds['wall']:.1f} s, CPU {seconds['cpu']:.1f} s"
        + (f" + server {seconds['server']:.1f} s" if seconds["server"] else "")
    )
    print("  time share: " + ", ".join(f"{k} {v:.0%}" for k, v in middle["shares"].items()))
    return rate


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--messages", type=int, default=200_000)
    parser.add_argument("--baseline-messages", type=int, default=5_000)
    parser.add_argument("--batch", type=int, default=2_000, help="messages per claim")
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--before", help="also run the services of this commit, alternating")
    args = parser.parse_args()
    import django

    django.setup()
    from django.core.management import call_command
    from django.db import connection

    call_command("migrate", verbosity=0)
    before = services_at(args.before) if args.before else None
    results: list[dict[str, Any]] = []
    earlier: list[dict[str, Any]] = []
    for _ in range(args.runs):
        if before is not None:
            earlier.append(ours(args.messages, args.batch, before))
        results.append(ours(args.messages, args.batch))
    base = (
        [naive(args.baseline_messages) for _ in range(args.runs)] if args.baseline_messages else []
    )
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT sqlite_version()" if connection.vendor == "sqlite" else "SHOW server_version"
        )
        version = cursor.fetchone()[0]
    print(
        f"database: {connection.vendor} {version}; messages: {args.messages:,} "
        f"(baseline {args.baseline_messages:,}); claim batch {args.batch:,}"
    )
    if earlier:
        old = report(f"services at {args.before}", earlier)
    rate = report("claim + outcomes + receipts", results)
    if earlier:
        print(f"against {args.before}: {rate / old:.2f}x")
    if base:
        print(
            f"naive per-message ORM:       {statistics.median(base):,.0f} messages/s "
            f"(median of {args.runs})"
        )
        print(f"ratio: {rate / statistics.median(base):.1f}x")
    return 0


if __name__ == "__main__":
    sys.exit(main())
