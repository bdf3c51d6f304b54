"""Every data-quality rule of a school master file: what it finds, where, how severe."""

from __future__ import annotations

import csv
import io

import pytest

from resilnet.schools.models import School
from resilnet.schools.tests.conftest import HEADER, ROWS, import_file, master_csv

pytestmark = pytest.mark.django_db


def findings(report):
    return [(f.row, f.column, f.severity) for f in report.findings]


def one_bad_row(tmp_path, row, header=HEADER, **options):
    report = import_file(
        master_csv(tmp_path, [*ROWS, row], header=header), mode="valid-rows", **options
    )
    return report


@pytest.mark.parametrize(
    ("row", "column", "words"),
    [
        (",,Nameless,-1.3,36.8,Primary,,,,,", "school_id_giga", "missing"),
        ("g-9,G9,,-1.3,36.8,Primary,,,,,", "school_name", "missing"),
        ("g-9,G9,A school,,36.8,Primary,,,,,", "latitude", "missing"),
        ("g-9,G9,A school,-1.3,36.8,,,,,,", "education_level", "missing"),
        ("g-9,G9,A school,200,36.8,Primary,,,,,", "latitude", "outside -90 to 90"),
        ("g-9,G9,A school,-1.3,-181,Primary,,,,,", "longitude", "outside -180 to 180"),
        ("g-9,G9,A school,-1.3,36.8,Primary,many,,,,", "num_students", "text 'many' in a number"),
        ("g-9,G9,A school,-1.3,36.8,Primary,-5,,,,", "num_students", "negative"),
        ("g-9,G9,A school,-1.3,36.8,Primary,,,,-2,", "download_speed_contracted", "negative"),
        ("g-9,G9,A school,-1.3,36.8,Primary,12.5,,,,", "num_students", "not a whole number"),
        ("g-9,G9,A school,51.5,-0.12,Primary,,,,,", "latitude", "outside KEN"),
        ("g-9,G9,A school,36.8,-1.3,Primary,,,,,", "latitude", "look swapped"),
        ("g-1,G9,A school,-1.3,36.9,Primary,,,,,", "school_id_giga", "same ID as row 2"),
        ("g-9,G9,A school,-1.3,36.8,Primary,1,2", "", "8 cells; the header has 11"),
    ],
)
def test_an_error_rejects_the_row_and_names_it(kenya, tmp_path, row, column, words):
    report = one_bad_row(tmp_path, row)
    assert report.rejected == 1
    [finding] = [f for f in report.findings if f.severity == "error"]
    assert (finding.row, finding.column) == (5, column)
    assert words in finding.message
    assert School.objects.count() == 3  # the valid rows, in valid-rows mode


@pytest.mark.parametrize(("year", "rejected"), [("1799", 1), ("1800", 0), ("2999", 1), ("1998", 0)])
def test_establishment_year_before_1800_or_in_the_future(kenya, tmp_path, year, rejected):
    header = (
        "school_id_giga,school_name,latitude,longitude,education_level,school_establishment_year"
    )
    report = import_file(master_csv(tmp_path, [f"g-1,A,-1.3,36.8,Primary,{year}"], header=header))
    assert report.rejected == rejected


def test_a_school_just_outside_a_coarse_boundary_is_a_warning(kenya, tmp_path):
    report = one_bad_row(tmp_path, "g-9,G9,Coast school,-5.02,39.0,Primary,,,,,")
    assert report.rejected == 0
    assert (5, "latitude", "warning") in findings(report)


def test_without_a_boundary_positions_are_not_checked_and_the_report_says_so(kenya, tmp_path):
    from resilnet.schools.models import AdminArea

    AdminArea.objects.filter(level=0).update(boundary="")
    report = one_bad_row(tmp_path, "g-9,G9,A school,51.5,-0.12,Primary,,,,,")
    assert report.rejected == 0
    assert any("KEN has no boundary loaded" in note for note in report.notes)


def test_schools_within_10_m_of_each_other_are_warnings(kenya, tmp_path):
    rows = [
        *ROWS,
        "g-8,G8,Twin,-1.31005,36.78003,Primary,,,,,",
        "g-7,G7,Far enough,-1.3102,36.7800,Primary,,,,,",
    ]
    report = import_file(master_csv(tmp_path, rows))
    near = [f for f in report.findings if "within" in f.message]
    assert [(f.row, f.severity) for f in near] == [(5, "warning")]
    assert "of row 2" in near[0].message
    assert report.created == 5  # warnings keep the rows


def test_a_duplicate_of_a_registered_school_is_found_but_not_the_school_itself(kenya, tmp_path):
    import_file(master_csv(tmp_path))
    again = import_file(
        master_csv(tmp_path, [*ROWS, "g-8,G8,Twin,-1.31003,36.78003,Primary,,,,,"], name="b.csv")
    )
    near = [f for f in again.findings if "within" in f.message]
    assert len(near) == 1
    assert near[0].row == 5  # not rows 2 to 4, which update the registered schools in place


def test_the_report_downloads_as_csv_with_formulas_escaped(kenya, tmp_path):
    report = one_bad_row(tmp_path, "=cmd(),G9,A school,-1.3,36.8,Primary,many,,,,")
    rows = list(csv.reader(io.StringIO(report.findings_csv())))
    assert rows[0] == ["row", "column", "severity", "school_id", "message"]
    assert rows[1][:3] == ["5", "num_students", "error"]
    assert rows[1][3] == "'=cmd()"
