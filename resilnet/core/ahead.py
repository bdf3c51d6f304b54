"""A generator run a few items ahead of the loop that consumes it, in a thread of its own.

For imports into PostgreSQL: the next chunk is read, checked and turned into COPY data
while the server writes this one, so the work of both sides overlaps instead of taking
turns (docs/benchmarks.md). Django's connections belong to their thread, so the generator
asks for database work through the function it is given, which runs it on the consumer's
thread between two items; the consumer's language is active in the generator's thread.
"""

from __future__ import annotations

import contextlib
import queue
import sys
import threading
from collections.abc import Callable, Generator, Iterator
from concurrent.futures import Future
from typing import Any, Generic, TypeVar

from django.utils import translation

T = TypeVar("T")
InConsumer = Callable[..., Any]

# While the consumer waits on the database it lets go of the interpreter, and it gets it
# back only when the generator's thread yields it: by default after 5 ms, several times a
# chunk. A shorter interval while a generator runs ahead keeps those waits short.
SWITCH_INTERVAL_S = 0.0002
POLL_S = 0.1
_running = 0  # generators running ahead, in any thread: the last one sets the interval back
_default_interval = sys.getswitchinterval()
_lock = threading.Lock()


@contextlib.contextmanager
def _short_switch_interval() -> Iterator[None]:
    global _running
    with _lock:
        _running += 1
        sys.setswitchinterval(min(_default_interval, SWITCH_INTERVAL_S))
    try:
        yield
    finally:
        with _lock:
            _running -= 1
            if not _running:
                sys.setswitchinterval(_default_interval)


class _Stopped(Exception):
    """The consumer has stopped: the generator's thread ends."""


class Ahead(Generic[T]):
    """`for item in Ahead(make): …` runs `make(in_consumer)` in a thread, at most `depth`
    items ahead. Its exceptions are raised in the consumer; when the consumer stops (an
    exception, a break), the generator is closed after the item it is working on."""

    def __init__(self, make: Callable[[InConsumer], Iterator[T]], depth: int = 2) -> None:
        self._make = make
        self._queue: queue.Queue[tuple[str, Any]] = queue.Queue(depth)
        self._stopped = threading.Event()
        self._thread = threading.Thread(target=self._produce, name="ahead", daemon=True)
        self._language = translation.get_language()

    def in_consumer(self, function: Callable[..., Any], *args: Any) -> Any:
        """`function(*args)`, run on the consumer's thread; its result or exception."""
        if threading.current_thread() is not self._thread:
            return function(*args)
        future: Future[Any] = Future()
        self._put(("call", (function, args, future)))
        while True:
            try:
                return future.result(timeout=POLL_S)
            except TimeoutError:
                if self._stopped.is_set():
                    raise _Stopped from None

    def _put(self, item: tuple[str, Any]) -> None:
        while not self._stopped.is_set():
            try:
                self._queue.put(item, timeout=POLL_S)
                return
            except queue.Full:
                continue
        raise _Stopped

    def _produce(self) -> None:
        items: Iterator[T] | None = None
        try:
            with translation.override(self._language):
                items = self._make(self.in_consumer)
                for item in items:
                    self._put(("item", item))
            self._put(("end", None))
        except _Stopped:
            pass
        except BaseException as exc:  # handed to the consumer, raised there
            with contextlib.suppress(_Stopped):
                self._put(("error", exc))
        finally:
            close = getattr(items, "close", None)
            if close is not None:
                close()

    def __iter__(self) -> Generator[T, None, None]:
        with _short_switch_interval():
            yield from self._consume()

    def _consume(self) -> Generator[T, None, None]:
        self._thread.start()
        try:
            while True:
                kind, value = self._queue.get()
                if kind == "item":
                    yield value
                elif kind == "call":
                    function, args, future = value
                    try:
                        future.set_result(function(*args))
                    except BaseException as exc:  # raised in the generator's thread
                        future.set_exception(exc)
                elif kind == "error":
                    raise value
                else:
                    return
        finally:
            self._stopped.set()
            self._thread.join()
