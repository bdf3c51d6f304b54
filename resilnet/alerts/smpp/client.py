"""An asyncio ESME: binds to an operator's SMSC and submits messages through a window.

- `EsmeSession`: one connection and one bind. Requests go out through a window of
  outstanding sequence numbers (each waits on a future), paced by the operator's `Pacer`;
  the SMSC's enquire_link and deliver_sm are answered; deliver_sm (receipts and
  mobile-originated messages) goes to a callback and is acknowledged once it returns.
- `Bind`: keeps one session up, reconnecting with exponential back-off (a refused bind
  stops it: a wrong password does not get better by retrying).
- `Operator`: an operator's binds sharing one `Pacer`, so N binds together never exceed
  the operator's messages per second. Each bind slot is one transceiver, or a transmitter
  (it only submits) and a receiver (it only takes deliver_sm: receipts and MO messages).

`submit` reports each part's fate as a `PartResult`: accepted (with the SMSC's message
id), retry (ESME_RTHROTTLED, ESME_RMSGQFUL: requeue; the pacer slows down), failed (any
other status, named), unknown (the submit_sm went out and no answer came: the connection
died or the answer is overdue; it may have been delivered) or not sent. The parts of one
message are submitted in order on one bind, each after the previous one was accepted, so
a retry never reorders them.
"""

from __future__ import annotations

import asyncio
import contextlib
import inspect
import logging
import random
import time
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass, replace
from enum import StrEnum
from typing import Literal, Protocol

from . import pdu as P

log = logging.getLogger(__name__)

RETRYABLE = frozenset({P.Status.ESME_RTHROTTLED, P.Status.ESME_RMSGQFUL})


class AnswerLater(Exception):
    """Raised (or set on its future) by a deliver_sm handler that cannot take the message
    yet: it is answered ESME_RX_T_APPN, so the SMSC keeps it and delivers it again."""


DeliverCallback = Callable[["EsmeSession", P.DeliverSm], Awaitable[None] | None]
BindMode = Literal["transceiver", "transmitter", "receiver"]
# An operator's setting (the Operator model's bind_mode): one bind per slot, or a pair.
TRANSCEIVER = "transceiver"
TRANSMITTER_RECEIVER = "tx+rx"


class SmppClientError(Exception):
    pass


class BindRefused(SmppClientError):
    """The SMSC refused our credentials or our bind: names the operator and the status."""

    def __init__(self, operator: str, status: int) -> None:
        super().__init__(
            f"operator {operator}: the SMSC refused the bind ({P.status_name(status)})"
        )
        self.operator = operator
        self.status = status


class ConnectionLost(SmppClientError):
    """The connection ended before the answer came."""


class NotSent(SmppClientError):
    """The request was not written: the session was closed or closing."""


class Outcome(StrEnum):
    ACCEPTED = "accepted"
    RETRY = "retry"
    FAILED = "failed"
    UNKNOWN = "unknown"
    NOT_SENT = "not_sent"


@dataclass(frozen=True, slots=True)
class PartResult:
    outcome: Outcome
    message_id: str | None = None
    status: int | None = None
    detail: str = ""

    @property
    def reason(self) -> str:
        if self.status is not None:
            return P.status_name(self.status)
        return self.detail

    @property
    def requeue(self) -> bool:
        return self.outcome in (Outcome.RETRY, Outcome.NOT_SENT)


class Part(Protocol):
    """One SMS of a message, as the text encoder cuts it."""

    @property
    def payload(self) -> bytes: ...
    @property
    def data_coding(self) -> int: ...
    @property
    def esm_class(self) -> int: ...


@dataclass(frozen=True, slots=True)
class SimplePart:
    payload: bytes
    data_coding: int = 0
    esm_class: int = 0


@dataclass(frozen=True, slots=True)
class BindConfig:
    operator: str
    host: str
    port: int
    system_id: str
    password: str
    system_type: str = ""
    mode: BindMode = "transceiver"
    window: int = 10
    enquire_link_interval: float = 30.0
    response_timeout: float = 10.0
    connect_timeout: float = 10.0
    source_addr_ton: int = 5  # alphanumeric sender, the usual for a ministry's name
    source_addr_npi: int = 0
    dest_addr_ton: int = 1  # international number (E.164 without the +)
    dest_addr_npi: int = 1


