"""`resilnet schools import FILE`, `delete-school` and `finish-imports`: the school registry
from the command line."""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import Any

from resilnet.core.cli import CommandFailed, progress_bar, setup_django

SHOWN_FINDINGS = 50


def cmd_import(args: argparse.Namespace) -> int:
    setup_django()
    from django.core.exceptions import ValidationError

    from resilnet.schools import importers
    from resilnet.schools.importers.base import ImportFormatError, parse_mapping
    from resilnet.schools.services import registry

    path = Path(args.file)
    if not path.is_file():
        raise CommandFailed(f"{path} does not exist or is not a file", status=2)
    if args.report and not Path(args.report).resolve().parent.is_dir():
        raise CommandFailed(f"--report: the folder of {args.report} does not exist", status=2)
    try:
        mapping = parse_mapping(args.map)
        file_format = args.format or importers.format_of(path.name)
        with path.open("rb") as stream, progress_bar("checking and importing") as update:
            source = importers.read(stream, file_format, mapping)
            report = registry.import_schools(
                None,
                source,
                country=args.country,
                mode=args.mode,
                dry_run=args.dry_run,
                progress=lambda done, total, phase: update(done, total),
                source_name=path.name,
            )
    except ImportFormatError as exc:
        raise CommandFailed(f"{path}: {exc}", status=2) from None
    except ValidationError as exc:
        raise CommandFailed(" ".join(exc.messages), status=2) from None
    except registry.ImportIncomplete as exc:
        raise CommandFailed(str(exc)) from None
    for note in report.notes:
        print(f"note: {note}")
    for finding in report.findings[:SHOWN_FINDINGS]:
        print(
            f"row {finding.row}, {finding.column or '(row)'}: {finding.severity}: {finding.message}"
        )
    if len(report.findings) > SHOWN_FINDINGS:
        print(f"… and {len(report.findings) - SHOWN_FINDINGS:,} more findings")
    print(
        f"{report.total:,} rows: {report.rejected:,} rejected; "
        f"{report.errors:,} errors, {report.warnings:,} warnings"
    )
    if args.report:
        try:
            Path(args.report).write_text(report.findings_csv(), encoding="utf-8")
        except OSError as exc:
            raise CommandFailed(f"cannot write {args.report}: {exc.strerror}") from None
        print(f"data-quality report written to {args.report}")
    if report.written:
        print(
            f"{report.created:,} created, {report.updated:,} updated, "
            f"{report.unchanged:,} unchanged"
        )
    elif report.dry_run:
        print("dry run: nothing written")
    else:
        print("nothing written (all-or-nothing)")
    return 1 if report.rejected else 0


def cmd_delete_school(args: argparse.Namespace) -> int:
    setup_django()
    from resilnet.schools.models import School
    from resilnet.schools.services import registry

    school = School.objects.filter(
        country__iso3=args.country.upper(),
        school_id_giga=args.school_id_giga,
        deleted_at__isnull=True,
    ).first()
    if school is None:
        raise CommandFailed(f"no live school {args.school_id_giga!r} in {args.country}", status=2)
    registry.do_delete_school(None, school, reason=args.reason)
    print(f"deleted {school.school_name} ({school.school_id_giga})")
    return 0


def cmd_finish_imports(args: argparse.Namespace) -> int:
    setup_django()
    from resilnet.schools.services import registry

    done = registry.finish_school_imports()
    print(f"{done['finished']} imports finished, {done['discarded']} discarded")
    return 0


def add_commands(commands: Any) -> None:
    from resilnet.schools.importers import FORMATS

    p = commands.add_parser(
        "import",
        help="Import a school master file (CSV, XLSX, GeoJSON, Parquet).",
        description="Check a school master file into a data-quality report and import it. "
        "Exit 0: clean; 1: rows rejected; 2: unusable input.",
    )
    p.add_argument("file")
    p.add_argument("--country", metavar="ISO3", help="the country of rows without a country column")
    p.add_argument("--format", choices=list(FORMATS), help="default: from the file's suffix")
    p.add_argument("--dry-run", action="store_true", help="check only; write nothing")
    p.add_argument(
        "--mode",
        choices=("all-or-nothing", "valid-rows"),
        default="all-or-nothing",
        help="on rejected rows, import nothing (default) or the valid rows",
    )
    p.add_argument(
        "--map",
        action="append",
        default=[],
        metavar="SOURCE=TARGET",
        help="read the file's column SOURCE as TARGET; repeat for several",
    )
    p.add_argument(
        "--report", metavar="PATH", help="write the data-quality report to this CSV file"
    )
    p.set_defaults(handler=cmd_import)

    p = commands.add_parser("delete-school", help="Delete a school (soft deletion).")
    p.add_argument("country", metavar="ISO3")
    p.add_argument("school_id_giga")
    p.add_argument("--reason", default="")
    p.set_defaults(handler=cmd_delete_school)

    p = commands.add_parser(
        "finish-imports", help="Finish school imports that stopped after their commit point."
    )
    p.set_defaults(handler=cmd_finish_imports)
