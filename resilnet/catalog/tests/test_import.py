"""Bulk import: resilnet's tabular format from CSV, XLSX and JSON, dry runs and modes."""

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
    assert rejected.splitlines()[0] == "row,column,reason"
    assert "duplicate of row 2" in rejected


def test_dry_run_validates_without_writing(moderator):
    report = run(csv_bytes(*GOOD, *BAD), moderator, dry_run=True, mode=services.VALID_ROWS)
    assert len(report.rejected) == 3
    assert not Record.objects.exists()


@pytest.mark.parametrize("encoding", ["utf-8-sig", "cp1252"])
def test_bom_and_latin_1_files(moderator, encoding):
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


def test_a_broken_row_is_rejected_with_its_column(moderator):
    report = run(b'external_id,title\n"unterminated,x\n', moderator)
    assert {e.column for e in report.rejected} == {"collection", "title"}
    assert not Record.objects.exists()


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
