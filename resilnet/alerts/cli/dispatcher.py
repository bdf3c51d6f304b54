"""`resilnet dispatcher`: submits queued alert messages to the operators' SMSCs."""

from __future__ import annotations

import argparse
import asyncio
import functools
import logging
import math
import os
import signal
import socket
import sys
from datetime import timedelta
from typing import TYPE_CHECKING, Any

from resilnet.core.cli import CommandFailed, setup_django

if TYPE_CHECKING:
    from resilnet.alerts.dispatch.engine import DispatcherOptions


def cmd_dispatcher(args: argparse.Namespace) -> int:
    setup_django()
    from resilnet.alerts import selectors
    from resilnet.alerts.dispatch.engine import Dispatcher

    options = dispatcher_options(args)
    if args.operator and selectors.operator_by_name(args.operator) is None:
        raise CommandFailed(f"--operator: no operator named {args.operator!r}", status=2)
    if not logging.getLogger().handlers:
        logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(message)s")

    async def run() -> int:
        dispatcher = Dispatcher(options)
        loop = asyncio.get_running_loop()
        for signum in (signal.SIGINT, signal.SIGTERM):
            loop.add_signal_handler(signum, dispatcher.stop)
        print(f"dispatcher {options.worker} started", flush=True)
        status = await dispatcher.run()
        for runner in dispatcher.runners.values():
            print(f"operator {runner.name}: {runner.stats}", flush=True)
        for error in dispatcher.errors:
            print(f"error: {error}", file=sys.stderr, flush=True)
        return status

    return asyncio.run(run())


def dispatcher_options(args: argparse.Namespace) -> DispatcherOptions:
    """The dispatcher's options from its command line, checked together."""
    from resilnet.alerts.dispatch.engine import DispatcherOptions

    if args.db_retry_first > args.db_retry_longest:
        raise CommandFailed(
            f"--db-retry-first: {args.db_retry_first:g} s is longer than "
            f"--db-retry-longest ({args.db_retry_longest:g} s)",
            status=2,
        )
    return DispatcherOptions(
        worker=args.worker_id or f"{socket.gethostname()}:{os.getpid()}",
        operator=args.operator,
        batch=args.batch,
        lease=timedelta(seconds=args.lease),
        until_idle=args.until_idle,
        receipt_timeout=args.receipt_timeout,
        max_attempts=args.max_attempts,
        retry_db_after=(args.db_retry_first, args.db_retry_longest),
        stop_write_timeout=args.stop_write_timeout,
    )


def _positive(text: str) -> int:
    value = int(text)
    if value < 1:
        raise argparse.ArgumentTypeError(f"{text}: at least 1")
    return value


def _seconds(text: str, *, zero: bool = False) -> float:
    """A number of seconds above 0, or from 0 with `zero` (not nan, not infinite)."""
    value = float(text)
    if not math.isfinite(value) or value < 0 or (value == 0 and not zero):
        least = "0 or more" if zero else "above 0"
        raise argparse.ArgumentTypeError(f"{text}: a number of seconds {least}")
    return value


_seconds_or_zero = functools.partial(_seconds, zero=True)


def add_commands(sub: Any) -> None:
    """Top-level command: `sub` is the `resilnet` command's own subparsers."""
    p = sub.add_parser(
        "dispatcher",
        help="Send queued alert SMS to the operators' SMSCs over SMPP.",
        description="Claims queued messages in leased batches and submits them over SMPP "
        "to every enabled operator (or one), records submit outcomes, delivery receipts and "
        "STOP replies. Several dispatchers can share the work. Stops on SIGINT or SIGTERM.",
    )
    p.set_defaults(handler=cmd_dispatcher)
    p.add_argument("--operator", metavar="NAME", help="serve only this operator")
    p.add_argument("--worker-id", metavar="ID", help="name of this dispatcher (host:pid)")
    p.add_argument(
        "--until-idle",
        action="store_true",
        help="exit once nothing is left to send and the last receipts are in",
    )
    p.add_argument("--batch", type=_positive, default=500, help="messages per claim (500)")
    p.add_argument("--lease", type=_positive, default=60, help="seconds a claim is held (60)")
    p.add_argument(
        "--max-attempts",
        type=_positive,
        default=5,
        help="a message without a valid answer this many times fails (5)",
    )
    p.add_argument(
        "--receipt-timeout",
        type=_seconds_or_zero,
        default=30.0,
        help="--until-idle: seconds to wait for missing receipts (30)",
    )
    p.add_argument(
        "--db-retry-first",
        type=_seconds,
        default=0.1,
        metavar="SECONDS",
        help="a failing database call is tried again after this pause, doubling (0.1)",
    )
    p.add_argument(
        "--db-retry-longest",
        type=_seconds,
        default=5.0,
        metavar="SECONDS",
        help="the longest pause between those attempts (5)",
    )
    p.add_argument(
        "--stop-write-timeout",
        type=_seconds_or_zero,
        default=10.0,
        metavar="SECONDS",
        help="at stop, how long a failing write of the outcomes and receipts held is tried "
        "again before they are given up (their messages are then taken over as after a "
        "crash) (10)",
    )
