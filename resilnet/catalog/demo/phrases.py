"""The demo's phrases: one JSON file per language under `phrases/`, read once.

Each file maps the same phrase keys ("action.disconnections.title") to that language's
text, so a translator works in one file. `phrase(key)` gives the text in every language.
These are demo content, not interface strings: they never go through gettext.
"""

from __future__ import annotations

import functools
import json
import string
from pathlib import Path

Text = dict[str, str]
LANGUAGES = ("en", "fr", "es", "ar", "ru", "zh-hans")
PHRASES_DIR = Path(__file__).with_name("phrases")
REFERENCE = "en"  # the language every other file must match key for key


class PhraseError(ValueError):
    """A phrase file is missing, malformed, or out of step with the English one."""


def _fields(text: str) -> set[str]:
    return {name for _, name, _, _ in string.Formatter().parse(text) if name is not None}


def _unique(pairs: list[tuple[str, object]]) -> dict[str, object]:
    # json.loads would silently keep the last of two equal keys.
    table: dict[str, object] = {}
    for key, value in pairs:
        if key in table:
            raise ValueError(f"key {key!r} appears twice")
        table[key] = value
    return table


def _read(path: Path) -> dict[str, str]:
    try:
        table = json.loads(path.read_text(encoding="utf-8"), object_pairs_hook=_unique)
    except (OSError, ValueError) as error:
        raise PhraseError(f"{path}: {error}") from error
    if not isinstance(table, dict):
        raise PhraseError(f"{path}: expected an object of phrase keys to texts")
    for key, text in table.items():
        if not isinstance(text, str) or not text.strip():
            raise PhraseError(f"{path}: {key!r} must be a non-empty string")
        try:
            _fields(text)
        except ValueError as error:  # a lone brace
            raise PhraseError(f"{path}: {key!r}: {error}") from error
    return table


def load_phrases(directory: Path = PHRASES_DIR) -> dict[str, Text]:
    """Every phrase key with its text in each of LANGUAGES.

    Refuses files whose keys differ from the English file's, and translations that drop or
    add a `{placeholder}`: either would only show up later as a broken demo record.
    """
    tables = {lang: _read(directory / f"{lang}.json") for lang in LANGUAGES}
    reference = tables[REFERENCE]
    for lang, table in tables.items():
        path = directory / f"{lang}.json"
        missing = sorted(reference.keys() - table.keys())
        unknown = sorted(table.keys() - reference.keys())
        if missing or unknown:
            raise PhraseError(f"{path}: missing keys {missing}, keys not in English {unknown}")
        for key, text in table.items():
            if _fields(text) != _fields(reference[key]):
                raise PhraseError(
                    f"{path}: {key!r} has placeholders {sorted(_fields(text))}, "
                    f"English has {sorted(_fields(reference[key]))}"
                )
    return {key: {lang: tables[lang][key] for lang in LANGUAGES} for key in reference}


@functools.cache
def _phrases() -> dict[str, Text]:
    return load_phrases()


def phrase(key: str) -> Text:
    """The text of `key` in every language; a key no file has is a KeyError."""
    return _phrases()[key]
