"""Reading an XLSX workbook for an import: resilnet's reader (importers/xlsx.py) against
openpyxl's read-only mode, on an ordinary workbook and on a ZIP bomb.

    .venv/bin/python bench/xlsx_read.py [--rows 100000] [--bomb-bytes 1200000000]
        [--timeout 120] [--workdir DIR]

Figures, each beside the baseline measured in the same run on the same file:

- read the first sheet of a workbook of N rows in resilnet's tabular format (ten columns:
  ids, texts, a list, a date), saved by openpyxl: seconds and peak resident memory;
- the same for a workbook of a few megabytes whose sheet inflates to --bomb-bytes: the
  reader refuses it, the baseline reads it until --timeout.

Each reading runs in a fresh process that reports its own peak (VmHWM); the baseline is
`load_workbook(read_only=True, data_only=True)` then `iter_rows(values_only=True)`.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import platform
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

# Both readers' modules are imported by both children, so that the peaks compare reading.
CHILD = """
import json, sys, time
from openpyxl import load_workbook
from resilnet.catalog.importers import xlsx
from resilnet.catalog.importers.base import ImportFormatError
path, reader = sys.argv[1], sys.argv[2]
started = time.perf_counter()
rows, outcome = 0, "read"
if reader == "openpyxl":
    for _ in load_workbook(path, read_only=True, data_only=True).worksheets[0].iter_rows(
        values_only=True
    ):
        rows += 1
else:
    try:
        with open(path, "rb") as stream:
            for _ in xlsx.rows(stream):
                rows += 1
    except ImportFormatError as exc:
        outcome = f"refused: {exc}"[:70]
status = open("/proc/self/status").read().splitlines()
peak = next(int(line.split()[1]) for line in status if line.startswith("VmHWM:"))
print(json.dumps({"seconds": time.perf_counter() - started, "peak_mb": peak / 1024,
                  "rows": rows, "outcome": outcome}))
"""


def measure(path: Path, reader: str, timeout: float) -> dict[str, object]:
    child = subprocess.Popen(
        [sys.executable, "-c", CHILD, str(path), reader],
        cwd=ROOT,
        stdout=subprocess.PIPE,
        text=True,
    )
    started, peak = time.perf_counter(), 0.0
    while child.poll() is None:  # the child's own figure is lost if it must be stopped
        peak = max(peak, _resident_mb(child.pid))
        if time.perf_counter() - started > timeout:
            child.kill()
            child.wait()
            return {"seconds": timeout, "peak_mb": peak, "rows": "?", "outcome": "stopped"}
        time.sleep(0.05)
    out = child.stdout.read() if child.stdout else ""
    return json.loads(out.splitlines()[-1])


def _resident_mb(pid: int) -> float:
    try:
        status = Path(f"/proc/{pid}/status").read_text()
    except OSError:
        return 0.0
    line = next((x for x in status.splitlines() if x.startswith("VmRSS:")), "VmRSS: 0 kB")
    return int(line.split()[1]) / 1024


def ordinary_workbook(path: Path, rows: int) -> None:
    from openpyxl import Workbook

    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet()
    sheet.append(
        ["external_id", "collection", "title", "summary", "countries", "date",
         "fields.category", "fields.binding", "fields.sources", "tags"]
    )  # fmt: skip
    start = dt.date(2020, 1, 1)
    for i in range(rows):
        sheet.append(
            [f"r{i}", "measure", f"Measure {i}: zero-rating of health sites",
             f"Operators zero-rate health site {i} during the emergency.", "KEN;UGA",
             start + dt.timedelta(days=i % 900), "consumer_protection", "mandatory",
             f"https://example.org/{i}", "zero-rating"]
        )  # fmt: skip
    workbook.save(path)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=100_000)
    parser.add_argument("--bomb-bytes", type=int, default=1_200_000_000)
    parser.add_argument("--timeout", type=float, default=120.0)
    parser.add_argument("--workdir", type=Path)
    args = parser.parse_args()
    workdir = args.workdir or Path(tempfile.mkdtemp(prefix="bench-xlsx-"))
    workdir.mkdir(parents=True, exist_ok=True)
    os.environ.setdefault("RESILNET_VAR_DIR", str(workdir / "var"))

    from resilnet.catalog.tests.hostile_files import xlsx_bomb

    ordinary, bomb = workdir / f"rows-{args.rows}.xlsx", workdir / "bomb.xlsx"
    ordinary_workbook(ordinary, args.rows)
    bomb.write_bytes(xlsx_bomb(args.bomb_bytes))
    print(f"{platform.node()}: {os.cpu_count()} cores, Python {platform.python_version()}, "
          f"{dt.date.today()}")  # fmt: skip
    for path in (ordinary, bomb):
        print(f"\n{path.name}: {path.stat().st_size:,} bytes")
        figures = {
            reader: measure(path, reader, args.timeout) for reader in ("resilnet", "openpyxl")
        }
        for reader, figure in figures.items():
            print(
                f"  {reader:9} {figure['seconds']:7.2f} s  peak {figure['peak_mb']:7.0f} MB  "
                f"rows {figure['rows']}  {figure['outcome']}"
            )
        ours, theirs = figures["resilnet"], figures["openpyxl"]
        time_ratio = float(theirs["seconds"]) / float(ours["seconds"])  # type: ignore[arg-type]
        memory_ratio = float(theirs["peak_mb"]) / float(ours["peak_mb"])  # type: ignore[arg-type]
        at_least = "≥" if theirs["outcome"] == "stopped" else ""
        print(
            f"  openpyxl / resilnet: time {at_least}×{time_ratio:.1f}, memory ×{memory_ratio:.1f}"
        )


if __name__ == "__main__":
    main()
