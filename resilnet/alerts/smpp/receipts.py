"""Delivery receipts: which message, and what became of it.

An SMSC reports a message's fate in a deliver_sm whose esm_class says "SMSC delivery
receipt". The facts come either from the optional parameters receipted_message_id and
message_state (SMPP 3.4 section 5.3.2), or from the text of the short message, whose usual
form is given in the specification's appendix B:

    id:IIIIIIIIII sub:SSS dlvrd:DDD submit date:YYMMDDhhmm done date:YYMMDDhhmm
    stat:DDDDDDD err:E text: . . . . . . . . .

The parameters win where both are present. Message ids: an SMSC may answer submit_sm with
a decimal id and put the same id in hexadecimal in its receipts (or the reverse), with or
without leading zeros. `canonical_message_id` is the form to store the SMSC's id under, and
`receipt_id_keys` the forms to look a receipt's id up under, most likely first.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Literal

from .pdu import MessageState, ShortMessage, Tag, tlv_cstr, tlv_int

Outcome = Literal["delivered", "undeliverable", "expired", "rejected", "failed"]

# The receipt's stat: values (appendix B) and what each means for the message.
# None: not a final state, the message is still on its way.
TEXT_STATES: dict[str, Outcome | None] = {
    "DELIVRD": "delivered",
    "UNDELIV": "undeliverable",
    "EXPIRED": "expired",
    "REJECTD": "rejected",
    "DELETED": "failed",
    # Final, but read "on behalf of the subscriber by customer service": the phone did not
    # get it, which for an alert is a failure.
    "ACCEPTD": "failed",
    "UNKNOWN": "failed",
    "ENROUTE": None,
}
STATE_TEXT = {
    MessageState.ENROUTE: "ENROUTE",
    MessageState.DELIVERED: "DELIVRD",
    MessageState.EXPIRED: "EXPIRED",
    MessageState.DELETED: "DELETED",
    MessageState.UNDELIVERABLE: "UNDELIV",
    MessageState.ACCEPTED: "ACCEPTD",
    MessageState.UNKNOWN: "UNKNOWN",
    MessageState.REJECTED: "REJECTD",
}
OUTCOME_TEXT: dict[str, str] = {
    "delivered": "DELIVRD",
    "undeliverable": "UNDELIV",
    "expired": "EXPIRED",
    "rejected": "REJECTD",
    "failed": "UNKNOWN",
}
ESM_MESSAGE_TYPE_MASK = 0x3C
ESM_SMSC_RECEIPT = 0x04
MAX_MESSAGE_ID = 64

# Keys as written by SMSCs: lower or upper case, "submit date" sometimes "submit_date".
_FIELD = re.compile(
    r"(?P<key>id|sub|dlvrd|submit[ _]date|done[ _]date|stat|err|text)\s*:", re.IGNORECASE
)
# The appendix B form as most SMSCs write it, read in one match: a receipt comes for every
# message, and `_FIELD` tried at every character costs several times as much. A value
# with no blank and no colon cannot hide a key, so both readings agree on this form.
_APPENDIX_B = re.compile(
    r"id:([^\s:]*) sub:([^\s:]*) dlvrd:([^\s:]*) submit date:([^\s:]*) "
    r"done date:([^\s:]*) stat:([^\s:]*) err:([^\s:]*) text:"
)
_APPENDIX_B_KEYS = ("id", "sub", "dlvrd", "submit date", "done date", "stat", "err")


class ReceiptError(ValueError):
    """A receipt that says too little, or says it wrongly: the field is named."""

    def __init__(self, field: str, message: str) -> None:
        super().__init__(f"delivery receipt {field}: {message}")
        self.field = field


@dataclass(frozen=True, slots=True)
class Receipt:
    message_id: str  # as the SMSC wrote it
    smsc_state: str  # DELIVRD, UNDELIV, …
    outcome: Outcome | None  # None while the message is still en route
    error: str = ""  # the err: field or network_error_code, as sent
    submit_date: str = ""
    done_date: str = ""
    text: str = ""

    @property
    def final(self) -> bool:
        return self.outcome is not None

    def keys(self) -> tuple[str, ...]:
        return receipt_id_keys(self.message_id)


def is_receipt(pdu: ShortMessage) -> bool:
    """A deliver_sm that is an SMSC delivery receipt rather than a mobile's message."""
    return (pdu.esm_class & ESM_MESSAGE_TYPE_MASK) == ESM_SMSC_RECEIPT or (
        Tag.RECEIPTED_MESSAGE_ID in pdu.tlvs
    )


