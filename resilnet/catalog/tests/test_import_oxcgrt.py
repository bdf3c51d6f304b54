"""The OxCGRT importer: changes counted per jurisdiction and indicator, never the database."""

from __future__ import annotations

import io
from collections import Counter
from pathlib import Path

import pytest

from resilnet.catalog.importers import oxcgrt
from resilnet.catalog.importers.base import ImportFormatError, RowError
from resilnet.catalog.schemas import RecordContent

DATA = Path(__file__).parent / "data"
HEADER = (
    "CountryName,CountryCode,RegionName,RegionCode,Jurisdiction,Date,"
    "C1_School closing,C1_Flag,C1_Notes"
)


def parse_file(name: str):
    with (DATA / name).open("rb") as stream:
        return oxcgrt.parse(stream)


def parse_text(text: str):
    return oxcgrt.parse(io.BytesIO(text.encode()))


def by_id(result):
    return {c.external_id: c for c in result.candidates}


def test_sample_counts_each_change_once():
    result = parse_file("oxcgrt_sample.csv")
    per_series = Counter(c.external_id.rsplit(":", 1)[0] for c in result.candidates)
    assert per_series == {
        # level 2 with note A, same level with note B, back to 0
        "oxcgrt:BRA:NAT:C1E": 3,
        "oxcgrt:BRA:NAT:C1NV": 3,  # 2, 3, back to 0
        "oxcgrt:BRA:NAT:H6M": 2,  # 1 general, 2 targeted
        "oxcgrt:BRA:NAT:E3": 1,  # one amount announced
        "oxcgrt:BRA:BR_SP:C1E": 3,  # 1, 3, then the flag turns general
        "oxcgrt:BRA:BR_SP:C1NV": 3,
        "oxcgrt:BRA:BR_SP:H6M": 1,  # unchanged for six days
        "oxcgrt:KEN:NAT:C1E": 1,
        "oxcgrt:KEN:NAT:C1NV": 2,
        "oxcgrt:KEN:NAT:H6M": 1,
        "oxcgrt:KEN:NAT:V2B": 2,  # age bands, compared as text
    }
    assert len(result.candidates) == 22


def test_every_candidate_validates_as_record_content():
    for name in ("oxcgrt_sample.csv", "oxcgrt_legacy.csv"):
        for candidate in parse_file(name).candidates:
            content = RecordContent.model_validate(candidate.content)
            assert content.collection == "measure"
            assert content.fields["effective_on"] == content.date.isoformat()
            assert len(candidate.external_id) <= 200


def test_external_ids_are_stable_whatever_the_row_order():
    text = (DATA / "oxcgrt_sample.csv").read_text(encoding="utf-8")
    header, *rows = text.splitlines()
    reversed_file = "\n".join([header, *reversed(rows)]) + "\n"
    first, again, reordered = (
        parse_file("oxcgrt_sample.csv"),
        parse_file("oxcgrt_sample.csv"),
        parse_text(reversed_file),
    )
    assert [c.external_id for c in first.candidates] == [c.external_id for c in again.candidates]
    assert by_id(first).keys() == by_id(reordered).keys()
    for external_id, candidate in by_id(first).items():
        assert by_id(reordered)[external_id].content == candidate.content
    assert "oxcgrt:BRA:BR_SP:C1E:2021-03-01" in by_id(first)
    assert "oxcgrt:KEN:NAT:C1NV:2021-03-06" in by_id(first)


def test_baseline_zero_blank_days_and_carried_notes_are_not_changes():
    ids = by_id(parse_file("oxcgrt_sample.csv"))
    # 2021-03-01 is level 0 everywhere in Brazil: nothing was ever in force, nothing to say.
    assert not [i for i in ids if i.startswith("oxcgrt:BRA:NAT:") and i.endswith("2021-03-01")]
    # 2021-03-03 repeats 03-02 with a blank note; 03-04 is a blank day; neither is a change.
    assert "oxcgrt:BRA:NAT:C1E:2021-03-03" not in ids
    assert "oxcgrt:BRA:NAT:C1E:2021-03-04" not in ids
    assert "oxcgrt:BRA:NAT:C1NV:2021-03-04" not in ids


def test_a_new_note_without_a_level_change_is_a_change():
    ids = by_id(parse_file("oxcgrt_sample.csv"))
    before, after = ids["oxcgrt:BRA:NAT:C1E:2021-03-02"], ids["oxcgrt:BRA:NAT:C1E:2021-03-05"]
    assert before.content["summary"]["en"] == "Invented note A: older pupils stay home."
    assert after.content["summary"]["en"].startswith("Invented note B")
    assert after.content["fields"]["measure_status"] == "in_force"


def test_back_to_level_zero_is_an_expiry():
    ids = by_id(parse_file("oxcgrt_sample.csv"))
    end = ids["oxcgrt:BRA:NAT:C1E:2021-03-06"]
    assert end.content["fields"]["measure_status"] == "expired"
    assert end.content["fields"]["binding"] == "voluntary"
    assert "level 0" in end.content["title"]["en"]
    # The summary is generated when the day has no note, not carried from note B.
    assert "moved from level 2" in end.content["summary"]["en"]


