"""Subscriber imports: numbers checked and written in E.164, duplicates, re-imports that
update, the rejected-rows report, and hostile files refused whole with exit 2."""

from __future__ import annotations

import io

import pytest
from openpyxl import Workbook

from resilnet.alerts.models import Subscriber, SubscriberImport
from resilnet.alerts.services import audiences
from resilnet.alerts.tests.conftest import write_csv
from resilnet.catalog.tests import hostile_files as hostile
from resilnet.cli import main
from resilnet.schools.models import AdminArea

pytestmark = pytest.mark.django_db(transaction=True)


def run(*args):
    return main(["alerts", "subscribers", "import", *map(str, args)])


def test_national_and_international_numbers_are_written_in_e164(operator, tmp_path, capsys):
    path = write_csv(tmp_path, "phone,lang\n0712 345 678,fr\n+254 733-000111,zh\n00254722000222,\n")
    assert run(path, "--region", "KE", "--operator", "Safaricom") == 0
    assert sorted(Subscriber.objects.values_list("msisdn", "language")) == [
        ("+254712345678", "fr"),
        ("+254722000222", "en"),
        ("+254733000111", "zh-hans"),
    ]
    assert "3 created" in capsys.readouterr().out


@pytest.mark.parametrize(
    ("number", "reason"),
    [
        ("12345", "not a valid number"),
        ("07123456789999", "not a valid number"),
        ("hello", "not a phone number"),
        ("+250788123456", "a number of RW, not KE"),  # Rwanda's, in a Kenyan import
        ("+1 202 555 0100", "a number of US, not KE"),
        ('=HYPERLINK("x")', "not a phone number"),
    ],
)
def test_invalid_numbers_and_numbers_of_another_country_are_rejected(
    operator, tmp_path, capsys, number, reason
):
    path = write_csv(tmp_path, f'msisdn\n0712345678\n"{number.replace(chr(34), chr(34) * 2)}"\n')
    report = tmp_path / "report.csv"
    assert run(path, "--region", "KE", "--operator", "Safaricom", "--report", report) == 1
    assert f"row 3, msisdn: {reason}" in capsys.readouterr().out
    assert Subscriber.objects.count() == 0  # all or nothing
    assert report.read_text().splitlines()[1].startswith("3,msisdn,")


def test_valid_rows_mode_keeps_the_good_rows(operator, tmp_path):
    path = write_csv(tmp_path, "msisdn\n0712345678\nnope\n0712345679\n")
    assert run(path, "--region", "KE", "--operator", "Safaricom", "--mode", "valid-rows") == 1
    assert Subscriber.objects.count() == 2


def test_duplicates_within_the_file_and_against_the_registry(operator, tmp_path, capsys):
    path = write_csv(tmp_path, "msisdn,language\n0712345678,en\n+254712345678,fr\n")
    assert run(path, "--region", "KE", "--operator", "Safaricom", "--mode", "valid-rows") == 1
    assert "row 3, msisdn: the same number as row 2" in capsys.readouterr().out
    again = write_csv(tmp_path, "msisdn,language\n0712345678,ru\n0712345679,en\n", "b.csv")
    assert run(again, "--region", "KE", "--operator", "Safaricom") == 0
    assert "1 created, 1 updated, 0 unchanged" in capsys.readouterr().out
    assert Subscriber.objects.get(msisdn="+254712345678").language == "ru"
    assert run(again, "--region", "KE", "--operator", "Safaricom") == 0
    assert "0 created, 0 updated, 2 unchanged" in capsys.readouterr().out


def test_areas_by_code_or_id_and_unknown_ones(operator, kenya, tmp_path, capsys):
    nairobi = AdminArea.objects.get(code="KE-30")
    path = write_csv(
        tmp_path, f"msisdn,area\n0712345678,KE-30\n0712345679,{nairobi.pk}\n0712345670,KE-99\n"
    )
    assert run(path, "--region", "KE", "--operator", "Safaricom", "--mode", "valid-rows") == 1
    assert "row 4, area: no admin area 'KE-99'" in capsys.readouterr().out
    assert set(Subscriber.objects.values_list("area_id", flat=True)) == {nairobi.pk}


