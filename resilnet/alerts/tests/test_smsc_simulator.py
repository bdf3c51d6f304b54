"""The SMSC simulator as a peer: garbage and abrupt disconnects do not stop it, an
independent SMPP client (smpplib) gets messages and receipts through it, its control
channel refuses bad commands, and the `resilnet smsc-sim` process stops on SIGTERM."""

from __future__ import annotations

import asyncio
import os
import signal
import struct
import subprocess
import sys

import smpplib.client
import smpplib.consts
import smpplib.exceptions
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from resilnet.alerts.smpp import pdu as P
from resilnet.alerts.smsc.simulator import SmscSimulator
from resilnet.alerts.tests.smpp_peers import control, run, simulator, wait_until


async def exchange(sim: SmscSimulator, data: bytes) -> list[P.Pdu]:
    """Send raw bytes then an enquire_link; every answer up to the enquire_link's."""
    reader, writer = await asyncio.open_connection("127.0.0.1", sim.port)
    writer.write(data + P.encode(P.EnquireLink(sequence=0x7FFFFFFF)))
    frames = P.FrameReader(reader)
    answers: list[P.Pdu] = []
    try:
        while True:
            batch = await frames.read()
            if not batch:
                return answers
            for frame in batch:
                answer = P.decode(frame)
                answers.append(answer)
                if isinstance(answer, P.EnquireLinkResp):
                    return answers
    finally:
        writer.close()


def framed(command_id: int, body: bytes, sequence: int = 1) -> bytes:
    return struct.pack(">IIII", 16 + len(body), command_id, 0, sequence) + body


def test_malformed_pdus_are_answered_and_the_connection_keeps_serving() -> None:
    async def scenario() -> None:
        async with simulator() as sim:
            answers = await exchange(
                sim,
                framed(0x00000777, b"", 3)  # unknown command
                + framed(P.CommandId.SUBMIT_SM, b"\x00" * 5, 4)  # truncated body
                + framed(P.CommandId.BIND_TRANSMITTER, b"x" * 40 + b"\0", 5),  # system_id
            )
        assert [(type(a).__name__, a.sequence, P.status_name(a.status)) for a in answers] == [
            ("GenericNack", 3, "ESME_RINVCMDID"),
            ("SubmitSmResp", 4, "ESME_RINVCMDLEN"),
            ("BindTransmitterResp", 5, "ESME_RINVSYSID"),
            ("EnquireLinkResp", 0x7FFFFFFF, "ESME_ROK"),
        ]
        assert sim.counters["malformed"] == 3

    run(scenario())


def test_a_bad_length_is_nacked_then_the_connection_closed_and_others_go_on() -> None:
    async def scenario() -> None:
        async with simulator() as sim:
            answers = await exchange(sim, struct.pack(">IIII", 3, 4, 0, 9))
            assert [(type(a).__name__, a.status) for a in answers] == [
                ("GenericNack", P.Status.ESME_RINVCMDLEN)
            ]
            huge = struct.pack(">IIII", 1 << 30, P.CommandId.SUBMIT_SM, 0, 10)
            answers = await exchange(sim, huge)
            assert [(a.sequence, a.status) for a in answers] == [(10, P.Status.ESME_RINVCMDLEN)]
            # A submit_sm before binding is refused; the server itself is unharmed.
            answers = await exchange(sim, P.encode(P.SubmitSm(destination_addr="1", sequence=2)))
            assert answers[0].status == P.Status.ESME_RINVBNDSTS

    run(scenario())


def test_an_abrupt_disconnect_mid_pdu_leaves_the_server_serving() -> None:
    async def scenario() -> None:
        async with simulator() as sim:
            for cut in (1, 7, 20):
                _, writer = await asyncio.open_connection("127.0.0.1", sim.port)
                writer.write(P.encode(P.BindTransceiver(system_id="moh", password="secret"))[:cut])
                writer.transport.abort()
            answers = await exchange(sim, b"")
            assert isinstance(answers[-1], P.EnquireLinkResp)
            await wait_until(lambda: not sim.connections)

    run(scenario())


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    st.lists(
        st.tuples(
            st.sampled_from([int(c) for c in P.CommandId] + [0, 0x7FFFFFFF, 0xFFFFFFFF]),
            st.binary(max_size=120),
        ),
        max_size=12,
    )
)
def test_fuzzed_pdus_never_stop_the_simulator(pdus: list[tuple[int, bytes]]) -> None:
    data = b"".join(framed(cid, body, i + 1) for i, (cid, body) in enumerate(pdus))

    async def scenario() -> None:
        async with simulator() as sim:
            answers = await exchange(sim, data)
            # Whatever the garbage did to its connection, a new one is served.
            second = await exchange(sim, b"")
        assert all(a.sequence <= len(pdus) or a.sequence == 0x7FFFFFFF for a in answers)
        assert isinstance(second[-1], P.EnquireLinkResp)

    run(scenario())


