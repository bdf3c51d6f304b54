"""`resilnet schools device-key …`, `import-measurements`, `rollup`."""

from __future__ import annotations

import argparse
from datetime import date
from pathlib import Path
from typing import Any

from resilnet.core.cli import CommandFailed, progress_bar, setup_django


def _school(giga_id: str, iso3: str) -> Any:
    from resilnet.schools.models import School

    school = School.objects.filter(
        school_id_giga=giga_id, country__iso3=iso3.upper(), deleted_at=None
    ).first()
    if school is None:
        raise CommandFailed(f"no live school {giga_id!r} in {iso3.upper()!r}", status=2)
    return school


def cmd_key_issue(args: argparse.Namespace) -> int:
    setup_django()
    from django.core.exceptions import ValidationError

    from resilnet.schools.services import measurements

    school = _school(args.school_id_giga, args.country)
    try:
        secret = measurements.do_issue_device_key(None, school, args.label)
    except ValidationError as exc:
        raise CommandFailed("; ".join(exc.messages), status=2) from None
    key = school.device_keys.order_by("-pk").first()
    print(f"device key {key.pk} for {school.school_id_giga} ({school.school_name})")
    print(f"secret (shown once, store it now): {secret}")
    return 0


def cmd_key_revoke(args: argparse.Namespace) -> int:
    setup_django()
    from resilnet.schools.models import DeviceKey
    from resilnet.schools.services import measurements

    key = DeviceKey.objects.filter(pk=args.key_id).first()
    if key is None:
        raise CommandFailed(f"no device key with id {args.key_id}", status=2)
    measurements.do_revoke_device_key(None, key)
    print(f"device key {key.pk} revoked")
    return 0


def cmd_import(args: argparse.Namespace) -> int:
    setup_django()
    from resilnet.schools.services import measurement_files as files

    path = Path(args.file)
    if not path.is_file():
        raise CommandFailed(f"{path} does not exist or is not a file", status=2)
    try:
        with progress_bar("importing measurements") as update:
            report = files.import_measurement_file(
                path, country=args.country, partial=args.partial, progress=update
            )
    except files.UnusableFile as exc:
        raise CommandFailed(f"{path}: {exc}", status=2) from None
    for rejected in report.rejected[:200]:
        print(f"row {rejected.row}, {rejected.column}: {rejected.reason}")
    if report.rejected_count > 200:
        print(f"… and {report.rejected_count - 200} more rejected rows")
    if args.rejected and report.rejected:
        try:
            Path(args.rejected).write_text(report.rejected_rows_csv(), encoding="utf-8")
        except OSError as exc:
            raise CommandFailed(f"cannot write {args.rejected}: {exc.strerror}") from None
        print(f"rejected rows written to {args.rejected}")
    if report.written:
        print(
            f"{report.rows} rows: {report.new} new, {report.valid - report.new} already stored, "
            f"{report.rejected_count} rejected"
        )
    else:
        print(
            f"{report.rejected_count} rejected; nothing written (use --partial to write the rest)"
        )
    return 1 if report.rejected_count else 0


def cmd_rollup(args: argparse.Namespace) -> int:
    setup_django()
    from resilnet.schools.services import rollups

    days = None
    if args.date:
        try:
            days = [date.fromisoformat(args.date)]
        except ValueError:
            raise CommandFailed(f"--date takes YYYY-MM-DD, not {args.date!r}", status=2) from None
    with progress_bar("rolling up") as update:
        report = rollups.roll_up(days, progress=update)
    print(
        f"{len(report.days)} days and {len(report.weeks)} weeks rolled up; "
        f"{len(report.countries)} countries counted; "
        f"{report.schools_changed} school statuses changed"
    )
    return 0


def add_commands(commands: Any) -> None:
    keys = commands.add_parser("device-key", help="Issue or revoke a speed-test client's key.")
    key_commands = keys.add_subparsers(dest="key_command", required=True, metavar="ACTION")
    issue = key_commands.add_parser("issue", help="Issue a key for one school (shown once).")
    issue.add_argument("school_id_giga")
    issue.add_argument("--country", required=True, help="ISO 3166-1 alpha-3 code.")
    issue.add_argument("--label", default="", help="What the key is for.")
    issue.set_defaults(handler=cmd_key_issue)
    revoke = key_commands.add_parser("revoke", help="Revoke a key by its id.")
    revoke.add_argument("key_id", type=int)
    revoke.set_defaults(handler=cmd_key_revoke)

    imp = commands.add_parser(
        "import-measurements",
        help="Import measurements from CSV or Parquet.",
        description="Exit 0 when every row was valid, 1 when rows were rejected, "
        "2 when the file cannot be used.",
    )
    imp.add_argument("file")
    imp.add_argument("--country", help="ISO3 of every row, when the file has no country column.")
    imp.add_argument(
        "--partial",
        action="store_true",
        help="Write the valid rows even when some are rejected (default: all or nothing).",
    )
    imp.add_argument("--rejected", help="Write the rejected rows' report to this CSV file.")
    imp.set_defaults(handler=cmd_import)

    rollup = commands.add_parser(
        "rollup", help="Roll up measurements into daily and weekly statuses and counts."
    )
    rollup.add_argument("--date", help="Roll up this day (YYYY-MM-DD) instead of the marked days.")
    rollup.set_defaults(handler=cmd_rollup)
