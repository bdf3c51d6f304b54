"""What the SMPP tests share: an event loop per test, bounded waits, a simulator on an
ephemeral loopback port."""

from __future__ import annotations

import asyncio
import json
import threading
from collections.abc import Awaitable, Callable
from typing import Any, TypeVar

from resilnet.alerts.smpp.client import BindConfig
from resilnet.alerts.smsc.simulator import SimulatorConfig, SmscSimulator

T = TypeVar("T")
TEST_TIMEOUT = 30.0  # no test waits longer than this, whatever goes wrong


def in_own_loop(coro: Awaitable[T]) -> T:
    """`asyncio.run(coro)` in a thread of its own. A browser test earlier in the same test
    process leaves Playwright's event loop running on the main thread, where asyncio.run
    refuses to start one."""
    outcome: dict[str, Any] = {}

    def main() -> None:
        async def wrapped() -> T:
            return await coro

        try:
            outcome["value"] = asyncio.run(wrapped())
        except BaseException as exc:  # handed to the caller's thread
            outcome["error"] = exc

    thread = threading.Thread(target=main, name="asyncio-test")
    thread.start()
    thread.join()
    if "error" in outcome:
        raise outcome["error"]
    return outcome["value"]


def run(coro: Awaitable[T], timeout: float = TEST_TIMEOUT) -> T:
    async def bounded() -> T:
        return await asyncio.wait_for(coro, timeout)

    return in_own_loop(bounded())


async def wait_until(predicate: Callable[[], bool], timeout: float = 10.0) -> None:
    async def poll() -> None:
        while not predicate():
            await asyncio.sleep(0.01)

    await asyncio.wait_for(poll(), timeout)


def simulator(**options: Any) -> SmscSimulator:
    options.setdefault("accounts", {"moh": "secret"})
    options.setdefault("seed", 7)
    return SmscSimulator(SimulatorConfig(host="127.0.0.1", port=0, **options))


def bind_config(sim: SmscSimulator, **options: Any) -> BindConfig:
    values: dict[str, Any] = {
        "operator": "Orange CI",
        "host": "127.0.0.1",
        "port": sim.port,
        "system_id": "moh",
        "password": "secret",
        "response_timeout": 5.0,
        "connect_timeout": 5.0,
    }
    values.update(options)
    return BindConfig(**values)


async def control(sim: SmscSimulator, command: dict[str, Any]) -> dict[str, Any]:
    """One command over the simulator's JSON-lines control port."""
    assert sim.control_port is not None
    reader, writer = await asyncio.open_connection("127.0.0.1", sim.control_port)
    try:
        writer.write(json.dumps(command).encode() + b"\n")
        answer: dict[str, Any] = json.loads(await reader.readline())
        return answer
    finally:
        writer.close()
