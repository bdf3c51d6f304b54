"""What a dispatcher still holds when it stops (the outcomes of submit_sm already on the
wire, receipts, messages to give back) is written before it exits: every operator's, even
when one operator's writes fail, and a write that fails for a moment is tried again.
A real database and the SMSC simulator; every wait is bounded."""

from __future__ import annotations

import asyncio
import io
import logging
import threading
from collections import Counter
from datetime import timedelta
from typing import Any

import pytest
from django.db import OperationalError
from django.utils import timezone

from resilnet.alerts.dispatch import adapter
from resilnet.alerts.dispatch.engine import Dispatcher, DispatcherOptions
from resilnet.alerts.models import Message
from resilnet.alerts.services import audiences
from resilnet.alerts.smsc.simulator import SimulatorConfig
from resilnet.alerts.tests.smpp_peers import in_own_loop
from resilnet.alerts.tests.test_dispatcher_end_to_end import (
    LIMIT,
    RecordingSimulator,
    _in_thread,
    _reserve,
    delivery_services,
    operator,
    queue_campaign,
    states,
)
from resilnet.core.tests.databases import sqlite_only

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.usefixtures("kenya")]
WINDOW = 2 * 20  # binds × window of the test operators: what each sends with no write


class StoppingDispatcher(Dispatcher):
    """A dispatcher saying when its last write begins: its operators have stopped, their
    binds are closed, and what they hold can only be written now or never."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.last_write = threading.Event()
        self.at_last_write: Any = None  # called as it begins

    async def flush_all(self) -> None:
        self.last_write.set()
        if self.at_last_write is not None:
            self.at_last_write()
        await super().flush_all()


def two_accounts() -> RecordingSimulator:
    """One SMSC, an account per operator: each operator's receipts come to its own binds."""
    config = SimulatorConfig(accounts={"moh": "secret", "moh2": "secret"}, dlr_delay=0.05, seed=11)
    return RecordingSimulator(config)


def add_subscribers(op: Any, prefix: str, count: int) -> None:
    lines = (f"{prefix}{i:07d},KE-30,en" for i in range(count))
    audiences.do_import_subscribers(
        None,
        io.BytesIO("\n".join(["msisdn,area,language", *lines]).encode()),
        "csv",
        region="KE",
        operator=op.name,
        consent_source="test",
        source_name="test.csv",
    )


def by_operator(name: str) -> Counter[str]:
    return Counter(Message.objects.filter(operator__name=name).values_list("state", flat=True))


async def windows_full(dispatcher: Dispatcher, operators: int) -> None:
    """Until each operator has sent its whole window and holds every outcome unwritten (no
    window slot is freed before its outcome is written, so nothing more goes out)."""
    while len(dispatcher.runners) < operators or any(
        r.stats.messages_done < WINDOW for r in dispatcher.runners.values()
    ):
        await asyncio.sleep(0.01)