def test_mapping_of_one_change():
    ids = by_id(parse_file("oxcgrt_sample.csv"))
    content = ids["oxcgrt:BRA:BR_SP:C1NV:2021-03-03"].content
    assert content["title"]["en"].startswith("São Paulo (Brazil): C1NV School closing")
    assert "level 3" in content["title"]["en"]
    assert content["countries"] == ["BRA"]
    assert content["date"] == "2021-03-03"
    assert set(content["tags"]) == {
        "oxcgrt",
        "c1nv",
        "c1",
        "subnational",
        "targeted",
        "non-vaccinated",
    }
    fields = content["fields"]
    assert fields["code"] == "C1NV"
    assert fields["binding"] == "mandatory"  # level 3 requires closing
    assert fields["phase"] == "emergency"
    assert fields["category"] == "other"
    assert fields["stakeholder"] == "non-vaccinated people"
    general = ids["oxcgrt:BRA:BR_SP:C1NV:2021-03-05"].content
    assert "general" in general["tags"]


def test_money_indicators_and_urls_in_notes():
    ids = by_id(parse_file("oxcgrt_sample.csv"))
    assert "USD 1,000,000" in ids["oxcgrt:BRA:NAT:E3:2021-03-03"].content["title"]["en"]
    masks = ids["oxcgrt:BRA:NAT:H6M:2021-03-02"].content
    assert masks["fields"]["sources"] == ["https://example.org/bra/masks"]
    assert masks["fields"]["binding"] == "voluntary"  # level 1: recommended


def test_row_errors_carry_row_and_column():
    result = parse_file("oxcgrt_sample.csv")
    assert result.errors == [
        RowError(11, "C1E_School closing", "'x' is not a number"),
        RowError(11, "H6M_Facial Coverings", "level 5 is out of range: H6 goes from 0 to 4"),
        RowError(14, "Date", "'2021031' is not a date like 20200316"),
    ]
    # The valid cells of row 11 still count: C1NV stays at 3 and is not a change.
    assert all(c.row != 14 for c in result.candidates)


def test_legacy_release_without_regions_or_variants():
    result = parse_file("oxcgrt_legacy.csv")
    assert result.errors == []
    ids = by_id(result)
    assert Counter(i.split(":")[1] for i in ids) == {"ITA": 10, "ABW": 2}
    assert ids["oxcgrt:ITA:NAT:C1:2020-02-22"].content["fields"]["binding"] == "mandatory"
    assert ids["oxcgrt:ITA:NAT:C2:2020-02-22"].content["fields"]["binding"] == "voluntary"
    assert ids["oxcgrt:ITA:NAT:H1:2020-02-20"].content["fields"]["category"] == "emergency_telecom"
    assert "all-workers" in ids["oxcgrt:ITA:NAT:E1:2020-02-24"].content["tags"]
    assert ids["oxcgrt:ABW:NAT:C1:2020-02-22"].content["fields"]["measure_status"] == "expired"
    assert not any(i.endswith(":M1:2020-02-20") for i in ids)  # the wildcard is not an indicator


def test_unknown_country_code_and_subnational_without_region_code():
    result = parse_text(
        f"{HEADER}\n"
        "Somewhere,XX,,,NAT_TOTAL,20200301,1,1,\n"
        "Brazil,BRA,Bahia,,STATE_TOTAL,20200301,1,1,\n"
        "Brazil,bra,,,NAT_TOTAL,20200301,1,1,\n"
    )
    assert [(e.row, e.column) for e in result.errors] == [(2, "CountryCode"), (3, "RegionCode")]
    assert [c.external_id for c in result.candidates] == ["oxcgrt:BRA:NAT:C1:2020-03-01"]


def test_other_jurisdictions_do_not_collide_with_totals():
    result = parse_text(
        f"{HEADER}\n"
        "United States,USA,,,NAT_TOTAL,20200301,2,1,\n"
        "United States,USA,,,NAT_GOV,20200301,1,1,\n"
    )
    assert result.errors == []
    assert sorted(c.external_id for c in result.candidates) == [
        "oxcgrt:USA:NAT:C1:2020-03-01",
        "oxcgrt:USA:NAT~NAT_GOV:C1:2020-03-01",
    ]


def test_bad_flag_and_fractional_level():
    result = parse_text(
        f"{HEADER}\nFrance,FRA,,,NAT_TOTAL,20200301,2.5,,\nFrance,FRA,,,NAT_TOTAL,20200302,2,7,\n"
    )
    assert [(e.row, e.column) for e in result.errors] == [(2, "C1_School closing"), (3, "C1_Flag")]
    assert result.candidates == []


def test_hostile_cells_are_kept_as_text():
    ids = by_id(parse_file("oxcgrt_sample.csv"))
    formula = ids["oxcgrt:KEN:NAT:C1E:2021-03-02"].content
    assert formula["summary"]["en"] == "=cmd|' /C calc'!A0"
    RecordContent.model_validate(formula)


