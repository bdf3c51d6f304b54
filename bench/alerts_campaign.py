"""An alert campaign end to end: queued in the database → submitted over SMPP → delivery
receipt recorded, through `resilnet smsc-sim` (its own process) on loopback, two binds,
receipts on. Prints, from one run:

- the sustained end-to-end rate (messages in a final state per second, between 10% and
  90% of the campaign), with --dispatchers processes sharing it;
- each dispatcher's peak memory (VmHWM);
- --kills: dispatchers killed with SIGKILL during the run and replaced: lost messages
  (must be 0), messages the simulator accepted twice (at most the window) and messages
  flagged maybe_duplicate (at least those);
- with the operator limit at 500/s (--limited recipients): the achieved rate and the
  THROTTLED answers (must be 0);
- the naive baseline: one message at a time, claimed, submitted (waiting for the answer)
  and recorded before the next (--baseline messages).

    nice -n 10 .venv/bin/python bench/alerts_campaign.py --recipients 200000

A fresh SQLite database in a temporary folder, or RESILNET_DATABASE_URL. Each campaign
has its own operator, admin area and subscribers (written directly; --import for the
import service). Beside the rate: CPU seconds per 1,000 messages of the dispatchers
(every process, killed ones included) and of the simulator, which a loaded machine
changes much less than the wall time.

With --before REV, campaigns whose dispatchers run the code of commit REV (exported
from git; same schema) alternate with campaigns of the current code, --runs of each,
on the same simulator and database, and the medians of both are printed:

    nice -n 10 .venv/bin/python bench/alerts_campaign.py --recipients 100000 \
        --before cb5bef3 --runs 2 --limited 0 --baseline 0
"""

from __future__ import annotations

import argparse
import asyncio
import io
import os
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from collections import Counter
from datetime import timedelta
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "resilnet.settings")
os.environ.setdefault("RESILNET_VAR_DIR", tempfile.mkdtemp(prefix="bench-campaign-"))
RUN = [sys.executable, "-c", "from resilnet.cli import main; raise SystemExit(main())"]
FINAL = ("delivered", "undeliverable", "expired", "rejected", "failed")


def peak_rss_mb(pid: int) -> float:
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) / 1024
    except OSError:
        pass
    return 0.0


def sim_counters(control_port: int) -> dict[str, int]:
    import json
    import socket

    with socket.create_connection(("127.0.0.1", control_port), timeout=30) as s:
        s.sendall(b'{"action": "counters"}\n')
        counters: dict[str, int] = json.loads(s.makefile().readline())["counters"]
    return counters


def simulator(*extra: str) -> tuple[subprocess.Popen[str], int, int]:
    process = subprocess.Popen(
        [
            *RUN,
            "smsc-sim",
            "--port",
            "0",
            "--accounts",
            "bench:bench",
            "--dlr-delay",
            "0.5",
            *extra,
        ],
        stdout=subprocess.PIPE,
        text=True,
    )
    assert process.stdout is not None
    line = process.stdout.readline()  # "… listening on 127.0.0.1:PORT, control 127.0.0.1:PORT"
    return process, int(line.split(":")[1].split(",")[0]), int(line.rsplit(":", 1)[1])


def dispatcher(
    name: str, operator: str, window: int, code: Path | None = None
) -> subprocess.Popen[bytes]:
    """A dispatcher process; with `code`, the resilnet package found there (an older
    commit's, see `code_at`) instead of this one."""
    log = Path(os.environ["RESILNET_VAR_DIR"]) / f"{name}.log"
    env = os.environ | {"RESILNET_LOG_LEVEL": "WARNING"}
    if code is not None:
        env["PYTHONPATH"] = str(code)
    return subprocess.Popen(
        [
            *RUN,
            "dispatcher",
            "--operator",
            operator,
            "--worker-id",
            name,
            "--until-idle",
            "--lease",
            "5",
            "--batch",
            str(max(500, window * 4)),
            "--receipt-timeout",
            "10",
        ],
        stdout=log.open("w"),
        stderr=subprocess.STDOUT,
        env=env,
        cwd=code or ROOT,
    )


def code_at(revision: str) -> Path:
    """The resilnet package as it was at `revision`, exported from git (same schema)."""
    folder = Path(tempfile.mkdtemp(prefix="bench-campaign-code-"))
    archive = subprocess.run(
        ["git", "-C", str(ROOT), "archive", revision, "resilnet"],
        check=True,
        capture_output=True,
    ).stdout
    subprocess.run(["tar", "-x", "-C", str(folder)], input=archive, check=True)
    return folder