def test_an_operator_failing_to_write_at_stop_keeps_no_other_operator_from_writing(
    author, approver, caplog
):
    """Airtel (served first) and Safaricom each stop with a window of outcomes unwritten.
    Airtel's writes keep failing; Safaricom's work again once the dispatcher stops: its
    outcomes are written. Airtel's are given up after a bounded time, logged with their
    count, and its messages stay leased: once the lease runs out, the next dispatcher takes
    them over as after a crash (sent again, flagged maybe_duplicate), and nothing is lost."""
    sim = two_accounts()
    port = _reserve(sim)
    airtel = operator(port, name="Airtel", system_id="moh2")
    add_subscribers(airtel, "+25473", 100)
    queue_campaign(author, approver, operator(port), 100)  # Safaricom's, and the alert
    airtel_ids = set(Message.objects.filter(operator=airtel).values_list("pk", flat=True))
    assert len(airtel_ids) == 100

    def record_outcomes(worker: str, outcomes: list[Any]) -> None:
        # Each operator writes its own outcomes: the first one says whose they are.
        if outcomes[0].message_id in airtel_ids or not first.last_write.is_set():
            raise OperationalError("database is locked")
        adapter.record_outcomes(worker, outcomes)

    first = StoppingDispatcher(
        DispatcherOptions(worker="first", lease=timedelta(seconds=2), stop_write_timeout=1.0),
        delivery_services(record_outcomes=record_outcomes),
    )
    seen: dict[str, Any] = {}

    async def scenario() -> None:
        await sim.start()
        try:
            async with asyncio.timeout(LIMIT):
                running = asyncio.ensure_future(first.run())
                await windows_full(first, 2)
                first.stop()
                await running
                seen["Airtel"] = await _in_thread(by_operator, "Airtel")
                seen["Safaricom"] = await _in_thread(by_operator, "Safaricom")
                seen["accepted"] = sim.counters["accepted"]
                # Airtel's leases run out (nothing renews them any more) …
                while await _in_thread(_leased_now):
                    await asyncio.sleep(0.1)
                # … and another dispatcher takes its messages over, and sends the rest.
                second = Dispatcher(
                    DispatcherOptions(worker="second", until_idle=True, receipt_timeout=5.0)
                )
                await second.run()
        finally:
            await sim.stop()

    with caplog.at_level(logging.INFO, logger="resilnet.alerts"):
        in_own_loop(scenario())
    assert seen["accepted"] == 2 * WINDOW
    # Safaricom's outcomes are written; none of its messages is left leased.
    assert seen["Safaricom"]["queued"] == 100 - WINDOW
    assert seen["Safaricom"]["submitted"] + seen["Safaricom"]["delivered"] == WINDOW
    # Airtel's could not be: its messages on the wire are still leased to the first one …
    assert seen["Airtel"] == {"sending": WINDOW, "queued": 100 - WINDOW}
    given_up = [r.getMessage() for r in caplog.records if "given up" in r.getMessage()]
    assert len(given_up) == 1
    assert given_up[0].startswith("operator Airtel: writing what it held at stop failed")
    assert f"{WINDOW} outcomes of {WINDOW} messages" in given_up[0]
    # … taken over by the second one: sent again and flagged, nothing lost.
    assert states() == {"delivered": 200}
    assert sim.counters["accepted"] == 200 + WINDOW
    flagged = Message.objects.filter(maybe_duplicate=True)
    assert flagged.count() == WINDOW
    assert set(flagged.values_list("operator__name", flat=True)) == {"Airtel"}


def _leased_now() -> bool:
    return Message.objects.filter(state="sending", lease_until__gte=timezone.now()).exists()


@pytest.mark.parametrize(
    "failure",
    [
        "injected",
        pytest.param(
            "sqlite lock",
            marks=sqlite_only("SQLite's write lock is on the whole database; PostgreSQL waits"),
        ),
    ],
)
def test_a_write_failing_for_a_moment_at_stop_is_tried_again_and_everything_written(
    author, approver, monkeypatch, failure
):
    """The dispatcher stops with a window of outcomes unwritten, and the database refuses
    its first write at stop (an injected error, or on SQLite another process holding the
    write lock): it tries again and writes them all."""
    import sqlite3

    from django.db import connection

    sim = two_accounts()
    queue_campaign(author, approver, operator(_reserve(sim)), 100)
    refusals: list[str] = []
    refused = threading.Event()

    def record_outcomes(worker: str, outcomes: list[Any]) -> None:
        if not dispatcher.last_write.is_set():
            raise OperationalError("database is locked")  # kept until the stop
        if failure == "injected" and not refusals:
            refusals.append("injected")
            raise OperationalError("server closed the connection unexpectedly")
        try:
            adapter.record_outcomes(worker, outcomes)
        except OperationalError as error:
            refusals.append(str(error))
            refused.set()
            raise

    dispatcher = StoppingDispatcher(
        DispatcherOptions(worker="test"), delivery_services(record_outcomes=record_outcomes)
    )
    holder: sqlite3.Connection | None = None
    if failure == "sqlite lock":
        # The dispatcher's connection waits a fifth of a second for the lock, not a minute.
        monkeypatch.setitem(connection.settings_dict["OPTIONS"], "timeout", 0.2)
        holder = sqlite3.connect(
            connection.settings_dict["NAME"], isolation_level=None, check_same_thread=False
        )
        dispatcher.at_last_write = lambda: holder.execute("BEGIN IMMEDIATE")

    async def scenario() -> None:
        await sim.start()
        try:
            async with asyncio.timeout(LIMIT):
                running = asyncio.ensure_future(dispatcher.run())
                await windows_full(dispatcher, 1)
                dispatcher.stop()
                if holder is not None:
                    await asyncio.to_thread(refused.wait, LIMIT / 3)
                    holder.execute("ROLLBACK")
                await running
        finally:
            await sim.stop()

    try:
        in_own_loop(scenario())
    finally:
        if holder is not None:
            holder.close()
    assert refusals[:1] == ["injected" if failure == "injected" else "database is locked"]
    final = states()
    assert final["queued"] == 100 - WINDOW
    assert final["submitted"] + final["delivered"] == WINDOW == sim.counters["accepted"]
    assert "sending" not in final
