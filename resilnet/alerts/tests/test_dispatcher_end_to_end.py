"""The dispatcher end to end: a real database, the SMSC simulator on a loopback port, the
campaign's messages claimed, submitted, answered and receipted. Every wait is bounded."""

from __future__ import annotations

import asyncio
import io
import logging
import os
import signal
import subprocess
import sys
import time
from collections import Counter
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import pytest

from resilnet.alerts.dispatch.engine import Dispatcher, DispatcherOptions
from resilnet.alerts.models import Message, Subscriber
from resilnet.alerts.services import audiences, authoring, delivery
from resilnet.alerts.smpp import pdu as P
from resilnet.alerts.smsc.simulator import SimulatorConfig, SmscSimulator
from resilnet.alerts.tests.conftest import cholera
from resilnet.alerts.tests.smpp_peers import in_own_loop
from resilnet.core.tests.databases import database_url, sqlite_only

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.usefixtures("kenya")]
LIMIT = 60.0  # seconds: no scenario waits longer, whatever goes wrong
FINAL = {"delivered", "undeliverable", "expired", "rejected", "failed"}


class RecordingSimulator(SmscSimulator):
    """The simulator, keeping what it accepted: (destination, esm_class, payload)."""

    def __init__(self, config: SimulatorConfig) -> None:
        super().__init__(config)
        self.received: list[tuple[str, int, bytes]] = []
        self.submitted_on: Counter[str] = Counter()  # accepted submit_sm by kind of bind

    def submit(self, conn: Any, request: P.SubmitSm) -> P.Pdu:
        answer = super().submit(conn, request)
        if answer.status == P.Status.ESME_ROK:
            self.received.append(
                (request.destination_addr, request.esm_class, request.message_bytes)
            )
            self.submitted_on[conn.bind_kind] += 1
        return answer


def simulator(**options: Any) -> RecordingSimulator:
    options.setdefault("dlr_delay", 0.05)
    options.setdefault("seed", 11)
    return RecordingSimulator(SimulatorConfig(accounts={"moh": "secret"}, **options))


def operator(port: int, **changes: Any) -> Any:
    values = {
        "name": "Safaricom",
        "host": "127.0.0.1",
        "port": port,
        "system_id": "moh",
        "password": "secret",
        "tps": 1000,
        "binds": 2,
        "window": 20,
    }
    return audiences.do_add_operator(None, **(values | changes))


def queue_campaign(
    author: Any, approver: Any, op: Any, count: int, language: str = "en", **alert: Any
) -> Any:
    """`count` Kenyan subscribers of `op` in Nairobi, and a published alert to them all."""
    from resilnet.schools.models import AdminArea

    nairobi = AdminArea.objects.get(code="KE-30").pk
    lines = (f"+25471{i:07d},KE-30,{language}" for i in range(count))
    rows = "\n".join(["msisdn,area,language", *lines])
    alert.setdefault("areas", [authoring.AreaInput(area_desc="Nairobi", admin_area_ids=[nairobi])])
    audiences.do_import_subscribers(
        None,
        io.BytesIO(rows.encode()),
        "csv",
        region="KE",
        operator=op.name,
        consent_source="test",
        source_name="test.csv",
    )
    published = authoring.do_create_alert(author, cholera(**alert))
    authoring.do_submit_alert(author, published)
    published = authoring.do_approve_alert(approver, published, authoring.fingerprint(published))
    return delivery.do_start_campaign(published)


def dispatch(
    sim: SmscSimulator, during: Any = None, services: Any = None, **options: Any
) -> Dispatcher:
    """Run the simulator and a dispatcher (calling `services`, by default the delivery
    services) until there is nothing left to send."""
    options.setdefault("receipt_timeout", 5.0)

    async def scenario() -> Dispatcher:
        await sim.start()
        dispatcher = Dispatcher(
            DispatcherOptions(worker="test", until_idle=True, **options), services
        )
        try:
            runs = [dispatcher.run()] + ([during(sim, dispatcher)] if during else [])
            await asyncio.wait_for(asyncio.gather(*runs), LIMIT)
        finally:
            await sim.stop()
        return dispatcher

    return in_own_loop(scenario())


