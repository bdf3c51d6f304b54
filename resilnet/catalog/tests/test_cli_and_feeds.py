"""`resilnet catalog …` exit codes, and the feed and export endpoints."""

import csv
import io
import json
import xml.etree.ElementTree as ET

import pytest

from resilnet.catalog.models import Record
from resilnet.catalog.tests import hostile_files as hostile
from resilnet.catalog.tests.conftest import measure
from resilnet.cli import main

HEADER = "external_id,collection,title,countries,fields.category,fields.binding\n"


@pytest.fixture
def write(tmp_path):
    def make(name, text):
        path = tmp_path / name
        path.write_text(text, encoding="utf-8")
        return str(path)

    return make


def test_import_exit_0_when_nothing_is_rejected(write, capsys, db):
    path = write("ok.csv", HEADER + "a1,measure,Zero-rating,KEN,consumer_protection,mandatory\n")
    assert main(["catalog", "import", path, "--format", "csv"]) == 0
    assert "1 created" in capsys.readouterr().out
    assert Record.objects.get().status == "published"


def test_import_exit_1_with_rejected_rows_and_the_report(write, capsys, tmp_path, db):
    path = write(
        "mixed.csv",
        HEADER
        + "a1,measure,Fine,KEN,other,mandatory\n"
        + "a2,measure,Bad,KEN,astrology,mandatory\n",
    )
    rejected = tmp_path / "rejected.csv"
    code = main(
        ["catalog", "import", path, "--format", "csv", "--mode", "valid-rows",
         "--rejected", str(rejected)]
    )  # fmt: skip
    out = capsys.readouterr().out
    assert code == 1
    assert "row 3, fields.category" in out
    assert "1 created" in out
    rows = list(csv.reader(rejected.open()))
    assert rows[0] == ["row", "column", "reason", *HEADER.strip().split(",")]
    assert rows[1][:2] == ["3", "fields.category"]
    assert rows[1][3:] == ["a2", "measure", "Bad", "KEN", "astrology", "mandatory"]


def test_dry_run_writes_nothing(write, capsys, db):
    path = write("ok.csv", HEADER + "a1,measure,Zero-rating,KEN,consumer_protection,mandatory\n")
    assert main(["catalog", "import", path, "--format", "csv", "--dry-run"]) == 0
    assert "dry run: 1 valid, 0 rejected" in capsys.readouterr().out
    assert not Record.objects.exists()


@pytest.mark.parametrize(
    ("name", "text", "fmt"),
    [("empty.csv", "", "csv"), ("page.html", "<html></html>", "oxcgrt"), ("x.json", "{", "json")],
)
def test_import_exit_2_on_unusable_input(write, capsys, db, name, text, fmt):
    assert main(["catalog", "import", write(name, text), "--format", fmt]) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1
    assert err[0].startswith("resilnet: ")


@pytest.mark.parametrize(
    ("name", "make", "fmt", "reason"),
    [
        ("bomb.xlsx", lambda: hostile.xlsx_bomb(50_000_000), "xlsx", "-fold"),
        ("laughs.xlsx", hostile.billion_laughs, "xlsx", "declares a DTD or entities"),
        ("undefined.xlsx", hostile.undefined_entity, "xlsx", "undefined entity"),
        ("malformed.xlsx", hostile.malformed_sheet, "xlsx", "mismatched tag"),
        ("no-sheet.xlsx", hostile.no_worksheet, "xlsx", "the workbook has no worksheet"),
        ("deep.json", hostile.deep_json, "json", "nested too deeply"),
        ("garbage.csv", lambda: b"foo,bar\n1,2\n", "csv", "no column of the file is one"),
    ],
)
def test_hostile_and_odd_files_exit_2_with_one_line(tmp_path, capsys, db, name, make, fmt, reason):
    path = tmp_path / name
    path.write_bytes(make())
    assert main(["catalog", "import", str(path), "--format", fmt]) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1
    assert err[0].startswith(f"resilnet: {path}: ")
    assert reason in err[0]
    assert not Record.objects.exists()