class Pacer:
    """Evenly spaced send times for one operator, shared by its binds.

    Senders take their turn one at a time, each 1/rate after the previous one. A sender
    woken late (a busy machine) may catch up at most CATCH_UP seconds of missed turns, so
    a stall never becomes a burst beyond what an SMSC's per-second window takes. When the
    SMSC says THROTTLED or MSGQFUL the rate drops by 30% (once per 100 ms, so one burst of
    refusals counts once) and climbs back by 1% of the target per accepted message.
    Without a rate, a refusal pauses sending (50 ms, doubling up to 1 s).
    """

    CATCH_UP = 0.02  # seconds of missed turns taken at once after a stall

    def __init__(self, rate: float | None, *, min_rate: float = 1.0) -> None:
        if rate is not None and rate <= 0:
            raise ValueError("rate must be positive")
        self.target = rate
        self.rate = rate
        self.min_rate = min_rate
        self.next_slot = 0.0
        self.pause = 0.0
        self.pause_until = 0.0
        self.last_cut = 0.0
        self.throttles = 0
        self._turn = asyncio.Lock()  # one sender waits for the next slot, the others queue

    async def wait(self) -> None:
        now = time.monotonic()
        if now < self.pause_until:
            await asyncio.sleep(self.pause_until - now)
        if self.rate is None:
            return
        async with self._turn:
            now = time.monotonic()
            slot = max(self.next_slot, now - self.CATCH_UP)
            # Under a millisecond ahead is sent now: asyncio's timers are not finer than
            # that, and the slots after it stay where they were, so the average rate holds.
            if slot - now > 0.001:
                await asyncio.sleep(slot - now)
            self.next_slot = slot + 1.0 / self.rate

    def throttled(self) -> None:
        self.throttles += 1
        now = time.monotonic()
        if now - self.last_cut < 0.1:
            return
        self.last_cut = now
        if self.rate is None:
            self.pause = min(1.0, max(0.05, self.pause * 2))
            self.pause_until = now + self.pause
        else:
            self.rate = max(self.min_rate, self.rate * 0.7)
            self.next_slot = max(self.next_slot, now + 1.0 / self.rate)

    def accepted(self) -> None:
        if self.rate is not None and self.target is not None and self.rate < self.target:
            self.rate = min(self.target, self.rate + self.target * 0.01)
        elif self.pause:
            self.pause = 0.0 if self.pause < 0.01 else self.pause * 0.9