def states() -> Counter[str]:
    return Counter(Message.objects.values_list("state", flat=True))


def test_a_campaign_of_hundreds_ends_delivered_with_every_receipt_matched(author, approver):
    sim = simulator()
    sim_port = _reserve(sim)
    queue_campaign(author, approver, operator(sim_port), 300)
    dispatcher = dispatch(sim)
    assert states() == {"delivered": 300}
    assert sim.counters["accepted"] == 300
    runner = next(iter(dispatcher.runners.values()))
    assert runner.stats.receipts_matched == 300


def test_two_dispatchers_share_a_campaign_and_every_receipt_finds_its_message(author, approver):
    # The SMSC hands each receipt to any bind of the account, often to the other
    # dispatcher before the one that submitted has written the part: it is asked again.
    sim = simulator(dlr_delay=0)
    queue_campaign(author, approver, operator(_reserve(sim)), 400)
    second = Dispatcher(DispatcherOptions(worker="second", until_idle=True, receipt_timeout=5.0))

    async def run_second(_sim: Any, _first: Any) -> None:
        await second.run()

    first = dispatch(sim, during=run_second)
    assert states() == {"delivered": 400}
    submitted = [d.runners[r].stats.parts_accepted for d in (first, second) for r in d.runners]
    assert all(submitted)  # both took part
    assert sum(submitted) == sim.counters["accepted"] == 400
    # Whether a receipt reached the other dispatcher before its part was written (and was
    # delivered again) depends on timing: on a loaded machine it may not happen, so it is
    # not asserted here; every message delivered is what must hold either way.


class ReceiptFirstSimulator(RecordingSimulator):
    """Notes, per SMSC message id, whether its receipt was written before its
    submit_sm_resp could be: the answer leaves `response_delay` after the submit_sm."""

    def __init__(self, config: SimulatorConfig) -> None:
        super().__init__(config)
        self.answer_after: dict[int, float] = {}  # message id → earliest answer time
        self.receipts_first: set[int] = set()

    def submit(self, conn: Any, request: P.SubmitSm) -> P.Pdu:
        answer = super().submit(conn, request)
        if isinstance(answer, P.SubmitSmResp) and answer.message_id:
            earliest = time.monotonic() + self.config.response_delay
            self.answer_after[int(answer.message_id)] = earliest
        return answer

    def _receipt(self, conn: Any, item: Any) -> P.DeliverSm:
        if time.monotonic() < self.answer_after.get(item.message_id, 0.0):
            self.receipts_first.add(item.message_id)
        return super()._receipt(conn, item)


def test_a_receipt_before_its_submit_answer_is_kept_until_its_part_is_written(author, approver):
    # The SMSC answers every submit_sm 0.2 s late and sends the receipt at once (its sweep
    # runs every 10 ms, well before the answer's timer): each receipt arrives, on the same
    # connection, for a part whose SMSC id the dispatcher does not know yet.
    sim = ReceiptFirstSimulator(
        SimulatorConfig(accounts={"moh": "secret"}, dlr_delay=0, response_delay=0.2, seed=11)
    )
    queue_campaign(author, approver, operator(_reserve(sim), binds=1, window=10), 40)
    dispatcher = dispatch(sim)
    assert len(sim.receipts_first) == sim.counters["accepted"] == 40
    # Kept in memory until the part was written, then applied: never refused and sent again.
    assert states() == {"delivered": 40}
    assert sim.counters["receipts_redelivered"] == 0
    runner = next(iter(dispatcher.runners.values()))
    assert runner.stats.receipts_matched == 40


def delivery_services(**changes: Any) -> SimpleNamespace:
    """The services the dispatcher calls (its `delivery`), some of them wrapped."""
    from resilnet.alerts.dispatch import adapter

    return SimpleNamespace(**(vars(adapter) | changes))


