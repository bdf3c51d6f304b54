"""The SMPP 3.4 codec: round trips, strict refusals naming field and offset, fuzzing, and
agreement with an independent implementation (smpplib) in both directions."""

from __future__ import annotations

import struct

import pytest
import smpplib.consts
import smpplib.smpp
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from resilnet.alerts.smpp import pdu as P


def cstr(max_chars: int) -> st.SearchStrategy[str]:
    return st.text(alphabet=st.characters(min_codepoint=1, max_codepoint=255), max_size=max_chars)


byte = st.integers(0, 255)
sequence = st.integers(1, 0x7FFFFFFF)
tlv_values = st.dictionaries(
    st.sampled_from([P.Tag.MESSAGE_PAYLOAD, 0x1400, 0x1401]),  # free-length and vendor tags
    st.binary(max_size=300),
    max_size=3,
)

short_messages = st.builds(
    lambda cls, **kw: cls(**kw),
    st.sampled_from([P.SubmitSm, P.DeliverSm]),
    sequence=sequence,
    service_type=cstr(5),
    source_addr_ton=byte,
    source_addr_npi=byte,
    source_addr=cstr(20),
    dest_addr_ton=byte,
    dest_addr_npi=byte,
    destination_addr=cstr(20),
    esm_class=byte,
    protocol_id=byte,
    priority_flag=byte,
    schedule_delivery_time=st.sampled_from(["", "260101120000000+"]),
    validity_period=st.sampled_from(["", "000001000000000R"]),
    registered_delivery=byte,
    replace_if_present_flag=byte,
    data_coding=byte,
    sm_default_msg_id=byte,
    short_message=st.binary(max_size=254),
    tlvs=tlv_values,
)
binds = st.builds(
    lambda cls, **kw: cls(**kw),
    st.sampled_from([P.BindTransmitter, P.BindReceiver, P.BindTransceiver]),
    sequence=sequence,
    system_id=cstr(15),
    password=cstr(8),
    system_type=cstr(12),
    interface_version=byte,
    addr_ton=byte,
    addr_npi=byte,
    address_range=cstr(40),
)
responses = st.one_of(
    st.builds(
        lambda cls, **kw: cls(**kw),
        st.sampled_from([P.SubmitSmResp, P.DeliverSmResp]),
        sequence=sequence,
        status=st.integers(0, 0xFF),
        message_id=cstr(64),
    ),
    st.builds(
        lambda cls, **kw: cls(**kw),
        st.sampled_from([P.BindTransmitterResp, P.BindReceiverResp, P.BindTransceiverResp]),
        sequence=sequence,
        status=st.integers(0, 0xFF),
        system_id=cstr(15),
    ),
    st.builds(
        lambda cls, **kw: cls(**kw),
        st.sampled_from([P.EnquireLink, P.EnquireLinkResp, P.Unbind, P.UnbindResp, P.GenericNack]),
        sequence=sequence,
        status=st.integers(0, 0xFF),
    ),
)
any_pdu = st.one_of(short_messages, binds, responses)


def decode_error(data: bytes) -> P.PduError | None:
    """The codec's error for `data`, None when it decodes; anything else propagates."""
    try:
        P.decode(data)
    except P.PduError as error:
        return error
    return None


@given(any_pdu)
def test_every_pdu_survives_a_round_trip(pdu: P.Pdu) -> None:
    data = P.encode(pdu)
    assert struct.unpack(">I", data[:4])[0] == len(data)
    assert P.decode(data) == pdu


@settings(max_examples=500, suppress_health_check=[HealthCheck.too_slow])
@given(st.binary(max_size=600))
def test_random_bytes_raise_only_the_codecs_error(data: bytes) -> None:
    error = decode_error(data)
    if error is not None:
        assert error.field
        assert 0 <= error.offset <= len(data)


@settings(max_examples=500)
@given(any_pdu, st.data())
def test_damaged_pdus_raise_only_the_codecs_error(pdu: P.Pdu, data: st.DataObject) -> None:
    raw = bytearray(P.encode(pdu))
    position = data.draw(st.integers(16, max(16, len(raw))))
    how = data.draw(st.sampled_from(["cut", "flip", "insert"]))
    if how == "cut":
        raw = raw[:position]
        raw[:4] = struct.pack(">I", len(raw))  # a consistent length: the body is what fails
    elif how == "flip" and position < len(raw):
        raw[position] ^= data.draw(st.integers(1, 255))
    else:
        raw[position:position] = data.draw(st.binary(min_size=1, max_size=8))
        raw[:4] = struct.pack(">I", len(raw))
    error = decode_error(bytes(raw))
    if error is not None:
        assert error.command_id in (pdu.COMMAND_ID, None)
        answer = P.error_response(error)
        assert answer is None or P.decode(P.encode(answer)) == answer


