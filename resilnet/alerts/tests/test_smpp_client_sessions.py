"""The ESME client against the SMSC simulator over loopback sockets: binds, the window,
throttling and queue-full answers, receipts, mobile-originated messages, an SMSC that goes
away mid-window, and reconnecting."""

from __future__ import annotations

import asyncio
import time
from typing import Any

import pytest

from resilnet.alerts.smpp import pdu as P
from resilnet.alerts.smpp.client import (
    Bind,
    BindRefused,
    EsmeSession,
    Operator,
    Outcome,
    Pacer,
    SimplePart,
)
from resilnet.alerts.smpp.receipts import (
    canonical_message_id,
    is_receipt,
    parse_receipt,
)
from resilnet.alerts.tests.smpp_peers import bind_config, control, run, simulator, wait_until

HELLO = [SimplePart(b"Cholera: boil water")]


def test_a_bound_session_submits_and_gets_the_smscs_message_id() -> None:
    async def scenario() -> None:
        async with simulator() as sim:
            session = EsmeSession(bind_config(sim))
            await session.open()
            [result] = await session.submit("2250701020304", HELLO, source="MOH")
            await session.close()
        assert result.outcome is Outcome.ACCEPTED
        assert result.message_id is not None
        assert int(result.message_id) > 0
        assert sim.counters["accepted"] == 1

    run(scenario())


def test_a_wrong_password_is_refused_naming_the_operator_and_the_status() -> None:
    async def scenario() -> None:
        async with simulator() as sim:
            session = EsmeSession(bind_config(sim, password="wrong"))
            with pytest.raises(BindRefused) as caught:
                await session.open()
            assert caught.value.status == P.Status.ESME_RINVPASWD
            assert "Orange CI" in str(caught.value)
            assert "ESME_RINVPASWD" in str(caught.value)
            unknown = EsmeSession(bind_config(sim, system_id="nobody"))
            with pytest.raises(BindRefused, match="ESME_RINVSYSID"):
                await unknown.open()

    run(scenario())


def test_the_window_bounds_requests_in_flight_and_every_message_is_answered() -> None:
    async def scenario() -> None:
        async with simulator() as sim:
            session = EsmeSession(bind_config(sim, window=8))
            await session.open()
            results = await asyncio.gather(
                *(session.submit(f"22507{i:08d}", HELLO) for i in range(300))
            )
            await session.close()
        assert [r.outcome for [r] in results] == [Outcome.ACCEPTED] * 300
        assert len({r.message_id for [r] in results}) == 300
        assert session.peak_outstanding == 8
        assert sim.counters["received"] == 300

    run(scenario())


def test_throttled_answers_are_retryable_and_slow_the_pacer_down() -> None:
    async def scenario() -> None:
        async with simulator(tps=20) as sim:
            operator = Operator(bind_config(sim, window=50), binds=2)
            await operator.start()
            results = await asyncio.gather(
                *(operator.submit(f"22507{i:08d}", HELLO) for i in range(100))
            )
            await operator.close()
        throttled = [r for [r] in results if r.outcome is Outcome.RETRY]
        assert throttled, "an SMSC capped at 20/s must refuse a burst of 100"
        assert {r.reason for r in throttled} == {"ESME_RTHROTTLED"}
        assert all(r.requeue for r in throttled)
        assert operator.pacer.throttles == len(throttled)
        assert operator.pacer.pause > 0  # it paused instead of hammering on

    run(scenario())


def test_binds_sharing_a_pacer_keep_under_the_smscs_cap() -> None:
    async def scenario() -> None:
        async with simulator(tps=40) as sim:
            operator = Operator(bind_config(sim, window=20), binds=2, tps=30)
            await operator.start()
            results = await asyncio.gather(
                *(operator.submit(f"22507{i:08d}", HELLO) for i in range(45))
            )
            await operator.close()
        assert [r.outcome for [r] in results] == [Outcome.ACCEPTED] * 45
        assert sim.counters["throttled"] == 0

    run(scenario())


