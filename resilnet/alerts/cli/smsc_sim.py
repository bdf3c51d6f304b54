"""`resilnet smsc-sim`: the SMPP 3.4 SMSC simulator as a process of its own, until stopped."""

from __future__ import annotations

import argparse
import asyncio
import signal
from typing import Any

from resilnet.core.cli import CommandFailed


def cmd_smsc_sim(args: argparse.Namespace) -> int:
    from resilnet.alerts.smsc.simulator import (
        SimulatorConfig,
        SmscSimulator,
        parse_accounts,
        parse_outcomes,
    )

    try:
        config = SimulatorConfig(
            host=args.host,
            port=args.port,
            control_port=None if args.control_port < 0 else args.control_port,
            accounts=parse_accounts(args.accounts),
            tps=args.tps,
            dlr_delay=args.dlr_delay,
            dlr_outcomes=parse_outcomes(args.dlr_outcomes),
            fail_rate=args.fail_rate,
            msgqful_rate=args.msgqful_rate,
            seed=args.seed,
            response_delay=args.response_delay,
        )
    except ValueError as exc:
        raise CommandFailed(str(exc), status=2) from None

    async def run() -> None:
        sim = SmscSimulator(config)
        try:
            await sim.start()
        except OSError as exc:
            raise CommandFailed(f"cannot listen on {args.host}:{args.port}: {exc}") from None
        loop = asyncio.get_running_loop()
        stop = asyncio.Event()
        for signum in (signal.SIGINT, signal.SIGTERM):
            loop.add_signal_handler(signum, stop.set)
        control = "" if sim.control_port is None else f", control 127.0.0.1:{sim.control_port}"
        # One line that scripts read to learn the ports (--port 0 picks a free one).
        print(f"smsc-sim listening on {args.host}:{sim.port}{control}", flush=True)
        try:
            if args.run_for:
                await asyncio.wait_for(stop.wait(), args.run_for)
            else:
                await stop.wait()
        except TimeoutError:
            pass
        finally:
            await sim.stop()
            print(f"smsc-sim stopped: {sim.counters}", flush=True)

    asyncio.run(run())
    return 0


def _rate(text: str) -> float:
    value = float(text)
    if not 0 <= value <= 1:
        raise argparse.ArgumentTypeError(f"{text}: a rate between 0 and 1")
    return value


def add_commands(sub: Any) -> None:
    """Top-level commands: `sub` is the `resilnet` command's own subparsers."""
    p = sub.add_parser(
        "smsc-sim",
        help="Run an SMPP 3.4 SMSC simulator (for the demo, tests and benchmarks).",
        description="An SMPP 3.4 SMSC on loopback: accounts, a messages-per-second cap "
        "answered with ESME_RTHROTTLED, injected errors, delivery receipts after a delay. "
        "A JSON-lines control port on 127.0.0.1 takes one object per line: "
        '{"action": "counters"}, {"action": "drop"} (optionally "bind": "receiver"), '
        '{"action": "mo", "source": MSISDN, "destination": CODE, "text": "STOP"}, '
        '{"action": "set", "tps": N, "fail_rate": R, "msgqful_rate": R}. '
        "Stops on SIGINT or SIGTERM.",
    )
    p.set_defaults(handler=cmd_smsc_sim)
    p.add_argument("--host", default="127.0.0.1", help="address to listen on (%(default)s)")
    p.add_argument("--port", type=int, default=2775, help="SMPP port; 0: any free one")
    p.add_argument(
        "--control-port",
        type=int,
        default=0,
        help="JSON-lines control port on 127.0.0.1; 0: any free one (printed); -1: none",
    )
    p.add_argument("--tps", type=float, default=None, help="messages per second per account")
    p.add_argument("--dlr-delay", type=float, default=1.0, help="seconds before a receipt")
    p.add_argument(
        "--accounts", default="resilnet:resilnet", help="system_id:password,… (%(default)s)"
    )
    p.add_argument("--fail-rate", type=_rate, default=0.0, help="share refused for good")
    p.add_argument("--msgqful-rate", type=_rate, default=0.0, help="share answered MSGQFUL")
    p.add_argument(
        "--dlr-outcomes",
        default="delivered=1",
        help="receipt outcomes and their shares, e.g. delivered=0.95,undeliverable=0.05",
    )
    p.add_argument(
        "--response-delay", type=float, default=0.0, help="seconds before answering (a slow SMSC)"
    )
    p.add_argument("--seed", type=int, default=None, help="seed of the random draws")
    p.add_argument("--run-for", type=float, default=None, help="stop after this many seconds")
