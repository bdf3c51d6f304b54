"""Input files: a planner uploads fibre nodes, towers, roads or sites once; each is read
by the engine's readers first, so a bad file is refused naming its row and field and
nothing is kept."""

from __future__ import annotations

import gzip
from io import BytesIO

import pytest
from django.urls import reverse

from resilnet.core.models import AuditEvent
from resilnet.planning.models import Dataset
from resilnet.planning.tests.conftest import fibre_csv, towers_csv

pytestmark = pytest.mark.django_db


def upload(client, kind, data, file_name="file.csv", name="Towers 2025"):
    handle = BytesIO(data)
    handle.name = file_name
    return client.post(
        reverse("planning:datasets"), {"kind": kind, "name": name, "country": "", "file": handle}
    )


def test_a_planner_uploads_towers_and_they_are_kept_with_an_audit_row(
    client, planner, reference_data
):
    client.force_login(planner)
    response = upload(client, "towers", towers_csv(), "towers.csv")
    assert response.status_code == 302
    dataset = Dataset.objects.get()
    assert (dataset.kind, dataset.rows, dataset.file_name) == ("towers", 10, "towers.csv")
    assert gzip.decompress(bytes(dataset.content)) == towers_csv()
    event = AuditEvent.objects.get(object_type="planning.dataset")
    assert event.actor == planner
    assert event.after["rows"] == 10
    page = client.get(reverse("planning:datasets")).content.decode()
    assert "Towers 2025" in page


def test_a_negative_tower_range_is_refused_naming_file_row_and_field(
    client, planner, reference_data
):
    client.force_login(planner)
    bad = towers_csv().replace(b"T3,-0.9820,37.0350,3G,1.5", b"T3,-0.9820,37.0350,3G,-3")
    assert bad != towers_csv()
    response = upload(client, "towers", bad, "towers.csv")
    assert response.status_code == 200
    page = response.content.decode()
    assert "towers.csv" in page
    assert "row 5" in page
    assert "range_km" in page
    assert not Dataset.objects.exists()


@pytest.mark.parametrize(
    ("data", "file_name"),
    [
        (b"", "fibre.csv"),  # empty
        (b"\x00\x01\x02\xff\xfe" * 50, "fibre.csv"),  # binary
        (b"node_id,latitude\nF1,-1.0\n", "fibre.csv"),  # a column missing
        (b"node_id,latitude,longitude\nF1,-1.0,200\n", "fibre.csv"),  # longitude out of range
        (b'{"type": "FeatureCollection", "features": [{"type": "Feature"}]}', "fibre.geojson"),
        (b"node_id,latitude,longitude\nF1,-1,37\nF1,-1.1,37\n", "fibre.csv"),  # duplicate id
    ],
)
def test_malformed_files_are_refused_and_nothing_is_kept(
    client, planner, reference_data, data, file_name
):
    client.force_login(planner)
    response = upload(client, "fibre", data, file_name)
    assert response.status_code == 200
    assert 'class="error"' in response.content.decode()
    assert not Dataset.objects.exists()


def test_an_oversized_file_is_refused_before_it_is_read(
    client, planner, reference_data, monkeypatch
):
    from resilnet.planning import forms
    from resilnet.planning.services import datasets

    monkeypatch.setattr(forms, "MAX_UPLOAD_BYTES", 100)
    monkeypatch.setattr(datasets, "MAX_UPLOAD_BYTES", 100)
    client.force_login(planner)
    response = upload(client, "fibre", fibre_csv() * 10, "fibre.csv")
    assert "larger than" in response.content.decode()
    assert not Dataset.objects.exists()


def test_a_hostile_file_name_is_kept_as_its_last_part_and_escaped(client, planner, reference_data):
    client.force_login(planner)
    response = upload(client, "fibre", fibre_csv(), "../../<script>x</script>.csv")
    assert response.status_code == 302
    assert "/" not in Dataset.objects.get().file_name.replace("</", "")  # no directories
    page = client.get(reverse("planning:datasets")).content.decode()
    assert "<script>x" not in page


def test_analysts_read_the_files_but_may_not_upload(client, analyst, reference_data):
    client.force_login(analyst)
    assert client.get(reverse("planning:datasets")).status_code == 200
    assert upload(client, "fibre", fibre_csv()).status_code == 403
    assert not Dataset.objects.exists()


def test_visitors_sign_in_and_other_roles_are_refused(client, contributor):
    response = client.get(reverse("planning:index"))
    assert response.status_code == 302
    assert "login" in response["Location"]
    client.force_login(contributor)
    assert client.get(reverse("planning:index")).status_code == 403
    assert client.get(reverse("planning:datasets")).status_code == 403


def test_a_file_a_scenario_uses_cannot_be_deleted(client, planner, inputs):
    from resilnet.planning.services.scenarios import do_create_scenario
    from resilnet.planning.tests.conftest import scenario_fields

    do_create_scenario(planner, **scenario_fields(inputs))
    client.force_login(planner)
    response = client.post(
        reverse("planning:dataset_delete", args=[inputs["fibre"].pk]), follow=True
    )
    assert "delete them first" in response.content.decode()
    assert Dataset.objects.filter(pk=inputs["fibre"].pk).exists()
    unused = inputs["sites"]
    from resilnet.planning.models import Scenario

    Scenario.objects.all().delete()
    client.post(reverse("planning:dataset_delete", args=[unused.pk]))
    assert not Dataset.objects.filter(pk=unused.pk).exists()
    assert AuditEvent.objects.filter(action="deleted", object_type="planning.dataset").count() == 1