def test_the_control_channel_refuses_bad_commands_and_keeps_answering() -> None:
    async def scenario() -> None:
        async with simulator() as sim:
            assert not (await control(sim, {"action": "explode"}))["ok"]
            assert not (await control(sim, {"action": "set", "fail_rate": 3}))["ok"]
            assert not (await control(sim, {"action": "mo"}))["ok"]  # no source
            reader, writer = await asyncio.open_connection("127.0.0.1", sim.control_port)
            writer.write(b"{not json\n[1, 2]\n")
            assert b'"ok": false' in await reader.readline()
            assert b'"ok": false' in await reader.readline()
            writer.close()
            counters = await control(sim, {"action": "counters"})
        assert counters["ok"]
        assert counters["counters"]["received"] == 0

    run(scenario())


class SmpplibPeer:
    """smpplib's blocking client, as an independent ESME, run in a thread."""

    def __init__(self, port: int, password: str = "secret") -> None:  # noqa: S107
        self.port = port
        self.password = password
        self.message_ids: list[str] = []
        self.received: list[object] = []

    def send_and_collect(self, count: int, receipts: int) -> None:
        client = smpplib.client.Client(
            "127.0.0.1", self.port, timeout=10, allow_unknown_opt_params=True
        )
        client.set_message_sent_handler(
            lambda pdu: self.message_ids.append(pdu.message_id.decode())
        )
        client.set_message_received_handler(lambda pdu: self.received.append(pdu))
        client.connect()
        try:
            client.bind_transceiver(system_id="moh", password=self.password)
            for i in range(count):
                client.send_message(
                    source_addr="MOH",
                    destination_addr=f"22507{i:08d}",
                    short_message=b"Cholera: boil water",
                    registered_delivery=1,
                )
            while len(self.message_ids) < count or len(self.received) < receipts:
                client.read_once()
            client.unbind()
        finally:
            client.disconnect()


def test_an_independent_client_smpplib_sends_and_gets_receipts() -> None:
    async def scenario() -> None:
        async with simulator() as sim:
            peer = SmpplibPeer(sim.port)
            await asyncio.to_thread(peer.send_and_collect, 5, 5)
            assert sim.counters["accepted"] == 5
        assert len(set(peer.message_ids)) == 5
        states = {pdu.message_state for pdu in peer.received}  # type: ignore[attr-defined]
        assert states == {smpplib.consts.SMPP_MESSAGE_STATE_DELIVERED}
        receipted = {
            int(pdu.receipted_message_id.decode(), 16)  # type: ignore[attr-defined]
            for pdu in peer.received
        }
        assert receipted == {int(m) for m in peer.message_ids}

    run(scenario())


def _smpplib_client(port: int, received: list[object]) -> smpplib.client.Client:
    client = smpplib.client.Client("127.0.0.1", port, timeout=10, allow_unknown_opt_params=True)
    client.set_message_received_handler(lambda pdu: received.append(pdu))
    client.connect()
    return client


def test_smpplib_transmitter_and_receiver_binds_get_every_receipt_on_the_receiver() -> None:
    """smpplib sends on a bind_transmitter (nothing comes back on it but the answers), then
    a bind_receiver of the same account, bound afterwards, gets the receipts kept for it."""
    on_transmitter: list[object] = []
    on_receiver: list[object] = []
    message_ids: list[str] = []

    def send_then_receive(port: int) -> None:
        transmitter = _smpplib_client(port, on_transmitter)
        transmitter.set_message_sent_handler(lambda pdu: message_ids.append(pdu.message_id))
        try:
            transmitter.bind_transmitter(system_id="moh", password="secret")
            for i in range(5):
                transmitter.send_message(
                    source_addr="MOH",
                    destination_addr=f"22507{i:08d}",
                    short_message=b"Cholera: boil water",
                    registered_delivery=1,
                )
            while len(message_ids) < 5:
                transmitter.read_once()
            receiver = _smpplib_client(port, on_receiver)
            try:
                receiver.bind_receiver(system_id="moh", password="secret")
                while len(on_receiver) < 5:
                    receiver.read_once()
                receiver.unbind()
            finally:
                receiver.disconnect()
            transmitter.unbind()
        finally:
            transmitter.disconnect()

    async def scenario() -> None:
        async with simulator(dlr_delay=0.0) as sim:
            await asyncio.to_thread(send_then_receive, sim.port)
            await wait_until(lambda: sim.counters["receipts_acknowledged"] == 5)
            assert sim.counters["accepted"] == 5

    run(scenario())
    assert on_transmitter == []
    receipted = {int(p.receipted_message_id.decode(), 16) for p in on_receiver}  # type: ignore[attr-defined]
    assert receipted == {int(m) for m in message_ids}