def test_the_rejected_rows_file_must_have_a_folder(write, capsys, db):
    path = write("ok.csv", HEADER + "a1,measure,Zero-rating,KEN,consumer_protection,mandatory\n")
    code = main(["catalog", "import", path, "--format", "csv", "--rejected", "/nowhere/r.csv"])
    assert code == 2
    assert "the folder of /nowhere/r.csv does not exist" in capsys.readouterr().err
    assert not Record.objects.exists()


def test_import_of_a_missing_file_is_2(capsys, db):
    assert main(["catalog", "import", "/nonexistent.csv", "--format", "csv"]) == 2


def test_reindex_and_check_index(publish, capsys):
    publish(measure())
    assert main(["catalog", "check-index"]) == 0
    assert main(["catalog", "reindex"]) == 0
    assert "1 published records indexed" in capsys.readouterr().out


def test_atom_feed_for_any_search(client, publish):
    publish(measure())
    response = client.get("/catalog/search.atom?q=zero&country=KEN")
    assert response["Content-Type"].startswith("application/atom+xml")
    root = ET.fromstring(response.content)
    entries = root.findall("{http://www.w3.org/2005/Atom}entry")
    assert len(entries) == 1


def test_podcast_rss_with_enclosures(client, publish):
    publish(
        measure(
            collection="podcast",
            title="Episode 1: keeping networks up",
            fields={"audio_url": "https://example.org/ep1.mp3", "audio_bytes": 1234,
                    "duration_seconds": 1800, "episode": 1},
        )
    )  # fmt: skip
    response = client.get("/catalog/podcasts.rss")
    root = ET.fromstring(response.content)
    enclosure = root.find("channel/item/enclosure")
    assert enclosure.attrib == {
        "url": "https://example.org/ep1.mp3",
        "length": "1234",
        "type": "audio/mpeg",
    }


def test_export_endpoints(client, publish):
    publish(measure(title="=HYPERLINK(1)"))
    exported = client.get("/api/v1/catalog/export.csv")
    text = b"".join(exported.streaming_content).decode()
    rows = list(csv.DictReader(io.StringIO(text)))
    assert rows[0]["title"] == "'=HYPERLINK(1)"
    document = json.loads(b"".join(client.get("/api/v1/catalog/export.json").streaming_content))
    assert len(document["records"]) == 1
    dictionary = client.get("/api/v1/catalog/data-dictionary.csv").content.decode()
    assert dictionary.splitlines()[0].startswith("name,")


def test_the_commands_work_as_a_person_runs_them(tmp_path):
    """In a subprocess, on a fresh database: the way `resilnet` is really started."""
    import os
    import subprocess
    import sys

    env = {k: v for k, v in os.environ.items() if not k.startswith(("RESILNET_", "DJANGO_"))}
    env["RESILNET_VAR_DIR"] = str(tmp_path / "var")

    def resilnet(*args):
        return subprocess.run(
            [sys.executable, "-m", "resilnet.cli", *args],
            env=env,
            capture_output=True,
            text=True,
            timeout=120,
            check=False,
        )

    assert resilnet("manage", "migrate", "-v", "0").returncode == 0
    data = tmp_path / "records.csv"
    data.write_text(HEADER + "a1,measure,Zero-rating,KEN,consumer_protection,mandatory\n")
    imported = resilnet("catalog", "import", str(data), "--format", "csv")
    assert imported.returncode == 0, imported.stderr
    assert "1 created" in imported.stdout
    exported = resilnet(
        "catalog", "export", "--format", "json", "--output", str(tmp_path / "x.json")
    )
    assert exported.returncode == 0, exported.stderr
    assert (
        json.loads((tmp_path / "x.json").read_text())["records"][0]["title"]["en"] == "Zero-rating"
    )
    assert resilnet("catalog", "check-index").returncode == 0
    assert resilnet("catalog", "reindex").returncode == 0


def test_any_search_as_csv(client, publish):
    publish(measure())
    publish(measure(title="Spectrum", countries=["EGY"], fields={"category": "spectrum"}))
    response = client.get("/catalog/search.csv?country=EGY")
    rows = list(csv.DictReader(io.StringIO(response.content.decode())))
    assert [row["title"] for row in rows] == ["Spectrum"]
    assert response["Content-Disposition"].startswith("attachment")
