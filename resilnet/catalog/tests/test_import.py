"""Bulk import: resilnet's tabular format from CSV, XLSX and JSON, dry runs and modes."""

import codecs
import io
import json

import pytest
from django.core.exceptions import PermissionDenied

from resilnet.catalog import services
from resilnet.catalog.importers import tabular
from resilnet.catalog.importers.base import ImportFormatError
from resilnet.catalog.models import Record
from resilnet.catalog.search import SearchQuery, search
from resilnet.catalog.taxonomy import Status
from resilnet.catalog.tests import hostile_files

HEADER = (
    "external_id,collection,title,title.fr,summary,countries,date,"
    "fields.category,fields.binding,fields.sources\n"
)
GOOD = [
    "m1,measure,Zero-rating of health sites,Gratuité des sites de santé,Operators zero-rate.,KEN;UGA,2020-03-20,consumer_protection,mandatory,https://example.org/a;https://example.org/b\n",
    "m2,measure,Temporary spectrum,,Extra spectrum.,EGY,2020-04-01,spectrum,voluntary,\n",
]
BAD = [
    "m3,measure,Bad category,,x,KEN,2020-01-01,astrology,mandatory,\n",
    "m4,measure,Unknown country,,x,XXX,2020-01-01,other,mandatory,\n",
    "m1,measure,Duplicate id,,x,KEN,2020-01-01,other,mandatory,\n",
]


def csv_bytes(*rows, encoding="utf-8"):
    return (HEADER + "".join(rows)).encode(encoding)


def run(data, moderator, **options):
    parsed = tabular.parse(io.BytesIO(data), file_format=options.pop("file_format", "csv"))
    return services.import_records(moderator, parsed, **options)


def test_valid_file_imports_and_publishes(moderator):
    report = run(csv_bytes(*GOOD), moderator)
    assert (report.created, report.updated, report.rejected) == (2, 0, [])
    record = Record.objects.get(external_id="m1")
    assert record.status == Status.PUBLISHED
    assert record.content["title"]["fr"] == "Gratuité des sites de santé"
    assert record.content["fields"]["sources"] == ["https://example.org/a", "https://example.org/b"]
    assert search(SearchQuery(q="spectrum")).count == 1
    assert dict(search(SearchQuery()).facets["country"]) == {"KEN": 1, "UGA": 1, "EGY": 1}


def test_every_imported_record_is_in_the_audit_log(moderator):
    from resilnet.core.models import AuditAction, AuditEvent

    run(csv_bytes(*GOOD), moderator)
    run(csv_bytes(GOOD[0].replace("Operators zero-rate.", "Changed.")), moderator)
    events = AuditEvent.objects.filter(object_type="catalog.record").order_by("id")
    m1 = str(Record.objects.get(external_id="m1").pk)
    assert [(e.object_id, e.action, e.after["revision"]) for e in events if e.object_id == m1] == [
        (m1, AuditAction.CREATED, 1),
        (m1, AuditAction.UPDATED, 2),
    ]
    first = events.first()
    assert first.actor == moderator
    assert first.actor_label == moderator.username
    assert first.reason == "import"
    assert first.after["status"] == Status.PUBLISHED
    assert first.at is not None


def test_import_is_idempotent_by_external_id(moderator):
    run(csv_bytes(*GOOD), moderator)
    again = run(csv_bytes(*GOOD), moderator)
    assert (again.created, again.updated, again.unchanged) == (0, 0, 2)
    changed = run(csv_bytes(GOOD[0].replace("Operators zero-rate.", "Changed.")), moderator)
    assert changed.updated == 1
    record = Record.objects.get(external_id="m1")
    assert record.text("summary", "en") == "Changed."
    assert record.revisions.count() == 2
    assert Record.objects.count() == 2