class EsmeSession:
    """One connection to an SMSC, bound once."""

    def __init__(
        self,
        config: BindConfig,
        *,
        pacer: Pacer | None = None,
        on_deliver: DeliverCallback | None = None,
    ) -> None:
        self.config = config
        self.pacer = pacer or Pacer(None)
        self.on_deliver = on_deliver
        self.window = asyncio.Semaphore(config.window)
        self.pending: dict[int, tuple[asyncio.Future[P.Pdu], float]] = {}
        self.sequence = 0
        self.peak_outstanding = 0  # the most requests awaiting an answer at once
        self.reader: asyncio.StreamReader | None = None
        self.writer: asyncio.StreamWriter | None = None
        self.bound = False
        self.closing = False
        self.unbinding = False
        self.closed = asyncio.Event()
        self.last_received = time.monotonic()
        self._outgoing: list[bytes] = []
        self._tasks: set[asyncio.Task[None]] = set()

    # Opening and closing ---------------------------------------------------------------

    async def open(self) -> None:
        """Connect and bind; BindRefused, OSError or TimeoutError when that fails."""
        config = self.config
        self.reader, self.writer = await asyncio.wait_for(
            asyncio.open_connection(config.host, config.port, limit=P.MAX_PDU_LENGTH),
            config.connect_timeout,
        )
        self._spawn(self._read_loop())
        bind_class: type[P.Bind] = {
            "transceiver": P.BindTransceiver,
            "transmitter": P.BindTransmitter,
            "receiver": P.BindReceiver,
        }[config.mode]
        try:
            answer = await self.request(
                bind_class(
                    system_id=config.system_id,
                    password=config.password,
                    system_type=config.system_type,
                ),
                paced=False,
            )
        except BaseException:
            self._abort()
            raise
        if answer.status != P.Status.ESME_ROK:
            self._abort()
            raise BindRefused(config.operator, answer.status)
        self.bound = True
        self._spawn(self._keepalive_loop())

    async def close(self, timeout: float = 5.0) -> None:
        """Unbind (waiting at most `timeout` for the answer), then close the connection."""
        if self.bound and not self.closing and self.writer is not None:
            self.unbinding = True  # the SMSC closing the line after unbind_resp is expected
            with contextlib.suppress(SmppClientError, TimeoutError, OSError):
                await asyncio.wait_for(self.request(P.Unbind(), paced=False), timeout)
        self._abort()
        await self.wait_closed()

    async def wait_closed(self) -> None:
        await self.closed.wait()
        tasks = [t for t in self._tasks if t is not asyncio.current_task()]
        for task in tasks:
            task.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)

    def _abort(self, reason: str = "connection closed") -> None:
        """Close at once; every request still waiting learns that its answer will not come."""
        if self.closed.is_set():
            return
        self.closing = True
        self.bound = False
        if self.writer is not None:
            with contextlib.suppress(Exception):
                self.writer.transport.abort()
        pending, self.pending = self.pending, {}
        for future, _ in pending.values():
            if not future.done():
                future.set_exception(ConnectionLost(f"{self.config.operator}: {reason}"))
        self.closed.set()

    def _spawn(self, coro: Awaitable[None]) -> None:
        task = asyncio.ensure_future(coro)
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)

    # Requests ---------------------------------------------------------------------------

    def _write(self, pdu: P.Pdu) -> None:
        """An answer of ours; dropped when the connection is going away."""
        if not self.closing and self.writer is not None:
            self._send(P.encode(pdu))

    def _send(self, data: bytes) -> None:
        # PDUs written in one turn of the event loop leave in one write: a system call per
        # PDU was most of the cost of a submit (bench/smpp_throughput.py).
        self._outgoing.append(data)
        if len(self._outgoing) == 1:
            asyncio.get_running_loop().call_soon(self._flush)

    def _flush(self) -> None:
        data, self._outgoing = b"".join(self._outgoing), []
        if not self.closing and self.writer is not None:
            self.writer.write(data)

    async def request(self, pdu: P.Pdu, *, paced: bool = True) -> P.Pdu:
        """Send a request through the window; its answer (which may carry an error status).

        ConnectionLost: sent, no answer (the outcome is unknown); NotSent: not written.
        """
        async with self.window:
            if paced:
                await self.pacer.wait()
            if self.closing or self.writer is None:
                raise NotSent(f"{self.config.operator}: the session is closed")
            self.sequence = self.sequence % 0x7FFFFFFF + 1
            pdu.sequence = self.sequence
            future: asyncio.Future[P.Pdu] = asyncio.get_running_loop().create_future()
            self.pending[pdu.sequence] = (future, time.monotonic())
            if len(self.pending) > self.peak_outstanding:
                self.peak_outstanding = len(self.pending)
            self._send(P.encode(pdu))
            transport = self.writer.transport
            if transport.get_write_buffer_size() > 256 * 1024:
                await self.writer.drain()
            return await future

    async def submit(
        self,
        destination: str,
        parts: Sequence[Part],
        *,
        source: str = "",
        registered_delivery: int = 1,
    ) -> list[PartResult]:
        """Submit a message's parts in order; one result per part."""
        config = self.config
        if config.mode == "receiver":
            # The SMSC would answer ESME_RINVBNDSTS: nothing is written.
            return [PartResult(Outcome.NOT_SENT, detail="a receiver bind does not submit")] * len(
                parts
            )
        results: list[PartResult] = []
        for index, part in enumerate(parts):
            payload = part.payload
            pdu = P.SubmitSm(
                source_addr_ton=config.source_addr_ton,
                source_addr_npi=config.source_addr_npi,
                source_addr=source,
                dest_addr_ton=config.dest_addr_ton,
                dest_addr_npi=config.dest_addr_npi,
                destination_addr=destination,
                esm_class=part.esm_class,
                registered_delivery=registered_delivery,
                data_coding=part.data_coding,
            )
            if len(payload) <= 254:
                pdu.short_message = payload
            else:
                pdu.tlvs = {P.Tag.MESSAGE_PAYLOAD: payload}
            result = await self._submit_one(pdu)
            results.append(result)
            if result.outcome is not Outcome.ACCEPTED:
                # Later parts wait for this one: the message is resumed from it, in order.
                results += [
                    PartResult(Outcome.NOT_SENT, detail="an earlier part was not accepted")
                ] * (len(parts) - index - 1)
                break
        return results

    async def _submit_one(self, pdu: P.SubmitSm) -> PartResult:
        try:
            answer = await self.request(pdu)
        except NotSent as error:
            return PartResult(Outcome.NOT_SENT, detail=str(error))
        except (ConnectionLost, TimeoutError, OSError) as error:
            return PartResult(Outcome.UNKNOWN, detail=str(error) or "no answer in time")
        except P.PduError as error:
            return PartResult(Outcome.UNKNOWN, status=error.status, detail=str(error))
        status = answer.status
        if status == P.Status.ESME_ROK and isinstance(answer, P.SubmitSmResp):
            self.pacer.accepted()
            return PartResult(Outcome.ACCEPTED, message_id=answer.message_id)
        if status in RETRYABLE:
            self.pacer.throttled()
            return PartResult(Outcome.RETRY, status=status)
        if isinstance(answer, P.GenericNack) and status == P.Status.ESME_ROK:
            status = P.Status.ESME_RUNKNOWNERR
        return PartResult(Outcome.FAILED, status=status)

    # Reading ----------------------------------------------------------------------------

    async def _read_loop(self) -> None:
        assert self.reader is not None
        frames = P.FrameReader(self.reader)
        reason = "the SMSC closed the connection"
        try:
            while True:
                batch = await frames.read()
                if not batch:
                    break
                self.last_received = time.monotonic()
                for frame in batch:
                    self._on_frame(frame)
        except P.FramingError as error:
            reason = f"unreadable PDU from the SMSC: {error}"
            answer = P.error_response(error)
            if answer is not None:
                self._write(answer)
        except (ConnectionError, OSError) as error:
            reason = f"connection lost: {error}"
        finally:
            if not (self.closing or self.unbinding):
                log.warning("%s: %s", self.config.operator, reason)
            self._abort(reason)

    def _on_frame(self, frame: bytes) -> None:
        try:
            pdu = P.decode(frame)
        except P.PduError as error:
            log.warning("%s: %s", self.config.operator, error)
            entry = self.pending.pop(error.sequence or 0, None)
            if entry is not None and error.command_id is not None:
                if P.is_response(error.command_id) and not entry[0].done():
                    entry[0].set_exception(error)
            answer = P.error_response(error)
            if answer is not None:
                self._write(answer)
            return
        command = pdu.COMMAND_ID
        if command & P.RESPONSE_BIT:
            entry = self.pending.pop(pdu.sequence, None)
            if entry is None:
                log.warning("%s: an answer to no request: %s", self.config.operator, pdu)
            elif not entry[0].done():
                entry[0].set_result(pdu)
            return
        if isinstance(pdu, P.DeliverSm):
            self._deliver(pdu)
        elif isinstance(pdu, P.EnquireLink):
            self._write(P.EnquireLinkResp(sequence=pdu.sequence))
        elif isinstance(pdu, P.Unbind):
            self._write(P.UnbindResp(sequence=pdu.sequence))
            self._abort("the SMSC unbound")
        else:
            self._write(P.GenericNack(sequence=pdu.sequence, status=P.Status.ESME_RINVCMDID))

    def _deliver(self, pdu: P.DeliverSm) -> None:
        if self.config.mode == "transmitter":
            # Not ours to take on this bind: refused, so the SMSC keeps it for a receiver.
            log.warning("%s: a deliver_sm on a transmitter bind, refused", self.config.operator)
            self._write(P.DeliverSmResp(sequence=pdu.sequence, status=P.Status.ESME_RINVBNDSTS))
            return
        if self.on_deliver is None:
            self._write(P.DeliverSmResp(sequence=pdu.sequence))
            return
        try:
            outcome = self.on_deliver(self, pdu)
        except Exception:
            log.exception("%s: the deliver_sm handler failed", self.config.operator)
            # A temporary error: the SMSC delivers it again later.
            self._write(P.DeliverSmResp(sequence=pdu.sequence, status=P.Status.ESME_RX_T_APPN))
            return
        if inspect.isawaitable(outcome):
            self._spawn(self._deliver_later(pdu, outcome))
        else:
            self._write(P.DeliverSmResp(sequence=pdu.sequence))

    async def _deliver_later(self, pdu: P.DeliverSm, outcome: Awaitable[None]) -> None:
        status = P.Status.ESME_ROK
        try:
            await outcome
        except AnswerLater:
            status = P.Status.ESME_RX_T_APPN
        except Exception:
            log.exception("%s: the deliver_sm handler failed", self.config.operator)
            status = P.Status.ESME_RX_T_APPN
        self._write(P.DeliverSmResp(sequence=pdu.sequence, status=status))

    async def _keepalive_loop(self) -> None:
        """enquire_link when the line is quiet; overdue answers are given up on."""
        config = self.config
        tick = min(1.0, config.response_timeout / 4, config.enquire_link_interval / 2)
        while not self.closing:
            await asyncio.sleep(tick)
            now = time.monotonic()
            # The pending requests are in the order they were sent: the oldest first.
            overdue = []
            for sequence, (_, sent) in self.pending.items():
                if now - sent < config.response_timeout:
                    break
                overdue.append(sequence)
            for sequence in overdue:
                future, _ = self.pending.pop(sequence)
                if not future.done():
                    future.set_exception(TimeoutError(f"no answer in {config.response_timeout} s"))
            if now - self.last_received >= config.enquire_link_interval:
                self.last_received = now
                self._spawn(self._enquire())

    async def _enquire(self) -> None:
        try:
            await asyncio.wait_for(
                self.request(P.EnquireLink(), paced=False), self.config.response_timeout
            )
        except (TimeoutError, SmppClientError, OSError):
            self._abort("no answer to enquire_link")


