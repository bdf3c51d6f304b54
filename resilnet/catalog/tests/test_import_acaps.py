"""The ACAPS government measures importer: one candidate per row, never the database."""

from __future__ import annotations

import io
from pathlib import Path

import pytest

from resilnet.catalog.importers import acaps
from resilnet.catalog.importers.base import ImportFormatError, RowError
from resilnet.catalog.schemas import RecordContent

DATA = Path(__file__).parent / "data"
HEADER = (
    "ID,COUNTRY,ISO,ADMIN_LEVEL_NAME,PCODE,LOG_TYPE,CATEGORY,MEASURE,TARGETED_POP_GROUP,"
    "COMMENTS,NON_COMPLIANCE,DATE_IMPLEMENTED,SOURCE,SOURCE_TYPE,LINK,ENTRY_DATE"
)
INTRO = "Introduction / extension of measures"


def parse_file(name: str):
    with (DATA / name).open("rb") as stream:
        return acaps.parse(stream)


def parse_text(text: str, encoding: str = "utf-8"):
    return acaps.parse(io.BytesIO(text.encode(encoding)))


def by_id(result):
    return {c.external_id: c for c in result.candidates}


def row(measure: str = "Curfews", comments: str = "Invented comment.", **cells: str) -> str:
    values = {
        "ID": "1",
        "COUNTRY": "Kenya",
        "ISO": "KEN",
        "LOG_TYPE": INTRO,
        "CATEGORY": "Movement restrictions",
        "MEASURE": measure,
        "COMMENTS": comments,
        "NON_COMPLIANCE": "Fines",
        "DATE_IMPLEMENTED": "2020-03-20",
        "LINK": "https://example.org/a",
        **cells,
    }
    quoted = {k: '"' + v.replace('"', '""') + '"' for k, v in values.items()}
    return ",".join(quoted.get(name, "") for name in HEADER.split(","))


def test_sample_yields_one_candidate_per_valid_row():
    result = parse_file("acaps_sample.csv")
    assert sorted(by_id(result)) == [f"acaps:{n}" for n in (101, 102, 103, 104, 105, 108, 109)]
    assert [c.row for c in result.candidates] == [2, 3, 4, 5, 6, 10, 11]


def test_row_errors_carry_row_and_column():
    assert parse_file("acaps_sample.csv").errors == [
        RowError(7, "DATE_IMPLEMENTED", "'31/02/2020' is not a date like 2020-03-12 or 12/03/2020"),
        RowError(8, "ID", "ID 105 already appears on row 6"),
        RowError(9, "MEASURE", "the measure is missing"),
    ]


@pytest.mark.parametrize("name", ["acaps_sample.csv", "acaps_latin1.csv", "acaps_bom.csv"])
def test_every_candidate_validates_as_record_content(name):
    for candidate in parse_file(name).candidates:
        content = RecordContent.model_validate(candidate.content)
        assert content.collection == "measure"
        assert content.title["en"]


def test_external_ids_are_stable():
    first, again = parse_file("acaps_sample.csv"), parse_file("acaps_sample.csv")
    assert [(c.external_id, c.content) for c in first.candidates] == [
        (c.external_id, c.content) for c in again.candidates
    ]


def test_mapping_of_a_row():
    curfew = by_id(parse_file("acaps_sample.csv"))["acaps:102"].content
    assert curfew["title"]["en"] == "Nairobi (Kenya): Curfews"
    assert curfew["countries"] == ["KEN"]
    assert curfew["date"] == "2020-03-17"  # written 17/03/2020
    assert set(curfew["tags"]) == {"acaps", "movement-restrictions", "subnational"}
    assert curfew["links"] == [
        {"url": "https://example.org/ken/curfew", "label": "National Police"},
        {"url": "https://example.org/ken/curfew-2", "label": "National Police"},
    ]
    fields = curfew["fields"]
    assert fields["sources"] == [
        "https://example.org/ken/curfew",
        "https://example.org/ken/curfew-2",
    ]
    assert (fields["binding"], fields["measure_status"], fields["phase"]) == (
        "mandatory",
        "in_force",
        "emergency",
    )
    assert (fields["code"], fields["authority"], fields["category"]) == ("", "", "other")


def test_phase_out_is_expired_recovery_and_excel_dates_are_read():
    content = by_id(parse_file("acaps_sample.csv"))["acaps:103"].content
    assert content["date"] == "2020-06-01"  # written 2020-06-01 00:00:00
    assert content["fields"]["measure_status"] == "expired"
    assert content["fields"]["phase"] == "recovery"
    assert content["title"]["en"].endswith("phase-out")


def test_binding_follows_non_compliance_and_recommendations():
    ids = by_id(parse_file("acaps_sample.csv"))
    assert ids["acaps:101"].content["fields"]["binding"] == "mandatory"  # "Not available"
    assert ids["acaps:104"].content["fields"]["binding"] == "voluntary"  # "Not applicable"
    assert ids["acaps:105"].content["fields"]["binding"] == "voluntary"  # a recommendation


