"""Whatever a file holds, every importer gives candidates and row errors or refuses the file
with one ImportFormatError, and the command exits 0, 1 or 2 with one line on failure and
writes nothing when it fails: random bytes, and files close to valid ones (CSV with random
cells, ZIP archives with random parts, JSON with random nesting)."""

import csv
import io
import json
import zipfile

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from resilnet.catalog import importers
from resilnet.catalog.importers.base import ImportFormatError, ParseResult
from resilnet.catalog.models import Record
from resilnet.catalog.tests import hostile_files as hostile
from resilnet.cli import main

# Fast enough for every commit; no example database left in the work tree.
FUZZ = settings(
    max_examples=40,
    deadline=None,
    database=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)

COLUMNS = [
    "external_id",
    "collection",
    "title",
    "title.fr",
    "summary",
    "countries",
    "date",
    "fields.category",
    "fields.binding",
    "CountryCode",
    "Date",
    "C1_School closing",
    "C1_Flag",
    "ID",
    "ISO",
    "MEASURE",
    "DATE_IMPLEMENTED",
]
cells = st.one_of(
    st.sampled_from(["", "measure", "KEN", "XXX", "2020-03-20", "20200316", "1", "other", "=1+1"]),
    st.text(max_size=30),
)
names = st.one_of(st.sampled_from(COLUMNS), st.text(max_size=15))


def parses_or_refuses(data: bytes, file_format: str) -> None:
    try:
        result = importers.parse(io.BytesIO(data), file_format)
    except ImportFormatError as exc:
        message = str(exc)
    else:
        assert isinstance(result, ParseResult)
        assert result.candidates or result.errors
        return
    assert message
    assert "\n" not in message  # one line for the command to print


@FUZZ
@given(data=st.binary(max_size=3000), file_format=st.sampled_from(list(importers.FORMATS)))
def test_any_bytes(data, file_format):
    parses_or_refuses(data, file_format)


@FUZZ
@given(
    header=st.lists(names, min_size=1, max_size=8),
    rows=st.lists(st.lists(cells, max_size=10), max_size=8),
    delimiter=st.sampled_from([",", ";", "\t"]),
    encoding=st.sampled_from(["utf-8", "utf-8-sig", "utf-16", "utf-16-le", "utf-32"]),
    file_format=st.sampled_from(["csv", "oxcgrt", "acaps"]),
)
def test_csv_with_random_cells(header, rows, delimiter, encoding, file_format):
    out = io.StringIO()
    writer = csv.writer(out, delimiter=delimiter)
    writer.writerow(header)
    writer.writerows(rows)
    parses_or_refuses(out.getvalue().encode(encoding, errors="surrogatepass"), file_format)


PARTS = [
    "[Content_Types].xml",
    "_rels/.rels",
    "xl/workbook.xml",
    "xl/_rels/workbook.xml.rels",
    "xl/worksheets/sheet1.xml",
    "xl/sharedStrings.xml",
    "xl/styles.xml",
]
xml_fragments = st.lists(
    st.sampled_from(
        [
            b"<row>",
            b"</row>",
            b'<row r="2">',
            b'<c t="s"><v>0</v></c>',
            b'<c t="inlineStr"><is><t>title</t></is></c>',
            b'<c r="B1" s="1"><v>43910</v></c>',
            b"<sheetData>",
            b"</sheetData>",
            b"<si><t>x</t></si>",
            b'<sheet name="S" sheetId="1" r:id="rId1"/>',
            b"<!DOCTYPE x>",
            b"&amp;",
            b"<x:y/>",
        ]
    ),
    max_size=12,
).map(b"".join)
part_content = st.one_of(st.binary(max_size=300), xml_fragments)
part_names = st.text(
    st.characters(exclude_characters="\x00", exclude_categories=["Cs"]), min_size=1, max_size=20
)


@pytest.mark.filterwarnings("ignore:Duplicate name")  # an archive may repeat a name
@FUZZ
@given(
    parts=st.lists(
        st.tuples(st.one_of(st.sampled_from(PARTS), part_names), part_content),
        max_size=8,
    ),
    compression=st.sampled_from([zipfile.ZIP_STORED, zipfile.ZIP_DEFLATED, zipfile.ZIP_BZIP2]),
)
def test_zip_archives_with_random_parts(parts, compression):
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", compression=compression) as archive:
        for name, content in parts:
            archive.writestr(name, content)
    parses_or_refuses(out.getvalue(), "xlsx")


VALID_WORKBOOK = hostile.workbook(
    hostile.sheet(
        hostile.row("external_id", "collection", "title", "countries"),
        hostile.row("x1", "measure", "A title", "KEN"),
    )
)


@FUZZ
@given(
    part=st.sampled_from(PARTS),
    content=part_content,
    flips=st.lists(st.tuples(st.integers(0, len(VALID_WORKBOOK) - 1), st.integers(0, 255))),
)
def test_workbooks_with_one_part_replaced_or_bytes_changed(part, content, flips):
    data = bytearray(hostile.with_part(VALID_WORKBOOK, part, content))
    for at, value in flips:
        data[at % len(data)] = value
    parses_or_refuses(bytes(data), "xlsx")


json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(max_size=20),
    lambda inner: (
        st.lists(inner, max_size=5)
        | st.dictionaries(st.one_of(st.sampled_from([*COLUMNS, "content"]), st.text()), inner)
    ),
    max_leaves=40,
)


@FUZZ
@given(value=json_values, wrap=st.booleans(), depth=st.integers(0, 3000))
def test_json_with_random_nesting(value, wrap, depth):
    text = json.dumps({"records": value} if wrap else value)
    parses_or_refuses(text.encode(), "json")
    parses_or_refuses(("[" * depth + text + "]" * depth).encode(), "json")


@FUZZ
@given(
    data=st.one_of(
        st.binary(max_size=500),
        st.lists(st.lists(cells, min_size=4, max_size=4), max_size=5).map(
            lambda rows: (
                b"external_id,collection,title,countries\n"
                + "".join(",".join(row) + "\n" for row in rows).encode(errors="surrogatepass")
            )
        ),
    ),
    file_format=st.sampled_from(list(importers.FORMATS)),
)
def test_the_command_exits_0_1_or_2_and_writes_nothing_when_it_fails(
    tmp_path, capsys, db, data, file_format
):
    path = tmp_path / "fuzzed"
    path.write_bytes(data)
    before = Record.objects.count()
    capsys.readouterr()
    code = main(["catalog", "import", str(path), "--format", file_format])
    err = capsys.readouterr().err
    assert code in (0, 1, 2)
    if code:
        assert Record.objects.count() == before  # all or nothing
    if code == 2:
        assert len(err.strip().splitlines()) == 1
        assert err.startswith("resilnet: ")
