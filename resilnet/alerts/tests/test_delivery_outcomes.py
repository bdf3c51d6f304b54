"""What the SMSC answered and what receipts said: each outcome kind, long messages kept
in order across a retry, receipts with hex or decimal ids, unknown ids."""

from __future__ import annotations

import logging
from datetime import timedelta

import pytest

from resilnet.alerts import gsm
from resilnet.alerts.models import Message, MessagePart, MessageState
from resilnet.alerts.services import delivery
from resilnet.alerts.services.delivery import PartOutcome
from resilnet.alerts.smpp.receipts import Receipt
from resilnet.alerts.tests.conftest import add_subscribers

LEASE = timedelta(seconds=30)
LONG = "Cholera in the province. " * 12  # 300 GSM-7 characters: two parts


@pytest.fixture
def claimed(publish, areas, operators):
    add_subscribers(operators[0], areas["Nairobi"], 6)
    publish([areas["Nairobi"]])
    return delivery.claim(operators[0].pk, "w1", 6, LEASE)


@pytest.fixture
def long_claimed(publish, areas, operators, cholera_input):
    add_subscribers(operators[0], areas["Nairobi"], 2)
    publish([areas["Nairobi"]], infos=[_with_sms(cholera_input().infos[0], LONG)])
    return delivery.claim(operators[0].pk, "w1", 2, LEASE)


def _with_sms(info, text):
    info.sms_text = text
    return info


def _state(message_id):
    return Message.objects.get(pk=message_id)


def test_accepted_single_part_message_is_submitted_with_its_smsc_id(claimed):
    mid = claimed[0].message_id
    delivery.record_outcomes("w1", [PartOutcome(mid, 1, "accepted", "0A1B", "")])
    message = _state(mid)
    assert (message.state, message.lease_owner) == (MessageState.SUBMITTED, "")
    assert MessagePart.objects.get(message_id=mid).smsc_id == str(0x0A1B)


def test_failed_outcome_fails_the_message_with_its_reason(claimed):
    mid = claimed[0].message_id
    delivery.record_outcomes("w1", [PartOutcome(mid, 1, "failed", None, "ESME_RINVDSTADR")])
    assert (_state(mid).state, _state(mid).reason) == (MessageState.FAILED, "ESME_RINVDSTADR")


def test_unknown_outcome_queues_again_as_maybe_duplicate(claimed):
    mid = claimed[0].message_id
    delivery.record_outcomes("w1", [PartOutcome(mid, 1, "unknown", None, "connection lost")])
    message = _state(mid)
    assert (message.state, message.maybe_duplicate) == (MessageState.QUEUED, True)


def test_retry_outcome_queues_again_without_the_duplicate_flag(claimed):
    mid = claimed[0].message_id
    delivery.record_outcomes("w1", [PartOutcome(mid, 1, "retry", None, "ESME_RTHROTTLED")])
    message = _state(mid)
    assert (message.state, message.maybe_duplicate) == (MessageState.QUEUED, False)
    assert message.not_before is not None


def test_outcomes_from_a_worker_without_the_lease_are_ignored(claimed, caplog):
    mid = claimed[0].message_id
    with caplog.at_level(logging.WARNING):
        delivery.record_outcomes("w2", [PartOutcome(mid, 1, "failed", None, "nope")])
    assert _state(mid).state == MessageState.SENDING
    assert "no longer holds" in caplog.text


def test_a_batch_of_outcomes_of_every_kind_in_one_call(claimed):
    ids = [o.message_id for o in claimed]
    kinds = ["accepted", "accepted", "retry", "failed", "unknown", "accepted"]
    delivery.record_outcomes(
        "w1",
        [
            PartOutcome(m, 1, k, f"{i:x}" if k == "accepted" else None, k)
            for i, (m, k) in enumerate(zip(ids, kinds, strict=True))
        ],
    )
    assert [_state(m).state for m in ids] == [
        "submitted",
        "submitted",
        "queued",
        "failed",
        "queued",
        "submitted",
    ]


def test_long_message_is_submitted_when_every_part_is_accepted(long_claimed):
    outbound = long_claimed[0]
    assert len(outbound.parts) == 2
    assert gsm.join(list(outbound.parts)) == LONG
    mid = outbound.message_id
    delivery.record_outcomes("w1", [PartOutcome(mid, 2, "accepted", "2", "")])
    assert _state(mid).state == MessageState.SENDING  # part 1 still on the wire
    delivery.record_outcomes("w1", [PartOutcome(mid, 1, "accepted", "1", "")])
    assert (_state(mid).state, _state(mid).parts_sent) == (MessageState.SUBMITTED, 2)


def test_a_retried_long_message_resends_from_the_first_part_not_accepted(long_claimed, operators):
    mid = long_claimed[0].message_id
    delivery.record_outcomes(
        "w1",
        [
            PartOutcome(mid, 1, "accepted", "11", ""),
            PartOutcome(mid, 2, "retry", None, "throttled"),
        ],
    )
    Message.objects.filter(pk=mid).update(not_before=None)
    again = next(o for o in delivery.claim(operators[0].pk, "w1", 5, LEASE) if o.message_id == mid)
    assert (again.first_seq, len(again.parts)) == (2, 1)
    assert again.parts[0] == long_claimed[0].parts[1]  # same header: same reference, part 2 of 2


