"""How much an SMS text costs, and its parts as SMPP carries them.

GSM 03.38 default alphabet and its extension table as 3GPP TS 23.038 (section 6.2.1)
defines them; anything outside them is sent as UCS-2 (UTF-16 big-endian in practice, so
characters beyond the Basic Multilingual Plane take two code units). One message carries
160 septets or 70 UCS-2 units; a concatenated message loses six octets per part to its
user data header, leaving 153 septets or 67 units. A part never ends between an escape
and its extension character, nor between the two halves of a surrogate pair: a handset
would show garbage at the join.

Pure functions, no Django: the dispatcher, the authoring forms and the tests share them
(static/alerts/sms-counter.js mirrors `measure` for the live counter).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

GSM7: Literal["GSM-7"] = "GSM-7"
UCS2: Literal["UCS-2"] = "UCS-2"
Encoding = Literal["GSM-7", "UCS-2"]

ESC = 0x1B
# The default alphabet, septet value = index (3GPP TS 23.038, 6.2.1); 0x1B is the escape.
BASIC = (
    "@£$¥èéùìòÇ\nØø\rÅå"
    "Δ_ΦΓΛΩΠΨΣΘΞ\x1bÆæßÉ"
    " !\"#¤%&'()*+,-./"
    "0123456789:;<=>?"
    "¡ABCDEFGHIJKLMNO"
    "PQRSTUVWXYZÄÖÑÜ§"
    "¿abcdefghijklmno"
    "pqrstuvwxyzäöñüà"
)
# The extension table (6.2.1.1): sent as ESC followed by this septet. Form feed (0x0A)
# is left out: alert texts refuse control characters other than line breaks.
EXTENSION = {"^": 0x14, "{": 0x28, "}": 0x29, "\\": 0x2F, "[": 0x3C, "~": 0x3D, "]": 0x3E}
EXTENSION |= {"|": 0x40, "€": 0x65}

_BASIC_SEPTET = {ch: i for i, ch in enumerate(BASIC) if i != ESC}
_SEPTET_CHAR = dict(enumerate(BASIC))
_EXT_CHAR = {v: k for k, v in EXTENSION.items()}

# Units one message carries: (single message, each part of a concatenated one).
LIMITS: dict[str, tuple[int, int]] = {GSM7: (160, 153), UCS2: (70, 67)}
DATA_CODING = {GSM7: 0x00, UCS2: 0x08}  # SMPP 3.4 data_coding: SMSC default, UCS2
ESM_UDHI = 0x40  # esm_class bit: short_message starts with a user data header


class UnencodableText(ValueError):
    """A character no SMS encoding here can carry; `index` is 0-based, the message 1-based."""

    def __init__(self, index: int, char: str) -> None:
        self.index = index
        self.char = char
        super().__init__(
            f"character {index + 1} (U+{ord(char):04X}) cannot be sent by SMS: "
            + ("a lone surrogate" if 0xD800 <= ord(char) <= 0xDFFF else "a control character")
        )


@dataclass(frozen=True)
class SmsMeasure:
    encoding: Encoding
    characters: int  # as a person counts them (code points)
    units: int  # septets (GSM-7) or UTF-16 code units (UCS-2)
    segments: int  # messages a phone receives; 0 for an empty text

    @property
    def per_segment(self) -> int:
        single, part = LIMITS[self.encoding]
        return single if self.segments <= 1 else part


def _refused(ch: str) -> bool:
    code = ord(ch)
    # C0 controls but line breaks (handsets and SMSCs mangle them, NUL ends C strings),
    # DEL, and surrogates (a Python string may hold a lone one, UTF-16 cannot).
    return (code < 0x20 and ch not in "\n\r") or code == 0x7F or 0xD800 <= code <= 0xDFFF


def check(text: str) -> None:
    """Raise UnencodableText at the first character neither encoding can carry."""
    for i, ch in enumerate(text):
        if _refused(ch):
            raise UnencodableText(i, ch)


def _gsm_width(ch: str) -> int:
    """Septets of one character in GSM-7, 0 when the alphabet lacks it."""
    if ch in _BASIC_SEPTET:
        return 1
    return 2 if ch in EXTENSION else 0


def encoding_of(text: str) -> Encoding:
    check(text)
    return GSM7 if all(_gsm_width(ch) for ch in text) else UCS2


def _widths(text: str, encoding: Encoding) -> list[int]:
    if encoding == GSM7:
        return [_gsm_width(ch) for ch in text]
    return [2 if ord(ch) > 0xFFFF else 1 for ch in text]


def _cuts(widths: list[int], encoding: Encoding) -> list[tuple[int, int]]:
    """Character ranges of each part, packing greedily and never cutting a character's
    units apart (an escape sequence, a surrogate pair)."""
    single, part = LIMITS[encoding]
    if not widths:
        return []
    if sum(widths) <= single:
        return [(0, len(widths))]
    ranges, start, used = [], 0, 0
    for i, width in enumerate(widths):
        if used + width > part:
            ranges.append((start, i))
            start, used = i, 0
        used += width
    ranges.append((start, len(widths)))
    return ranges


def measure(text: str) -> SmsMeasure:
    encoding = encoding_of(text)
    widths = _widths(text, encoding)
    return SmsMeasure(encoding, len(text), sum(widths), len(_cuts(widths, encoding)))


def _encode(text: str, encoding: Encoding) -> bytes:
    if encoding == UCS2:
        return text.encode("utf-16-be")
    out = bytearray()
    for ch in text:
        if ch in _BASIC_SEPTET:
            out.append(_BASIC_SEPTET[ch])
        else:
            out += bytes((ESC, EXTENSION[ch]))
    return bytes(out)


def split(text: str) -> list[bytes]:
    """The text's parts as SMPP short_message payloads without header: GSM-7 unpacked,
    one septet per octet (data_coding 0), or UTF-16 big-endian (data_coding 8)."""
    encoding = encoding_of(text)
    return [_encode(text[a:b], encoding) for a, b in _cuts(_widths(text, encoding), encoding)]


def decode(payload: bytes, data_coding: int) -> str:
    """The text of one payload (without header); ValueError naming the byte if malformed."""
    if data_coding == DATA_CODING[UCS2]:
        return payload.decode("utf-16-be")
    if data_coding != DATA_CODING[GSM7]:
        raise ValueError(f"data_coding {data_coding:#04x} is neither GSM-7 (0) nor UCS-2 (8)")
    chars, i = [], 0
    while i < len(payload):
        septet = payload[i]
        if septet == ESC:
            nxt = payload[i + 1] if i + 1 < len(payload) else None
            if nxt not in _EXT_CHAR:
                raise ValueError(f"byte {i + 1}: escape not followed by an extension character")
            chars.append(_EXT_CHAR[nxt])
            i += 2
            continue
        if septet > 0x7F:
            raise ValueError(f"byte {i}: {septet:#04x} is not a septet")
        chars.append(_SEPTET_CHAR[septet])
        i += 1
    return "".join(chars)


def smpp_parts(text: str, reference: int) -> list[tuple[int, int, bytes]]:
    """(esm_class, data_coding, short_message) for each part. A long text's parts carry
    an 8-bit concatenation header: 05 00 03, the reference (0-255, the same for every
    part of one message to one phone), the number of parts and this part's number."""
    if not 0 <= reference <= 0xFF:
        raise ValueError(f"concatenation reference {reference} is not in 0..255")
    coding = DATA_CODING[encoding_of(text)]
    parts = split(text)
    if len(parts) > 0xFF:
        raise ValueError(f"{len(parts)} parts: a concatenated SMS has at most 255")
    if len(parts) == 1:
        return [(0, coding, parts[0])]
    total = len(parts)
    return [
        (ESM_UDHI, coding, bytes((5, 0, 3, reference, total, seq)) + payload)
        for seq, payload in enumerate(parts, start=1)
    ]


def join(parts: list[tuple[int, int, bytes]]) -> str:
    """The text of parts as `smpp_parts` makes them, headers stripped (tests and receipts)."""
    text = []
    for esm_class, coding, payload in parts:
        if esm_class & ESM_UDHI:
            header_length = payload[0] + 1 if payload else 0
            payload = payload[header_length:]
        text.append(decode(payload, coding))
    return "".join(text)
