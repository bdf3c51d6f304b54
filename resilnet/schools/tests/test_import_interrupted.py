"""An interrupted school import is finished or discarded, never left half-visible
(docs/adr/0008): past its commit point the worker applies the staged chunks that are
left; before it, the staged chunks are thrown away."""

from __future__ import annotations

import json
from datetime import timedelta

import pytest
from django.utils import timezone

from resilnet.schools.models import School, SchoolImport, SchoolStagedChunk
from resilnet.schools.services import registry
from resilnet.schools.tests.conftest import import_file, master_csv

pytestmark = pytest.mark.django_db


def rows(count: int) -> list[str]:
    return [f"g-{i},G{i},School {i},-1.{i:04d},36.8,Primary,{i},,4G,10,yes" for i in range(count)]


def test_a_crash_after_the_commit_point_is_finished_by_the_worker(kenya, tmp_path, monkeypatch):
    real = registry._Applier._apply_rows
    calls = []

    def crash_on_the_second_chunk(self, columns):
        calls.append(1)
        if len(calls) == 2:
            raise RuntimeError("power cut")
        return real(self, columns)

    monkeypatch.setattr(registry._Applier, "_apply_rows", crash_on_the_second_chunk)
    with pytest.raises(registry.ImportIncomplete):
        import_file(master_csv(tmp_path, rows(5000)))
    assert School.objects.count() == registry.CHUNK_ROWS  # the first chunk only
    monkeypatch.setattr(registry._Applier, "_apply_rows", real)
    assert registry.finish_school_imports(quiet_for=timedelta(0)) == {
        "finished": 1,
        "discarded": 0,
    }
    assert School.objects.count() == 5000
    assert SchoolStagedChunk.objects.count() == 0
    batch = SchoolImport.objects.get()
    assert (batch.state, batch.created) == ("done", 5000)
    assert School.objects.get(school_id_giga="g-4321").num_students == 4321


def test_a_crash_before_the_commit_point_is_discarded(kenya, tmp_path, monkeypatch):
    def crash_at_the_commit_point(*args, **kwargs):
        raise KeyboardInterrupt

    monkeypatch.setattr(registry.Checker, "near_duplicates", crash_at_the_commit_point)
    with pytest.raises(KeyboardInterrupt):
        import_file(master_csv(tmp_path, rows(4500)))
    assert (School.objects.count(), SchoolStagedChunk.objects.count()) == (0, 0)
    assert list(SchoolImport.objects.values_list("state", flat=True)) == ["discarded"]


def test_chunks_staged_as_json_by_the_earlier_version_are_applied(kenya):
    batch = SchoolImport.objects.create(
        mode="all-or-nothing",
        state=SchoolImport.State.APPLYING,
        total=1,
        countries=[kenya.pk],
        heartbeat_at=timezone.now() - timedelta(hours=1),
    )
    columns = ["country_id", "education_level", "latitude", "longitude", "row"]
    columns += ["school_id_giga", "school_name"]
    values = [kenya.pk, "Primary", -1.3, 36.8, 2, "g-old", "Staged Before"]
    SchoolStagedChunk.objects.create(
        batch=batch, rows=json.dumps({"columns": columns, "rows": [values]})
    )
    assert registry.finish_school_imports()["finished"] == 1
    school = School.objects.get()
    assert (school.school_id_giga, school.school_name, school.country_id) == (
        "g-old",
        "Staged Before",
        kenya.pk,
    )
    assert SchoolStagedChunk.objects.count() == 0
