"""An SMPP 3.4 SMSC on asyncio: what an operator's message centre does, as far as an ESME
can tell, with the failures an operator's centre has put on demand.

- Accounts (system_id → password); a wrong password is refused with ESME_RINVPASWD, an
  unknown system_id with ESME_RINVSYSID. Binds as transceiver, transmitter or receiver:
  a submit_sm on a receiver bind is answered ESME_RINVBNDSTS, and a deliver_sm never goes
  to a transmitter bind.
- A messages-per-second cap per account, shared by its binds (a token bucket holding
  100 ms of messages): submit_sm beyond it is answered ESME_RTHROTTLED.
- Injected errors: ESME_RMSGQFUL (retryable) and ESME_RSUBMITFAIL (permanent) at rates.
- Delivery receipts after a delay, with outcomes drawn at configured rates, sent to a
  receiver or transceiver bind of the account (kept until one binds). A receipt is kept
  until the ESME acknowledges it with deliver_sm_resp ESME_ROK: one sent on a connection
  that closes before its acknowledgement, or refused with an error status, is sent again
  (to the next bind), as an SMSC's store-and-forward does. submit_sm_resp gives
  the message id in decimal; the receipt gives it in hexadecimal in its text and in
  receipted_message_id, as some SMSCs do, so ESMEs must normalise ids to match them.
- Malformed PDUs are answered (generic_nack or the response with the error status) and the
  connection keeps serving, unless the PDU's length was wrong: then it is closed.

The control channel is a JSON-lines TCP port on 127.0.0.1: one JSON object per line in,
one per line out. Actions: {"action": "counters"}; {"action": "drop"} (close every SMPP
connection at once; with "bind": "receiver", "transmitter" or "transceiver", only the
connections bound so); {"action": "mo", "source": "+2250700000000", "destination": "1234",
"text": "STOP"} (a mobile-originated message to every receiver bind, or only to
"system_id"'s); {"action": "set", "tps": 100, "fail_rate": 0, "msgqful_rate": 0}.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
import random
import time
from collections import deque
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from resilnet.alerts.smpp import pdu as P
from resilnet.alerts.smpp.receipts import OUTCOME_TEXT, format_receipt_text

log = logging.getLogger(__name__)

FIRST_MESSAGE_ID = 0xA0000000  # ids in hex start with a letter: never mistaken for decimal
MAX_PENDING_RECEIPTS = 1_000_000
MAX_CONTROL_LINE = 64 * 1024
RECEIPT_TICK = 0.01  # seconds between two sweeps of the receipts that are due
_SUBMIT_SM_ID = P.CommandId.SUBMIT_SM.to_bytes(4, "big")
_BIND_KIND: dict[type[P.Bind], str] = {
    P.BindTransceiver: "transceiver",
    P.BindTransmitter: "transmitter",
    P.BindReceiver: "receiver",
}
_STATE_CODE = {
    "delivered": P.MessageState.DELIVERED,
    "undeliverable": P.MessageState.UNDELIVERABLE,
    "expired": P.MessageState.EXPIRED,
    "rejected": P.MessageState.REJECTED,
    "failed": P.MessageState.UNKNOWN,
}


@dataclass
class SimulatorConfig:
    host: str = "127.0.0.1"
    port: int = 0  # 0: any free port (see SmscSimulator.port)
    control_port: int | None = 0  # None: no control channel
    accounts: dict[str, str] = field(default_factory=lambda: {"resilnet": "resilnet"})
    tps: float | None = None  # per account; None: no cap
    dlr_delay: float = 0.0
    dlr_outcomes: dict[str, float] = field(default_factory=lambda: {"delivered": 1.0})
    fail_rate: float = 0.0
    msgqful_rate: float = 0.0
    seed: int | None = None
    response_delay: float = 0.0  # seconds before answering submit_sm: requests in flight

    def __post_init__(self) -> None:
        for name in ("fail_rate", "msgqful_rate"):
            value = getattr(self, name)
            if not 0 <= value <= 1:
                raise ValueError(f"{name} must be between 0 and 1, not {value}")
        if self.fail_rate + self.msgqful_rate > 1:
            raise ValueError("fail_rate and msgqful_rate add up to more than 1")
        unknown = set(self.dlr_outcomes) - set(_STATE_CODE)
        if unknown:
            raise ValueError(
                f"unknown receipt outcome {sorted(unknown)[0]!r}; one of {', '.join(_STATE_CODE)}"
            )
        if any(w < 0 for w in self.dlr_outcomes.values()) or not sum(self.dlr_outcomes.values()):
            raise ValueError("receipt outcome rates must be ≥ 0 and not all 0")
        if self.tps is not None and self.tps <= 0:
            raise ValueError("tps must be positive")
        if self.dlr_delay < 0 or self.response_delay < 0:
            raise ValueError("dlr_delay and response_delay must be ≥ 0")


class _Bucket:
    """A token bucket: `rate` per second, holding at most 100 ms of them (at least one)."""

    def __init__(self, rate: float) -> None:
        self.rate = rate
        self.capacity = max(1.0, rate / 10)
        self.tokens = self.capacity
        self.stamp = time.monotonic()

    def take(self) -> bool:
        now = time.monotonic()
        self.tokens = min(self.capacity, self.tokens + (now - self.stamp) * self.rate)
        self.stamp = now
        if self.tokens >= 1:
            self.tokens -= 1
            return True
        return False


@dataclass(slots=True)
class _PendingReceipt:
    due: float
    system_id: str
    message_id: int
    source: str
    destination: str
    submitted: str
    text: str
    outcome: str | None = None  # drawn when first sent; the same if sent again


class _Connection:
    def __init__(
        self, sim: SmscSimulator, reader: asyncio.StreamReader, writer: asyncio.StreamWriter
    ) -> None:
        self.sim = sim
        self.reader = reader
        self.writer = writer
        self.system_id: str | None = None
        self.bind_kind: str | None = None  # transceiver, transmitter or receiver, once bound
        self.can_submit = False
        self.can_receive = False
        self.sequence = 0
        self.outgoing: list[bytes] = []
        self.unacknowledged: dict[int, _PendingReceipt] = {}  # deliver_sm sequence → receipt

    def next_sequence(self) -> int:
        self.sequence = self.sequence % 0x7FFFFFFF + 1
        return self.sequence

    def send(self, pdu: P.Pdu) -> None:
        """Queue a PDU of the SMSC's own; those of one turn of the loop leave in one write."""
        self.outgoing.append(P.encode(pdu))
        if len(self.outgoing) == 1:
            asyncio.get_running_loop().call_soon(self.flush)

    def flush(self) -> None:
        data, self.outgoing = b"".join(self.outgoing), []
        if not self.writer.is_closing():
            self.writer.write(data)

    def close(self) -> None:
        with contextlib.suppress(Exception):
            self.writer.transport.abort()

    async def serve(self) -> None:
        frames = P.FrameReader(self.reader)
        sim = self.sim
        while True:
            try:
                batch = await frames.read()
            except P.FramingError as error:
                sim.counters["malformed"] += 1
                answer = P.error_response(error)
                if answer is not None:
                    self.send(answer)
                    self.flush()
                    with contextlib.suppress(ConnectionError):
                        await self.writer.drain()
                log.info("closing a connection: %s", error)
                return
            if not batch:
                return
            out: list[bytes] = []
            for frame in batch:
                try:
                    request = P.decode(frame)
                except P.PduError as error:
                    sim.counters["malformed"] += 1
                    answer = P.error_response(error)
                    if answer is not None:
                        out.append(P.encode(answer))
                    continue
                answer = self.handle(request)
                if answer is not None:
                    out.append(P.encode(answer))
                if isinstance(request, P.Unbind):
                    self.writer.write(b"".join(out))
                    with contextlib.suppress(ConnectionError):
                        await self.writer.drain()
                    return
            if (
                out
                and sim.config.response_delay
                and any(frame[4:8] == _SUBMIT_SM_ID for frame in batch)
            ):
                await asyncio.sleep(sim.config.response_delay)
            if out and not self.writer.is_closing():
                self.writer.write(b"".join(out))
                await self.writer.drain()

    def handle(self, request: P.Pdu) -> P.Pdu | None:
        sim = self.sim
        if isinstance(request, P.SubmitSm):
            if not self.can_submit:
                return P.response_for(request, P.Status.ESME_RINVBNDSTS)
            return sim.submit(self, request)
        if isinstance(request, P.EnquireLink):
            sim.counters["enquire_links"] += 1
            return P.response_for(request)
        if isinstance(request, P.Bind):
            return self.bind(request)
        if isinstance(request, P.Unbind):
            return P.response_for(request)
        if isinstance(request, P.DeliverSmResp):
            # The counter counts every deliver_sm acknowledged (receipts and MOs).
            item = self.unacknowledged.pop(request.sequence, None)
            if item is not None and request.status != P.Status.ESME_ROK:
                sim.redeliver([item])  # the ESME could not take it now: sent again later
            else:
                sim.counters["receipts_acknowledged"] += 1
            return None
        if isinstance(request, (P.EnquireLinkResp, P.UnbindResp, P.GenericNack)):
            return None
        if P.is_response(request.COMMAND_ID):
            return None
        # A request the SMSC does not take from an ESME (deliver_sm).
        return P.GenericNack(sequence=request.sequence, status=P.Status.ESME_RINVCMDID)

    def bind(self, request: P.Bind) -> P.Pdu:
        sim = self.sim
        if self.system_id is not None:
            return P.response_for(request, P.Status.ESME_RALYBND)
        password = sim.config.accounts.get(request.system_id)
        if password is None:
            sim.counters["binds_refused"] += 1
            return P.response_for(request, P.Status.ESME_RINVSYSID)
        if password != request.password:
            sim.counters["binds_refused"] += 1
            return P.response_for(request, P.Status.ESME_RINVPASWD)
        self.system_id = request.system_id
        self.bind_kind = _BIND_KIND[type(request)]
        self.can_submit = not isinstance(request, P.BindReceiver)
        self.can_receive = not isinstance(request, P.BindTransmitter)
        sim.counters["binds"] += 1
        if self.can_receive:
            sim.receivers.setdefault(request.system_id, []).append(self)
        return P.response_for(
            request,
            system_id="resilnet-sim",
            tlvs={P.Tag.SC_INTERFACE_VERSION: bytes((P.INTERFACE_VERSION,))},
        )


