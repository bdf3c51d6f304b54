"""GSM 03.38 / UCS-2 measurement and splitting of SMS texts (resilnet/alerts/gsm.py)."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from resilnet.alerts import gsm


def test_the_default_alphabet_has_128_septets_and_its_escape():
    assert len(gsm.BASIC) == 128
    assert gsm.BASIC[gsm.ESC] == "\x1b"
    assert gsm.BASIC[0x00] == "@"
    assert gsm.BASIC[0x24] == "¤"
    assert gsm.BASIC[0x7F] == "à"


@pytest.mark.parametrize(
    ("text", "encoding", "units", "segments"),
    [
        ("", "GSM-7", 0, 0),
        ("a" * 160, "GSM-7", 160, 1),
        ("a" * 161, "GSM-7", 161, 2),
        ("a" * 306, "GSM-7", 306, 2),
        ("a" * 307, "GSM-7", 307, 3),
        ("€" * 80, "GSM-7", 160, 1),  # each euro sign is ESC + 0x65
        ("€" * 81, "GSM-7", 162, 2),  # 76 per part (152 septets): never half an escape
        ("€" * 153, "GSM-7", 306, 3),  # 76 + 76 + 1
        ("é" * 160, "GSM-7", 160, 1),  # é is in the default alphabet
        ("ç" * 70, "UCS-2", 70, 1),  # ç is not (only Ç is)
        ("ç" * 71, "UCS-2", 71, 2),
        ("ç" * 134, "UCS-2", 134, 2),
        ("ç" * 135, "UCS-2", 135, 3),
        ("😷" * 35, "UCS-2", 70, 1),
        ("😷" * 34 + "a" * 2, "UCS-2", 70, 1),
        ("تحذير", "UCS-2", 5, 1),
    ],
)
def test_measure_counts_units_and_segments(text, encoding, units, segments):
    measured = gsm.measure(text)
    assert (measured.encoding, measured.units, measured.segments) == (encoding, units, segments)
    assert measured.characters == len(text)
    assert len(gsm.split(text)) == segments


def test_gsm_basic_characters_cost_one_septet_extension_two():
    assert gsm.measure("Cholera: boil water @ home £$¥").units == 30
    assert gsm.measure("[x]").units == 5
    assert gsm.measure("{}^~|\\€[]").units == 18


def test_an_escape_sequence_is_never_split_across_parts():
    # 152 plain septets then a euro sign: the escape would be septet 153, the euro 154.
    text = "a" * 152 + "€" + "b" * 10
    parts = gsm.split(text)
    assert parts[0] == b"a" * 152  # the euro moved to the next part whole
    assert parts[1][:2] == bytes((gsm.ESC, 0x65))
    assert all(len(p) <= 153 for p in parts)


def test_a_surrogate_pair_is_never_split_across_parts():
    text = "ç" * 66 + "😷" + "ç" * 10
    parts = gsm.split(text)
    assert len(parts[0]) == 66 * 2
    assert parts[1][:4] == "😷".encode("utf-16-be")
    assert all(len(p) <= 67 * 2 for p in parts)


def test_one_character_outside_gsm_turns_the_whole_text_to_ucs2():
    assert gsm.measure("a" * 100 + "ç").encoding == "UCS-2"
    assert gsm.measure("a" * 100 + "ç").segments == 2


@pytest.mark.parametrize(
    ("text", "index"), [("ab\x00c", 2), ("\ud83d", 0), ("ok\tno", 2), ("x\x7f", 1)]
)
def test_text_no_encoding_carries_is_refused_naming_the_position(text, index):
    with pytest.raises(gsm.UnencodableText) as raised:
        gsm.measure(text)
    assert raised.value.index == index
    assert f"character {index + 1} " in str(raised.value)


def test_line_breaks_are_allowed():
    assert gsm.measure("a\r\nb").encoding == "GSM-7"


def test_smpp_parts_carry_the_concatenation_header_in_order():
    parts = gsm.smpp_parts("ç" * 140, reference=0x2A)
    assert [p[0] for p in parts] == [0x40, 0x40, 0x40]
    assert [p[1] for p in parts] == [8, 8, 8]
    assert [p[2][:6] for p in parts] == [bytes((5, 0, 3, 0x2A, 3, seq)) for seq in (1, 2, 3)]
    assert all(len(p[2]) <= 140 for p in parts)  # 6 header octets + 67 units * 2


def test_a_single_part_has_no_header():
    assert gsm.smpp_parts("Boil water", reference=1) == [(0, 0, b"Boil water")]


def test_a_reference_outside_one_octet_is_refused():
    with pytest.raises(ValueError, match="reference 256"):
        gsm.smpp_parts("x", reference=256)


@pytest.mark.parametrize(
    ("payload", "coding", "message"),
    [
        (b"\x1b", 0, "byte 1"),
        (b"a\x1b\x01", 0, "byte 2"),
        (b"\x80", 0, "byte 0"),
        (b"a", 3, "0x03"),
    ],
)
def test_malformed_payloads_are_refused_naming_the_byte(payload, coding, message):
    with pytest.raises(ValueError, match=message):
        gsm.decode(payload, coding)


sms_text = st.text(
    alphabet=st.one_of(
        st.sampled_from(list(gsm.BASIC.replace("\x1b", "")) + list(gsm.EXTENSION)),
        st.characters(blacklist_categories=("Cs", "Cc")),
    ),
    max_size=700,
)


@given(sms_text)
def test_parts_decode_back_to_the_text(text):
    parts = gsm.smpp_parts(text, reference=7) if text else []
    assert gsm.join(parts) == text
    measured = gsm.measure(text)
    assert len(parts) == measured.segments
    single, part = gsm.LIMITS[measured.encoding]
    unit_bytes = 1 if measured.encoding == "GSM-7" else 2
    limit = single if len(parts) == 1 else part
    assert all(len(p) <= limit * unit_bytes for p in gsm.split(text))


@given(st.text(alphabet=st.sampled_from(list(gsm.BASIC.replace("\x1b", ""))), max_size=400))
def test_gsm_texts_stay_gsm_and_count_one_septet_a_character(text):
    measured = gsm.measure(text)
    assert measured.encoding == "GSM-7"
    assert measured.units == len(text)