class Bind:
    """One bind kept up: reconnects after a loss, waiting 0.5 s, 1 s, 2 s … up to 30 s."""

    def __init__(
        self,
        config: BindConfig,
        *,
        pacer: Pacer | None = None,
        on_deliver: DeliverCallback | None = None,
        backoff_initial: float = 0.5,
        backoff_max: float = 30.0,
    ) -> None:
        self.config = config
        self.pacer = pacer or Pacer(None)
        self.on_deliver = on_deliver
        self.backoff_initial = backoff_initial
        self.backoff_max = backoff_max
        self.session: EsmeSession | None = None
        self.ready = asyncio.Event()
        self.failed: BaseException | None = None
        self.reconnects = 0
        self._stopping = False
        self._task: asyncio.Task[None] | None = None

    async def start(self) -> None:
        """The first bind; BindRefused (or a connection error) is raised to the caller."""
        await self._connect()
        self._task = asyncio.ensure_future(self._supervise())

    async def _connect(self) -> None:
        session = EsmeSession(self.config, pacer=self.pacer, on_deliver=self.on_deliver)
        await session.open()
        self.session = session
        self.ready.set()

    async def _supervise(self) -> None:
        delay = self.backoff_initial
        while not self._stopping:
            assert self.session is not None
            await self.session.closed.wait()
            self.ready.clear()
            while not self._stopping:
                # Jitter, so an operator's binds do not all come back in the same instant.
                await asyncio.sleep(delay * random.uniform(0.8, 1.2))  # noqa: S311
                try:
                    await self._connect()
                except BindRefused as error:
                    self.failed = error
                    log.error("%s", error)
                    self._stopping = True
                    self.ready.set()  # waiters wake up and see the failure
                    return
                except (OSError, TimeoutError, SmppClientError) as error:
                    log.warning("%s: reconnect failed: %s", self.config.operator, error)
                    delay = min(self.backoff_max, delay * 2)
                    continue
                self.reconnects += 1
                delay = self.backoff_initial
                break

    async def submit(
        self,
        destination: str,
        parts: Sequence[Part],
        *,
        source: str = "",
        registered_delivery: int = 1,
        wait: float | None = None,
    ) -> list[PartResult]:
        """As EsmeSession.submit; waits up to `wait` seconds (the connect timeout by default)
        for a session, else every part is reported not sent."""
        if not self.ready.is_set():
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(
                    self.ready.wait(), self.config.connect_timeout if wait is None else wait
                )
        session = self.session
        if self.failed is not None or session is None or not session.bound:
            detail = str(self.failed) if self.failed else "not bound"
            return [PartResult(Outcome.NOT_SENT, detail=detail)] * len(parts)
        return await session.submit(
            destination, parts, source=source, registered_delivery=registered_delivery
        )

    async def close(self) -> None:
        self._stopping = True
        if self._task is not None:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task
        if self.session is not None:
            await self.session.close()


