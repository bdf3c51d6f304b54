"""Phone numbers and the words subscribers send: E.164 normalisation (with the
`phonenumbers` package, Google's libphonenumber metadata), the one masking helper every
log line, audit row and page uses, and the STOP keywords in many languages.

Pure functions: no database, no settings.
"""

from __future__ import annotations

import re
import unicodedata

import phonenumbers

MASK = "•"


def mask_msisdn(msisdn: str) -> str:
    """A number with its middle hidden, e.g. +2547•••••123: the country code and the first
    subscriber digit, then only the last three digits. Enough to tell numbers apart in a
    list, not enough to call one. Anything shorter than 8 characters is hidden whole."""
    text = str(msisdn or "")
    if len(text) < 8:
        return MASK * len(text)
    head = 5 if text.startswith("+") else 4
    return text[:head] + MASK * (len(text) - head - 3) + text[-3:]


class NumberError(ValueError):
    """Why a number was refused, in words a person can act on."""


def to_e164(raw: str, region: str | None = None) -> str:
    """The number in E.164 (`+` and digits). `region` (ISO 3166-1 alpha-2) reads numbers
    written the national way, and when given, a number of another country is refused:
    an import is for one country's subscribers."""
    text = str(raw or "").strip()
    if not text:
        raise NumberError("no number")
    if len(text) > 40:
        raise NumberError("too long to be a phone number")
    if region is None and not text.startswith(("+", "00")) and text.isdigit():
        text = "+" + text  # an SMSC's source address: international digits without "+"
    if text.startswith("00"):
        text = "+" + text[2:]
    try:
        number = phonenumbers.parse(text, region)
    except phonenumbers.NumberParseException as exc:
        raise NumberError(_PARSE_REASONS.get(exc.error_type, "not a phone number")) from None
    if not phonenumbers.is_valid_number(number):
        raise NumberError("not a valid number (wrong length or prefix for its country)")
    found = phonenumbers.region_code_for_number(number)
    if region is not None and found != region.upper():
        raise NumberError(f"a number of {found or 'another country'}, not {region.upper()}")
    return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)


_PARSE_REASONS = {
    phonenumbers.NumberParseException.INVALID_COUNTRY_CODE: (
        "no valid country code (write it as +CC… or give the import a default region)"
    ),
    phonenumbers.NumberParseException.NOT_A_NUMBER: "not a phone number",
    phonenumbers.NumberParseException.TOO_SHORT_AFTER_IDD: "too short",
    phonenumbers.NumberParseException.TOO_SHORT_NSN: "too short",
    phonenumbers.NumberParseException.TOO_LONG: "too long",
}


def is_region(code: str) -> bool:
    return str(code or "").upper() in phonenumbers.SUPPORTED_REGIONS


# STOP and its equivalents, written as people type them; compared after `fold`. The six
# UN languages first, then languages of the demo countries and other common ones.
STOP_WORDS = frozenset(
    {
        # English
        "stop",
        "stopall",
        "unsubscribe",
        "cancel",
        "end",
        "quit",
        "optout",
        # French
        "arret",
        "arreter",
        "desabonner",
        "desinscrire",
        "desabonnement",
        # Spanish
        "alto",
        "baja",
        "parar",
        "cancelar",
        "detener",
        # Russian
        "стоп",
        "отписаться",
        "отмена",
        "отменить",
        # Chinese
        "停止",
        "退订",
        "退訂",
        "取消",
        "取消订阅",
        # Arabic (hamza forms folded: إلغاء and الغاء are one word)
        "توقف",
        "الغاء",
        "ايقاف",
        "وقف",
        # Swahili, Kinyarwanda, Portuguese, Bengali, Hausa
        "acha",
        "sitisha",
        "hagarika",
        "sair",
        "বন্ধ",
        "daina",
    }
)
_ARABIC_ALEFS = str.maketrans({"أ": "ا", "إ": "ا", "آ": "ا", "ٱ": "ا", "ـ": None})
_EDGES = re.compile(r"^[\W_]+|[\W_]+$", re.UNICODE)
_WORD = re.compile(r"[\w]+", re.UNICODE)


def fold(text: str) -> str:
    """Case, width and diacritics folded: ARRÊT, arrêt and ＡＲＲＥＴ all give `arret`;
    Arabic hamza carriers give a bare alef, and tatweel goes."""
    decomposed = unicodedata.normalize("NFKD", text.translate(_ARABIC_ALEFS))
    # Marks that are not letters (accents, Arabic short vowels) go; Indic vowel signs stay.
    kept = "".join(
        c
        for c in decomposed
        if unicodedata.category(c) != "Mn" or "\u0980" <= c <= "\u0dff"  # Indic scripts
    )
    return unicodedata.normalize("NFC", kept).casefold()


def stop_keyword(message: str) -> str | None:
    """The STOP keyword a mobile-originated message is (folded), or None. The message must
    be the keyword, or begin with it as its first word ("STOP please"); a keyword inside a
    sentence ("don't stop") is not a request to stop."""
    text = _EDGES.sub("", fold(str(message or "")[:500]))
    if not text:
        return None
    if text in STOP_WORDS:
        return text
    first = _WORD.match(text)
    if first and first.group(0) in STOP_WORDS:
        return first.group(0)
    return None