def test_a_receipt_for_a_part_another_dispatcher_has_not_written_is_answered_later(
    author, approver
):
    """Two dispatchers on one account. The sender's outcomes are held back until the other
    dispatcher has been handed a receipt for one of its parts and found no part with that
    id: it must answer "later" (the SMSC keeps the receipt and delivers it again) and apply
    it once the part is written, so every message ends delivered, none stuck submitted."""
    import threading

    from resilnet.alerts.dispatch import adapter

    sim = simulator(dlr_delay=0)
    queue_campaign(author, approver, operator(_reserve(sim), binds=1, window=10), 40)
    unknown_seen = threading.Event()
    answered_later: list[int] = []

    def outcomes_after_an_unknown_receipt(worker: str, outcomes: list[Any]) -> None:
        unknown_seen.wait(LIMIT / 3)  # bounded: the assertions below say if it never came
        adapter.record_outcomes(worker, outcomes)

    def receipts_counting_unknown(operator_id: int, receipts: list[Any], **kw: Any) -> int:
        matched = adapter.record_receipts(operator_id, receipts, **kw)
        if kw.get("unknown_out"):
            answered_later.append(len(kw["unknown_out"]))
            unknown_seen.set()
        return matched

    sender = Dispatcher(
        DispatcherOptions(worker="sender", until_idle=True, receipt_timeout=1.0),
        delivery_services(record_outcomes=outcomes_after_an_unknown_receipt),
    )
    # The other one claims nothing: it only takes the receipts the SMSC hands its bind.
    receiver = Dispatcher(
        DispatcherOptions(worker="receiver"),
        delivery_services(claim=lambda *_a: [], record_receipts=receipts_counting_unknown),
    )

    async def scenario() -> None:
        await sim.start()
        try:
            receiving = asyncio.ensure_future(receiver.run())
            async with asyncio.timeout(LIMIT):
                while sim.counters["binds"] < 1:  # bound first: it gets half the receipts
                    await asyncio.sleep(0.01)
                await sender.run()
            # The receipts still refused come again every 10 ms or so; a lost one never.
            deadline = time.monotonic() + 10.0
            while time.monotonic() < deadline and await _in_thread(_not_final):
                await asyncio.sleep(0.05)
            receiver.stop()
            await asyncio.wait_for(receiving, LIMIT)
        finally:
            await sim.stop()

    in_own_loop(scenario())
    assert answered_later  # receipts did come before their part was written …
    # … and were applied once it was, by the dispatcher that never sent a thing.
    assert states() == {"delivered": 40}
    assert sim.counters["receipts_redelivered"] >= sum(answered_later)
    own = next(iter(sender.runners.values())).stats
    other = next(iter(receiver.runners.values())).stats
    assert (own.parts_accepted, other.parts_accepted) == (40, 0)
    assert other.receipts_matched > 0
    assert own.receipts_matched + other.receipts_matched == 40


@sqlite_only(
    "a lock held on the whole database makes the claim itself fail; PostgreSQL locks "
    "rows and a claim skips the locked ones (failing calls on both engines: the test "
    "with injected errors below)"
)
def test_a_claim_refused_by_a_locked_database_is_tried_again_and_the_campaign_completes(
    author, approver, monkeypatch
):
    """Another process holds SQLite's write lock when the dispatcher first claims: the
    claim gives up ("database is locked"), and the dispatcher claims again once the lock
    is free instead of leaving the campaign where it was."""
    import sqlite3
    import threading

    from django.db import connection

    from resilnet.alerts.dispatch import adapter

    sim = simulator()
    queue_campaign(author, approver, operator(_reserve(sim)), 100)
    # The dispatcher's connection waits a fifth of a second for the lock, not a minute.
    monkeypatch.setitem(connection.settings_dict["OPTIONS"], "timeout", 0.2)
    holder = sqlite3.connect(
        connection.settings_dict["NAME"], isolation_level=None, check_same_thread=False
    )
    holder.execute("BEGIN IMMEDIATE")
    refusals: list[str] = []
    refused = threading.Event()

    def claim(*args: Any) -> Any:
        try:
            return adapter.claim(*args)
        except Exception as error:
            refusals.append(str(error))
            refused.set()
            raise

    async def free_the_lock_after_a_refusal(_sim: Any, _dispatcher: Any) -> None:
        await asyncio.to_thread(refused.wait, LIMIT / 3)
        holder.execute("ROLLBACK")

    try:
        dispatch(sim, free_the_lock_after_a_refusal, delivery_services(claim=claim))
    finally:
        holder.close()
    assert refusals[:1] == ["database is locked"]
    assert states() == {"delivered": 100}
    assert sim.counters["accepted"] == 100


