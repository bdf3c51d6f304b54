"""Importing subscribers: the import service (bounded transactions, bulk writes) against
a naive baseline (one normalisation and one ORM save per row) on the same synthetic
rows, in one run. Prints rows per second of each (median of --runs) and their ratio.

    .venv/bin/python bench/alerts_subscribers_import.py --rows 1000000 --baseline-rows 20000

The baseline runs on fewer rows (its rate does not depend on the count); each run starts
from an empty registry in a fresh SQLite database (or RESILNET_DATABASE_URL).
"""

from __future__ import annotations

import argparse
import io
import os
import statistics
import sys
import tempfile
import time

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "resilnet.settings")
os.environ.setdefault("RESILNET_VAR_DIR", tempfile.mkdtemp(prefix="bench-subscribers-"))


def synthetic_csv(rows: int) -> bytes:
    lines = ["msisdn,language"]
    languages = ("en", "fr", "ar", "es", "ru", "zh-hans")
    for i in range(rows):
        lines.append(f"07{(12_000_000 + i * 7) % 100_000_000:08d},{languages[i % 6]}")
    return ("\n".join(lines) + "\n").encode()


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--rows", type=int, default=1_000_000)
    parser.add_argument("--baseline-rows", type=int, default=20_000)
    parser.add_argument("--runs", type=int, default=3)
    args = parser.parse_args()
    import django

    django.setup()
    from django.core.management import call_command

    call_command("migrate", verbosity=0)
    from resilnet.alerts.models import Operator, Subscriber
    from resilnet.alerts.numbers import to_e164
    from resilnet.alerts.services import audiences

    if not Operator.objects.exists():
        audiences.do_add_operator(
            None,
            name="Bench",
            host="127.0.0.1",
            port=2775,
            system_id="b",
            password="b",  # noqa: S106
        )
    operator = Operator.objects.get(name="Bench")
    data = synthetic_csv(args.rows)
    small = synthetic_csv(args.baseline_rows)

    def service() -> float:
        Subscriber.objects.all().delete()
        started = time.perf_counter()
        report = audiences.do_import_subscribers(
            None, io.BytesIO(data), "csv", region="KE", operator="Bench"
        )
        took = time.perf_counter() - started
        assert report.created == args.rows, report.summary()
        return args.rows / took

    def naive() -> float:
        from django.utils import timezone

        Subscriber.objects.all().delete()
        started = time.perf_counter()
        for line in small.decode().splitlines()[1:]:
            raw, language = line.split(",")
            Subscriber.objects.update_or_create(
                msisdn=to_e164(raw, "KE"),
                defaults={
                    "operator": operator,
                    "language": language,
                    "consent_source": "bench",
                    "consent_at": timezone.now(),
                },
            )
        return args.baseline_rows / (time.perf_counter() - started)

    ours = [service() for _ in range(args.runs)]
    base = [naive() for _ in range(args.runs)]
    from django.db import connection

    print(f"database: {connection.vendor}; rows: {args.rows:,} (baseline {args.baseline_rows:,})")
    print(f"import service: {statistics.median(ours):,.0f} rows/s (median of {args.runs})")
    print(f"naive per-row:  {statistics.median(base):,.0f} rows/s (median of {args.runs})")
    print(f"ratio: {statistics.median(ours) / statistics.median(base):.1f}x")
    return 0


if __name__ == "__main__":
    sys.exit(main())
