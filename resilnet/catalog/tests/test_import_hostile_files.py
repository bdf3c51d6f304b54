"""Files built to exhaust memory or break the parser are refused with one reason, in
bounded memory: ZIP bombs, XML entity bombs, broken XML, JSON nested too deep."""

import json
import os
import subprocess
import sys

import pytest

from resilnet.catalog import importers
from resilnet.catalog.importers import xlsx
from resilnet.catalog.importers.base import ImportFormatError
from resilnet.catalog.tests import hostile_files as hostile

PEAK_LIMIT_MB = 300

# Parses a file in a fresh process and prints the outcome and that process's peak resident
# memory (VmHWM: ru_maxrss would count what the process had before its exec).
CHILD = """
import json, os, sys
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "resilnet.settings")
import django
django.setup()
from resilnet.catalog import importers
from resilnet.catalog.importers.base import ImportFormatError
try:
    with open(sys.argv[1], "rb") as stream:
        parsed = importers.parse(stream, sys.argv[2])
    outcome = f"{len(parsed.candidates)} candidates, {len(parsed.errors)} errors"
except ImportFormatError as exc:
    outcome = f"refused: {exc}"
status = open("/proc/self/status").read().splitlines()
peak = next(int(line.split()[1]) for line in status if line.startswith("VmHWM:"))
print(json.dumps({"outcome": outcome, "peak_mb": peak / 1024}))
"""


def parse_in_a_child(path, file_format, tmp_path):
    env = os.environ | {"RESILNET_VAR_DIR": str(tmp_path / "var")}
    try:
        done = subprocess.run(
            [sys.executable, "-c", CHILD, str(path), file_format],
            capture_output=True,
            text=True,
            timeout=120,
            env=env,
        )
    except subprocess.TimeoutExpired:
        pytest.fail(f"parsing {path.name} took more than 120 s")
    assert done.returncode == 0, done.stderr[-3000:]
    return json.loads(done.stdout.splitlines()[-1])


def shared_texts_bomb(inflated_bytes):
    """A workbook whose shared texts are millions of tiny ones."""

    def chunks():
        yield b'<sst xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main">'
        block = b"<si><t>x</t></si>" * 1000
        for _ in range(max(1, inflated_bytes // len(block))):
            yield block
        yield b"</sst>"

    base = hostile.workbook(hostile.sheet(hostile.row("title"), hostile.row("x")))
    return hostile.with_part(
        base,
        "xl/sharedStrings.xml",
        chunks(),
        relationship="sharedStrings",
    )


@pytest.mark.parametrize(
    ("name", "make", "file_format", "reason"),
    [
        ("sheet-bomb.xlsx", lambda: hostile.xlsx_bomb(300_000_000), "xlsx", "-fold"),
        ("texts-bomb.xlsx", lambda: shared_texts_bomb(200_000_000), "xlsx", "-fold"),
        ("laughs.xlsx", hostile.billion_laughs, "xlsx", "DTD or entities"),
        ("deep.json", hostile.deep_json, "json", "nested too deeply"),
    ],
)
def test_hostile_files_are_refused_in_bounded_memory(tmp_path, name, make, file_format, reason):
    path = tmp_path / name
    path.write_bytes(make())
    assert path.stat().st_size < 2_000_000  # small on disk
    child = parse_in_a_child(path, file_format, tmp_path)
    assert child["outcome"].startswith("refused: ")
    assert reason in child["outcome"]
    assert child["peak_mb"] < PEAK_LIMIT_MB


def refusal(data, file_format="xlsx"):
    with pytest.raises(ImportFormatError) as refused:
        importers.parse(_stream(data), file_format)
    return str(refused.value)


def _stream(data):
    import io

    return io.BytesIO(data)


def test_a_zip_bomb_names_its_part_and_ratio():
    message = refusal(hostile.xlsx_bomb(20_000_000))
    assert message.startswith("the workbook's part xl/worksheets/sheet1.xml inflates ")
    assert "the limit is 100-fold" in message


@pytest.mark.parametrize(
    ("make", "reason"),
    [
        (hostile.billion_laughs, "declares a DTD or entities"),
        (hostile.undefined_entity, "not well-formed XML (undefined entity"),
        (hostile.malformed_sheet, "not well-formed XML (mismatched tag"),
        (hostile.no_worksheet, "the workbook has no worksheet"),
    ],
)
def test_broken_and_entity_laden_workbooks_are_refused(make, reason):
    assert reason in refusal(make())


@pytest.mark.parametrize(
    ("limit", "value", "make", "reason"),
    [
        ("MAX_PARTS", 5, hostile.no_worksheet, "parts; the limit is 5"),
        ("MAX_DIRECTORY_BYTES", 100, hostile.no_worksheet, "more parts than a workbook has"),
        (
            "MAX_SHEET_BYTES",
            1000,
            lambda: hostile.workbook(hostile.sheet(*[hostile.row("title")] * 100)),
            "the first worksheet (xl/worksheets/sheet1.xml) inflates to",
        ),
        (
            "MAX_TEXTS",
            2,
            lambda: shared_texts_bomb(1000),
            "more than 2 shared texts",
        ),
        (
            "MAX_OPEN_ELEMENTS",
            1000,
            lambda: hostile.workbook(
                hostile.sheet(b"<row><c><is>" + b"<r>" * 2000 + b"</r>" * 2000 + b"</is></c></row>")
            ),
            "has an element holding more than 1,000 others",
        ),
        (
            "MAX_TEXT_RUN",
            100_000,
            lambda: hostile.workbook(
                hostile.sheet(hostile.row("title"), hostile.row("a" * 300_000))
            ),
            "bytes of text without a tag",
        ),
    ],
)
def test_each_limit_is_named_when_a_workbook_passes_it(monkeypatch, limit, value, make, reason):
    monkeypatch.setattr(xlsx, limit, value)
    assert reason in refusal(make())


def test_deeply_nested_cells_within_the_limits_do_not_crash():
    depth = 100_000  # within MAX_OPEN_ELEMENTS, and small enough to pass the ratio
    nested = b"<row><c t='inlineStr'><is>" + b"<r>" * depth + b"</r>" * depth + b"</is></c></row>"
    message = refusal(hostile.workbook(hostile.sheet(hostile.row("title"), nested)))
    assert message == "the file holds no records"  # the nested cell holds no text


@pytest.mark.parametrize(
    ("rows", "reason"),
    [
        ([b'<row r="1048577"/>'], "a worksheet ends at row 1,048,576"),
        ([b'<row r="3"/>', b'<row r="2"/>'], "row 2 comes after its row 3"),
        ([b'<row r="1"><c r="B7"/></row>'], "row 1 has a cell named 'B7'"),
        ([b'<row r="1"><c r="XFE1"/></row>'], "beyond column 16,384"),
        ([b'<row r="1"><c t="s"><v>7</v></c></row>'], "refers to a shared text '7' it lacks"),
    ],
)
def test_rows_and_cells_outside_a_worksheet_are_refused(rows, reason):
    assert reason in refusal(hostile.workbook(hostile.sheet(*rows)))