def test_all_or_nothing_writes_nothing_when_a_row_is_bad(moderator):
    report = run(csv_bytes(*GOOD, *BAD), moderator)
    assert not report.written
    assert not Record.objects.exists()
    assert [(e.row, e.column) for e in report.rejected] == [
        (4, "fields.category"),
        (5, "countries"),
        (6, "external_id"),
    ]


def test_valid_rows_mode_imports_the_rest_and_returns_the_rejected(moderator):
    report = run(csv_bytes(*GOOD, *BAD), moderator, mode=services.VALID_ROWS)
    assert report.created == 2
    assert len(report.rejected) == 3
    rejected = report.rejected_rows_csv()
    assert rejected.splitlines()[0] == "row,column,reason," + HEADER.strip()
    assert "duplicate of row 2" in rejected


def test_dry_run_validates_without_writing(moderator):
    report = run(csv_bytes(*GOOD, *BAD), moderator, dry_run=True, mode=services.VALID_ROWS)
    assert len(report.rejected) == 3
    assert not Record.objects.exists()


@pytest.mark.parametrize(
    "encoding", ["utf-8-sig", "cp1252", "utf-16", "utf-16-le", "utf-16-be", "utf-32"]
)
def test_bom_latin_1_utf_16_and_utf_32_files(moderator, encoding):
    row = "c1,measure,Côte d'Ivoire: gratuité,,Résumé,CIV,2020-05-05,other,voluntary,\n"
    report = run(csv_bytes(row, encoding=encoding), moderator)
    assert report.created == 1
    assert Record.objects.get().title == "Côte d'Ivoire: gratuité"


@pytest.mark.parametrize(
    ("data", "message"),
    [
        (b"", "empty"),
        (b"\x00\x01\x02binary", "binary"),
        (b"<html><body>Not found</body></html>", "HTML or XML page"),
        (b"title,collection\n", "no records"),
    ],
)
def test_unusable_files_are_refused_with_a_reason(moderator, data, message):
    with pytest.raises(ImportFormatError, match=message):
        run(data, moderator)


def test_a_file_marked_utf_16_that_is_not_says_so(moderator):
    data = codecs.BOM_UTF16_LE + "title\nx\n".encode("utf-16-le") + b"\x00\xd8"
    with pytest.raises(ImportFormatError, match="marked as UTF-16 text, but its byte 18 is not"):
        run(data, moderator)


@pytest.mark.parametrize(
    ("file_format", "data"),
    [
        ("csv", b"foo,bar,baz\n1,2,3\n4,5,6\n"),
        ("csv", b"Title.xx,fields\n1,2\n"),  # no such language; fields of nothing
        ("json", b'[{"foo": 1, "bar": 2}, {"baz": 3}]'),
        ("xlsx", hostile_files.workbook(hostile_files.sheet(hostile_files.row("foo", "bar")))),
    ],
)
def test_a_file_with_no_known_column_is_unusable_and_names_the_expected_ones(
    moderator, file_format, data
):
    with pytest.raises(ImportFormatError) as refused:
        run(data, moderator, file_format=file_format)
    assert "no column of the file is one this format knows" in str(refused.value)
    assert "expected external_id, collection, original_language, title" in str(refused.value)


def test_a_mapping_can_make_an_unknown_header_known(moderator):
    parsed = tabular.parse(
        io.BytesIO(b"foo,bar\nx,y\n"), file_format="csv", mapping={"foo": "title"}
    )
    assert [e.column for e in parsed.errors] == ["bar"]


def test_json_records_that_are_not_objects_make_the_file_unusable(moderator):
    with pytest.raises(ImportFormatError, match="no record of the list is a JSON object"):
        run(b"[1, [2], null]", moderator, file_format="json")


def test_a_broken_row_is_rejected_with_its_column(moderator):
    report = run(b"external_id,title\nb1,\n", moderator)
    assert {e.column for e in report.rejected} == {"collection", "title"}
    assert not Record.objects.exists()


