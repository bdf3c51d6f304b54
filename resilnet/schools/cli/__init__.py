"""`resilnet schools …`: imports, roll-ups and device keys from the command line.

Each file of this package adds its commands to the group (`add_commands(commands)`)."""

from __future__ import annotations

from typing import Any

from resilnet.schools.cli import areas, measurements, registry


def register(sub: Any) -> None:
    schools = sub.add_parser("schools", help="School registry tools.", description="School tools.")
    commands = schools.add_subparsers(dest="schools_command", required=True, metavar="COMMAND")
    registry.add_commands(commands)
    measurements.add_commands(commands)
    areas.add_commands(commands)