def test_database_calls_that_fail_are_tried_again_and_nothing_is_lost_or_sent_twice(
    author, approver, caplog
):
    """A connection the database dropped: the first calls of each kind the dispatcher
    makes fail. Each is tried again, logged once naming the operator (never a number)."""
    from django.db import OperationalError

    from resilnet.alerts.dispatch import adapter

    failures: Counter[str] = Counter()

    def failing_first(name: str, times: int) -> Any:
        service = getattr(adapter, name)

        def call(*args: Any, **kwargs: Any) -> Any:
            if failures[name] < times:
                failures[name] += 1
                raise OperationalError("server closed the connection unexpectedly")
            return service(*args, **kwargs)

        return call

    failing = {"operators_with_work": 1, "claim": 3, "record_outcomes": 2, "record_receipts": 2}
    sim = simulator()
    queue_campaign(author, approver, operator(_reserve(sim)), 200)
    services = delivery_services(**{name: failing_first(name, n) for name, n in failing.items()})
    with caplog.at_level(logging.INFO, logger="resilnet.alerts"):
        dispatch(sim, services=services)
    assert failures == failing  # every one of them did fail …
    assert states() == {"delivered": 200}  # … and nothing was lost
    assert sim.counters["accepted"] == 200  # or sent twice
    assert Message.objects.filter(maybe_duplicate=True).count() == 0
    logged = [r.getMessage() for r in caplog.records if r.levelno >= logging.WARNING]
    claims = [line for line in logged if "claiming" in line]
    assert len(claims) == 1  # three failures in a row: logged once …
    assert claims[0].startswith("operator Safaricom: claiming messages failed")  # … by name
    assert not [line for line in logged if "25471" in line]


def _not_final() -> int:
    return Message.objects.exclude(state__in=FINAL).count()


def test_a_campaign_over_transmitter_receiver_pairs_ends_delivered_with_every_receipt(
    author, approver
):
    sim = simulator()
    queue_campaign(author, approver, operator(_reserve(sim), bind_mode="tx+rx"), 300)
    dispatcher = dispatch(sim)
    assert states() == {"delivered": 300}
    assert sim.submitted_on == {"transmitter": 300}
    assert sim.counters["binds"] == 4  # two pairs
    assert sim.counters["receipts_acknowledged"] == 300
    runner = next(iter(dispatcher.runners.values()))
    assert runner.stats.receipts_matched == 300


def test_receivers_dropped_mid_campaign_come_back_and_no_receipt_is_lost(author, approver):
    sim = simulator()
    queue_campaign(author, approver, operator(_reserve(sim), bind_mode="tx+rx", tps=200), 400)
    dropped: list[int] = []
    accepted_at_drop: list[int] = []

    async def drop_receivers_twice(sim: SmscSimulator, dispatcher: Dispatcher) -> None:
        for turn in (1, 2):
            # Each time after a stretch of sending, and once the receivers are back.
            while sim.counters["accepted"] < 120 * turn or sim.counters["binds"] < 2 + 2 * turn:
                await asyncio.sleep(0.01)
            dropped.append(sim.drop_all("receiver"))
            accepted_at_drop.append(sim.counters["accepted"])

    dispatch(sim, during=drop_receivers_twice)
    assert dropped == [2, 2]
    assert accepted_at_drop[-1] < 400  # both while the campaign was still being sent
    assert states() == {"delivered": 400}
    assert sim.counters["binds"] == 4 + 4  # only the receivers bound again, twice each
    # The transmitters never lost their line: nothing was sent twice.
    assert sim.counters["accepted"] == 400
    assert Message.objects.filter(maybe_duplicate=True).count() == 0


