"""Transmitter + receiver binds over loopback, our client against the SMSC simulator: a
receiver never submits, a transmitter never takes a deliver_sm, receipts of messages sent
on a transmitter wait for a receiver of the same account, and an operator's pairs keep
their receivers up as they keep their transmitters."""

from __future__ import annotations

import asyncio

import pytest

from resilnet.alerts.smpp import pdu as P
from resilnet.alerts.smpp.client import (
    BindRefused,
    EsmeSession,
    Operator,
    Outcome,
    SimplePart,
)
from resilnet.alerts.tests.smpp_peers import bind_config, control, run, simulator, wait_until

HELLO = [SimplePart(b"Cholera: boil water")]


async def _raw_bind(port: int, bind: P.Bind) -> tuple[asyncio.StreamWriter, P.FrameReader, P.Pdu]:
    reader, writer = await asyncio.open_connection("127.0.0.1", port)
    writer.write(P.encode(bind))
    frames = P.FrameReader(reader)
    [answer] = [P.decode(f) for f in await frames.read()]
    return writer, frames, answer


def test_the_simulator_refuses_a_submit_on_a_receiver_bind_with_0x04() -> None:
    async def scenario() -> None:
        async with simulator() as sim:
            writer, frames, bound = await _raw_bind(
                sim.port, P.BindReceiver(sequence=1, system_id="moh", password="secret")
            )
            assert isinstance(bound, P.BindReceiverResp)
            assert bound.status == P.Status.ESME_ROK
            writer.write(P.encode(P.SubmitSm(sequence=2, destination_addr="254710000001")))
            [answer] = [P.decode(f) for f in await frames.read()]
            writer.close()
        assert isinstance(answer, P.SubmitSmResp)
        assert (answer.sequence, answer.status) == (2, 0x04)
        assert P.status_name(answer.status) == "ESME_RINVBNDSTS"
        assert sim.counters["accepted"] == 0

    run(scenario())


def test_a_receiver_session_submits_nothing_and_a_transmitter_refuses_a_bad_password() -> None:
    async def scenario() -> None:
        async with simulator() as sim:
            receiver = EsmeSession(bind_config(sim, mode="receiver"))
            await receiver.open()
            [result] = await receiver.submit("254710000001", HELLO)
            await receiver.close()
            transmitter = EsmeSession(bind_config(sim, mode="transmitter", password="wrong"))
            with pytest.raises(BindRefused, match="ESME_RINVPASWD"):
                await transmitter.open()
        assert result.outcome is Outcome.NOT_SENT
        assert "receiver" in result.detail
        assert sim.counters["received"] == 0  # nothing was written

    run(scenario())


def test_receipts_of_a_transmitter_wait_for_a_receiver_that_binds_late() -> None:
    async def scenario() -> None:
        async with simulator(dlr_delay=0.0) as sim:
            on_transmitter: list[P.DeliverSm] = []
            transmitter = EsmeSession(
                bind_config(sim, mode="transmitter"),
                on_deliver=lambda s, pdu: on_transmitter.append(pdu),
            )
            await transmitter.open()
            ids = []
            for i in range(5):
                [result] = await transmitter.submit(f"25471000000{i}", HELLO)
                ids.append(int(result.message_id or "0"))
            # Nobody to receive them: they are kept, and an MO finds no receiver either.
            await asyncio.sleep(0.3)
            assert await sim.send_mo("254710000009", "resilnet", "STOP") == 0
            assert (sim.counters["receipts_sent"], len(sim.pending)) == (0, 5)

            received: list[P.DeliverSm] = []
            receiver = EsmeSession(
                bind_config(sim, mode="receiver"), on_deliver=lambda s, pdu: received.append(pdu)
            )
            await receiver.open()
            await wait_until(lambda: sim.counters["receipts_acknowledged"] == 5)
            assert await sim.send_mo("254710000009", "resilnet", "STOP") == 1
            await wait_until(lambda: len(received) == 6)
            await transmitter.close()
            await receiver.close()
        assert on_transmitter == []
        receipted = [P.tlv_cstr(p.tlvs, P.Tag.RECEIPTED_MESSAGE_ID) for p in received[:5]]
        assert sorted(int(r or "", 16) for r in receipted) == sorted(ids)
        assert received[5].short_message == b"STOP"

    run(scenario())