def cpu_seconds(pid: int) -> float:
    """User + system CPU of a running process, from /proc."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except OSError:
        return 0.0
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def children_cpu() -> float:
    """CPU of the child processes ended and waited for so far (the dispatchers)."""
    import resource

    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def prepare(
    name: str,
    port: int,
    recipients: int,
    tps: int,
    window: int,
    offset: int,
    *,
    via_import: bool = False,
) -> int:
    """An operator, its subscribers and a published alert's campaign; the alert's id."""
    from resilnet.alerts.services import audiences, authoring, delivery
    from resilnet.alerts.tests.conftest import cholera
    from resilnet.core import services
    from resilnet.core.models import Role, User

    operator = audiences.do_add_operator(
        None,
        name=name,
        host="127.0.0.1",
        port=port,
        system_id="bench",
        password="bench",  # noqa: S106 (the simulator's account)
        tps=tps,
        binds=2,
        window=window,
    )
    nairobi = bench_area(name)
    if via_import:
        rows = ["msisdn,area,language"]
        rows += (f"+2547{offset + i:08d},KE-30,en" for i in range(recipients))
        audiences.do_import_subscribers(
            None,
            io.BytesIO("\n".join(rows).encode()),
            "csv",
            region="KE",
            operator=operator.name,
            consent_source="benchmark (synthetic)",
            source_name=f"{name}.csv",
        )
    else:
        fill_subscribers(operator, nairobi, recipients, offset)
    users = {}
    for username, role in (
        ("bench-author", Role.ALERT_AUTHOR),
        ("bench-approver", Role.ALERT_APPROVER),
    ):
        users[username] = User.objects.filter(username=username).first() or services.do_create_user(
            None,
            username=username,
            password="x" * 20,
            email=f"{username}@bench.invalid",
            roles=[role],
        )
    author, approver = users["bench-author"], users["bench-approver"]
    area = authoring.AreaInput(area_desc=name, admin_area_ids=[nairobi])
    alert = authoring.do_create_alert(author, cholera(areas=[area]))
    authoring.do_submit_alert(author, alert)
    alert = authoring.do_approve_alert(approver, alert, authoring.fingerprint(alert))
    campaign = delivery.do_start_campaign(alert)
    if campaign is not None and campaign.job_id is not None:
        # A large audience is written by a background job: the worker runs it here.
        from django.core.management import call_command

        call_command("run_worker", "--batch", "--interval", "0")
    return alert.pk


def fill_subscribers(operator: object, area: int, recipients: int, offset: int) -> None:
    """The registry written directly, 10,000 rows per statement: the import (its own
    benchmark, `alerts_subscribers_import.py`) checks each number and would take about
    14 minutes for a million rows, which this benchmark does not measure."""
    from itertools import islice

    from django.db import transaction
    from django.utils import timezone

    from resilnet.alerts.models import Subscriber

    now = timezone.now()
    rows = (
        Subscriber(
            msisdn=f"+2547{offset + i:08d}",
            operator=operator,
            area_id=area,
            language="en",
            consent_source="benchmark (synthetic)",
            consent_at=now,
        )
        for i in range(recipients)
    )
    while chunk := list(islice(rows, 10_000)):
        with transaction.atomic():
            Subscriber.objects.bulk_create(chunk)


def bench_area(name: str) -> int:
    """Subscribers are reached by admin area: one per campaign (a level-2 area of
    Kenya's), so that a campaign reaches only its own operator's subscribers."""
    from resilnet.core.models import Country, Region
    from resilnet.core.reference_data import load_reference_data
    from resilnet.schools.models import AdminArea

    code = f"KE-BENCH-{name}"[:64]
    found = AdminArea.objects.filter(code=code).first()
    if found is not None:
        return int(found.pk)
    if not Country.objects.filter(iso3="KEN").exists():
        load_reference_data(Region, Country)
    area = AdminArea.objects.create(
        country=Country.objects.get(iso3="KEN"), level=2, code=code, name=name[:200]
    )
    return int(area.pk)


def counts(operator: str) -> Counter[str]:
    from django.db.models import Count

    from resilnet.alerts.models import Message

    # Counted by the database: a million states read into this process every second
    # would take CPU from the dispatchers it measures.
    rows = (
        Message.objects.filter(operator__name=operator)
        .values_list("state")
        .annotate(n=Count("id"))
        .order_by()
    )
    return Counter(dict(rows))


def run_campaign(
    name: str,
    port: int,
    recipients: int,
    dispatchers: int,
    kills: int,
    window: int,
    code: Path | None = None,
    sim_pid: int | None = None,
) -> dict[str, float]:
    cpu_before = children_cpu()
    sim_before = cpu_seconds(sim_pid) if sim_pid else 0.0
    procs = [dispatcher(f"{name}-{i}", name, window, code) for i in range(dispatchers)]
    started = time.monotonic()
    samples: list[tuple[float, int]] = []
    peaks: list[float] = []
    killed = 0
    kill_at = [recipients * (k + 1) / (kills + 1) for k in range(kills)]
    while True:
        time.sleep(1.0)
        done = sum(counts(name)[s] for s in FINAL)
        samples.append((time.monotonic() - started, done))
        peaks += [peak_rss_mb(p.pid) for p in procs if p.poll() is None]
        if killed < kills and done >= kill_at[killed]:
            victim = procs[killed % len(procs)]
            victim.send_signal(signal.SIGKILL)
            victim.wait()
            procs[killed % len(procs)] = dispatcher(f"{name}-k{killed}", name, window, code)
            killed += 1
        if all(p.poll() is not None for p in procs):
            break  # done (--until-idle), or the dispatchers failed: their logs say why
        if time.monotonic() - started > 3600:
            break
    for p in procs:
        p.wait()
    total = samples[-1][1]
    lo, hi = crossing(samples, 0.1 * total), crossing(samples, 0.9 * total)
    return {
        # A campaign shorter than a second is not divided by ~0.
        "rate": 0.8 * total / max(hi - lo, 1.0),
        "elapsed": samples[-1][0],
        "peak_mb": max(peaks or [0.0]),
        "done": total,
        "killed": killed,
        "dispatcher_cpu": children_cpu() - cpu_before,
        "simulator_cpu": (cpu_seconds(sim_pid) - sim_before) if sim_pid else 0.0,
    }


def crossing(samples: list[tuple[float, int]], level: float) -> float:
    """When the count reached `level`, read between the two samples around it: samples a
    second apart would otherwise put up to a second of error into the rate's time span
    (2% of a 50 s campaign at 500/s)."""
    before = (0.0, 0)
    for t, done in samples:
        if done >= level:
            t0, d0 = before
            return t0 + (t - t0) * (level - d0) / (done - d0) if done > d0 else t
        before = (t, done)
    return samples[-1][0]


def naive_baseline(port: int, messages: int) -> float:
    """One message at a time: claim one, submit it and wait, record it, then the next."""
    from resilnet.alerts.dispatch.engine import Store
    from resilnet.alerts.models import Operator
    from resilnet.alerts.services import delivery
    from resilnet.alerts.smpp.client import BindConfig, EsmeSession, SimplePart

    op_name = "Bench naive"
    prepare(op_name, port, messages, 100_000, 1, 9_000_000)
    operator_id = Operator.objects.get(name=op_name).pk

    async def run() -> float:
        # The ORM may not be called from the event loop: the queries go through the
        # dispatcher's own database thread, as in the real dispatcher.
        store = Store()
        session = EsmeSession(BindConfig(op_name, "127.0.0.1", port, "bench", "bench", window=1))
        await session.open()
        started = time.monotonic()
        sent = 0
        try:
            while sent < messages:
                batch = await store.call(
                    delivery.claim, operator_id, "naive", 1, timedelta(seconds=60)
                )
                if not batch:
                    break
                message = batch[0]
                parts = [SimplePart(p, dc, esm) for esm, dc, p in message.parts]
                results = await session.submit(message.msisdn.lstrip("+"), parts)
                outcomes = [
                    delivery.PartOutcome(
                        message.message_id,
                        message.first_seq + i,
                        str(r.outcome),
                        r.message_id or "",
                        r.reason,
                    )
                    for i, r in enumerate(results)
                ]
                await store.call(delivery.record_outcomes, "naive", outcomes)
                sent += 1
            elapsed = time.monotonic() - started
        finally:
            await session.close()
            store.close()
        return sent / elapsed

    return asyncio.run(run())


def campaign_figures(
    name: str, port: int, control: int, recipients: int, args: argparse.Namespace, **kw: Any
) -> dict[str, float]:
    """A campaign of `recipients` run to its end; its rate, memory, CPU and kill figures."""
    from resilnet.alerts.models import Message
    from resilnet.alerts.services import delivery

    accepted_before = sim_counters(control)["accepted"]
    figures = run_campaign(name, port, recipients, args.dispatchers, args.kills, args.window, **kw)
    final = counts(name)
    figures["lost"] = recipients - sum(final[s] for s in FINAL)
    figures["flagged"] = Message.objects.filter(operator__name=name, maybe_duplicate=True).count()
    figures["twice"] = sim_counters(control)["accepted"] - accepted_before - recipients
    figures["states"] = dict(final)  # type: ignore[assignment]
    delivery.finish_campaigns()  # the next campaign's claims do not look at this one
    return figures


def describe(figures: dict[str, Any], args: argparse.Namespace) -> str:
    done = figures["done"]
    return (
        f"{figures['rate']:,.0f} msg/s sustained ({done:,} final in "
        f"{figures['elapsed']:.0f} s, {args.dispatchers} dispatchers, window {args.window}×2), "
        f"peak dispatcher RSS {figures['peak_mb']:.0f} MB; CPU per 1,000 messages: "
        f"dispatchers {1000 * figures['dispatcher_cpu'] / max(done, 1):.2f} s, "
        f"simulator {1000 * figures['simulator_cpu'] / max(done, 1):.2f} s; "
        f"{figures['killed']:.0f} kill -9: lost {figures['lost']}, "
        f"sent twice {figures['twice']}, flagged maybe_duplicate {figures['flagged']}; "
        f"states {figures['states']}"
    )


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--recipients", type=int, default=1_000_000)
    parser.add_argument("--dispatchers", type=int, default=2)
    parser.add_argument("--window", type=int, default=100)
    parser.add_argument("--kills", type=int, default=3)
    parser.add_argument("--limited", type=int, default=30_000, help="recipients at 500/s")
    parser.add_argument("--baseline", type=int, default=2_000)
    parser.add_argument(
        "--import",
        dest="via_import",
        action="store_true",
        help="subscribers through the import service (slow at a million), not written directly",
    )
    parser.add_argument(
        "--before",
        metavar="REV",
        help="also run campaigns with the dispatchers of this commit, alternating with ours",
    )
    parser.add_argument("--runs", type=int, default=1, help="campaigns per code (with --before)")
    args = parser.parse_args()
    import django

    django.setup()
    from django.core.management import call_command

    call_command("migrate", verbosity=0)

    old_code = code_at(args.before) if args.before else None
    plan: list[tuple[str, Path | None]] = []
    for _ in range(args.runs if args.before else 1):
        if old_code is not None:
            plan.append((f"before ({args.before})", old_code))
        plan.append(("ours", None))
    results: dict[str, list[dict[str, Any]]] = {}
    sim, port, control = simulator()
    try:
        for k, (label, code) in enumerate(plan):
            name = "Bench" if len(plan) == 1 else f"Bench {k}"
            t = time.monotonic()
            prepare(
                name,
                port,
                args.recipients,
                100_000,
                args.window,
                10_000_000 + k * args.recipients,
                via_import=args.via_import,
            )
            print(
                f"{name}: queued {args.recipients:,} messages in {time.monotonic() - t:.0f} s",
                flush=True,
            )
            figures = campaign_figures(
                name, port, control, args.recipients, args, code=code, sim_pid=sim.pid
            )
            results.setdefault(label, []).append(figures)
            print(f"end to end, {label}: {describe(figures, args)}", flush=True)
        if args.baseline:
            baseline = naive_baseline(port, args.baseline)
            print(
                f"naive baseline: {baseline:,.0f} msg/s (one at a time, {args.baseline:,} "
                f"messages); states {dict(counts('Bench naive'))}"
            )
    finally:
        sim.send_signal(signal.SIGTERM)
        sim.wait(30)
        if old_code is not None:
            shutil.rmtree(old_code, ignore_errors=True)
    if len(results) > 1:
        import statistics

        for label, runs in results.items():
            rates = [r["rate"] for r in runs]
            cpu = [1000 * r["dispatcher_cpu"] / max(r["done"], 1) for r in runs]
            sim_cpu = [1000 * r["simulator_cpu"] / max(r["done"], 1) for r in runs]
            print(
                f"{label}: median {statistics.median(rates):,.0f} msg/s "
                f"({', '.join(f'{r:,.0f}' for r in rates)}); dispatchers' CPU per 1,000 "
                f"messages {statistics.median(cpu):.2f} s ({', '.join(f'{c:.2f}' for c in cpu)}); "
                f"simulator's {statistics.median(sim_cpu):.2f} s"
            )
    if args.limited:
        sim, port, control = simulator("--tps", "500")
        try:
            prepare("Bench 500", port, args.limited, 500, args.window, 5_000_000)
            limited = run_campaign("Bench 500", port, args.limited, 1, 0, args.window)
            throttled = sim_counters(control)["throttled"]
        finally:
            sim.send_signal(signal.SIGTERM)
            sim.wait(30)
        print(
            f"operator limit 500/s: achieved {limited['rate']:,.1f} msg/s "
            f"({limited['rate'] / 500 - 1:+.1%}), THROTTLED answers {throttled}"
        )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