@given(st.lists(any_pdu, min_size=1, max_size=6), st.data())
def test_the_framer_cuts_a_stream_back_into_its_pdus_wherever_it_was_split(
    pdus: list[P.Pdu], data: st.DataObject
) -> None:
    stream = b"".join(P.encode(p) for p in pdus)
    cuts = sorted(data.draw(st.lists(st.integers(0, len(stream)), max_size=5)))
    buffer, frames, start = bytearray(), [], 0
    for cut in [*cuts, len(stream)]:
        buffer += stream[start:cut]
        start = cut
        frames += P.split_frames(buffer)
    assert not buffer
    assert [P.decode(f) for f in frames] == pdus


@given(st.binary(max_size=200))
def test_the_framer_raises_only_its_own_error_on_garbage(data: bytes) -> None:
    error: P.FramingError | None = None
    try:
        P.split_frames(bytearray(data))
    except P.FramingError as raised:
        error = raised
    assert error is None or error.status == P.Status.ESME_RINVCMDLEN


# Refusals, each naming its field and offset ------------------------------------------


def submit(short_message: bytes = b"") -> bytes:
    return P.encode(
        P.SubmitSm(
            sequence=9, source_addr="1234", destination_addr="+2250701", short_message=short_message
        )
    )


def test_a_truncated_pdu_names_the_missing_field() -> None:
    raw = submit(short_message=b"hello")
    cut = raw[:30]
    cut = struct.pack(">I", len(cut)) + cut[4:]
    with pytest.raises(P.PduError) as caught:
        P.decode(cut)
    assert caught.value.field == "destination_addr"
    assert caught.value.offset == 26
    assert caught.value.sequence == 9
    assert "destination_addr at byte 26" in str(caught.value)


def test_a_length_that_disagrees_with_the_pdu_is_a_framing_error() -> None:
    raw = submit()
    with pytest.raises(P.FramingError) as caught:
        P.decode(raw + b"\0")
    assert caught.value.field == "command_length"
    assert isinstance(P.error_response(caught.value), P.GenericNack)


def test_an_oversized_command_length_is_refused_before_it_is_read() -> None:
    header = struct.pack(">IIII", P.MAX_PDU_LENGTH + 1, P.CommandId.SUBMIT_SM, 0, 3)
    with pytest.raises(P.FramingError) as caught:
        P.split_frames(bytearray(header))
    assert caught.value.sequence == 3
    answer = P.error_response(caught.value)
    assert isinstance(answer, P.GenericNack)
    assert answer.status == P.Status.ESME_RINVCMDLEN


def test_a_command_length_under_the_header_size_is_refused() -> None:
    with pytest.raises(P.FramingError):
        P.split_frames(bytearray(struct.pack(">I", 15) + b"\0" * 12))


def test_an_unknown_command_is_answered_with_generic_nack_invalid_command() -> None:
    raw = struct.pack(">IIII", 16, 0x00000777, 0, 41)
    with pytest.raises(P.PduError) as caught:
        P.decode(raw)
    assert caught.value.field == "command_id"
    assert caught.value.offset == 4
    answer = P.error_response(caught.value)
    assert isinstance(answer, P.GenericNack)
    assert (answer.sequence, answer.status) == (41, P.Status.ESME_RINVCMDID)


def test_a_c_string_without_its_nul_is_refused() -> None:
    body = b"x" * 10  # service_type never terminated, the PDU ends first
    raw = struct.pack(">IIII", 16 + len(body), P.CommandId.SUBMIT_SM, 0, 1) + body
    with pytest.raises(P.PduError) as caught:
        P.decode(raw)
    assert (caught.value.field, caught.value.offset) == ("service_type", 16)


def test_a_c_string_over_its_size_is_refused_with_the_fields_status() -> None:
    raw = P.encode(P.SubmitSm(sequence=2, source_addr="1", destination_addr="2"))
    # Replace the source address with 21 characters (its size is 20 and the NUL).
    head = raw[: 16 + 1 + 2]
    tail = raw[16 + 1 + 2 + 2 :]
    raw = head + b"1" * 21 + b"\0" + tail
    raw = struct.pack(">I", len(raw)) + raw[4:]
    with pytest.raises(P.PduError) as caught:
        P.decode(raw)
    assert (caught.value.field, caught.value.offset) == ("source_addr", 19)
    answer = P.error_response(caught.value)
    assert isinstance(answer, P.SubmitSmResp)
    assert answer.status == P.Status.ESME_RINVSRCADR


