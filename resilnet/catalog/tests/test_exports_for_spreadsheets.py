"""Exports that spreadsheet programs open intact: CSV with a byte-order mark on request
(Excel reads Arabic right), an XLSX workbook beside CSV and JSON, formulas neutralised."""

import csv
import io

from openpyxl import load_workbook

from resilnet.catalog import exports
from resilnet.catalog.tests.conftest import measure

ARABIC = "تعليق قطع الخدمة عن المشتركين"


def test_plain_csv_stays_the_default_for_programs(client, publish):
    publish(measure(title=ARABIC))
    for url in ("/catalog/search.csv", "/api/v1/catalog/export.csv"):
        response = client.get(url)
        body = b"".join(response.streaming_content) if response.streaming else response.content
        assert not body.startswith(b"\xef\xbb\xbf")
        assert ARABIC in body.decode("utf-8")


def test_csv_for_excel_starts_with_a_byte_order_mark(client, publish):
    publish(measure(title=ARABIC))
    for url in ("/catalog/search.csv?excel=1", "/api/v1/catalog/export.csv?excel=true"):
        response = client.get(url)
        body = b"".join(response.streaming_content) if response.streaming else response.content
        assert body.startswith(b"\xef\xbb\xbf")
        rows = list(csv.DictReader(io.StringIO(body.decode("utf-8-sig"))))
        assert [row["title"] for row in rows] == [ARABIC]


def test_the_search_page_offers_csv_for_excel(client, publish):
    publish(measure())
    page = client.get("/catalog/?q=zero").content.decode()
    assert "CSV for Excel" in page
    assert "excel=1" in page


def test_xlsx_export_reads_back_with_every_column(client, publish):
    record = publish(measure(title=ARABIC, tags=["=hyperlink(1)"]))
    response = client.get("/api/v1/catalog/export.xlsx")
    assert response["Content-Type"].startswith("application/vnd.openxmlformats")
    workbook = load_workbook(io.BytesIO(b"".join(response.streaming_content)), read_only=True)
    rows = list(workbook.active.iter_rows(values_only=True))
    assert list(rows[0]) == exports.COLUMNS
    row = dict(zip(rows[0], rows[1], strict=True))
    assert row["id"] == record.pk
    assert row["title"] == ARABIC
    # A cell a spreadsheet would run is text starting with an apostrophe, not a formula.
    assert row["tags"] == "'=hyperlink(1)"


def test_a_formula_in_a_cell_is_never_a_formula_in_the_workbook(publish):
    publish(measure(title="=1+1", summary={"en": "@SUM(A1:A2)"}))
    out = io.BytesIO()
    assert exports.write_xlsx(None, out) == 1
    sheet = load_workbook(io.BytesIO(out.getvalue())).active
    values = [cell.value for cell in sheet[2]]
    assert "'=1+1" in values
    assert "'@SUM(A1:A2)" in values
    assert all(cell.data_type != "f" for cell in sheet[2])


def test_an_empty_catalog_is_a_workbook_with_its_header(db):
    out = io.BytesIO()
    assert exports.write_xlsx(None, out) == 0
    rows = list(load_workbook(io.BytesIO(out.getvalue())).active.iter_rows(values_only=True))
    assert rows == [tuple(exports.COLUMNS)]


def test_a_search_downloads_as_xlsx_from_the_search_page(client, publish):
    wanted = publish(measure(title=ARABIC, countries=["EGY"]))
    publish(measure(title="Elsewhere", countries=["KEN"]))
    page = client.get("/catalog/?country=EGY").content.decode()
    assert 'href="/catalog/search.xlsx?country=EGY"' in page
    response = client.get("/catalog/search.xlsx?country=EGY")
    assert response["Content-Type"].startswith("application/vnd.openxmlformats")
    rows = list(load_workbook(io.BytesIO(response.content)).active.iter_rows(values_only=True))
    assert list(rows[0]) == exports.COLUMNS
    assert [(row[0], row[rows[0].index("title")]) for row in rows[1:]] == [(wanted.pk, ARABIC)]