def parse_receipt(pdu: ShortMessage) -> Receipt:
    """The receipt a deliver_sm carries; ReceiptError when it does not say which message
    or what happened to it."""
    fields = parse_receipt_text(pdu.message_bytes)
    message_id = tlv_cstr(pdu.tlvs, Tag.RECEIPTED_MESSAGE_ID)
    if message_id is None:
        message_id = fields.get("id")
    if message_id is None or not message_id.strip():
        raise ReceiptError("id", "no receipted_message_id parameter and no id: in the text")
    message_id = message_id.strip()
    if len(message_id) > MAX_MESSAGE_ID:
        raise ReceiptError("id", f"{len(message_id)} characters, at most {MAX_MESSAGE_ID}")
    code = tlv_int(pdu.tlvs, Tag.MESSAGE_STATE)
    if code is not None:
        try:
            smsc_state = STATE_TEXT[MessageState(code)]
        except ValueError:
            raise ReceiptError("message_state", f"unknown state {code}") from None
    else:
        stat = fields.get("stat")
        if stat is None:
            raise ReceiptError("stat", "no message_state parameter and no stat: in the text")
        smsc_state = stat.strip().upper()
        if smsc_state not in TEXT_STATES:
            raise ReceiptError("stat", f"unknown state {stat.strip()[:20]!r}")
    error = fields.get("err", "")
    network_error = pdu.tlvs.get(Tag.NETWORK_ERROR_CODE)
    if not error and network_error:
        error = network_error.hex()
    return Receipt(
        message_id=message_id,
        smsc_state=smsc_state,
        outcome=TEXT_STATES[smsc_state],
        error=error.strip(),
        submit_date=fields.get("submit date", "").strip(),
        done_date=fields.get("done date", "").strip(),
        text=fields.get("text", ""),
    )


def parse_receipt_text(raw: bytes) -> dict[str, str]:
    """The key:value fields of a receipt's text; the text: field runs to the end."""
    text = raw.decode("latin-1")
    match = _APPENDIX_B.match(text)
    if match is not None:
        fields = dict(zip(_APPENDIX_B_KEYS, match.groups(), strict=True))
        fields["text"] = text[match.end() :]
        return fields
    return _parse_fields(text)


def _parse_fields(text: str) -> dict[str, str]:
    """Any other form: keys in any order and case, values with blanks or colons."""
    fields: dict[str, str] = {}
    matches = list(_FIELD.finditer(text))
    for i, match in enumerate(matches):
        key = match["key"].lower().replace("_", " ")
        if key in fields:
            continue  # the first wins: a text: field may quote the words of another
        if key == "text":
            fields[key] = text[match.end() :]
            break
        end = matches[i + 1].start() if i + 1 < len(matches) else len(text)
        fields[key] = text[match.end() : end].strip()
    return fields


def format_receipt_text(
    message_id: str,
    state: str,
    *,
    submit_date: str,
    done_date: str,
    error: int = 0,
    text: str = "",
) -> bytes:
    """The appendix B text form (for the simulator)."""
    delivered = 1 if state == "DELIVRD" else 0
    return (
        f"id:{message_id} sub:001 dlvrd:{delivered:03d} submit date:{submit_date} "
        f"done date:{done_date} stat:{state} err:{error:03d} text:{text[:20]}"
    ).encode("latin-1", "replace")


# Message ids ------------------------------------------------------------------------------

_DECIMAL = re.compile(r"[0-9]+")
_HEX = re.compile(r"(?:0x)?[0-9a-f]+")


def canonical_message_id(message_id: str) -> str:
    """The form to store an SMSC's message id (from submit_sm_resp) under.

    A number is stored as its decimal value without leading zeros, read as decimal when it
    has only digits and as hexadecimal when it has letters a-f; anything else (UUIDs, ids
    with dashes) is stored as sent, in lower case.
    """
    text = message_id.strip().lower()
    if len(text) > MAX_MESSAGE_ID:
        raise ReceiptError("id", f"{len(text)} characters, at most {MAX_MESSAGE_ID}")
    if _DECIMAL.fullmatch(text):
        return str(int(text, 10))
    if _HEX.fullmatch(text):
        return str(int(text, 16))
    return text


def receipt_id_keys(message_id: str) -> tuple[str, ...]:
    """The canonical ids a receipt's id may stand for, the likeliest first.

    An id of digits only is ambiguous (decimal, or hexadecimal without letters): both
    readings are returned, decimal first, since most SMSCs write both sides alike.
    """
    text = message_id.strip().lower()
    if len(text) > MAX_MESSAGE_ID:
        raise ReceiptError("id", f"{len(text)} characters, at most {MAX_MESSAGE_ID}")
    if _DECIMAL.fullmatch(text):
        as_decimal, as_hex = str(int(text, 10)), str(int(text, 16))
        return (as_decimal,) if as_decimal == as_hex else (as_decimal, as_hex)
    if _HEX.fullmatch(text):
        return (str(int(text, 16)),)
    return (text,)