def test_ict_categories_come_from_explicit_words_only():
    ids = by_id(parse_file("acaps_sample.csv"))
    assert ids["acaps:104"].content["fields"]["category"] == "consumer_protection"
    assert ids["acaps:105"].content["fields"]["category"] == "network_resilience"
    result = parse_text(
        "\n".join(
            [
                HEADER,
                row(comments="Mobile testing units visit villages; rules on the internet.", ID="1"),
                row(measure="Internet access for schools", ID="2"),
            ]
        )
    )
    categories = {c.external_id: c.content["fields"]["category"] for c in result.candidates}
    assert categories == {"acaps:1": "other", "acaps:2": "network_resilience"}


def test_targeted_groups_and_non_url_links():
    content = by_id(parse_file("acaps_sample.csv"))["acaps:108"].content
    assert "older-people" in content["tags"]
    assert content["fields"]["stakeholder"] == "Older people"
    assert content["links"] == []
    assert content["fields"]["sources"] == []
    assert content["summary"]["en"].endswith("Source: Press conference, 25 March")
    assert "targeted" in by_id(parse_file("acaps_sample.csv"))["acaps:104"].content["tags"]


def test_a_row_without_date_or_comments_is_kept():
    content = by_id(parse_file("acaps_sample.csv"))["acaps:109"].content
    assert content["date"] is None
    assert content["fields"]["effective_on"] is None
    assert content["summary"]["en"] == "Testing policy in Kenya, as recorded by ACAPS."


def test_latin1_file_is_decoded():
    result = parse_file("acaps_latin1.csv")
    assert result.errors == []
    titles = [c.content["title"]["en"] for c in result.candidates]
    assert titles == [
        "Abidjan (Côte d'Ivoire): Checkpoints within the country",
        "Côte d'Ivoire: Limit public gatherings — phase-out",
    ]
    assert "été" in result.candidates[0].content["summary"]["en"]
    assert result.candidates[1].content["date"] == "2020-05-15"


def test_utf8_bom_file_is_decoded():
    result = parse_file("acaps_bom.csv")
    assert result.errors == []
    assert sorted(by_id(result)) == ["acaps:301", "acaps:302"]
    title = by_id(result)["acaps:302"].content["title"]["en"]
    assert title == "İstanbul (Türkiye): Partial lockdown"


def test_header_is_case_insensitive_and_trimmed():
    header = ", ".join(f" {name.lower()} " for name in HEADER.split(","))
    result = parse_text(f"{header}\n{row(ID='7')}\n{row(ID='7')}\n")
    assert [c.external_id for c in result.candidates] == ["acaps:7"]
    assert result.errors == [RowError(3, "id", "ID 7 already appears on row 2")]


def test_more_row_errors():
    result = parse_text(
        "\n".join(
            [
                HEADER,
                row(ID=""),
                row(ID="has space"),
                row(ID="3", ISO="KE"),
                row(ID="4", DATE_IMPLEMENTED="March 2020"),
                row(ID="5.0", MEASURE=""),
                row(ID="5"),
            ]
        )
    )
    assert [(e.row, e.column) for e in result.errors] == [
        (2, "ID"),
        (3, "ID"),
        (4, "ISO"),
        (5, "DATE_IMPLEMENTED"),
        (6, "MEASURE"),
        (7, "ID"),  # "5.0" from Excel is the ID 5
    ]
    assert result.candidates == []


def test_hostile_cells_are_kept_as_text():
    formula = "=cmd|' /C calc'!A0"
    content = by_id(parse_file("acaps_sample.csv"))["acaps:108"].content
    assert content["summary"]["en"].startswith(formula)
    result = parse_text(f"{HEADER}\n{row(measure=formula, LINK=formula)}\n")
    [candidate] = result.candidates
    validated = RecordContent.model_validate(candidate.content)
    assert validated.title["en"] == f"Kenya: {formula}"
    assert validated.links == []


def test_huge_comments_are_truncated():
    result = parse_text(f"{HEADER}\n{row(comments='Invented words. ' * 62_000)}\n")
    [candidate] = result.candidates
    content = RecordContent.model_validate(candidate.content)
    assert len(content.summary["en"]) <= 5000
    assert len(content.body["en"]) <= 100_000


@pytest.mark.parametrize(
    ("data", "message"),
    [
        (b"", "empty"),
        (b"\x00\x01\x02\x03binary\x00", "binary"),
        (b"PK\x03\x04\x14\x00\x06\x00", "xlsx"),
        (b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1", "xls"),
        (b"\n<html><head><title>Sign in</title></head></html>\n", "HTML"),
        (b"CountryName,CountryCode,Date\nFrance,FRA,20200301\n", "missing column"),
        (b"ID,ISO,MEASURE,id,DATE_IMPLEMENTED\n1,KEN,Curfews,2,2020-03-01\n", "appears twice"),
    ],
)
def test_malformed_files_raise_a_clear_format_error(data, message):
    with pytest.raises(ImportFormatError, match=message) as caught:
        acaps.parse(io.BytesIO(data))
    assert "\n" not in str(caught.value)