def test_a_huge_note_is_truncated():
    note = "Invented note. " * 66_000  # 990,000 characters, just under the CSV field limit
    result = parse_text(f'{HEADER}\nFrance,FRA,,,NAT_TOTAL,20200301,3,1,"{note}"\n')
    [candidate] = result.candidates
    content = RecordContent.model_validate(candidate.content)
    assert len(content.summary["en"]) <= 5000
    assert content.summary["en"].endswith("…")
    assert len(content.body["en"]) <= 100_000


def test_a_field_over_the_csv_limit_is_a_format_error():
    note = "x" * 1_100_000
    with pytest.raises(ImportFormatError, match="row"):
        parse_text(f'{HEADER}\nFrance,FRA,,,NAT_TOTAL,20200301,3,1,"{note}"\n')


def test_header_only_file_is_empty_not_an_error():
    result = parse_text(HEADER + "\n")
    assert (result.candidates, result.errors) == ([], [])


@pytest.mark.parametrize(
    ("data", "message"),
    [
        (b"", "empty"),
        (b"   \n\n", "empty"),
        (b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00", "binary"),
        (b"PK\x03\x04\x14\x00\x06\x00", "ZIP"),
        (b"<!DOCTYPE html>\n<html><body>Not found</body></html>\n", "HTML"),
        (b"CountryName,Date,C1_School closing\nFrance,20200301,1\n", "missing column.*CountryCode"),
        (b"id,title,url\n1,Something,https://example.org\n", "missing column"),
        (
            b"CountryName,CountryCode,Date,StringencyIndex,ConfirmedCases\nFrance,FRA,20200301,10,1\n",
            "no indicator columns",
        ),
    ],
)
def test_malformed_files_raise_a_clear_format_error(data, message):
    with pytest.raises(ImportFormatError, match=message) as caught:
        oxcgrt.parse(io.BytesIO(data))
    assert "\n" not in str(caught.value)


def test_garbage_text_is_a_format_error():
    garbage = bytes(range(0x80, 0x100)) * 50
    with pytest.raises(ImportFormatError, match="missing column"):
        oxcgrt.parse(io.BytesIO(garbage))


def test_indicator_columns_are_detected_by_pattern():
    header = [
        "CountryCode",
        "Date",
        "C1_School closing",
        "C1_Flag",
        "C1_combined_numeric",
        "C1M_School closing",
        "C1M_Flag",
        "C1_Notes",
        "H6NV_Facial Coverings",
        "V1_General 16-19 yrs",
        "V2A_Vaccine Availability (summary)",
        "V2E_Education",
        "V4_Mandatory Vaccination (summary)",
        "M1_Wildcard",
        "StringencyIndex_Average",
        "ConfirmedCases",
    ]
    columns, indicators = oxcgrt._indicators(header)
    assert [(i.code, i.base, i.variant) for i in indicators] == [
        ("C1", "C1", ""),
        ("C1M", "C1", "M"),
        ("H6NV", "H6", "NV"),
        ("V2A", "V2A", ""),
        ("V2E", "V2E", ""),
        ("V4", "V4", ""),
    ]
    c1, c1m = indicators[0], indicators[1]
    assert c1m.notes == c1.notes  # one note for every variant
    assert c1m.notes is not None
    assert columns[c1m.notes] == "C1_Notes"
    assert "C1_combined_numeric" not in columns
    assert "V1_General 16-19 yrs" not in columns  # per-group vaccine columns are not summaries


def test_a_shared_note_is_read_for_every_variant():
    ids = by_id(parse_file("oxcgrt_sample.csv"))
    nv = ids["oxcgrt:BRA:NAT:C1NV:2021-03-02"].content
    assert nv["summary"]["en"] == "Invented note A: older pupils stay home."


def test_vaccination_mandate_is_binding_and_other_levels_of_government_are_kept_apart():
    result = parse_text(
        "CountryName,CountryCode,RegionName,RegionCode,Jurisdiction,Date,"
        "V4_Mandatory Vaccination (summary)\n"
        "Canada,CAN,,,NAT_TOTAL,20211001,1\n"
        "Canada,CAN,Ontario,CAN_ON,STATE_TOTAL,20211001,1\n"
        "Canada,CAN,Ontario,CAN_ON,STATE_WIDE,20211002,1\n"
        "Brazil,BRA,,,CITY_WIDE,20211002,1\n"
    )
    assert [(e.row, e.column) for e in result.errors] == [(5, "RegionCode")]
    ids = by_id(result)
    assert sorted(ids) == [
        "oxcgrt:CAN:CAN_ON:V4:2021-10-01",
        "oxcgrt:CAN:CAN_ON~STATE_WIDE:V4:2021-10-02",
        "oxcgrt:CAN:NAT:V4:2021-10-01",
    ]
    assert {c.content["fields"]["binding"] for c in ids.values()} == {"mandatory"}
