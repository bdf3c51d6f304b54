"""The dispatcher: claims messages from the database and submits them over SMPP.

One asyncio process serves every enabled operator (or one, by name). Per operator:

- its binds (`smpp.client.Operator`: binds sharing one pacer at the operator's rate),
  per slot one transceiver or, with the operator's bind mode "tx+rx", a transmitter that
  submits and a receiver that brings the receipts and MO messages;
- a feeder that claims messages with a lease just in time: the messages it holds
  unsent never exceed the free window slots plus one window of prefetch, so a dispatcher
  killed mid-campaign leaves at most about `binds × window + window` messages that
  another must flag maybe_duplicate when it takes them over;
- `binds × window` senders that submit a message's parts in order and collect one
  `PartOutcome` per part that was tried. A sender's window slot is freed only when the
  outcome is written, not when the response arrives: the messages sent without a recorded
  response, the only ones a takeover may send twice, never exceed `binds × window`;
- receipts and mobile-originated messages from deliver_sm, acknowledged once written.

Every database call goes through `Store`, which runs them in ONE worker thread: SQLite has
a single writer, and the event loop must never wait on a query. Outcomes, receipts and MOs
are buffered and written every ~100 ms in one call each.

What survives a crash: a message is leased, not taken; after `kill -9` its lease expires
and another dispatcher claims it again. A part whose submit_sm was on the wire without an
answer is reported `unknown` (the delivery side flags the message maybe_duplicate); the
parts accepted before it are not submitted again.

What survives a failing database (a lock held past the timeout, a dropped connection):
every loop that calls it logs the failure once, waits (`retry_db_after`, doubling) and
tries again; nothing it holds is dropped meanwhile, and no task ends on it. When the
dispatcher stops, what its operators still hold is written, each operator's apart, a
failing write tried again for at most `stop_write_timeout`; then it is given up and
logged, and its messages are taken over as after a crash (`Dispatcher.flush_all`).
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
from collections import deque
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from datetime import timedelta
from typing import Any, TypeVar

from resilnet.alerts.smpp import client as C
from resilnet.alerts.smpp import pdu as P
from resilnet.alerts.smpp import receipts as R

log = logging.getLogger(__name__)
T = TypeVar("T")

FLUSH_INTERVAL = 0.1  # seconds between two writes of outcomes and receipts
HALT_POLL = 0.5  # a halted campaign's leased messages are released within a second
WORK_POLL = 1.0  # how often idle operators ask whether there is work
LEASE = timedelta(seconds=60)
RETRY_BIND_AFTER = (5.0, 300.0)  # a refused or unreachable SMSC: first and longest pause
RETRY_DB_AFTER = (0.1, 5.0)  # a failing database call: first and longest pause (default)
STOP_WRITE_TIMEOUT = 10.0  # at stop: how long a failing write of what is held is tried
# An SMSC may hand a receipt to any bind of the account: to this dispatcher before another
# one has written the submit it follows. Such a receipt is answered "later" (the SMSC keeps
# it and delivers it again) for this long after its id was first seen; then taken as unknown.
UNKNOWN_RECEIPT_GRACE = 60.0


@dataclass(frozen=True, slots=True)
class DispatcherOptions:
    worker: str
    operator: str | None = None  # only this operator (by name)
    batch: int = 500  # messages per claim
    lease: timedelta = LEASE
    until_idle: bool = False
    # A message whose submit_sm got no readable answer this many times (a peer answering
    # garbage) fails with the last reason instead of cycling; throttling is not counted.
    max_attempts: int = 5
    receipt_timeout: float = 30.0  # --until-idle: how long to wait for the last receipts
    source: str = "resilnet"  # the sender shown on phones (alphanumeric)
    # operator id → (host, port) instead of the operator's own: the demo loader's simulator
    endpoints: dict[int, tuple[str, int]] = field(default_factory=dict)
    # A failing database call is tried again after the first pause, doubling up to the
    # longest (seconds; each positive, the first not longer than the longest).
    retry_db_after: tuple[float, float] = RETRY_DB_AFTER
    stop_write_timeout: float = STOP_WRITE_TIMEOUT  # seconds, at least 0


class Store:
    """The delivery services, called in one thread of their own, on one connection kept
    from call to call."""

    def __init__(self) -> None:
        self.executor = ThreadPoolExecutor(
            1, thread_name_prefix="dispatcher-db", initializer=_keep_connections
        )

    async def call(self, fn: Callable[..., T], *args: Any, **kwargs: Any) -> T:
        loop = asyncio.get_running_loop()
        return await loop.run_in_executor(self.executor, lambda: _in_thread(fn, args, kwargs))

    def close(self) -> None:
        self.executor.submit(_close_connections).result()
        self.executor.shutdown(wait=True)


def _keep_connections() -> None:
    """The database thread's connections live as long as the thread, checked before each
    call instead of opened for it. With the project's CONN_MAX_AGE of 0, every call
    opened one: on SQLite its pragmas ran again and its page cache started cold (a tenth
    of a dispatcher's CPU in a campaign), on PostgreSQL a server process was started.
    Only this thread's connection objects change; the web server's keep the settings."""
    from django.db import connections

    for alias in connections:
        connection = connections[alias]
        connection.settings_dict = connection.settings_dict | {
            "CONN_MAX_AGE": None,
            # Before each call's first query: a connection the server dropped (or that
            # failed) is opened again. PostgreSQL asks SELECT 1; SQLite asks nothing.
            "CONN_HEALTH_CHECKS": True,
        }


def _in_thread(fn: Callable[..., T], args: tuple[Any, ...], kwargs: dict[str, Any]) -> T:
    from django.db import close_old_connections

    close_old_connections()  # a connection the database closed is opened again
    return fn(*args, **kwargs)


def _close_connections() -> None:
    from django.db import connections

    connections.close_all()


def _warn(what: str, error: Exception, then: str = "trying again") -> None:
    """A failed database call logged with the error's first line only: a driver's detail
    may quote the values of a row, a phone number among them."""
    first = (str(error).strip().splitlines() or [""])[0][:200]
    log.warning("%s failed (%s: %s); %s", what, type(error).__name__, first, then)


class _Retry:
    """Pauses between the attempts of a database call that keeps failing: from the first
    to the longest of `after` (the options' `retry_db_after`), doubling, back to the
    first after a success. A run of failures is logged once (`_warn`)."""

    def __init__(self, what: str, after: tuple[float, float]) -> None:
        self.what = what  # "operator NAME: claiming messages"
        self.first, self.longest = after
        self.pause = self.first
        self.failures = 0

    def failed(self, error: Exception) -> float:
        """Note a failure; returns how long to wait before the next attempt."""
        if not self.failures:
            _warn(self.what, error)
        self.failures += 1
        pause = self.pause
        self.pause = min(self.longest, pause * 2)
        return pause

    def restart(self) -> None:
        """The next pause is the first one again; a run of failures stays one run."""
        self.pause = self.first

    def succeeded(self) -> None:
        if self.failures:
            log.info("%s works again after %d failed attempts", self.what, self.failures)
        self.failures = 0
        self.pause = self.first


@dataclass
class _Wait:
    """Deliver_sm waiting for their write: acknowledged when it is done."""

    receipts: list[R.Receipt] = field(default_factory=list)
    receipt_futures: list[asyncio.Future[None]] = field(default_factory=list)
    mos: list[tuple[str, str]] = field(default_factory=list)
    futures: list[asyncio.Future[None]] = field(default_factory=list)


@dataclass
class OperatorStats:
    claimed: int = 0
    messages_done: int = 0
    parts_accepted: int = 0
    parts_retry: int = 0
    parts_failed: int = 0
    parts_unknown: int = 0
    receipts: int = 0
    receipts_matched: int = 0
    mos: int = 0
    released: int = 0


class OperatorRunner:
    """One operator's binds, queue and senders."""

    def __init__(self, dispatcher: Dispatcher, operator: Any) -> None:
        self.dispatcher = dispatcher
        self.store = dispatcher.store
        self.options = dispatcher.options
        self.id: int = operator.pk
        self.name: str = operator.name
        self.row = operator
        self.smpp: C.Operator | None = None
        self.queue: deque[Any] = deque()  # claimed Outbound messages not yet taken
        self.held: dict[int, Any] = {}  # message id → Outbound, claimed and not settled
        self.outcomes: list[Any] = []
        self.slots = asyncio.Semaphore(1)  # window slots, made again at each connection
        self.settled: list[asyncio.Semaphore] = []  # a slot per message awaiting its write
        self.unsent: list[int] = []  # claimed, not sent (the bind went down): released
        self.waiting = _Wait()
        # A receipt may come on one bind before the submit_sm_resp it follows is read on
        # another: it is written only once every submit started before it has settled.
        self.started = 0  # submits started so far
        self.in_flight: set[int] = set()  # their numbers, while awaiting a response
        self.early: list[tuple[int, R.Receipt, asyncio.Future[None]]] = []
        self.unknown_since: dict[str, float] = {}  # receipt id → when first found unknown
        self.stats = OperatorStats()
        self.more = asyncio.Event()  # senders wait on it when the queue is empty
        self.has_work = True
        self.bind_error: str = ""
        self.last_activity = time.monotonic()
        self.stopping = False
        self._tasks: list[asyncio.Task[None]] = []
        after = self.options.retry_db_after
        self.writing = _Retry(f"operator {self.name}: writing outcomes and receipts", after)
        self.renewing = _Retry(f"operator {self.name}: renewing leases", after)

    # Binds ------------------------------------------------------------------------

    def _bind_config(self) -> C.BindConfig:
        op = self.row
        host, port = self.options.endpoints.get(op.pk, (op.host, op.port))
        return C.BindConfig(
            operator=op.name,
            host=host,
            port=port,
            system_id=op.system_id,
            password=op.password,
            system_type=op.system_type,
            window=op.window,
        )

    async def connect(self) -> bool:
        """Bind; False (the error logged, naming the operator) when the SMSC refuses."""
        op = self.row
        smpp = C.Operator(
            self._bind_config(),
            binds=op.binds,
            tps=op.tps,
            on_deliver=self._on_deliver,
            mode=op.bind_mode,
        )
        try:
            await smpp.start()
        except C.BindRefused as error:
            self.bind_error = str(error)
        except (OSError, TimeoutError, C.SmppClientError) as error:
            self.bind_error = (
                f"operator {op.name}: cannot reach the SMSC at {op.host}:{op.port}: {error}"
            )
        else:
            self.smpp = smpp
            self.bind_error = ""
            log.info(
                "operator %s: %d %s bind(s) up to %s:%s",
                op.name,
                op.binds,
                op.bind_mode,
                op.host,
                op.port,
            )
            return True
        log.error("%s", self.bind_error)
        return False

    def all_binds_failed(self) -> bool:
        return self.smpp is not None and self.smpp.failed()

    # Running ----------------------------------------------------------------------

    async def run(self) -> None:
        """Bind (retrying with back-off while refused), then serve until stopped."""
        pause = RETRY_BIND_AFTER[0]
        while not self.stopping:
            if self.smpp is None and not await self.connect():
                if self.options.until_idle:
                    return  # the dispatcher reports the error and exits
                await self._sleep(pause)
                pause = min(RETRY_BIND_AFTER[1], pause * 2)
                try:
                    self.row = await self.store.call(_operator_row, self.id) or self.row
                except Exception as error:  # asked again before the next attempt
                    _warn(f"operator {self.name}: reading its settings", error)
                continue
            pause = RETRY_BIND_AFTER[0]
            assert self.smpp is not None
            window = self.row.binds * self.row.window
            self.slots = asyncio.Semaphore(window)
            self._tasks = [asyncio.ensure_future(self._feed(window, self.row.window))]
            self._tasks += [asyncio.ensure_future(self._send()) for _ in range(window)]
            while not self.stopping and not self.all_binds_failed():
                await self._sleep(0.5)
            await self._stop_senders()
            await self.smpp.close()
            self.smpp = None
            if self.stopping:
                break
            # Every bind refused on reconnect (the password changed): start again later.
            self.bind_error = str(self.smpp_failure())
            log.error("%s", self.bind_error)

    def smpp_failure(self) -> str:
        return self.bind_error or f"operator {self.name}: every bind failed"

    async def _sleep(self, seconds: float) -> None:
        deadline = time.monotonic() + seconds
        while not self.stopping and time.monotonic() < deadline:
            await asyncio.sleep(min(0.2, deadline - time.monotonic()))

    async def _stop_senders(self) -> None:
        self.more.set()
        for task in self._tasks:
            task.cancel()
        await asyncio.gather(*self._tasks, return_exceptions=True)
        self._tasks = []
        await self.release(list(self.queue), "dispatcher stopping")
        self.queue.clear()

    async def _feed(self, window: int, prefetch: int) -> None:
        """Claim just in time: every message held (in a sender or queued for one) is a
        window slot or one of `prefetch` waiting for a slot. A claim is made once at least
        half a prefetch is missing, so claims stay few at high rates."""
        options = self.options
        most = window + max(prefetch, 1)
        step = max(1, prefetch // 2)
        retry = _Retry(f"operator {self.name}: claiming messages", options.retry_db_after)
        while not self.stopping:
            missing = most - len(self.held) - len(self.settled)
            if missing < step:
                await asyncio.sleep(0.002)
                continue
            limit = min(options.batch, missing)
            try:
                batch = await self.store.call(
                    self.dispatcher.delivery.claim, self.id, options.worker, limit, options.lease
                )
            except Exception as error:  # nothing was claimed: the same claim, later
                await asyncio.sleep(retry.failed(error))
                continue
            retry.succeeded()
            if batch:
                self.has_work = True
                self.last_activity = time.monotonic()
                self.stats.claimed += len(batch)
                for message in batch:
                    self.held[message.message_id] = message
                self.queue.extend(batch)
                self.more.set()
            else:
                self.has_work = bool(self.held)
                await asyncio.sleep(WORK_POLL if not self.held else 0.1)

    async def _send(self) -> None:
        assert self.smpp is not None
        smpp, source = self.smpp, self.options.source
        while not self.stopping:
            if not self.queue:
                self.more.clear()
                await self.more.wait()
                continue
            slots = self.slots
            await slots.acquire()
            if slots.locked():
                self.dispatcher.flush_soon.set()  # the window is full of unwritten outcomes
            if not self.queue:
                slots.release()
                continue
            message = self.queue.popleft()
            # Outbound.parts are the parts still to send; the first is number first_seq.
            parts = [C.SimplePart(p, dc, esm) for esm, dc, p in message.parts]
            first = message.first_seq
            self.started += 1
            number = self.started
            self.in_flight.add(number)
            try:
                results = await smpp.submit(message.msisdn.lstrip("+"), parts, source=source)
            except BaseException:
                slots.release()
                raise
            finally:
                self.in_flight.discard(number)
            if self._settle(message, first, results):
                self.settled.append(slots)
            else:
                slots.release()

    def _settle(self, message: Any, first: int, results: list[C.PartResult]) -> bool:
        """Keep the outcomes to write; False when nothing of the message went out."""
        outcome = self.dispatcher.delivery.PartOutcome
        stats = self.stats
        for offset, result in enumerate(results):
            kind = result.outcome
            if kind is C.Outcome.NOT_SENT:
                if offset == 0:  # nothing of it went out: given back, claimable at once
                    self.unsent.append(message.message_id)
                    self.held.pop(message.message_id, None)
                    return False
                break
            if kind is C.Outcome.ACCEPTED:
                stats.parts_accepted += 1
            elif kind is C.Outcome.RETRY:
                stats.parts_retry += 1
            elif kind is C.Outcome.FAILED:
                stats.parts_failed += 1
            else:
                stats.parts_unknown += 1
            reason = result.reason
            if kind is C.Outcome.UNKNOWN and message.attempt >= self.options.max_attempts:
                kind = C.Outcome.FAILED
                reason = f"no valid answer after {message.attempt} attempts: {reason}"
            smsc_id = result.message_id or ""
            self.outcomes.append(
                outcome(message.message_id, first + offset, str(kind), smsc_id, reason)
            )
        self.held.pop(message.message_id, None)
        stats.messages_done += 1
        self.last_activity = time.monotonic()
        return True

    async def release(self, messages: list[Any], reason: str) -> None:
        """Give claimed messages back (their lease ends now) without submitting them; when
        the database fails, the next flush gives them back."""
        if not messages:
            return
        for message in messages:
            self.held.pop(message.message_id, None)
        self.stats.released += len(messages)
        ids = [m.message_id for m in messages]
        try:
            await self.store.call(self.dispatcher.delivery.release, self.options.worker, ids)
        except Exception as error:
            self.unsent += ids
            _warn(f"operator {self.name}: giving back messages ({reason})", error)

    async def release_halted(self, halted: set[int]) -> None:
        # Outbound does not say its campaign: every message not yet sent is given back,
        # and the next claim takes again only those of campaigns still running.
        drop = list(self.queue)
        if drop:
            self.queue.clear()
            await self.release(drop, "campaign halted")
            log.info("operator %s: %d messages of halted campaigns released", self.name, len(drop))

    # Deliver_sm -------------------------------------------------------------------

    def _on_deliver(self, session: C.EsmeSession, pdu: P.DeliverSm) -> asyncio.Future[None] | None:
        waiting = self.waiting
        future: asyncio.Future[None] = asyncio.get_running_loop().create_future()
        if R.is_receipt(pdu):
            try:
                receipt = R.parse_receipt(pdu)
            except R.ReceiptError as error:
                log.warning("operator %s: %s", self.name, error)
                return None  # acknowledged: sending it again would not make it readable
            self.early.append((self.started, receipt, future))
            return future
        waiting.mos.append((pdu.source_addr, _mo_text(pdu)))
        waiting.futures.append(future)
        return future

    async def flush(self) -> None:
        """Write the outcomes, receipts and MOs gathered since the last flush."""
        delivery = self.dispatcher.delivery
        outcomes, self.outcomes = self.outcomes, []
        settled, self.settled = self.settled, []
        unsent, self.unsent = self.unsent, []
        waiting, self.waiting = self.waiting, _Wait()
        # Receipts whose earlier submits have all settled (their outcomes are in `outcomes`).
        oldest = min(self.in_flight, default=self.started + 1)
        ready = [e for e in self.early if e[0] < oldest]
        self.early = [e for e in self.early if e[0] >= oldest]
        waiting.receipts += [receipt for _n, receipt, _f in ready]
        waiting.receipt_futures += [future for _n, _r, future in ready]
        try:
            if unsent:
                await self.store.call(delivery.release, self.options.worker, unsent)
                unsent = []
            if outcomes:
                await self.store.call(delivery.record_outcomes, self.options.worker, outcomes)
                outcomes = []
            for slots in settled:  # written: their window slots are free
                slots.release()
            settled = []
            if waiting.receipts:
                unknown: list[int] = []
                matched = await self.store.call(
                    delivery.record_receipts, self.id, waiting.receipts, unknown_out=unknown
                )
                self.stats.receipts += len(waiting.receipts)
                self.stats.receipts_matched += matched or 0
                self.last_activity = time.monotonic()
                self._answer_unknown_later(waiting, unknown)
                _answer(waiting.receipt_futures)  # written: not to be sent again
                waiting.receipts, waiting.receipt_futures = [], []
            while waiting.mos:
                msisdn, text = waiting.mos[0]
                await self.store.call(
                    delivery.handle_mobile_originated, self.id, _e164(msisdn), text
                )
                waiting.mos.pop(0)
                self.stats.mos += 1
                _answer([waiting.futures.pop(0)])
        except Exception:
            # Not written (the failure is logged once by the caller): the outcomes and
            # messages to give back are kept for the next flush. The deliver_sm not written
            # are answered with a temporary error (the SMSC delivers them again), or, once
            # the dispatcher closes with its binds closed and nothing can be answered, kept
            # for its next try too (the SMSC delivers them again all the same).
            self.outcomes[:0] = outcomes
            self.settled[:0] = settled
            self.unsent[:0] = unsent
            if self.dispatcher.closing.is_set():
                self.waiting.receipts[:0] = waiting.receipts
                self.waiting.receipt_futures[:0] = waiting.receipt_futures
                self.waiting.mos[:0] = waiting.mos
                self.waiting.futures[:0] = waiting.futures
            else:
                for future in waiting.futures + waiting.receipt_futures:
                    if not future.done():
                        future.set_exception(C.AnswerLater())
            raise
        _answer(waiting.futures + waiting.receipt_futures)

    def give_up(self, error: Exception) -> None:
        """At stop, what could not be written, logged with its count and dropped."""
        outcomes, waiting = self.outcomes, self.waiting
        _warn(
            f"operator {self.name}: writing what it held at stop",
            error,
            f"given up: {len(outcomes)} outcomes of {len({o.message_id for o in outcomes})} "
            f"messages, {len(waiting.receipts) + len(self.early)} receipts, "
            f"{len(waiting.mos)} MO messages and {len(self.unsent)} messages to give back "
            "are not written; those messages stay leased and are taken over when the lease "
            "runs out, the receipts and MO messages are delivered again by the SMSC",
        )
        self.outcomes, self.settled, self.unsent, self.early = [], [], [], []
        self.waiting = _Wait()

    def _answer_unknown_later(self, waiting: _Wait, positions: list[int]) -> None:
        """Receipts whose id no part has yet: asked again (the SMSC redelivers them) while
        another dispatcher may still be writing that part; logged and taken after that."""
        now = time.monotonic()
        given_up = []
        for position in positions:
            key = waiting.receipts[position].message_id
            first = self.unknown_since.setdefault(key, now)
            if now - first < UNKNOWN_RECEIPT_GRACE:
                future = waiting.receipt_futures[position]
                if not future.done():  # cancelled when its bind closed: no one to answer
                    future.set_exception(C.AnswerLater())
            else:
                given_up.append(key)
                del self.unknown_since[key]
        if given_up:
            log.warning(
                "operator %s: %d receipts for unknown message ids (first %s)",
                self.name,
                len(given_up),
                [key.encode("unicode_escape").decode()[:64] for key in given_up[:3]],
            )
        if len(self.unknown_since) > 10_000:  # ids matched meanwhile elsewhere: forgotten
            self.unknown_since = {
                k: t for k, t in self.unknown_since.items() if now - t < UNKNOWN_RECEIPT_GRACE
            }

    async def renew(self) -> None:
        ids = list(self.held)
        if ids:
            await self.store.call(
                self.dispatcher.delivery.renew, self.options.worker, ids, self.options.lease
            )

    def idle(self) -> bool:
        """No work, nothing in flight, no receipt still expected (or waited long enough)."""
        if self.has_work or self.held or self.queue or self.outcomes or self.early:
            return False
        if self.stats.receipts_matched >= self.stats.parts_accepted:
            return True
        return time.monotonic() - self.last_activity > self.options.receipt_timeout


def _answer(futures: list[asyncio.Future[None]]) -> None:
    """Acknowledge deliver_sm whose content is written (those not answered otherwise)."""
    for future in futures:
        if not future.done():
            future.set_result(None)


def _operator_row(operator_id: int) -> Any:
    from resilnet.alerts import selectors

    return selectors.operator(operator_id)


def _mo_text(pdu: P.DeliverSm) -> str:
    raw = pdu.message_bytes
    if pdu.data_coding == 8:
        return raw.decode("utf-16-be", errors="replace")
    return raw.decode("latin-1")


def _e164(address: str) -> str:
    address = address.strip()
    return address if address.startswith("+") else f"+{address}"


class Dispatcher:
    """Every operator's runner, and the loops they share: flush, renew, halts, work."""

    def __init__(self, options: DispatcherOptions, delivery: Any | None = None) -> None:
        self.options = options
        self.store = Store()
        if delivery is None:
            from resilnet.alerts.dispatch import adapter

            delivery = adapter
        self.delivery: Any = delivery
        self.runners: dict[int, OperatorRunner] = {}
        self.tasks: dict[int, asyncio.Task[None]] = {}
        self.stop_requested = asyncio.Event()
        self.flush_soon = asyncio.Event()  # a window is full: write outcomes without waiting
        self.closing = asyncio.Event()  # the operators have stopped: the last write is next
        self.errors: list[str] = []

    async def run(self) -> int:
        """Serve until stopped (or, with until_idle, until there is nothing left to do)."""
        flushing = asyncio.ensure_future(self._flush_loop())
        loops = [
            asyncio.ensure_future(self._renew_loop()),
            asyncio.ensure_future(self._halt_loop()),
        ]
        try:
            await self._work_loop()
        finally:
            for runner in self.runners.values():
                runner.stopping = True
            await asyncio.gather(*self.tasks.values(), return_exceptions=True)
            for task in loops:
                task.cancel()
            await asyncio.gather(*loops, return_exceptions=True)
            # The flush loop is not cancelled but ends after the write it is making:
            # cancelled during it, it would drop what that write had taken, unwritten.
            self.closing.set()
            self.flush_soon.set()
            await asyncio.gather(flushing, return_exceptions=True)
            try:
                await self.flush_all()
            finally:
                self.store.close()
        return 1 if self.errors else 0

    async def _operators(self) -> list[Any]:
        return await self.store.call(_enabled_operators, self.options.operator)

    async def _work_loop(self) -> None:
        retry = _Retry("dispatcher: looking for work", self.options.retry_db_after)
        while not self.stop_requested.is_set():
            try:
                done = await self._look_for_work()
            except Exception as error:  # the runners go on with what they hold
                await asyncio.sleep(retry.failed(error))
                continue
            retry.succeeded()
            if done:
                return
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self.stop_requested.wait(), WORK_POLL)

    async def _look_for_work(self) -> bool:
        """Start a runner for each operator with work; True when until_idle is done."""
        options = self.options
        with_work = set(await self.store.call(self.delivery.operators_with_work))
        for op in await self._operators():
            runner = self.runners.get(op.pk)
            if runner is None or (op.pk in self.tasks and self.tasks[op.pk].done()):
                if options.until_idle and op.pk not in with_work:
                    continue
                if runner is not None and runner.bind_error and options.until_idle:
                    continue
                runner = self.runners[op.pk] = OperatorRunner(self, op)
                self.tasks[op.pk] = asyncio.ensure_future(runner.run())
            elif op.pk in with_work:
                runner.has_work = True
        if options.until_idle:
            failed = [r for r in self.runners.values() if r.bind_error and self.tasks[r.id].done()]
            if all(r.idle() or r in failed for r in self.runners.values()):
                # Asked again now that nothing is held: the answer above may predate
                # outcomes that queued messages again (a retry not yet due).
                again = set(await self.store.call(self.delivery.operators_with_work))
                late = [r for r in self.runners.values() if r.id in again and r not in failed]
                for runner in late:
                    runner.has_work = True
                if not late:
                    self.errors = [r.bind_error for r in failed]
                    return True
        return False

    async def flush_all(self) -> None:
        """The last write, once every operator has stopped and closed its binds: what each
        still holds (outcomes of submit_sm that were on the wire, receipts, MO messages,
        messages to give back). Each operator's is written apart, so one that fails keeps
        no other's from the database, and one that fails is tried again with the usual
        back-off for at most `stop_write_timeout` seconds.

        Then it is given up, logged with its count, and lost from memory, which loses
        nothing that a crash would not: its messages stay `sending`, leased to this
        worker, and once the lease runs out (nothing renews it any more) the next claim
        takes them over, flagged maybe_duplicate, and sends them again from the first
        part not recorded (`delivery.claim`); an outcome written after that changes
        nothing. Its receipts and MO messages were never acknowledged (the binds closed
        first), so the SMSC delivers them again."""
        deadline = time.monotonic() + self.options.stop_write_timeout
        runners = list(self.runners.values())
        for runner in runners:  # the time is short: tried again soon at first
            runner.writing.restart()
        while True:
            failed, pause = await self._write(runners)
            runners = list(failed)
            if not failed or time.monotonic() + pause > deadline:
                break
            await asyncio.sleep(pause)
        for runner, error in failed.items():
            runner.give_up(error)

    async def _write(
        self, runners: list[OperatorRunner]
    ) -> tuple[dict[OperatorRunner, Exception], float]:
        """Flush each runner in turn, whatever the others do; the runners that failed, with
        their error, and how long to wait before trying them again."""
        failed: dict[OperatorRunner, Exception] = {}
        pause = 0.0
        for runner in runners:
            try:
                await runner.flush()
            except Exception as error:  # kept, written by a later flush
                failed[runner] = error
                pause = max(pause, runner.writing.failed(error))
            else:
                runner.writing.succeeded()
        return failed, pause

    async def _flush_loop(self) -> None:
        """Every FLUSH_INTERVAL, or at once when a window is full, until the dispatcher
        closes (`flush_all` then makes the last write)."""
        while True:
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self.flush_soon.wait(), FLUSH_INTERVAL)
            self.flush_soon.clear()
            if self.closing.is_set():
                return
            _failed, pause = await self._write(list(self.runners.values()))
            if pause:
                with contextlib.suppress(TimeoutError):
                    await asyncio.wait_for(self.closing.wait(), pause)

    async def _renew_loop(self) -> None:
        every = self.options.lease.total_seconds() / 3
        pause = every
        while True:
            await asyncio.sleep(pause)
            pause = every
            for runner in list(self.runners.values()):
                try:
                    await runner.renew()
                except Exception as error:  # again soon: the leases must not run out
                    pause = min(pause, runner.renewing.failed(error))
                else:
                    runner.renewing.succeeded()

    async def _halt_loop(self) -> None:
        seen: set[int] = set()
        retry = _Retry("dispatcher: checking halted campaigns", self.options.retry_db_after)
        while True:
            await asyncio.sleep(HALT_POLL)  # not longer when failing: the kill switch
            try:
                halted = set(await self.store.call(self.delivery.halted_campaign_ids))
            except Exception as error:
                retry.failed(error)
                continue
            retry.succeeded()
            if halted - seen:
                for runner in list(self.runners.values()):
                    await runner.release_halted(halted)
            seen = halted

    def stop(self) -> None:
        self.stop_requested.set()


def _enabled_operators(name: str | None) -> list[Any]:
    from resilnet.alerts import selectors

    return selectors.enabled_operators(name)
