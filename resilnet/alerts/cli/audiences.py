"""`resilnet alerts operator add|list|update` and `resilnet alerts subscribers
import|finish-imports|stop`: operators and the subscriber registry from the command line."""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import Any

from resilnet.core.cli import CommandFailed, progress_bar, setup_django

SHOWN_REJECTIONS = 30
# --bind-mode: the short names, and the stored values (accepted as they always were).
BIND_MODES = {
    "trx": "transceiver",
    "tx-rx": "tx+rx",
    "transceiver": "transceiver",
    "tx+rx": "tx+rx",
}


def _validation_failed(exc: Any) -> CommandFailed:
    messages = getattr(exc, "message_dict", None)
    if messages:
        text = " ".join(f"{field}: {' '.join(msgs)}" for field, msgs in messages.items())
    else:
        text = " ".join(exc.messages)
    return CommandFailed(text, status=2)


def _operator_values(args: argparse.Namespace) -> dict[str, Any]:
    names = ("host", "port", "system_id", "password", "system_type", "tps", "binds", "window")
    values = {name: getattr(args, name) for name in names if getattr(args, name) is not None}
    if args.bind_mode is not None:
        values["bind_mode"] = BIND_MODES[args.bind_mode]
    if args.test is not None:
        values["is_test"] = args.test
    if args.enabled is not None:
        values["enabled"] = args.enabled
    return values


def cmd_operator_add(args: argparse.Namespace) -> int:
    setup_django()
    from django.core.exceptions import ValidationError

    from resilnet.alerts.services import audiences

    try:
        operator = audiences.do_add_operator(None, name=args.name, **_operator_values(args))
    except ValidationError as exc:
        raise _validation_failed(exc) from None
    print(
        f"operator {operator.name} added: {operator.host}:{operator.port}, "
        f"{operator.tps} msg/s, {operator.binds} {operator.bind_mode} bind(s), "
        f"window {operator.window}"
    )
    return 0


def cmd_operator_update(args: argparse.Namespace) -> int:
    setup_django()
    from django.core.exceptions import ValidationError

    from resilnet.alerts import selectors
    from resilnet.alerts.services import audiences

    operator = selectors.operator_by_name(args.name)
    if operator is None:
        raise CommandFailed(f"no operator named {args.name!r}", status=2)
    try:
        audiences.do_update_operator(None, operator, **_operator_values(args))
    except ValidationError as exc:
        raise _validation_failed(exc) from None
    print(f"operator {operator.name} updated")
    return 0


def cmd_operator_list(args: argparse.Namespace) -> int:
    setup_django()
    from resilnet.alerts import selectors

    print(
        f"{'name':20} {'SMSC':28} {'msg/s':>6} {'binds':>5} {'window':>6} {'mode':12} subscribers"
    )
    for op in selectors.operators():
        flags = ("" if op.enabled else " (disabled)") + (" (test)" if op.is_test else "")
        print(
            f"{op.name[:20]:20} {f'{op.host}:{op.port}'[:28]:28} {op.tps:>6} {op.binds:>5} "
            f"{op.window:>6} {op.bind_mode:12} {op.active:,}{flags}"  # type: ignore[attr-defined]
        )
    return 0


def cmd_import(args: argparse.Namespace) -> int:
    setup_django()
    from django.core.exceptions import ValidationError

    from resilnet.alerts import importers
    from resilnet.alerts.services import audiences

    path = Path(args.file)
    if not path.is_file():
        raise CommandFailed(f"{path} does not exist or is not a file", status=2)
    if args.report and not Path(args.report).resolve().parent.is_dir():
        raise CommandFailed(f"--report: the folder of {args.report} does not exist", status=2)
    try:
        file_format = args.format or importers.format_of(path.name)
        with path.open("rb") as stream, progress_bar("checking and importing") as update:
            report = audiences.do_import_subscribers(
                None,
                stream,
                file_format,
                region=args.region,
                operator=args.operator,
                language=args.language,
                consent_source=args.consent_source or "",
                mode=args.mode,
                test=args.test,
                progress=lambda done, total, phase: update(done, total),
                source_name=path.name,
            )
    except importers.SubscriberFileError as exc:
        raise CommandFailed(f"{path}: {exc}", status=2) from None
    except ValidationError as exc:
        raise _validation_failed(exc) from None
    except audiences.ImportIncomplete as exc:
        raise CommandFailed(str(exc)) from None
    for note in report.notes:
        print(f"note: {note}")
    for r in report.rejections[:SHOWN_REJECTIONS]:
        print(f"row {r.row}, {r.column or '(row)'}: {r.reason}")
    if report.rejected > SHOWN_REJECTIONS:
        print(f"… and {report.rejected - SHOWN_REJECTIONS:,} more rejected rows")
    print(f"{report.total:,} rows: {report.rejected:,} rejected")
    if args.report:
        try:
            Path(args.report).write_text(report.rejected_csv(), encoding="utf-8")
        except OSError as exc:
            raise CommandFailed(f"cannot write {args.report}: {exc.strerror}") from None
        print(f"rejected-rows report written to {args.report}")
    if report.written:
        print(
            f"{report.created:,} created, {report.updated:,} updated, "
            f"{report.unchanged:,} unchanged"
        )
    else:
        print("nothing written (all-or-nothing)")
    return 1 if report.rejected else 0