def test_smpplib_sees_a_wrong_password_refused() -> None:
    async def scenario() -> None:
        async with simulator() as sim:
            peer = SmpplibPeer(sim.port, password="nope")
            error: list[BaseException] = []

            def attempt() -> None:
                try:
                    peer.send_and_collect(1, 0)
                except smpplib.exceptions.PDUError as exc:
                    error.append(exc)

            await asyncio.to_thread(attempt)
        [refusal] = error
        assert refusal.args[1] == smpplib.consts.SMPP_ESME_RINVPASWD

    run(scenario())


def test_the_command_stops_on_sigterm() -> None:
    process = subprocess.Popen(
        [sys.executable, "-m", "resilnet.cli", "smsc-sim", "--port", "0", "--run-for", "60"],
        stdout=subprocess.PIPE,
        text=True,
        env={**os.environ, "DJANGO_SETTINGS_MODULE": "resilnet.settings"},
    )
    try:
        assert process.stdout is not None
        first = process.stdout.readline()
        assert first.startswith("smsc-sim listening on 127.0.0.1:")
        process.send_signal(signal.SIGTERM)
        rest, _ = process.communicate(timeout=20)
        assert process.returncode == 0
        assert "smsc-sim stopped" in rest
    finally:
        if process.poll() is None:
            process.kill()
            process.wait(timeout=10)


def test_the_command_refuses_bad_options_with_one_line() -> None:
    done = subprocess.run(
        [sys.executable, "-m", "resilnet.cli", "smsc-sim", "--accounts", "nopassword"],
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert done.returncode == 2
    assert "expected system_id:password" in done.stderr


async def _bound(sim: SmscSimulator) -> tuple[asyncio.StreamWriter, P.FrameReader]:
    reader, writer = await asyncio.open_connection("127.0.0.1", sim.port)
    writer.write(P.encode(P.BindTransceiver(sequence=1, system_id="moh", password="secret")))
    frames = P.FrameReader(reader)
    return writer, frames


async def _next(frames: P.FrameReader, kind: type[P.Pdu]) -> P.Pdu:
    while True:
        for frame in await frames.read():
            pdu = P.decode(frame)
            if isinstance(pdu, kind):
                return pdu


def test_a_receipt_never_acknowledged_is_sent_again_on_the_next_bind() -> None:
    """Store and forward: a receipt lost with its connection is not lost for the ESME."""

    async def scenario() -> None:
        async with simulator(dlr_delay=0.0) as sim:
            writer, frames = await _bound(sim)
            submit = P.SubmitSm(sequence=2, destination_addr="254710000001", registered_delivery=1)
            writer.write(P.encode(submit))
            first = await _next(frames, P.DeliverSm)
            writer.transport.abort()  # gone before acknowledging it
            writer, frames = await _bound(sim)
            again = await _next(frames, P.DeliverSm)
            assert isinstance(first, P.DeliverSm)
            assert isinstance(again, P.DeliverSm)
            assert again.short_message == first.short_message  # same id, same outcome
            writer.write(P.encode(P.response_for(again)))
            await wait_until(lambda: sim.counters["receipts_acknowledged"] == 1)
            assert sim.counters["receipts_redelivered"] == 1
            writer.close()

    run(scenario())


def test_a_receipt_refused_with_an_error_status_is_sent_again() -> None:
    async def scenario() -> None:
        async with simulator(dlr_delay=0.0) as sim:
            writer, frames = await _bound(sim)
            submit = P.SubmitSm(sequence=2, destination_addr="1", registered_delivery=1)
            writer.write(P.encode(submit))
            first = await _next(frames, P.DeliverSm)
            assert isinstance(first, P.DeliverSm)
            writer.write(P.encode(P.response_for(first, P.Status.ESME_RX_T_APPN)))
            again = await _next(frames, P.DeliverSm)
            assert isinstance(again, P.DeliverSm)
            assert again.sequence != first.sequence
            assert again.short_message == first.short_message
            writer.write(P.encode(P.response_for(again)))
            await wait_until(lambda: sim.counters["receipts_acknowledged"] == 1)
            writer.close()

    run(scenario())