def test_a_transmitter_session_refuses_a_deliver_sm_and_does_not_hand_it_on() -> None:
    """An SMSC that (wrongly) sends a deliver_sm on a transmitter bind: answered
    ESME_RINVBNDSTS, so it keeps it for a receiver; the callback never sees it."""

    async def scenario() -> tuple[list[P.Pdu], list[P.DeliverSm]]:
        answers: list[P.Pdu] = []
        done = asyncio.Event()

        async def smsc(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
            frames = P.FrameReader(reader)
            while batch := await frames.read():
                for frame in batch:
                    pdu = P.decode(frame)
                    if isinstance(pdu, P.Bind):
                        writer.write(P.encode(P.response_for(pdu, system_id="smsc")))
                        deliver = P.DeliverSm(sequence=7, source_addr="2547", short_message=b"hi")
                        writer.write(P.encode(deliver))
                    elif isinstance(pdu, P.DeliverSmResp):
                        answers.append(pdu)
                        done.set()
                    elif not P.is_response(pdu.COMMAND_ID):
                        writer.write(P.encode(P.response_for(pdu)))

        server = await asyncio.start_server(smsc, "127.0.0.1", 0)
        port = server.sockets[0].getsockname()[1]
        handed: list[P.DeliverSm] = []
        async with server:
            config = bind_config(simulator(), port=port, mode="transmitter")
            session = EsmeSession(config, on_deliver=lambda s, pdu: handed.append(pdu))
            await session.open()
            await asyncio.wait_for(done.wait(), 10)
            await session.close()
            server.close()
        return answers, handed

    answers, handed = run(scenario())
    assert [(a.sequence, a.status) for a in answers] == [(7, P.Status.ESME_RINVBNDSTS)]
    assert handed == []


def test_an_operator_in_tx_rx_mode_submits_on_transmitters_and_receives_on_receivers() -> None:
    async def scenario() -> None:
        async with simulator(dlr_delay=0.0) as sim:
            sessions: list[str] = []
            operator = Operator(
                bind_config(sim, window=10, enquire_link_interval=0.1),
                binds=2,
                tps=None,
                mode="tx+rx",
                on_deliver=lambda s, pdu: sessions.append(s.config.mode),
                backoff_initial=0.05,
            )
            await operator.start()
            kinds = sorted(c.bind_kind or "" for c in sim.connections)
            assert kinds == ["receiver", "receiver", "transmitter", "transmitter"]
            results = await asyncio.gather(
                *(operator.submit(f"2547100000{i:02d}", HELLO) for i in range(20))
            )
            assert {r.outcome for [r] in results} == {Outcome.ACCEPTED}
            await wait_until(lambda: len(sessions) == 20)
            # Idle receivers are kept alive with enquire_link like the others.
            links = sim.counters["enquire_links"]
            await wait_until(lambda: sim.counters["enquire_links"] >= links + 4)

            # The receivers dropped: they come back on their own, the transmitters untouched.
            assert (await control(sim, {"action": "drop", "bind": "receiver"}))["dropped"] == 2
            await wait_until(lambda: all(b.reconnects == 1 for b in operator.receivers))
            await wait_until(lambda: all(b.ready.is_set() for b in operator.receivers))
            assert [b.reconnects for b in operator.binds] == [0, 0]
            more = await asyncio.gather(
                *(operator.submit(f"2547200000{i:02d}", HELLO) for i in range(10))
            )
            assert {r.outcome for [r] in more} == {Outcome.ACCEPTED}
            await wait_until(lambda: len(sessions) == 30)
            assert not operator.failed()
            await operator.close()
        assert set(sessions) == {"receiver"}
        assert sim.counters["binds"] == 6
        assert sim.counters["receipts_acknowledged"] == 30

    run(scenario())


def test_the_simulator_refuses_to_drop_an_unknown_bind_kind() -> None:
    async def scenario() -> None:
        async with simulator() as sim:
            answer = await control(sim, {"action": "drop", "bind": "outbind"})
        assert not answer["ok"]
        assert "outbind" in answer["error"]

    run(scenario())


def test_an_operator_refuses_an_unknown_bind_mode() -> None:
    with pytest.raises(ValueError, match="bind mode 'receiver'"):
        Operator(bind_config(simulator()), mode="receiver")
