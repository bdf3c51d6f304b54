"""Imports are idempotent upserts by giga id (or govt id), all or nothing by default."""

from __future__ import annotations

import pytest

from resilnet.core.models import AuditEvent
from resilnet.schools.models import School, SchoolImport, SchoolStagedChunk
from resilnet.schools.tests.conftest import ROWS, import_file, master_csv

pytestmark = pytest.mark.django_db


def test_a_second_run_of_the_same_file_changes_nothing(kenya, tmp_path):
    path = master_csv(tmp_path)
    first = import_file(path)
    before = list(School.objects.values_list("id", "updated_at").order_by("id"))
    second = import_file(path)
    assert (first.created, second.created, second.updated, second.unchanged) == (3, 0, 0, 3)
    assert list(School.objects.values_list("id", "updated_at").order_by("id")) == before
    summaries = AuditEvent.objects.filter(object_type="schools.import").order_by("id")
    assert [e.after["created"] for e in summaries] == [3, 0]
    assert [e.after["unchanged"] for e in summaries] == [0, 3]


def test_fix_and_import_again(kenya, tmp_path):
    broken = master_csv(tmp_path, [*ROWS, "g-9,G9,Fourth,200,36.8,Primary,,,,,"])
    report = import_file(broken)
    assert (report.rejected, report.written, School.objects.count()) == (1, False, 0)
    fixed = master_csv(tmp_path, [*ROWS, "g-9,G9,Fourth,-1.2,36.8,Primary,,,,,"], name="fixed.csv")
    report = import_file(fixed)
    assert (report.rejected, report.created) == (0, 4)


def test_all_or_nothing_leaves_nothing_behind(kenya, tmp_path):
    rows = [f"g-{i},G{i},School {i},-1.{i:04d},36.8,Primary,,,,," for i in range(1, 4500)]
    rows.append("g-x,GX,Last,-1.3,36.8,Primary,lots,,,,")  # the last row, after two chunks staged
    report = import_file(master_csv(tmp_path, rows))
    assert report.rejected == 1
    assert not report.written
    assert School.objects.count() == 0
    assert SchoolStagedChunk.objects.count() == 0
    assert list(SchoolImport.objects.values_list("state", flat=True)) == ["discarded"]


def test_valid_rows_mode_imports_the_rest(kenya, tmp_path):
    report = import_file(
        master_csv(tmp_path, [*ROWS, "g-9,G9,Bad,-1.3,36.8,Primary,-1,,,,"]), mode="valid-rows"
    )
    assert (report.rejected, report.created) == (1, 3)


def test_a_changed_row_updates_only_the_columns_the_file_has(kenya, tmp_path):
    import_file(master_csv(tmp_path))
    header = "school_id_giga,school_name,latitude,longitude,education_level"
    report = import_file(
        master_csv(
            tmp_path,
            ["g-1,Kibera Primary School,-1.3100,36.7800,Primary"],
            header=header,
            name="b.csv",
        )
    )
    assert (report.updated, report.unchanged) == (1, 0)
    school = School.objects.get(school_id_giga="g-1")
    assert (school.school_name, school.num_students, school.school_id_govt) == (
        "Kibera Primary School",
        450,
        "G001",
    )


def test_rows_without_a_giga_id_upsert_by_govt_id(kenya, tmp_path):
    header = "school_id_govt,school_name,latitude,longitude,education_level"
    path = master_csv(tmp_path, ["EMIS-1,Ngong Road Primary,-1.30,36.78,Primary"], header=header)
    import_file(path)
    first = School.objects.get()
    assert len(first.school_id_giga) == 36  # derived, stable
    path.write_text(f"{header}\nEMIS-1,Ngong Road Primary School,-1.30,36.78,Primary\n")
    report = import_file(path)
    assert (report.created, report.updated) == (0, 1)
    school = School.objects.get()
    assert (school.pk, school.school_id_giga, school.school_name) == (
        first.pk,
        first.school_id_giga,
        "Ngong Road Primary School",
    )


def test_names_with_sql_metacharacters_are_stored_verbatim(kenya, tmp_path):
    name = 'Robert\'); DROP TABLE schools_school;-- "Primary" 100% _x_'
    header = "school_id_giga,school_name,latitude,longitude,education_level"
    path = tmp_path / "s.csv"
    path.write_text(f'{header}\ng-1,"{name.replace(chr(34), chr(34) * 2)}",-1.3,36.8,Primary\n')
    assert import_file(path).created == 1
    assert School.objects.get().school_name == name


def test_the_country_column_decides_over_the_option(kenya, tmp_path):
    header = "country,school_id_giga,school_name,latitude,longitude,education_level"
    report = import_file(
        master_csv(
            tmp_path, ["XXX,g-1,A,-1.3,36.8,Primary", "ken,g-2,B,-1.3,36.7,Primary"], header=header
        ),
        mode="valid-rows",
        country=None,
    )
    assert [(f.row, f.column) for f in report.findings if f.severity == "error"] == [(2, "country")]
    assert list(School.objects.values_list("country__iso3", flat=True)) == ["KEN"]


def test_a_deleted_school_can_be_registered_again(kenya, tmp_path):
    from resilnet.schools.services.registry import do_delete_school

    import_file(master_csv(tmp_path))
    do_delete_school(None, School.objects.get(school_id_giga="g-1"), reason="closed")
    report = import_file(master_csv(tmp_path))
    assert (report.created, report.unchanged) == (1, 2)
    assert School.objects.filter(school_id_giga="g-1").count() == 2


def test_only_analysts_and_administrators_import(kenya, tmp_path, contributor, analyst):
    from django.core.exceptions import PermissionDenied

    with pytest.raises(PermissionDenied):
        import_file(master_csv(tmp_path), actor=contributor)
    assert import_file(master_csv(tmp_path), actor=analyst).created == 3
