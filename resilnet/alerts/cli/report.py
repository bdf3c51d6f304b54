"""`resilnet alerts report ALERT_ID [--csv]`: an alert's campaign figures, or every
message as CSV on standard output (numbers masked). A stable interface."""

from __future__ import annotations

import argparse
import sys
from typing import Any

from resilnet.core.cli import CommandFailed, setup_django


def cmd_report(args: argparse.Namespace) -> int:
    setup_django()
    from resilnet.alerts import reports
    from resilnet.core.exports import write_csv

    campaign = reports.campaign_of(args.alert_id)
    if campaign is None:
        raise CommandFailed(f"alert {args.alert_id} has no SMS campaign", status=2)
    if args.csv:
        write_csv(sys.stdout, reports.CSV_HEADER, reports.csv_rows(campaign))
        return 0
    figures = reports.campaign_report(campaign)
    rate = f"{figures.rate:.1f} msg/s" if figures.rate else "-"
    lines = [
        f"alert {campaign.alert.identifier}: campaign {campaign.get_state_display().lower()}"
        + (" (test audience)" if campaign.test else ""),
        f"targeted {figures.targeted}  pending {figures.pending}  submitted {figures.submitted}"
        f"  delivered {figures.delivered}  failed {figures.failed}"
        f"  maybe duplicates {figures.maybe_duplicates}  send rate {rate}",
    ]
    lines += [
        f"  failed {r['state']}: {r['reason'] or '-'}: {r['n']}" for r in figures.failed_by_reason
    ]
    for dimension, rows in figures.breakdowns.items():
        lines.append(f"per {dimension}:")
        lines += [
            f"  {row['label']}: targeted {row['targeted']} submitted {row['submitted']}"
            f" delivered {row['delivered']} failed {row['failed']}"
            for row in rows
        ]
    print("\n".join(lines))
    return 0


def add_commands(commands: Any) -> None:
    p = commands.add_parser("report", help="An alert's SMS campaign report (--csv: every message).")
    p.add_argument("alert_id", type=int, metavar="ALERT_ID")
    p.add_argument("--csv", action="store_true", help="every message as CSV, numbers masked")
    p.set_defaults(handler=cmd_report)