def test_a_short_message_longer_than_the_pdu_is_refused() -> None:
    raw = bytearray(submit(short_message=b"hello"))
    raw[-6] = 200  # sm_length
    with pytest.raises(P.PduError) as caught:
        P.decode(bytes(raw))
    assert caught.value.field == "short_message"
    assert caught.value.status == P.Status.ESME_RINVMSGLEN


def test_a_parameter_of_the_wrong_size_is_refused() -> None:
    raw = submit() + struct.pack(">HH", P.Tag.MESSAGE_STATE, 2) + b"\x02\x00"
    raw = struct.pack(">I", len(raw)) + raw[4:]
    with pytest.raises(P.PduError) as caught:
        P.decode(raw)
    assert caught.value.field == "message_state"
    assert caught.value.status == P.Status.ESME_RINVPARLEN


def test_a_parameter_running_past_the_end_or_given_twice_is_refused() -> None:
    for extra, field in (
        (struct.pack(">HH", 0x1400, 9) + b"abc", "optional parameter 0x1400"),
        (struct.pack(">H", 0x1400), "optional parameter"),
        (
            struct.pack(">HHB", P.Tag.MESSAGE_STATE, 1, 2) * 2,
            "message_state",
        ),
    ):
        raw = submit() + extra
        raw = struct.pack(">I", len(raw)) + raw[4:]
        with pytest.raises(P.PduError) as caught:
            P.decode(raw)
        assert caught.value.field == field
        assert caught.value.status == P.Status.ESME_RINVOPTPARSTREAM


def test_a_receipted_message_id_over_its_size_is_refused() -> None:
    raw = submit() + struct.pack(">HH", P.Tag.RECEIPTED_MESSAGE_ID, 70) + b"7" * 70
    raw = struct.pack(">I", len(raw)) + raw[4:]
    with pytest.raises(P.PduError) as caught:
        P.decode(raw)
    assert caught.value.field == "receipted_message_id"


def test_a_body_on_a_bodiless_pdu_is_refused() -> None:
    raw = struct.pack(">IIII", 20, P.CommandId.ENQUIRE_LINK, 0, 5) + b"junk"
    with pytest.raises(P.PduError) as caught:
        P.decode(raw)
    answer = P.error_response(caught.value)
    assert isinstance(answer, P.EnquireLinkResp)
    assert answer.status == P.Status.ESME_RINVCMDLEN


def test_a_broken_response_gets_no_answer() -> None:
    raw = struct.pack(">IIII", 19, P.CommandId.SUBMIT_SM_RESP, 0, 5) + b"abc"
    with pytest.raises(P.PduError) as caught:
        P.decode(raw)
    assert P.error_response(caught.value) is None


def test_an_error_response_without_a_body_is_accepted() -> None:
    raw = struct.pack(">IIII", 16, P.CommandId.SUBMIT_SM_RESP, P.Status.ESME_RTHROTTLED, 5)
    assert P.decode(raw) == P.SubmitSmResp(sequence=5, status=P.Status.ESME_RTHROTTLED)


def test_encoding_refuses_fields_over_their_size() -> None:
    with pytest.raises(P.PduError, match="system_id"):
        P.encode(P.BindTransmitter(system_id="x" * 16))
    with pytest.raises(P.PduError, match="short_message"):
        P.encode(P.SubmitSm(short_message=b"x" * 255))


# Against smpplib, an independent implementation ---------------------------------------


class Sequencer:
    """What smpplib asks of its client when it builds or parses a PDU."""

    sequence = 0

    def next_sequence(self) -> int:
        self.sequence += 1
        return self.sequence