def test_long_arabic_messages_arrive_in_order(author, approver):
    sim = simulator()
    queue_campaign(
        author, approver, operator(_reserve(sim)), 20, "ar", infos=_arabic_long(), sms_segment_cap=4
    )
    dispatch(sim)
    assert set(states()) == {"delivered"}
    by_phone: dict[str, list[bytes]] = {}
    for destination, esm_class, payload in sim.received:
        assert esm_class & 0x40  # a user data header: the parts are concatenated
        by_phone.setdefault(destination, []).append(payload)
    assert len(by_phone) == 20
    for parts in by_phone.values():
        # UDH: 05 00 03 ref total seq; each phone's parts came as 1, 2, 3 …
        assert [p[5] for p in parts] == list(range(1, parts[0][4] + 1))


def test_throttling_slows_down_and_requeues_without_loss(author, approver):
    sim = simulator(tps=100)
    queue_campaign(author, approver, operator(_reserve(sim), tps=400), 200)
    dispatch(sim)
    assert sim.counters["throttled"] > 0
    assert states() == {"delivered": 200}


def test_queue_full_and_permanent_refusals_end_in_the_right_states(author, approver):
    sim = simulator(msgqful_rate=0.2, fail_rate=0.1)
    queue_campaign(author, approver, operator(_reserve(sim)), 300)
    dispatch(sim)
    final = states()
    assert final["delivered"] + final["failed"] == 300
    assert final["failed"] == sim.counters["failed"]
    reasons = set(Message.objects.filter(state="failed").values_list("reason", flat=True))
    assert reasons == {"ESME_RSUBMITFAIL"}


def test_an_smsc_dropping_connections_mid_window_loses_nothing(author, approver):
    sim = simulator(response_delay=0.02)
    queue_campaign(author, approver, operator(_reserve(sim)), 400)

    async def drop_twice(sim: SmscSimulator, dispatcher: Dispatcher) -> None:
        for _ in range(2):
            while sim.counters["accepted"] < 100 * (_ + 1):
                await asyncio.sleep(0.01)
            sim.drop_all()

    dispatch(sim, during=drop_twice)
    # Receipts lost with a connection are sent again on the next bind (store and forward):
    # every message ends delivered, none stays `submitted`.
    assert states() == {"delivered": 400}
    unknown = Message.objects.filter(maybe_duplicate=True).count()
    assert unknown <= 2 * 2 * 20  # twice, two binds' windows at most


def test_the_kill_switch_stops_sending_within_seconds_and_resume_finishes(author, approver):
    sim = simulator()
    campaign = queue_campaign(author, approver, operator(_reserve(sim), tps=100), 400)
    seen: dict[str, Any] = {}

    async def halt_midway(sim: SmscSimulator, dispatcher: Dispatcher) -> None:
        while sim.counters["accepted"] < 50:
            await asyncio.sleep(0.01)
        await _in_thread(delivery.do_halt_campaign, approver, campaign, "wrong province")
        # Within 2 s: nothing of the campaign is held any more (given back, not sent) …
        deadline = time.monotonic() + 2.0
        while time.monotonic() < deadline and await _in_thread(_sending):
            await asyncio.sleep(0.05)
        seen["sending"] = await _in_thread(_sending)
        # … and the simulator gets nothing more.
        seen["accepted"] = sim.counters["accepted"]
        await asyncio.sleep(1.0)
        seen["accepted later"] = sim.counters["accepted"]

    dispatch(sim, during=halt_midway)
    assert seen["sending"] == 0
    assert seen["accepted"] == seen["accepted later"] < 400
    after_halt = states()
    assert after_halt["queued"] == 400 - seen["accepted"]  # every unsent one given back
    assert Message.objects.filter(maybe_duplicate=True).count() == 0

    delivery.do_resume_campaign(approver, campaign)
    again = simulator()
    again.config.port, again.config.control_port = sim.config.port, None
    dispatch(again)
    assert states() == {"delivered": 400}
    assert again.counters["accepted"] == 400 - seen["accepted"]  # none sent twice