def test_parts_accepted_after_a_retried_one_are_sent_again(long_claimed, operators):
    mid = long_claimed[0].message_id
    delivery.record_outcomes(
        "w1",
        [
            PartOutcome(mid, 1, "retry", None, "throttled"),
            PartOutcome(mid, 2, "accepted", "22", ""),
        ],
    )
    message = _state(mid)
    assert (message.parts_sent, message.maybe_duplicate) == (0, True)
    assert not MessagePart.objects.filter(message_id=mid).exists()


def _receipt(message_id, state="DELIVRD", outcome="delivered", error=""):
    return Receipt(message_id=message_id, smsc_state=state, outcome=outcome, error=error)


@pytest.fixture
def submitted(claimed):
    ids = [o.message_id for o in claimed]
    # SMSC ids as submit_sm_resp gave them: decimal, hex, decimal with leading zeros
    smsc = ["1234", "00ff", "0042", "7", "8", "9"]
    delivery.record_outcomes(
        "w1", [PartOutcome(m, 1, "accepted", s, "") for m, s in zip(ids, smsc, strict=True)]
    )
    return ids


def test_receipts_match_hex_and_decimal_ids(submitted, operators):
    op = operators[0].pk
    # 1234 receipted in hex (4d2), 00ff as 255 decimal, 0042 without zeros
    matched = delivery.record_receipts(op, [_receipt("4D2"), _receipt("255"), _receipt("42")])
    assert matched == 3
    assert [_state(m).state for m in submitted[:3]] == ["delivered"] * 3


def test_receipts_for_unknown_ids_are_counted_and_logged(submitted, operators, caplog):
    with caplog.at_level(logging.WARNING):
        matched = delivery.record_receipts(
            operators[0].pk, [_receipt("999999"), _receipt("x" * 200), _receipt("\x00\n;DROP")]
        )
    assert matched == 0
    assert "3 receipts" in caplog.text


def test_receipts_of_another_operator_do_not_match(submitted, operators):
    assert delivery.record_receipts(operators[1].pk, [_receipt("4D2")]) == 0
    assert _state(submitted[0]).state == MessageState.SUBMITTED


def test_a_failure_receipt_sets_the_message_state_and_reason(submitted, operators):
    delivery.record_receipts(operators[0].pk, [_receipt("7", "UNDELIV", "undeliverable", "012")])
    message = _state(submitted[3])
    assert (message.state, message.reason) == ("undeliverable", "UNDELIV err:012")


def test_the_first_final_receipt_stands(submitted, operators):
    op = operators[0].pk
    delivery.record_receipts(op, [_receipt("8", "EXPIRED", "expired")])
    delivery.record_receipts(op, [_receipt("8")])
    assert _state(submitted[4]).state == "expired"


def test_an_enroute_receipt_changes_nothing(submitted, operators):
    assert delivery.record_receipts(operators[0].pk, [_receipt("9", "ENROUTE", None)]) == 1
    assert _state(submitted[5]).state == MessageState.SUBMITTED


def test_a_long_message_is_delivered_when_all_its_parts_are(long_claimed, operators):
    mid = long_claimed[0].message_id
    delivery.record_outcomes(
        "w1",
        [PartOutcome(mid, 1, "accepted", "101", ""), PartOutcome(mid, 2, "accepted", "102", "")],
    )
    delivery.record_receipts(operators[0].pk, [_receipt("101")])
    assert _state(mid).state == MessageState.SUBMITTED
    delivery.record_receipts(operators[0].pk, [_receipt("102")])
    assert _state(mid).state == MessageState.DELIVERED


def test_hostile_smsc_ids_are_stored_bounded_and_without_nul(claimed):
    ids = [o.message_id for o in claimed]
    delivery.record_outcomes(
        "w1",
        [
            PartOutcome(ids[0], 1, "accepted", "AB\x00CD", ""),
            PartOutcome(ids[1], 1, "accepted", "x" * 500, ""),
            PartOutcome(ids[2], 1, "failed", None, "bad\x00reason" * 100),
        ],
    )
    stored = dict(MessagePart.objects.values_list("message_id", "smsc_id"))
    assert stored == {ids[0]: str(0xABCD), ids[1]: "x" * 64}
    assert _state(ids[2]).reason == ("badreason" * 100)[:200]


def test_an_outcome_for_a_part_the_message_does_not_have_is_ignored(claimed, caplog):
    mid = claimed[0].message_id
    with caplog.at_level(logging.WARNING):
        delivery.record_outcomes("w1", [PartOutcome(mid, 7, "accepted", "77", "")])
    assert _state(mid).state == MessageState.SENDING
    assert not MessagePart.objects.exists()
    assert "does not have" in caplog.text


def test_no_log_line_of_the_delivery_path_holds_a_number(claimed, operators, caplog):
    numbers = list(Message.objects.values_list("msisdn", flat=True))
    with caplog.at_level(logging.DEBUG):
        delivery.record_outcomes("intruder", [PartOutcome(claimed[0].message_id, 1, "failed")])
        delivery.record_receipts(operators[0].pk, [_receipt("123456789")])
        delivery.handle_mobile_originated(operators[0].pk, numbers[1], "hello")
    assert caplog.text
    assert not any(n in caplog.text or n[1:] in caplog.text for n in numbers)