@pytest.mark.parametrize(
    ("row", "reason"),
    [
        ("a2,measure,Extra,KEN,surplus\n", "row 3 has 5 cells; the header has 4"),
        ("a2,measure\n", "row 3 has 2 cells; the header has 4"),
        ('"unterminated,x\n', "row 3 has 1 cell; the header has 4"),
    ],
)
def test_a_row_with_more_or_fewer_cells_than_the_header_is_rejected(moderator, row, reason):
    data = f"external_id,collection,title,countries\na1,measure,Fine,KEN\n{row}".encode()
    report = run(data, moderator, dry_run=True, mode=services.VALID_ROWS)
    assert [(e.row, e.column, e.reason) for e in report.rejected] == [(3, "", reason)]


def test_json_in_content_shape(moderator):
    from resilnet.catalog.tests.conftest import measure

    data = json.dumps({"records": [{"external_id": "j1", "content": measure()}]}).encode()
    report = run(data, moderator, file_format="json")
    assert report.created == 1


def test_malformed_json_names_the_position(moderator):
    with pytest.raises(ImportFormatError, match="line 1, column 3"):
        run(b"[{,]", moderator, file_format="json")


def test_xlsx(moderator, tmp_path):
    from openpyxl import Workbook

    workbook = Workbook()
    sheet = workbook.active
    sheet.append(HEADER.strip().split(","))
    sheet.append(GOOD[1].strip().split(","))
    path = tmp_path / "records.xlsx"
    workbook.save(path)
    report = run(path.read_bytes(), moderator, file_format="xlsx")
    assert report.created == 1
    with pytest.raises(ImportFormatError, match="not a readable XLSX"):
        run(b"PK\x03\x04 broken zip", moderator, file_format="xlsx")


@pytest.mark.parametrize("calendar", ["1900", "1904"])
def test_xlsx_dates_numbers_and_texts_as_excel_shows_them(moderator, calendar):
    import datetime

    from openpyxl import Workbook
    from openpyxl.utils.datetime import CALENDAR_MAC_1904

    workbook = Workbook()
    if calendar == "1904":
        workbook.epoch = CALENDAR_MAC_1904
    sheet = workbook.active
    header = ["external_id", "collection", "title", "countries", "date", None, "fields.category"]
    sheet.append(header)
    sheet.append(["x1", "measure", "Côte d'Ivoire", "CIV", datetime.date(2020, 3, 20), "", "other"])
    sheet.append([])
    sheet.append([42, "measure", "A number as id", "KEN", datetime.datetime(2021, 1, 2, 3, 4)])
    workbook.create_sheet("Notes").append(["not", "read"])
    data = io.BytesIO()
    workbook.save(data)
    parsed = tabular.parse(io.BytesIO(data.getvalue()), file_format="xlsx")
    assert [(c.row, c.external_id, c.content.get("date")) for c in parsed.candidates] == [
        (2, "x1", "2020-03-20"),
        (4, "42", "2021-01-02"),
    ]
    assert parsed.candidates[0].content["title"] == {"en": "Côte d'Ivoire"}
    assert parsed.columns == (
        "external_id", "collection", "title", "countries", "date", "", "fields.category"
    )  # fmt: skip


def test_xlsx_header_must_be_row_1(moderator):
    sheet = hostile_files.sheet(b'<row r="2"><c t="inlineStr"><is><t>title</t></is></c></row>')
    with pytest.raises(ImportFormatError, match="row 1 of the first sheet is empty"):
        run(hostile_files.workbook(sheet), moderator, file_format="xlsx")


def test_column_mapping(moderator):
    data = b"ID,Kind,Name,ISO,Cat,Bind\nx1,measure,Mapped title,KEN,other,voluntary\n"
    mapping = {
        "ID": "external_id",
        "Kind": "collection",
        "Name": "title",
        "ISO": "countries",
        "Cat": "fields.category",
        "Bind": "fields.binding",
    }
    parsed = tabular.parse(io.BytesIO(data), file_format="csv", mapping=mapping)
    assert services.import_records(moderator, parsed).created == 1