def test_queue_full_is_requeued_and_succeeds_once_the_smsc_has_room() -> None:
    async def scenario() -> None:
        async with simulator(msgqful_rate=1.0) as sim:
            session = EsmeSession(bind_config(sim))
            await session.open()
            [first] = await session.submit("2250701020304", HELLO)
            assert (await control(sim, {"action": "set", "msgqful_rate": 0}))["ok"]
            [second] = await session.submit("2250701020304", HELLO)
            await session.close()
        assert (first.outcome, first.reason, first.requeue) == (
            Outcome.RETRY,
            "ESME_RMSGQFUL",
            True,
        )
        assert second.outcome is Outcome.ACCEPTED

    run(scenario())


def test_other_errors_fail_the_part_with_the_status_name() -> None:
    async def scenario() -> None:
        async with simulator(fail_rate=1.0) as sim:
            session = EsmeSession(bind_config(sim))
            await session.open()
            [result] = await session.submit("2250701020304", HELLO)
            [no_destination] = await session.submit("", HELLO)
            await session.close()
        assert (result.outcome, result.reason, result.requeue) == (
            Outcome.FAILED,
            "ESME_RSUBMITFAIL",
            False,
        )
        assert no_destination.reason == "ESME_RINVDSTADR"

    run(scenario())


def test_the_parts_after_a_refused_part_wait_so_a_retry_keeps_their_order() -> None:
    parts = [SimplePart(bytes([5, 0, 3, 42, 3, i]) + b"part", esm_class=0x40) for i in (1, 2, 3)]

    async def scenario() -> None:
        async with simulator() as sim:
            session = EsmeSession(bind_config(sim))
            await session.open()
            # The second part is refused: the SMSC's queue fills after the first.
            original = sim.submit

            def fill_after_first(conn: Any, request: P.SubmitSm) -> P.Pdu:
                if sim.counters["received"] == 1:
                    sim.config.msgqful_rate = 1.0
                return original(conn, request)

            sim.submit = fill_after_first  # type: ignore[method-assign]
            results = await session.submit("2250701020304", parts)
            await session.close()
        assert [r.outcome for r in results] == [Outcome.ACCEPTED, Outcome.RETRY, Outcome.NOT_SENT]
        assert sim.counters["received"] == 2  # the third never left

    run(scenario())


def test_receipts_come_back_and_match_the_submitted_id_though_written_in_hex() -> None:
    async def scenario() -> None:
        receipts: list[P.DeliverSm] = []
        async with simulator(dlr_outcomes={"delivered": 1.0}) as sim:
            session = EsmeSession(bind_config(sim), on_deliver=lambda s, pdu: receipts.append(pdu))
            await session.open()
            results = await asyncio.gather(
                *(session.submit(f"22507{i:08d}", HELLO) for i in range(20))
            )
            await wait_until(lambda: len(receipts) == 20)
            await wait_until(lambda: sim.counters["receipts_acknowledged"] == 20)
            await session.close()
        submitted = {canonical_message_id(r.message_id or "") for [r] in results}
        parsed = [parse_receipt(pdu) for pdu in receipts]
        assert all(is_receipt(pdu) for pdu in receipts)
        assert {p.message_id for p in parsed}.isdisjoint({r.message_id for [r] in results})
        assert {p.keys()[0] for p in parsed} == submitted
        assert {p.outcome for p in parsed} == {"delivered"}

    run(scenario())


def test_a_stop_from_a_phone_reaches_the_callback_and_is_acknowledged() -> None:
    async def scenario() -> None:
        received: list[P.DeliverSm] = []

        async def on_deliver(session: EsmeSession, pdu: P.DeliverSm) -> None:
            received.append(pdu)

        async with simulator() as sim:
            session = EsmeSession(bind_config(sim), on_deliver=on_deliver)
            await session.open()
            answer = await control(
                sim,
                {"action": "mo", "source": "2250701020304", "destination": "1234", "text": "STOP"},
            )
            assert answer == {"ok": True, "sent": 1}
            await wait_until(lambda: sim.counters["receipts_acknowledged"] == 1)
            await session.close()
        [mo] = received
        assert (mo.source_addr, mo.destination_addr, mo.short_message) == (
            "2250701020304",
            "1234",
            b"STOP",
        )
        assert not is_receipt(mo)

    run(scenario())