class Operator:
    """An operator's binds, sharing one pacer: together they keep to `tps`.

    `mode` "transceiver": `binds` transceivers, each submitting and receiving. "tx+rx":
    `binds` transmitters, which submit, and as many receivers, which take the receipts
    and MO messages; each kept up (and reconnected) on its own.
    """

    def __init__(
        self,
        config: BindConfig,
        *,
        binds: int = 1,
        tps: float | None = None,
        on_deliver: DeliverCallback | None = None,
        mode: str = TRANSCEIVER,
        **bind_options: float,
    ) -> None:
        if mode not in (TRANSCEIVER, TRANSMITTER_RECEIVER):
            raise ValueError(f"bind mode {mode!r}: {TRANSCEIVER} or {TRANSMITTER_RECEIVER}")
        self.pacer = Pacer(tps)
        self.mode = mode
        submitting = config if mode == TRANSCEIVER else replace(config, mode="transmitter")
        self.binds = [
            Bind(
                submitting,
                pacer=self.pacer,
                on_deliver=on_deliver if mode == TRANSCEIVER else None,
                **bind_options,
            )
            for _ in range(binds)
        ]
        self.receivers = (
            [
                # The pacer is never waited on: a receiver sends only enquire_link.
                Bind(
                    replace(config, mode="receiver"),
                    pacer=self.pacer,
                    on_deliver=on_deliver,
                    **bind_options,
                )
                for _ in range(binds)
            ]
            if mode == TRANSMITTER_RECEIVER
            else []
        )
        self._next = 0

    @property
    def all_binds(self) -> list[Bind]:
        return self.binds + self.receivers

    def failed(self) -> bool:
        """No bind left to submit on, or (tx+rx) none to receive on: each was refused."""
        if all(b.failed is not None for b in self.binds):
            return True
        return bool(self.receivers) and all(b.failed is not None for b in self.receivers)

    async def start(self) -> None:
        try:
            await asyncio.gather(*(b.start() for b in self.all_binds))
        except BaseException:
            await self.close()
            raise

    def pick(self) -> Bind:
        """The next bind in turn, preferring those that are up."""
        count = len(self.binds)
        for offset in range(count):
            bind = self.binds[(self._next + offset) % count]
            if bind.ready.is_set() and bind.failed is None:
                self._next = (self._next + offset + 1) % count
                return bind
        self._next = (self._next + 1) % count
        return self.binds[self._next]

    async def submit(
        self,
        destination: str,
        parts: Sequence[Part],
        *,
        source: str = "",
        registered_delivery: int = 1,
    ) -> list[PartResult]:
        return await self.pick().submit(
            destination, parts, source=source, registered_delivery=registered_delivery
        )

    async def close(self) -> None:
        await asyncio.gather(*(b.close() for b in self.all_binds), return_exceptions=True)
