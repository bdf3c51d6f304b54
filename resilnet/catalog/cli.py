"""`resilnet catalog …`: import, export and index maintenance from the command line."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import IO, Any

from resilnet.catalog import importers
from resilnet.core.cli import CommandFailed, progress_bar, setup_django


def cmd_import(args: argparse.Namespace) -> int:
    setup_django()
    from resilnet.catalog import services
    from resilnet.catalog.importers.base import ImportFormatError

    mapping = {}
    for pair in args.map:
        source, sep, target = pair.partition("=")
        if not sep:
            raise CommandFailed(f"--map takes SOURCE=TARGET, not {pair!r}", status=2)
        mapping[source] = target
    path = Path(args.file)
    if not path.is_file():
        raise CommandFailed(f"{path} does not exist or is not a file", status=2)
    if args.rejected and not Path(args.rejected).parent.is_dir():
        raise CommandFailed(f"--rejected: the folder of {args.rejected} does not exist", status=2)
    try:
        with path.open("rb") as stream:
            parsed = importers.parse(stream, args.format, mapping)
    except ImportFormatError as exc:
        raise CommandFailed(f"{path}: {exc}", status=2) from None
    try:
        with progress_bar("importing", total=len(parsed.candidates)) as update:
            report = services.import_records(
                None, parsed, mode=args.mode, dry_run=args.dry_run, progress=update
            )
    except services.ImportIncomplete as exc:
        raise CommandFailed(str(exc)) from None
    for error in report.rejected[:200]:
        print(f"row {error.row}, {error.column or '(row)'}: {error.reason}")
    if len(report.rejected) > 200:
        print(f"… and {len(report.rejected) - 200} more rejected rows")
    if args.rejected and report.rejected:
        try:
            Path(args.rejected).write_text(report.rejected_rows_csv(), encoding="utf-8")
        except OSError as exc:
            raise CommandFailed(f"cannot write {args.rejected}: {exc.strerror}") from None
        print(f"rejected rows written to {args.rejected}")
    valid = len(parsed.candidates) - len(
        {e.row for e in report.rejected} - {e.row for e in parsed.errors}
    )
    if report.written:
        print(
            f"{report.created} created, {report.updated} updated, {report.unchanged} unchanged, "
            f"{len(report.rejected)} rejected"
        )
    elif report.dry_run:
        print(f"dry run: {valid} valid, {len(report.rejected)} rejected; nothing written")
    else:
        print(f"{len(report.rejected)} rejected; nothing written (all-or-nothing)")
    return 1 if report.rejected else 0


def cmd_export(args: argparse.Namespace) -> int:
    setup_django()
    from resilnet.catalog import exports, selectors

    out: IO[str]
    out = open(args.output, "w", encoding="utf-8", newline="") if args.output else sys.stdout
    try:
        records = selectors.published().order_by("id")
        count = (exports.write_csv if args.format == "csv" else exports.write_json)(records, out)
    finally:
        if args.output:
            out.close()
    print(f"{count} records exported", file=sys.stderr)
    return 0


def cmd_reindex(args: argparse.Namespace) -> int:
    setup_django()
    from resilnet.catalog import services

    count = services.reindex_all()
    print(f"{count} published records indexed")
    return 0


def cmd_check_index(args: argparse.Namespace) -> int:
    setup_django()
    from resilnet.catalog.search import consistency_report

    report = consistency_report()
    if report["missing"] or report["stale"]:
        print(
            f"index out of step: {len(report['missing'])} missing, {len(report['stale'])} stale; "
            "run `resilnet catalog reindex`"
        )
        return 1
    print("index consistent with the published records")
    return 0


def cmd_finish_imports(args: argparse.Namespace) -> int:
    from datetime import timedelta

    if not 0 <= args.quiet_minutes < 10**6:
        raise CommandFailed("--quiet-minutes must be between 0 and 1,000,000", status=2)
    setup_django()

    from resilnet.catalog import services

    done = services.finish_imports(quiet_for=timedelta(minutes=args.quiet_minutes))
    print(f"{done['finished']} interrupted imports finished, {done['discarded']} discarded")
    return 0


def cmd_collect_files(args: argparse.Namespace) -> int:
    from datetime import timedelta

    if not 0 <= args.min_age_hours < 10**6:
        raise CommandFailed("--min-age-hours must be between 0 and 1,000,000", status=2)
    setup_django()
    from resilnet.catalog import services

    found = services.collect_attachment_files(
        older_than=timedelta(hours=args.min_age_hours), dry_run=args.dry_run
    )
    for path, size in found:
        print(f"{path}\t{size}")
    verb = "would delete" if args.dry_run else "deleted"
    total = sum(size for _, size in found)
    print(f"{verb} {len(found)} unused attachment files, {total:,} bytes")
    return 0


def register(sub: Any) -> None:
    catalog = sub.add_parser("catalog", help="Catalog tools.", description="Catalog tools.")
    commands = catalog.add_subparsers(dest="catalog_command", required=True, metavar="COMMAND")

    p = commands.add_parser(
        "import",
        help="Import records from a file.",
        description="Validate and import records. Exit 0: nothing rejected; 1: rows rejected; "
        "2: unusable input.",
    )
    p.add_argument("file")
    p.add_argument("--format", choices=list(importers.FORMATS), required=True)
    p.add_argument("--dry-run", action="store_true", help="validate only; write nothing")
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
        help="rename a column (csv, xlsx, json); repeat for several; TARGET empty ignores it",
    )
    p.add_argument("--rejected", metavar="PATH", help="write the rejected rows to this CSV file")
    p.set_defaults(handler=cmd_import)

    p = commands.add_parser(
        "finish-imports",
        help="Finish interrupted imports.",
        description="Apply the rest of each import that stopped after its commit point "
        "(a crash, a database error) and discard those that stopped before it. The worker "
        "does this every two minutes.",
    )
    p.add_argument(
        "--quiet-minutes",
        type=float,
        default=2.0,
        help="take an import as stopped once it has written nothing for this long (2)",
    )
    p.set_defaults(handler=cmd_finish_imports)

    p = commands.add_parser(
        "export",
        help="Export the published catalog.",
        description="Export the published catalog as CSV or JSON.",
    )
    p.add_argument("--format", choices=("csv", "json"), default="csv")
    p.add_argument("--output", help="file to write (default: standard output)")
    p.set_defaults(handler=cmd_export)

    p = commands.add_parser(
        "reindex",
        help="Rebuild the full-text index.",
        description="Rebuild the full-text index from the published records.",
    )
    p.set_defaults(handler=cmd_reindex)

    p = commands.add_parser(
        "check-index",
        help="Compare the index with the records.",
        description="Exit 1 if the full-text index and the records differ.",
    )
    p.set_defaults(handler=cmd_check_index)

    p = commands.add_parser(
        "collect-files",
        help="Delete attachment files that no attachment uses.",
        description="Delete stored attachment files that no attachment names (left by "
        "deleted records or interrupted uploads). Files newer than --min-age-hours stay.",
    )
    p.add_argument("--dry-run", action="store_true", help="list them; delete nothing")
    p.add_argument(
        "--min-age-hours", type=float, default=1.0, help="keep files newer than this (1)"
    )
    p.set_defaults(handler=cmd_collect_files)