def _sending() -> int:
    return Message.objects.filter(state="sending").count()


async def _in_thread(fn: Any, *args: Any) -> Any:
    """A database call from the event loop's side of a scenario, on a connection of its own."""

    def call() -> Any:
        from django.db import connections

        try:
            return fn(*args)
        finally:
            connections.close_all()

    return await asyncio.to_thread(call)


@pytest.mark.parametrize("bind_mode", ["transceiver", "tx+rx"])
def test_stop_sent_as_a_reply_stops_the_subscriber_and_is_confirmed(author, approver, bind_mode):
    sim = simulator()
    queue_campaign(author, approver, operator(_reserve(sim), bind_mode=bind_mode), 5)

    async def reply_stop(sim: SmscSimulator, dispatcher: Dispatcher) -> None:
        while not sim.receivers:
            await asyncio.sleep(0.01)
        await sim.send_mo("25471" + "0000003", "resilnet", "STOP")

    dispatch(sim, during=reply_stop)
    stopped = Subscriber.objects.get(msisdn="+254710000003")
    assert stopped.status == "stopped"
    assert any(d == "254710000003" and b"STOP" not in p for d, _, p in sim.received[5:])


def test_a_wrong_password_is_a_clear_error_naming_the_operator(author, approver):
    sim = simulator()
    queue_campaign(author, approver, operator(_reserve(sim), password="wrong"), 3)
    dispatcher = dispatch(sim)
    assert dispatcher.errors == ["operator Safaricom: the SMSC refused the bind (ESME_RINVPASWD)"]
    assert states() == {"queued": 3}


