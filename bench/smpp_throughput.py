"""SMPP submit throughput through the SMSC simulator on loopback, and the codec's rate.

    .venv/bin/python bench/smpp_throughput.py [--messages 10000] [--repeat 3]

Figures, all measured in the same run against one `resilnet smsc-sim` process (no rate
cap, no receipts unless said), each the median of --repeat runs, in submit_sm answered
per second:

- naive baseline: one submit_sm at a time, waiting for each answer (our session, window 1);
- our client (resilnet.alerts.smpp.client.Operator) with windows 10, 50, 100 on 1 and 2
  binds, and window 100 on 2 binds with receipts on (the simulator sends one per message
  and the client acknowledges it);
- smpplib (blocking): one at a time, and pipelined by hand 100 at a time;
- aiosmpplib: its ESME fed by its own broker, with no window of its own (a fifth of the
  messages, as the baseline: it is slow);
- the codec: a submit_sm encoded and decoded, ours against smpplib's, per second;
- receipts: the simulator's receipt text read in one match (the appendix B form) against
  the key-by-key reading every other form takes, per second.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import platform
import statistics
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from resilnet.alerts.smpp import pdu as P  # noqa: E402
from resilnet.alerts.smpp import receipts as R  # noqa: E402
from resilnet.alerts.smpp.client import (  # noqa: E402
    BindConfig,
    EsmeSession,
    Operator,
    Outcome,
    SimplePart,
)

TEXT = b"Cholera alert: boil drinking water, wash hands with soap."
PART = [SimplePart(TEXT)]
SUBMIT_SM_RESP = P.CommandId.SUBMIT_SM_RESP.to_bytes(4, "big")


def start_simulator() -> tuple[subprocess.Popen[str], int]:
    process = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "resilnet.cli",
            "smsc-sim",
            "--port",
            "0",
            "--control-port",
            "-1",
            "--dlr-delay",
            "0.2",
            "--accounts",
            "bench:bench",
        ],
        stdout=subprocess.PIPE,
        text=True,
        env={**os.environ, "DJANGO_SETTINGS_MODULE": "resilnet.settings"},
    )
    assert process.stdout is not None
    line = process.stdout.readline()
    if not line.startswith("smsc-sim listening on"):
        process.kill()
        raise SystemExit(f"the simulator did not start: {line!r}")
    return process, int(line.split()[3].split(":")[1].rstrip(","))


def config(port: int, window: int) -> BindConfig:
    return BindConfig(
        operator="bench",
        host="127.0.0.1",
        port=port,
        system_id="bench",
        password="bench",  # noqa: S106 - the simulator's bench account
        window=window,
        response_timeout=30,
    )


async def naive(port: int, messages: int) -> float:
    session = EsmeSession(config(port, 1))
    await session.open()
    started = time.perf_counter()
    for i in range(messages):
        [result] = await session.submit(f"22507{i:08d}", PART, registered_delivery=0)
        assert result.outcome is Outcome.ACCEPTED, result
    elapsed = time.perf_counter() - started
    await session.close()
    return messages / elapsed


async def ours(port: int, messages: int, window: int, binds: int, receipts: bool) -> float:
    received = 0

    def on_deliver(session: object, pdu: P.DeliverSm) -> None:
        nonlocal received
        received += 1

    operator = Operator(config(port, window), binds=binds, on_deliver=on_deliver)
    await operator.start()
    remaining = iter(range(messages))

    async def worker() -> None:
        for i in remaining:
            [result] = await operator.submit(
                f"22507{i:08d}", PART, registered_delivery=1 if receipts else 0
            )
            assert result.outcome is Outcome.ACCEPTED, result

    started = time.perf_counter()
    await asyncio.gather(*(worker() for _ in range(window * binds)))
    if receipts:
        while received < messages:  # until every receipt is in
            await asyncio.sleep(0.005)
    elapsed = time.perf_counter() - started
    await operator.close()
    return messages / elapsed


def smpplib_run(port: int, messages: int, batch: int) -> float:
    import smpplib.client

    client = smpplib.client.Client("127.0.0.1", port, timeout=30, allow_unknown_opt_params=True)
    answered = 0

    def sent(pdu: object) -> None:
        nonlocal answered
        answered += 1

    client.set_message_sent_handler(sent)
    client.connect()
    client.bind_transceiver(system_id="bench", password="bench")  # noqa: S106
    started = time.perf_counter()
    for start in range(0, messages, batch):
        count = min(batch, messages - start)
        for i in range(start, start + count):
            client.send_message(
                source_addr="MOH",
                destination_addr=f"22507{i:08d}",
                short_message=TEXT,
                registered_delivery=0,
            )
        while answered < start + count:
            client.read_once()
    elapsed = time.perf_counter() - started
    client.unbind()
    client.disconnect()
    return messages / elapsed


async def aiosmpplib_run(port: int, messages: int) -> float:
    import logging

    from aiosmpplib import ESME, AbstractHook, PhoneNumber, SubmitSm
    from aiosmpplib.broker import SimpleBroker

    done = asyncio.Event()
    answered = 0

    class Hook(AbstractHook):
        async def sending(self, smpp_message: object, pdu: bytes, client_id: str) -> None:
            return None

        async def received(self, smpp_message: object, pdu: bytes, client_id: str) -> None:
            nonlocal answered
            # Counted from the PDU's header: an answer its correlator could not match comes
            # without a message object.
            if pdu[4:8] == SUBMIT_SM_RESP:
                answered += 1
                if answered == messages:
                    done.set()

        async def send_error(self, smpp_message: object, error: Exception, client_id: str) -> None:
            return None

    broker = SimpleBroker(maxsize=messages + 10)
    for i in range(messages):
        await broker.enqueue(
            SubmitSm(
                short_message=TEXT.decode(),
                source=PhoneNumber("MOH"),
                destination=PhoneNumber(f"22507{i:08d}"),
                registered_delivery=0,
                log_id=str(i),
            )
        )
    esme = ESME(
        "127.0.0.1",
        port,
        "bench",
        "bench",
        broker=broker,
        hook=Hook(),
        log_level=logging.CRITICAL,
        log_handler=logging.NullHandler(),
    )
    started = time.perf_counter()
    task = asyncio.ensure_future(esme.start())
    await asyncio.wait_for(done.wait(), 120)
    elapsed = time.perf_counter() - started
    await esme.stop()
    task.cancel()
    await asyncio.gather(task, return_exceptions=True)
    return messages / elapsed


def codec_rate(kind: str, count: int) -> float:
    if kind == "ours":

        def once(i: int) -> None:
            raw = P.encode(
                P.SubmitSm(
                    sequence=i + 1,
                    source_addr="MOH",
                    destination_addr="2250701020304",
                    short_message=TEXT,
                )
            )
            P.decode(raw)

    else:
        import smpplib.smpp

        class Sequencer:
            sequence = 0

            def next_sequence(self) -> int:
                self.sequence += 1
                return self.sequence

        client = Sequencer()

        def once(i: int) -> None:
            raw = smpplib.smpp.make_pdu(
                "submit_sm",
                client=client,
                source_addr="MOH",
                destination_addr="2250701020304",
                short_message=TEXT,
            ).generate()
            smpplib.smpp.parse_pdu(raw, client=client, allow_unknown_opt_params=True)

    started = time.perf_counter()
    for i in range(count):
        once(i)
    return count / (time.perf_counter() - started)


def receipt_rate(kind: str, count: int) -> float:
    raw = R.format_receipt_text(
        "A0000001", "DELIVRD", submit_date="2611301200", done_date="2611301201", text="Cholera"
    )
    read = (
        R.parse_receipt_text
        if kind == "one match"
        else (lambda b: R._parse_fields(b.decode("latin-1")))
    )
    started = time.perf_counter()
    for _ in range(count):
        read(raw)
    return count / (time.perf_counter() - started)


def median_of(repeat: int, measure: Callable[[], float]) -> tuple[float, list[float]]:
    runs = [measure() for _ in range(repeat)]
    return statistics.median(runs), runs


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--messages", type=int, default=10000)
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()
    n, repeat = args.messages, args.repeat
    print(
        f"machine: {os.cpu_count()} cores, Python {platform.python_version()}, "
        f"{platform.platform()}; {n} messages per run, median of {repeat}"
    )
    process, port = start_simulator()
    rows: list[tuple[str, float, list[float]]] = []

    def row(label: str, measure: Callable[[], float]) -> None:
        try:
            median, runs = median_of(repeat, measure)
        except Exception as error:  # a library that cannot drive the simulator: say so
            print(f"{label:<44} failed: {type(error).__name__}: {error}"[:200], flush=True)
            return
        rows.append((label, median, runs))
        print(
            f"{label:<44} {median:>10,.0f} msg/s  runs: " + ", ".join(f"{r:,.0f}" for r in runs),
            flush=True,
        )

    try:
        naive_n = max(500, n // 5)
        row("naive baseline (window 1, one at a time)", lambda: asyncio.run(naive(port, naive_n)))
        for binds in (1, 2):
            for window in (10, 50, 100):
                row(
                    f"ours, window {window}, {binds} bind(s)",
                    lambda w=window, b=binds: asyncio.run(ours(port, n, w, b, False)),
                )
        row(
            "ours, window 100, 2 binds, receipts on",
            lambda: asyncio.run(ours(port, n, 100, 2, True)),
        )
        row("smpplib, one at a time", lambda: smpplib_run(port, naive_n, 1))
        row("smpplib, pipelined 100 at a time", lambda: smpplib_run(port, n, 100))
        row("aiosmpplib (broker, no window)", lambda: asyncio.run(aiosmpplib_run(port, naive_n)))
    finally:
        process.terminate()
        process.wait(timeout=30)

    baseline = rows[0][1]
    print("\nratios to the naive baseline:")
    for label, median, _ in rows[1:]:
        print(f"  {label:<44} ×{median / baseline:,.1f}")

    print("\ncodec: submit_sm encoded + decoded per second")
    ours_codec, ours_runs = median_of(repeat, lambda: codec_rate("ours", 50_000))
    theirs, their_runs = median_of(repeat, lambda: codec_rate("smpplib", 50_000))
    print(f"  ours     {ours_codec:>10,.0f}/s  runs: " + ", ".join(f"{r:,.0f}" for r in ours_runs))
    print(f"  smpplib  {theirs:>10,.0f}/s  runs: " + ", ".join(f"{r:,.0f}" for r in their_runs))
    print(f"  ratio    ×{ours_codec / theirs:,.1f}")

    print("\nreceipt text read per second (the simulator's receipt)")
    rates = {
        k: median_of(repeat, lambda k=k: receipt_rate(k, 50_000))
        for k in ("one match", "key by key")
    }
    for kind, (median, runs) in rates.items():
        print(f"  {kind:<10} {median:>10,.0f}/s  runs: " + ", ".join(f"{r:,.0f}" for r in runs))
    print(f"  ratio      ×{rates['one match'][0] / rates['key by key'][0]:,.1f}")


if __name__ == "__main__":
    main()
