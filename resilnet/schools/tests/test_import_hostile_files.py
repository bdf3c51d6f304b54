"""Hostile and broken school master files: one clear line, exit 2, nothing written."""

from __future__ import annotations

import io
import zipfile

import pytest

from resilnet.cli import main
from resilnet.schools.importers import base
from resilnet.schools.models import School
from resilnet.schools.tests.conftest import master_csv

pytestmark = pytest.mark.django_db(transaction=True)


def run(*args):
    return main(["schools", "import", *map(str, args)])


def test_exit_0_when_clean(kenya, tmp_path, capsys):
    assert run(master_csv(tmp_path), "--country", "KEN") == 0
    assert "3 created" in capsys.readouterr().out


def test_exit_1_with_rejected_rows_and_the_report_file(kenya, tmp_path, capsys):
    path = master_csv(tmp_path, ["g-1,G1,A,200,36.8,Primary,,,,,"])
    report = tmp_path / "report.csv"
    assert run(path, "--country", "KEN", "--report", report) == 1
    out = capsys.readouterr().out
    assert "row 2, latitude: error: 200 is outside -90 to 90" in out
    assert "nothing written" in out
    assert "200 is outside" in report.read_text()


def test_dry_run_writes_nothing(kenya, tmp_path, capsys):
    assert run(master_csv(tmp_path), "--country", "KEN", "--dry-run") == 0
    assert School.objects.count() == 0


def unusable(tmp_path, capsys, path, *args):
    assert run(path, "--country", "KEN", *args) == 2
    err = capsys.readouterr().err.strip()
    assert err.count("\n") == 0
    assert School.objects.count() == 0
    return err


def test_nul_bytes(kenya, tmp_path, capsys):
    path = tmp_path / "s.csv"
    path.write_bytes(b"school_id_giga,school_name\ng-1,A\x00B\n")
    assert "NUL" in unusable(tmp_path, capsys, path)


def test_not_utf8(kenya, tmp_path, capsys):
    path = tmp_path / "s.csv"
    path.write_bytes(
        "school_id_giga,school_name,latitude,longitude,education_level\ng-1,Caf\xe9,1,36,P\n".encode(
            "latin-1"
        )
    )
    assert "not UTF-8" in unusable(tmp_path, capsys, path)


def test_an_oversized_file(kenya, tmp_path, capsys, monkeypatch):
    monkeypatch.setattr(base, "MAX_FILE_BYTES", 200)
    path = master_csv(
        tmp_path, [f"g-{i},G{i},School {i},-1.3,36.8,Primary,,,,," for i in range(20)]
    )
    assert "the limit is 200" in unusable(tmp_path, capsys, path)


def test_too_long_a_cell(kenya, tmp_path, capsys):
    path = master_csv(tmp_path, ["g-1,G1," + "x" * 20_000 + ",-1.3,36.8,Primary,,,,,"])
    assert "over 10,000 characters" in unusable(tmp_path, capsys, path)


def test_a_zip_bomb_workbook(kenya, tmp_path, capsys):
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("xl/workbook.xml", "<workbook/>")
        archive.writestr("xl/worksheets/sheet1.xml", b"<" + b" " * 50_000_000 + b"/>")
    path = tmp_path / "bomb.xlsx"
    path.write_bytes(buffer.getvalue())
    assert "ZIP bomb" in unusable(tmp_path, capsys, path)


def test_a_csv_named_xlsx(kenya, tmp_path, capsys):
    path = master_csv(tmp_path, name="s.xlsx")
    assert "not a readable XLSX" in unusable(tmp_path, capsys, path)


def test_no_id_column(kenya, tmp_path, capsys):
    path = master_csv(
        tmp_path, ["A,-1.3,36.8,Primary"], header="school_name,latitude,longitude,education_level"
    )
    assert "neither school_id_giga nor school_id_govt" in unusable(tmp_path, capsys, path)


def test_no_country(kenya, tmp_path, capsys):
    assert run(master_csv(tmp_path)) == 2
    assert "--country" in capsys.readouterr().err


def test_a_bad_mapping(kenya, tmp_path, capsys):
    assert "SOURCE=TARGET" in unusable(tmp_path, capsys, master_csv(tmp_path), "--map", "latitude")