def test_we_decode_what_smpplib_encodes() -> None:
    sm = smpplib.smpp.make_pdu(
        "submit_sm",
        client=Sequencer(),
        sequence=77,
        service_type="CMT",
        source_addr_ton=5,
        source_addr_npi=0,
        source_addr="MOH",
        dest_addr_ton=1,
        dest_addr_npi=1,
        destination_addr="2250701020304",
        esm_class=0x40,
        data_coding=8,
        registered_delivery=1,
        short_message=b"\x05\x00\x03\x2a\x02\x01\x00h\x00i",
        sar_msg_ref_num=42,
    )
    sm.sequence = 77  # smpplib numbers PDUs from its client: set it after the fact
    ours = P.decode(sm.generate())
    assert isinstance(ours, P.SubmitSm)
    assert ours.sequence == 77
    assert (ours.service_type, ours.source_addr, ours.destination_addr) == (
        "CMT",
        "MOH",
        "2250701020304",
    )
    assert (ours.source_addr_ton, ours.dest_addr_ton, ours.esm_class) == (5, 1, 0x40)
    assert (ours.data_coding, ours.registered_delivery) == (8, 1)
    assert ours.short_message == b"\x05\x00\x03\x2a\x02\x01\x00h\x00i"
    assert P.tlv_int(ours.tlvs, P.Tag.SAR_MSG_REF_NUM) == 42

    bind = smpplib.smpp.make_pdu(
        "bind_transceiver", client=Sequencer(), system_id="moh", password="secret"
    )
    ours_bind = P.decode(bind.generate())
    assert isinstance(ours_bind, P.BindTransceiver)
    assert (ours_bind.system_id, ours_bind.password) == ("moh", "secret")
    assert ours_bind.interface_version == 0x34

    resp = smpplib.smpp.make_pdu(
        "submit_sm_resp", client=Sequencer(), sequence=77, message_id="A0000001"
    )
    resp.sequence = 77
    assert P.decode(resp.generate()) == P.SubmitSmResp(sequence=77, message_id="A0000001")


@pytest.mark.parametrize(
    ("command", "ours", "answer"),
    [
        ("bind_transmitter", P.BindTransmitter, P.BindTransmitterResp),
        ("bind_receiver", P.BindReceiver, P.BindReceiverResp),
        ("bind_transceiver", P.BindTransceiver, P.BindTransceiverResp),
    ],
)
def test_every_kind_of_bind_and_its_answer_agree_with_smpplib(
    command: str, ours: type[P.Bind], answer: type[P.BindResp]
) -> None:
    theirs = smpplib.smpp.make_pdu(
        command, client=Sequencer(), system_id="moh", password="secret", system_type="VMA"
    )
    decoded = P.decode(theirs.generate())
    assert type(decoded) is ours
    assert isinstance(decoded, P.Bind)
    assert (decoded.system_id, decoded.password, decoded.system_type) == ("moh", "secret", "VMA")

    parsed = smpplib.smpp.parse_pdu(
        P.encode(ours(sequence=9, system_id="moh", password="secret")), client=Sequencer()
    )
    assert (parsed.command, parsed.sequence) == (command, 9)
    assert (parsed.system_id, parsed.password) == (b"moh", b"secret")

    refused = smpplib.smpp.parse_pdu(
        P.encode(answer(sequence=9, status=P.Status.ESME_RINVPASWD)), client=Sequencer()
    )
    assert (refused.command, refused.status) == (f"{command}_resp", 0x0E)


def test_smpplib_decodes_what_we_encode() -> None:
    receipt = P.DeliverSm(
        sequence=12,
        source_addr="2250701020304",
        destination_addr="MOH",
        esm_class=0x04,
        short_message=b"id:A0000001 sub:001 dlvrd:001 stat:DELIVRD err:000 text:",
        tlvs={
            P.Tag.RECEIPTED_MESSAGE_ID: b"A0000001\0",
            P.Tag.MESSAGE_STATE: bytes((P.MessageState.DELIVERED,)),
        },
    )
    theirs = smpplib.smpp.parse_pdu(P.encode(receipt), client=Sequencer())
    assert theirs.command == "deliver_sm"
    assert theirs.sequence == 12
    assert theirs.source_addr == b"2250701020304"
    assert theirs.esm_class == 0x04
    assert theirs.short_message == receipt.short_message
    assert theirs.receipted_message_id == b"A0000001"
    assert theirs.message_state == smpplib.consts.SMPP_MESSAGE_STATE_DELIVERED

    bind = smpplib.smpp.parse_pdu(
        P.encode(P.BindTransmitterResp(sequence=3, system_id="sim")), client=Sequencer()
    )
    assert (bind.command, bind.sequence, bind.system_id) == ("bind_transmitter_resp", 3, b"sim")
    nack = smpplib.smpp.parse_pdu(
        P.encode(P.GenericNack(sequence=4, status=P.Status.ESME_RINVCMDID)), client=Sequencer()
    )
    assert (nack.command, nack.status) == ("generic_nack", smpplib.consts.SMPP_ESME_RINVCMDID)