class SmscSimulator:
    def __init__(self, config: SimulatorConfig) -> None:
        self.config = config
        # Draws of a simulation, not secrets.
        self.random = random.Random(config.seed)  # noqa: S311
        self.connections: set[_Connection] = set()
        self.receivers: dict[str, list[_Connection]] = {}
        self.buckets: dict[str, _Bucket] = {}
        self.pending: deque[_PendingReceipt] = deque()
        self.next_message_id = FIRST_MESSAGE_ID
        self.counters: dict[str, int] = dict.fromkeys(
            (
                "connections",
                "binds",
                "binds_refused",
                "received",
                "accepted",
                "throttled",
                "msgqful",
                "failed",
                "malformed",
                "receipts_sent",
                "receipts_acknowledged",
                "receipts_redelivered",
                "receipts_dropped",
                "mo_sent",
                "enquire_links",
                "dropped_connections",
            ),
            0,
        )
        self._servers: list[asyncio.Server] = []
        self._tasks: set[asyncio.Task[None]] = set()
        self._outcomes = list(config.dlr_outcomes)
        self._weights = [config.dlr_outcomes[o] for o in self._outcomes]
        self.port = 0
        self.control_port: int | None = None
        self.stopped = asyncio.Event()

    # Life cycle ---------------------------------------------------------------------

    async def start(self) -> None:
        server = await asyncio.start_server(
            self._on_connection, self.config.host, self.config.port, limit=P.MAX_PDU_LENGTH
        )
        self._servers.append(server)
        self.port = server.sockets[0].getsockname()[1]
        if self.config.control_port is not None:
            control = await asyncio.start_server(
                self._on_control, "127.0.0.1", self.config.control_port, limit=MAX_CONTROL_LINE
            )
            self._servers.append(control)
            self.control_port = control.sockets[0].getsockname()[1]
        self._spawn(self._receipt_loop())

    async def stop(self) -> None:
        for server in self._servers:
            server.close()
        self.drop_all()
        for task in list(self._tasks):
            task.cancel()
        await asyncio.gather(*self._tasks, return_exceptions=True)
        for server in self._servers:
            with contextlib.suppress(Exception):
                await asyncio.wait_for(server.wait_closed(), 2)
        self.stopped.set()

    async def __aenter__(self) -> SmscSimulator:
        await self.start()
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self.stop()

    def _spawn(self, coro: Any) -> None:
        task = asyncio.get_running_loop().create_task(coro)
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)

    # SMPP ---------------------------------------------------------------------------

    async def _on_connection(
        self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter
    ) -> None:
        conn = _Connection(self, reader, writer)
        self.connections.add(conn)
        task = asyncio.current_task()
        if task is not None:  # stop() cancels it, even while it waits to answer
            self._tasks.add(task)
            task.add_done_callback(self._tasks.discard)
        self.counters["connections"] += 1
        try:
            await conn.serve()
        except (ConnectionError, OSError) as error:
            log.info("connection lost: %s", error)
        except asyncio.CancelledError:
            pass  # stopping
        finally:
            self.connections.discard(conn)
            if conn.system_id is not None and conn in self.receivers.get(conn.system_id, []):
                self.receivers[conn.system_id].remove(conn)
            conn.close()
            # Receipts the ESME never acknowledged on this connection go to its next bind.
            self.redeliver(list(conn.unacknowledged.values()))
            conn.unacknowledged.clear()

    def submit(self, conn: _Connection, request: P.SubmitSm) -> P.Pdu:
        config, counters = self.config, self.counters
        counters["received"] += 1
        assert conn.system_id is not None
        if config.tps is not None:
            bucket = self.buckets.get(conn.system_id)
            if bucket is None or bucket.rate != config.tps:
                bucket = self.buckets[conn.system_id] = _Bucket(config.tps)
            if not bucket.take():
                counters["throttled"] += 1
                return P.response_for(request, P.Status.ESME_RTHROTTLED)
        if not request.destination_addr:
            counters["failed"] += 1
            return P.response_for(request, P.Status.ESME_RINVDSTADR)
        if config.msgqful_rate or config.fail_rate:
            draw = self.random.random()
            if draw < config.msgqful_rate:
                counters["msgqful"] += 1
                return P.response_for(request, P.Status.ESME_RMSGQFUL)
            if draw < config.msgqful_rate + config.fail_rate:
                counters["failed"] += 1
                return P.response_for(request, P.Status.ESME_RSUBMITFAIL)
        counters["accepted"] += 1
        message_id = self.next_message_id
        self.next_message_id += 1
        if request.registered_delivery & 0x03:
            if len(self.pending) >= MAX_PENDING_RECEIPTS:
                self.pending.popleft()
                counters["receipts_dropped"] += 1
            self.pending.append(
                _PendingReceipt(
                    due=time.monotonic() + config.dlr_delay,
                    system_id=conn.system_id,
                    message_id=message_id,
                    source=request.source_addr,
                    destination=request.destination_addr,
                    submitted=_smpp_date(),
                    text=request.message_bytes[:20].decode("latin-1"),
                )
            )
        return P.response_for(request, message_id=str(message_id))

    async def _receipt_loop(self) -> None:
        while True:
            await asyncio.sleep(RECEIPT_TICK)
            now = time.monotonic()
            pending = self.pending
            touched: set[_Connection] = set()
            # The delay is the same for every message, so the queue is in order of due time.
            # A receipt waits while its account has no receiver bound.
            kept: list[_PendingReceipt] = []
            while pending and pending[0].due <= now:
                item = pending.popleft()
                receivers = self.receivers.get(item.system_id)
                if not receivers:
                    kept.append(item)
                    continue
                conn = receivers[item.message_id % len(receivers)]
                receipt = self._receipt(conn, item)
                conn.unacknowledged[receipt.sequence] = item
                conn.send(receipt)
                touched.add(conn)
                self.counters["receipts_sent"] += 1
            pending.extendleft(reversed(kept))
            for conn in touched:
                conn.flush()
                with contextlib.suppress(ConnectionError):
                    await conn.writer.drain()
            if kept:
                await asyncio.sleep(0.2)  # nobody to receive them yet: do not spin

    def redeliver(self, items: list[_PendingReceipt]) -> None:
        """Receipts sent but not acknowledged: due again after the receipt delay (so the
        queue stays in order of due time), with the outcome drawn the first time."""
        due = time.monotonic() + self.config.dlr_delay
        for item in items:
            item.due = due
            self.pending.append(item)
        self.counters["receipts_redelivered"] += len(items)

    def _receipt(self, conn: _Connection, item: _PendingReceipt) -> P.DeliverSm:
        if item.outcome is None:
            item.outcome = self.random.choices(self._outcomes, self._weights)[0]
        outcome = item.outcome
        state = OUTCOME_TEXT[outcome]
        hex_id = f"{item.message_id:X}"
        return P.DeliverSm(
            sequence=conn.next_sequence(),
            source_addr=item.destination,
            destination_addr=item.source,
            esm_class=0x04,
            short_message=format_receipt_text(
                hex_id,
                state,
                submit_date=item.submitted,
                done_date=_smpp_date(),
                error=0 if outcome == "delivered" else 1,
                text=item.text,
            ),
            tlvs={
                P.Tag.RECEIPTED_MESSAGE_ID: hex_id.encode() + b"\0",
                P.Tag.MESSAGE_STATE: bytes((_STATE_CODE[outcome],)),
            },
        )

    # On demand ----------------------------------------------------------------------

    def drop_all(self, bind: str | None = None) -> int:
        """Close every SMPP connection at once, as a crashing SMSC would (or only those
        bound as `bind`: transceiver, transmitter or receiver)."""
        if bind is not None and bind not in _BIND_KIND.values():
            raise ValueError(f"bind {bind!r}: one of {', '.join(_BIND_KIND.values())}")
        doomed = [c for c in self.connections if bind is None or c.bind_kind == bind]
        dropped = len(doomed)
        for conn in doomed:
            conn.close()
        self.counters["dropped_connections"] += dropped
        return dropped

    async def send_mo(
        self, source: str, destination: str, text: str, system_id: str | None = None
    ) -> int:
        """A mobile-originated message to the receiver binds (of one account, or all)."""
        short_message = text.encode("latin-1")
        if len(short_message) > 254:
            raise ValueError("text: at most 254 characters")
        sent = 0
        for account, receivers in self.receivers.items():
            if system_id is not None and account != system_id:
                continue
            for conn in list(receivers):
                conn.send(
                    P.DeliverSm(
                        sequence=conn.next_sequence(),
                        source_addr=source,
                        destination_addr=destination,
                        short_message=short_message,
                    )
                )
                conn.flush()
                with contextlib.suppress(ConnectionError):
                    await conn.writer.drain()
                sent += 1
                break  # one receiver per account gets it, as with a real SMSC
        self.counters["mo_sent"] += sent
        return sent

    async def _on_control(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        try:
            while True:
                try:
                    line = await reader.readline()
                except (ValueError, asyncio.LimitOverrunError):
                    answer: dict[str, Any] = {"ok": False, "error": "line too long"}
                    writer.write(json.dumps(answer).encode() + b"\n")
                    return
                if not line:
                    return
                answer = await self._control(line)
                writer.write(json.dumps(answer).encode() + b"\n")
                await writer.drain()
        except ConnectionError:
            return
        finally:
            writer.close()

    async def _control(self, line: bytes) -> dict[str, Any]:
        try:
            command = json.loads(line)
            if not isinstance(command, dict):
                raise ValueError("a JSON object is expected")
            action = command.get("action")
            if action == "counters":
                return {"ok": True, "counters": dict(self.counters)}
            if action == "drop":
                bind = command.get("bind")
                return {"ok": True, "dropped": self.drop_all(None if bind is None else str(bind))}
            if action == "mo":
                sent = await self.send_mo(
                    str(command["source"]),
                    str(command.get("destination", "")),
                    str(command.get("text", "")),
                    command.get("system_id"),
                )
                return {"ok": True, "sent": sent}
            if action == "set":
                changes = {
                    k: command[k]
                    for k in ("tps", "fail_rate", "msgqful_rate", "response_delay")
                    if k in command
                }
                config = SimulatorConfig(**{**self.config.__dict__, **changes})
                self.config = config
                return {"ok": True}
            raise ValueError(f"unknown action {action!r}")
        except (ValueError, KeyError, TypeError) as error:
            return {"ok": False, "error": str(error)[:200]}


def _smpp_date() -> str:
    return datetime.now(UTC).strftime("%y%m%d%H%M")


def parse_accounts(text: str) -> dict[str, str]:
    """`id:pw,id2:pw2` into a dict; ValueError names the bad entry."""
    accounts: dict[str, str] = {}
    for entry in filter(None, (e.strip() for e in text.split(","))):
        system_id, sep, password = entry.partition(":")
        if not sep or not system_id:
            raise ValueError(f"account {entry!r}: expected system_id:password")
        if len(system_id) > 15 or len(password) > 8:
            raise ValueError(
                f"account {system_id!r}: system_id at most 15 and password 8 characters"
            )
        accounts[system_id] = password
    if not accounts:
        raise ValueError("no account given")
    return accounts


def parse_outcomes(text: str) -> dict[str, float]:
    """`delivered=0.95,undeliverable=0.05` into a dict; ValueError names the bad entry."""
    outcomes: dict[str, float] = {}
    for entry in filter(None, (e.strip() for e in text.split(","))):
        name, sep, rate = entry.partition("=")
        try:
            outcomes[name.strip()] = float(rate)
        except ValueError:
            raise ValueError(f"receipt outcome {entry!r}: expected name=rate") from None
        if not sep:
            raise ValueError(f"receipt outcome {entry!r}: expected name=rate")
    return outcomes