def test_the_rejected_rows_file_holds_the_rows_themselves(moderator):
    import csv

    data = csv_bytes(GOOD[0], BAD[0], "m5,measure,=cmd|' /C calc'!A0,,x,XXX,2020-01-01,other,no,\n")
    report = run(data, moderator, mode=services.VALID_ROWS, dry_run=True)
    rows = list(csv.reader(io.StringIO(report.rejected_rows_csv())))
    assert rows[0] == ["row", "column", "reason", *HEADER.strip().split(",")]
    assert rows[1][:2] == ["3", "fields.category"]
    assert rows[1][3:] == BAD[0].strip().split(",")
    # One line per row, however many problems it has; formulas are made plain text.
    assert rows[2][:2] == ["4", "fields.binding"]
    assert rows[2][3:6] == ["m5", "measure", "'=cmd|' /C calc'!A0"]
    assert len(rows) == 3


def test_the_rejected_rows_file_of_json_and_xlsx_imports(moderator):
    import csv

    records = [{"external_id": "j1", "title": "No collection", "tags": ["a", "b"]}]
    report = run(json.dumps(records).encode(), moderator, file_format="json")
    rows = list(csv.reader(io.StringIO(report.rejected_rows_csv())))
    assert rows[0] == ["row", "column", "reason", "external_id", "title", "tags"]
    assert rows[1][3:] == ["j1", "No collection", '["a", "b"]']

    sheet = hostile_files.sheet(
        hostile_files.row("external_id", "title"), hostile_files.row("x1", "@SUM(1)")
    )
    report = run(hostile_files.workbook(sheet), moderator, file_format="xlsx")
    rows = list(csv.reader(io.StringIO(report.rejected_rows_csv())))
    assert rows[0] == ["row", "column", "reason", "external_id", "title"]
    assert rows[1][3:] == ["x1", "'@SUM(1)"]


def test_formula_cells_are_escaped_in_the_rejected_rows_file(moderator):
    import csv

    data = b'external_id,collection,title,=HYPERLINK("http://x")\nf1,measure,A title,@SUM(1)\n'
    report = run(data, moderator, mode=services.VALID_ROWS)
    rows = list(csv.reader(io.StringIO(report.rejected_rows_csv())))
    assert rows[1][1] == '\'=HYPERLINK("http://x")'
    assert not Record.objects.exists()


def test_contributors_cannot_import(contributor):
    parsed = tabular.parse(io.BytesIO(csv_bytes(*GOOD)), file_format="csv")
    with pytest.raises(PermissionDenied):
        services.import_records(contributor, parsed)


@pytest.mark.parametrize(
    ("model", "columns"),
    [
        ("catalog.Record", services.imports.RECORD_COLUMNS),
        ("catalog.Revision", services.imports.REVISION_COLUMNS),
    ],
)
def test_the_import_writes_every_column_of_its_rows(model, columns):
    from django.apps import apps

    concrete = {f.column for f in apps.get_model(model)._meta.concrete_fields}
    assert set(columns) == concrete
    assert len(columns) == len(set(columns))


def test_imported_records_never_take_the_id_of_a_deleted_one(moderator):
    run(csv_bytes(*GOOD), moderator)
    newest = Record.objects.order_by("-id").first()
    # The product archives records; a database tool could still delete one.
    Record.objects.filter(pk=newest.pk).delete()
    run(csv_bytes(GOOD[0].replace("m1,", "m9,")), moderator)
    assert Record.objects.get(external_id="m9").pk > newest.pk


def test_an_update_by_import_leaves_identity_owner_and_pending_edit_alone():
    concrete = {f.column for f in Record._meta.concrete_fields}
    kept = {"id", "external_id", "owner_id", "created_at", "pending_revision_id"}
    assert set(services.imports.UPDATED_COLUMNS) == concrete - kept