def test_malformed_pdus_from_the_smsc_do_not_crash_the_dispatcher(author, approver):
    """A hostile SMSC: binds, then answers every submit_sm with garbage and a bad receipt."""

    async def hostile(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        frames = P.FrameReader(reader)
        while batch := await frames.read():
            for frame in batch:
                pdu = P.decode(frame)
                if isinstance(pdu, P.Bind):
                    writer.write(P.encode(P.response_for(pdu, system_id="bad")))
                elif isinstance(pdu, P.SubmitSm):
                    writer.write(b"\x00\x00\x00\x10\x80\x00\x00\x99" + frame[12:16])  # unknown id
                    receipt = P.DeliverSm(sequence=7, esm_class=0x04, short_message=b"id: stat:")
                    writer.write(P.encode(receipt))
                elif isinstance(pdu, P.Unbind):
                    writer.write(P.encode(P.response_for(pdu)))

    async def scenario() -> Dispatcher:
        server = await asyncio.start_server(hostile, "127.0.0.1", 0)
        port = server.sockets[0].getsockname()[1]
        await asyncio.to_thread(_queue_for_port, author, approver, port)
        dispatcher = Dispatcher(
            DispatcherOptions(worker="test", until_idle=True, receipt_timeout=2.0)
        )
        try:
            await asyncio.wait_for(dispatcher.run(), LIMIT)
        finally:
            server.close()
        return dispatcher

    dispatcher = in_own_loop(scenario())
    # Every message is still there; none cycles for ever: after max_attempts submit_sm
    # without a readable answer it fails, naming the last problem, and --until-idle ends.
    assert states() == {"failed": 10}
    runner = next(iter(dispatcher.runners.values()))
    assert runner.stats.parts_unknown == 10 * 5  # the default max_attempts
    reasons = set(Message.objects.values_list("reason", flat=True))
    assert len(reasons) == 1
    assert reasons.pop().startswith("no valid answer after 5 attempts: ")


def _queue_for_port(author: Any, approver: Any, port: int) -> None:
    from django.db import connections

    try:
        queue_campaign(author, approver, operator(port, binds=1, window=5), 10)
    finally:
        connections.close_all()


def test_a_killed_dispatcher_is_taken_over_nothing_lost(author, approver, tmp_path):
    sim_process, port, control_port = _simulator_process()
    try:
        queue_campaign(author, approver, operator(port, tps=200, window=20), 600)
        first = _dispatcher_process("first", tmp_path)
        deadline = time.monotonic() + LIMIT
        while Message.objects.exclude(state="queued").count() < 150:
            assert time.monotonic() < deadline, (tmp_path / "first.log").read_text()
            time.sleep(0.1)
        os.kill(first.pid, signal.SIGKILL)
        first.wait(10)
        second = _dispatcher_process("second", tmp_path, "--until-idle")
        assert second.wait(LIMIT) == 0, (tmp_path / "second.log").read_text()
        accepted = _counters(control_port)["accepted"]
    finally:
        sim_process.send_signal(signal.SIGTERM)
        sim_process.wait(10)
    assert states() == {"delivered": 600}  # nothing lost
    # Sent twice: only messages whose submit_sm was answered without the answer written,
    # at most the killed dispatcher's window (two binds of 20); every one of them flagged.
    # The flagged may be more: messages claimed a moment before the kill, not yet sent
    # (at most one more window, as claims are made just in time).
    duplicates = accepted - 600
    flagged = Message.objects.filter(maybe_duplicate=True).count()
    assert 0 <= duplicates <= 2 * 20
    assert duplicates <= flagged <= 2 * 20 + 20


def _reserve(sim: SmscSimulator) -> int:
    """A free loopback port for the simulator, known before it starts."""
    import socket

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    sim.config.port = port
    sim.config.control_port = None
    return port


RUN = [sys.executable, "-c", "from resilnet.cli import main; raise SystemExit(main())"]


def _counters(control_port: int) -> dict[str, int]:
    import json
    import socket

    with socket.create_connection(("127.0.0.1", control_port), timeout=10) as s:
        s.sendall(b'{"action": "counters"}\n')
        answer = s.makefile().readline()
    counters: dict[str, int] = json.loads(answer)["counters"]
    return counters


def _simulator_process() -> tuple[subprocess.Popen[str], int, int]:
    process = subprocess.Popen(
        [*RUN, "smsc-sim", "--port", "0", "--accounts", "moh:secret", "--dlr-delay", "0.05"],
        stdout=subprocess.PIPE,
        text=True,
        env=os.environ | {"DJANGO_SETTINGS_MODULE": "resilnet.settings"},
    )
    assert process.stdout is not None
    # "smsc-sim listening on 127.0.0.1:PORT, control 127.0.0.1:PORT"
    line = process.stdout.readline()
    return process, int(line.split(":")[1].split(",")[0]), int(line.rsplit(":", 1)[1])


def _dispatcher_process(name: str, tmp_path: Path, *extra: str) -> subprocess.Popen[str]:
    log = (tmp_path / f"{name}.log").open("w")
    return subprocess.Popen(
        [*RUN, "dispatcher", "--worker-id", name, "--lease", "2", "--receipt-timeout", "5", *extra],
        stdout=log,
        stderr=subprocess.STDOUT,
        text=True,
        env=os.environ
        | {"DJANGO_SETTINGS_MODULE": "resilnet.settings", "RESILNET_DATABASE_URL": database_url()},
    )


def _arabic_long() -> list[authoring.InfoInput]:
    text = (
        "وزارة الصحة: حالات كوليرا مؤكدة. اغلوا ماء الشرب أو عقموه، واغسلوا أيديكم بالصابون. " * 2
    )
    infos = cholera().infos
    return [
        authoring.InfoInput(
            **{
                **info.__dict__,
                "sms_text": text if info.language == "ar" else info.sms_text,
                "language": info.language,
            }
        )
        for info in infos
    ]