def cmd_finish_imports(args: argparse.Namespace) -> int:
    setup_django()
    from resilnet.alerts.services import audiences

    done = audiences.finish_subscriber_imports()
    print(f"{done['finished']} imports finished, {done['discarded']} discarded")
    return 0


def _add_operator_options(p: argparse.ArgumentParser, required: bool) -> None:
    p.add_argument("name")
    p.add_argument("--host", required=required, help="the SMSC's host name or IP address")
    p.add_argument("--port", type=int, required=required)
    p.add_argument("--system-id", required=required, help="the SMPP account (system_id)")
    p.add_argument("--password", required=required, help="the SMPP password (8 characters at most)")
    p.add_argument("--system-type", help="SMPP system_type, if the SMSC wants one")
    p.add_argument("--tps", type=int, help="messages per second the operator allows")
    p.add_argument("--binds", type=int, help="binds to open (1 to 16)")
    p.add_argument("--window", type=int, help="requests outstanding per bind (1 to 1000)")
    p.add_argument(
        "--bind-mode",
        choices=tuple(BIND_MODES),
        metavar="{trx,tx-rx}",
        help="per bind, one transceiver (trx, the default) or a transmitter and a receiver",
    )
    p.add_argument("--test", action=argparse.BooleanOptionalAction, default=None)
    p.add_argument("--enabled", action=argparse.BooleanOptionalAction, default=None)


def add_commands(commands: Any) -> None:
    operator = commands.add_parser("operator", help="Mobile operators and their SMSCs.")
    sub = operator.add_subparsers(dest="operator_command", required=True, metavar="COMMAND")
    p = sub.add_parser("add", help="Add an operator: where its SMSC is and how to bind.")
    _add_operator_options(p, required=True)
    p.set_defaults(handler=cmd_operator_add)
    p = sub.add_parser("update", help="Change an operator's settings.")
    _add_operator_options(p, required=False)
    p.set_defaults(handler=cmd_operator_update)
    p = sub.add_parser("list", help="List the operators.")
    p.set_defaults(handler=cmd_operator_list)

    subscribers = commands.add_parser("subscribers", help="The subscriber registry.")
    sub = subscribers.add_subparsers(dest="subscribers_command", required=True, metavar="COMMAND")
    p = sub.add_parser(
        "import",
        help="Import subscribers from a CSV or XLSX file.",
        description="Check a subscriber file and import it (numbers already registered are "
        "updated). Exit 0: clean; 1: rows rejected; 2: unusable input.",
    )
    p.add_argument("file")
    p.add_argument("--region", metavar="CC", help="country of the numbers (ISO alpha-2, e.g. KE)")
    p.add_argument("--operator", metavar="NAME", help="operator of rows without an operator column")
    p.add_argument("--language", default="en", help="language of rows without one (default en)")
    p.add_argument("--consent-source", help="consent source of rows without one")
    p.add_argument("--format", choices=("csv", "xlsx"), help="default: from the file's suffix")
    p.add_argument("--test", action="store_true", help="the rows are a test audience")
    p.add_argument(
        "--mode",
        choices=("all-or-nothing", "valid-rows"),
        default="all-or-nothing",
        help="on rejected rows, import nothing (default) or the valid rows",
    )
    p.add_argument("--report", metavar="PATH", help="write the rejected rows to this CSV file")
    p.set_defaults(handler=cmd_import)
    p = sub.add_parser("finish-imports", help="Finish imports stopped after their commit point.")
    p.set_defaults(handler=cmd_finish_imports)
