"""`resilnet alerts …`, plus the module's long-running services as top-level commands
(`resilnet smsc-sim`, `resilnet dispatcher`). Each file adds its own commands."""

from __future__ import annotations

from typing import Any

from resilnet.alerts.cli import audiences, dispatcher, report, smsc_sim


def register(sub: Any) -> None:
    alerts = sub.add_parser("alerts", help="Health alerts: operators, subscribers, reports.")
    commands = alerts.add_subparsers(dest="alerts_command", required=True, metavar="COMMAND")
    audiences.add_commands(commands)  # each file of this package adds its commands
    report.add_commands(commands)
    smsc_sim.add_commands(sub)  # top-level: resilnet smsc-sim
    dispatcher.add_commands(sub)  # top-level: resilnet dispatcher
