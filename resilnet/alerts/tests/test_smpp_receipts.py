"""Delivery receipts: parsed from parameters or text, states mapped to outcomes, ids matched
whether written in decimal or hexadecimal, malformed receipts refused by field."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from resilnet.alerts.smpp import pdu as P
from resilnet.alerts.smpp.receipts import (
    ReceiptError,
    _parse_fields,
    canonical_message_id,
    is_receipt,
    parse_receipt,
    parse_receipt_text,
    receipt_id_keys,
)


def receipt(text: bytes, tlvs: dict[int, bytes] | None = None) -> P.DeliverSm:
    return P.DeliverSm(esm_class=0x04, short_message=text, tlvs=tlvs or {})


def test_the_text_form_gives_id_state_error_and_dates() -> None:
    parsed = parse_receipt(
        receipt(
            b"id:0123456789 sub:001 dlvrd:001 submit date:2611281200 done date:2611281201 "
            b"stat:DELIVRD err:000 text:Cholera: boil water"
        )
    )
    assert parsed.message_id == "0123456789"
    assert (parsed.smsc_state, parsed.outcome, parsed.final) == ("DELIVRD", "delivered", True)
    assert (parsed.submit_date, parsed.done_date, parsed.error) == (
        "2611281200",
        "2611281201",
        "000",
    )
    assert parsed.text == "Cholera: boil water"


@pytest.mark.parametrize(
    ("stat", "outcome"),
    [
        ("DELIVRD", "delivered"),
        ("UNDELIV", "undeliverable"),
        ("EXPIRED", "expired"),
        ("REJECTD", "rejected"),
        ("DELETED", "failed"),
        ("ACCEPTD", "failed"),
        ("UNKNOWN", "failed"),
        ("ENROUTE", None),
        ("undeliv", "undeliverable"),
    ],
)
def test_each_state_maps_to_a_message_outcome(stat: str, outcome: str | None) -> None:
    parsed = parse_receipt(receipt(f"id:7 stat:{stat} err:000".encode()))
    assert parsed.outcome == outcome


def test_the_parameters_win_over_the_text() -> None:
    parsed = parse_receipt(
        receipt(
            b"id:999 stat:DELIVRD",
            {
                P.Tag.RECEIPTED_MESSAGE_ID: b"A0000001\0",
                P.Tag.MESSAGE_STATE: bytes((P.MessageState.EXPIRED,)),
                P.Tag.NETWORK_ERROR_CODE: b"\x03\x00\x1b",
            },
        )
    )
    assert (parsed.message_id, parsed.outcome) == ("A0000001", "expired")


def test_parameters_alone_are_enough_and_network_errors_are_kept() -> None:
    parsed = parse_receipt(
        receipt(
            b"",
            {
                P.Tag.RECEIPTED_MESSAGE_ID: b"42",
                P.Tag.MESSAGE_STATE: bytes((P.MessageState.UNDELIVERABLE,)),
                P.Tag.NETWORK_ERROR_CODE: b"\x03\x00\x1b",
            },
        )
    )
    assert (parsed.message_id, parsed.outcome, parsed.error) == ("42", "undeliverable", "03001b")


@pytest.mark.parametrize(
    ("text", "tlvs", "field"),
    [
        (b"sub:001 stat:DELIVRD", {}, "id"),
        (b"id: stat:DELIVRD", {}, "id"),
        (b"id:12 err:000", {}, "stat"),
        (b"id:12 stat:GONE", {}, "stat"),
        (b"id:" + b"9" * 80 + b" stat:DELIVRD", {}, "id"),
        (b"", {P.Tag.RECEIPTED_MESSAGE_ID: b"12", P.Tag.MESSAGE_STATE: b"\x09"}, "message_state"),
        (b"\xff\xfe garbage", {}, "id"),
    ],
)
def test_malformed_receipts_are_refused_naming_the_field(
    text: bytes, tlvs: dict[int, bytes], field: str
) -> None:
    with pytest.raises(ReceiptError) as caught:
        parse_receipt(receipt(text, tlvs))
    assert caught.value.field == field


@given(st.binary(max_size=300))
def test_any_text_is_parsed_or_refused_never_crashes(text: bytes) -> None:
    try:
        parse_receipt(receipt(text))
    except ReceiptError:
        pass


def test_a_text_field_quoting_other_keys_is_kept_whole() -> None:
    fields = parse_receipt_text(b"id:5 stat:DELIVRD text:stat:UNDELIV id:6")
    assert (fields["id"], fields["stat"], fields["text"]) == ("5", "DELIVRD", "stat:UNDELIV id:6")


# Values made of what could confuse a reader: keys, blanks, colons, letters of any case.
_TRICKY_VALUE = st.lists(
    st.sampled_from(["id", "sub", "stat", "text", "submit_date", "ID", ":", " ", "\xa0", "x", "7"]),
    max_size=4,
).map("".join)


@given(st.lists(_TRICKY_VALUE, min_size=8, max_size=8), _TRICKY_VALUE)
def test_the_appendix_b_form_reads_as_the_key_by_key_parser_reads_it(
    values: list[str], before: str
) -> None:
    text = before + (
        "id:{} sub:{} dlvrd:{} submit date:{} done date:{} stat:{} err:{} text:{}"
    ).format(*values)
    assert parse_receipt_text(text.encode("latin-1")) == _parse_fields(text)


def test_a_value_hiding_a_key_is_read_key_by_key() -> None:
    fields = parse_receipt_text(
        b"id:5id:6 sub:001 dlvrd:001 submit date:2611281200 done date:2611281201 "
        b"stat:DELIVRD err:000 text:"
    )
    assert (fields["id"], fields["stat"], fields["text"]) == ("5", "DELIVRD", "")


def test_receipts_are_told_from_phone_messages() -> None:
    assert is_receipt(receipt(b"id:1 stat:DELIVRD"))
    assert is_receipt(P.DeliverSm(tlvs={P.Tag.RECEIPTED_MESSAGE_ID: b"1\0"}))
    assert not is_receipt(P.DeliverSm(short_message=b"STOP"))


@pytest.mark.parametrize(
    ("submitted", "in_receipt"),
    [
        ("2684354561", "A0000001"),  # decimal answer, hexadecimal receipt
        ("a0000001", "2684354561"),  # the reverse
        ("0000123", "123"),  # leading zeros
        ("1E240", "1e240"),  # case
        ("0x1F", "31"),
        ("3f2504e0-4f89-11d3-9a0c-0305e82c3301", "3F2504E0-4F89-11D3-9A0C-0305E82C3301"),
    ],
)
def test_message_ids_match_whether_written_in_decimal_or_hexadecimal(
    submitted: str, in_receipt: str
) -> None:
    assert canonical_message_id(submitted) in receipt_id_keys(in_receipt)


def test_a_digits_only_receipt_id_offers_both_readings_decimal_first() -> None:
    assert receipt_id_keys("10") == ("10", "16")
    assert receipt_id_keys("5") == ("5",)


def test_an_overlong_message_id_is_refused() -> None:
    with pytest.raises(ReceiptError):
        canonical_message_id("1" * 65)
    with pytest.raises(ReceiptError):
        receipt_id_keys("f" * 65)