def test_requests_in_flight_when_the_smsc_drops_the_line_are_reported_unknown() -> None:
    async def scenario() -> None:
        async with simulator(response_delay=20) as sim:
            session = EsmeSession(bind_config(sim, response_timeout=25))
            await session.open()
            sends = [
                asyncio.ensure_future(session.submit(f"22507{i:08d}", HELLO)) for i in range(5)
            ]
            await wait_until(lambda: sim.counters["received"] == 5)
            assert (await control(sim, {"action": "drop"}))["dropped"] == 1
            results = await asyncio.gather(*sends)
            [after] = await session.submit("2250701020304", HELLO)
        assert [r.outcome for [r] in results] == [Outcome.UNKNOWN] * 5
        assert after.outcome is Outcome.NOT_SENT
        assert after.requeue

    run(scenario())


def test_a_bind_reconnects_after_the_smsc_drops_it() -> None:
    async def scenario() -> None:
        async with simulator() as sim:
            bind = Bind(bind_config(sim), backoff_initial=0.05)
            await bind.start()
            sim.drop_all()
            await wait_until(lambda: bind.reconnects == 1 and bind.ready.is_set())
            [result] = await bind.submit("2250701020304", HELLO)
            await bind.close()
        assert result.outcome is Outcome.ACCEPTED
        assert sim.counters["binds"] == 2

    run(scenario())


def test_a_bind_stops_reconnecting_when_its_password_is_refused() -> None:
    async def scenario() -> None:
        async with simulator() as sim:
            bind = Bind(bind_config(sim), backoff_initial=0.05)
            await bind.start()
            sim.config.accounts["moh"] = "changed"
            sim.drop_all()
            await wait_until(lambda: bind.failed is not None)
            [result] = await bind.submit("2250701020304", HELLO)
            await bind.close()
        assert result.outcome is Outcome.NOT_SENT
        assert "ESME_RINVPASWD" in result.reason

    run(scenario())


def test_a_quiet_line_is_kept_alive_with_enquire_link() -> None:
    async def scenario() -> None:
        async with simulator() as sim:
            session = EsmeSession(bind_config(sim, enquire_link_interval=0.1))
            await session.open()
            await wait_until(lambda: sim.counters["enquire_links"] >= 2)
            assert session.bound
            await session.close()

    run(scenario())


def test_the_pacer_spaces_send_slots_evenly_and_recovers_after_throttling() -> None:
    pacer = Pacer(100)
    pacer.throttled()
    assert pacer.rate == pytest.approx(70)
    pacer.throttled()  # the same burst: counted once
    assert pacer.rate == pytest.approx(70)
    for _ in range(30):
        pacer.accepted()
    assert pacer.rate == 100
    with pytest.raises(ValueError, match="positive"):
        Pacer(0)


def test_a_stalled_sender_never_bursts_past_an_smscs_per_second_window() -> None:
    # 200 senders share a 500/s pacer, as a window of 100 on two binds does; the event loop
    # then stalls for 300 ms. The simulator's own token bucket (100 ms of messages) must
    # take every send: woken late, the senders catch up a few turns, not 150 at once.
    from resilnet.alerts.smsc.simulator import _Bucket

    pacer = Pacer(500)
    bucket = _Bucket(500)
    refused = []

    async def sender() -> None:
        for _ in range(3):
            await pacer.wait()
            if not bucket.take():
                refused.append(1)

    async def scenario() -> None:
        senders = [asyncio.ensure_future(sender()) for _ in range(200)]
        await asyncio.sleep(0.2)
        time.sleep(0.3)  # the stall: nothing runs, the due turns pile up
        await asyncio.wait_for(asyncio.gather(*senders), 30)

    run(scenario())
    assert refused == []