def test_the_report_escapes_formulas_and_holds_no_number(operator, tmp_path):
    path = write_csv(tmp_path, "msisdn,operator\n0712345678,=cmd|' /C calc'!A0\n")
    report = tmp_path / "report.csv"
    assert run(path, "--region", "KE", "--report", report) == 1
    text = report.read_bytes().decode()
    assert ",=" not in text
    assert "\n=" not in text
    assert "712345678" not in text
    assert SubscriberImport.objects.get().report == text
    made = audiences.rejected_rows_csv([audiences.Rejection(2, "@col", "=1+2")])
    assert made.splitlines()[1] == "2,'@col,'=1+2"


def test_an_xlsx_workbook_imports_like_csv(operator, tmp_path):
    book = Workbook()
    sheet = book.active
    sheet.append(["MSISDN", "Language", "Operator"])
    sheet.append([254712345678, "es", "safaricom"])
    sheet.append(["0712345679", "ar", "Safaricom"])
    path = tmp_path / "subscribers.xlsx"
    book.save(path)
    assert run(path, "--region", "KE") == 0
    assert sorted(Subscriber.objects.values_list("language", flat=True)) == ["ar", "es"]


def unusable(capsys, path, *args):
    assert run(path, "--region", "KE", "--operator", "Safaricom", *args) == 2
    err = capsys.readouterr().err.strip()
    assert err.count("\n") == 0
    assert Subscriber.objects.count() == 0
    assert not SubscriberImport.objects.filter(state__in=["staging", "applying"]).exists()
    return err


@pytest.mark.parametrize(
    ("name", "data", "reason"),
    [
        ("a.csv", b"msisdn\n0712345678\n\x00\x01\x02", "NUL"),
        ("a.csv", "msisdn,consent_source\n0712345678,Caf\xe9\n".encode("latin-1"), "not UTF-8"),
        ("a.csv", b"msisdn\n0712345678\n" + b"7" * 2_000_000 + b"\n", "over 1,000 characters"),
        ("a.csv", b"name\nAda\n", "no msisdn column"),
        ("a.csv", b"", "empty"),
        ("a.csv", b"PK\x03\x04rest", "ZIP archive"),
        ("a.xlsx", b"not a zip at all", "not a readable XLSX workbook"),
        ("a.pdf", b"%PDF-1.4", "cannot tell the format"),
    ],
)
def test_hostile_and_broken_files_are_refused_whole(operator, tmp_path, capsys, name, data, reason):
    path = tmp_path / name
    path.write_bytes(data)
    assert reason in unusable(capsys, path)


def test_an_xlsx_zip_bomb_and_an_entity_bomb_are_refused(operator, tmp_path, capsys):
    bomb = tmp_path / "bomb.xlsx"
    bomb.write_bytes(hostile.xlsx_bomb(20_000_000))
    assert "inflates" in unusable(capsys, bomb)
    laughs = tmp_path / "laughs.xlsx"
    laughs.write_bytes(hostile.billion_laughs())
    assert "DTD or entities" in unusable(capsys, laughs)


def test_a_file_claiming_more_than_the_limit_is_refused_before_reading(
    operator, monkeypatch, capsys, tmp_path
):
    from resilnet.schools.importers import base

    monkeypatch.setattr(base, "MAX_FILE_BYTES", 1000)
    path = write_csv(tmp_path, "msisdn\n" + "0712345678\n" * 200)
    assert "the limit is 1,000" in unusable(capsys, path)


def test_bad_options_are_named(operator, tmp_path, capsys):
    path = write_csv(tmp_path, "msisdn\n0712345678\n")
    assert "region:" in unusable(capsys, path, "--region", "XX")
    assert run(path, "--region", "KE", "--operator", "Nobody") == 2


def test_an_import_in_service_calls_is_audited_with_counts_only(operator, tmp_path):
    from resilnet.core.models import AuditEvent

    stream = io.BytesIO(b"msisdn\n+254712345678\n")
    audiences.do_import_subscribers(None, stream, "csv", operator="Safaricom")
    event = AuditEvent.objects.get(object_type="alerts.subscriberimport")
    assert event.after["created"] == 1
    assert "712345678" not in str(event.after)
