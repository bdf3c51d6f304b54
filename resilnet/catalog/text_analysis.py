"""Text analysis shared by every search engine: the same terms go into the index and the
query on SQLite and PostgreSQL alike. It imports nothing of Django, so that processes
analysing a large batch in parallel (search/segments/writer.py) start quickly.

Words are case-folded and stemmed with the Snowball stemmer of the text's language
(Arabic, English, French, Russian, Spanish); Chinese is segmented into words with jieba.
Arabic is normalised first (`arabic_letters`, `arabic_word`): diacritics and tatweel
dropped, the spellings people mix up unified, the definite article and the proclitics
fused with it removed, so that "صحية" finds "الصحية".
A query word is expanded into its stems in every language, because a query does not say
which language's records it should match.
"""

from __future__ import annotations

import functools
import json
import logging
import re
import unicodedata
from array import array

import snowballstemmer

STEMMERS = {"ar": "arabic", "en": "english", "fr": "french", "ru": "russian", "es": "spanish"}
BOUNDARY = "\x1f"  # a term between two languages of one field: no word pair spans it
HAN = re.compile(r"[\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff]")
WORD = re.compile(r"\w+", re.UNICODE)
MAX_TERM_CHARS = 60
# Changing the analysis changes every index's terms: bump segments/storage.FORMAT (the
# segment index rebuilds itself) and add a migration rebuilding the database's index.

ARABIC = re.compile(r"[\u0600-\u06ff\u0750-\u077f\u08a0-\u08ff]")
_ARABIC_LETTERS = str.maketrans(
    {
        # harakat, shadda, sukun, superscript alef, Quranic annotation marks: a word's
        # vowelling is optional and mostly left out, so it must not change its term
        **dict.fromkeys([*range(0x064B, 0x0660), 0x0670, *range(0x06D6, 0x06EE)]),
        0x0640: None,  # tatweel, a stretching stroke
        # alef with hamza above or below, with madda, wasla: written interchangeably
        0x0623: "\u0627",
        0x0625: "\u0627",
        0x0622: "\u0627",
        0x0671: "\u0627",
        0x0629: "\u0647",  # teh marbuta → heh, often written without its dots
        0x0649: "\u064a",  # alef maqsura → yeh, the same confusion at the end of words
    }
)
# The definite article alone or after a conjunction or a preposition fused with it
# (و, ب, ك, ف, ل), longest first; removed only when a word of MIN_ARABIC_STEM letters is
# left, so that short words which merely begin with these letters keep them.
ARABIC_PROCLITICS = ("وال", "بال", "كال", "فال", "لل", "ال")
MIN_ARABIC_STEM = 3


@functools.cache
def _stemmer(language: str) -> snowballstemmer.stemmer | None:
    name = STEMMERS.get(language)
    return snowballstemmer.stemmer(name) if name else None


@functools.cache
def _jieba():
    import jieba

    jieba.setLogLevel(logging.WARNING)
    jieba.initialize()
    return jieba


def normalise(text: str) -> str:
    text = unicodedata.normalize("NFKC", text).casefold()
    return arabic_letters(text) if ARABIC.search(text) else text


def arabic_letters(text: str) -> str:
    """Arabic script without diacritics or tatweel, alef, teh marbuta and alef maqsura
    unified. Before tokenising: diacritics are not word characters and would split words."""
    return text.translate(_ARABIC_LETTERS)


def arabic_word(word: str) -> str:
    """A normalised word without the definite article or the proclitics fused with it."""
    for prefix in ARABIC_PROCLITICS:
        if word.startswith(prefix) and len(word) - len(prefix) >= MIN_ARABIC_STEM:
            return word[len(prefix) :]
    return word


def words(text: str) -> list[str]:
    """Word tokens; runs of Chinese characters are segmented into words, Arabic words
    lose their proclitics."""
    text = normalise(text)
    if ARABIC.search(text):
        return [arabic_word(t) if ARABIC.match(t) else t for t in _tokens(text)]
    return _tokens(text)


def _tokens(text: str) -> list[str]:
    if not HAN.search(text):  # the common case: no Chinese, no segmentation to do
        found: list[str] = WORD.findall(text)
        if "_" in text or max(map(len, found), default=0) > MAX_TERM_CHARS:
            return [t[:MAX_TERM_CHARS] for t in found if t != "_"]
        return found
    tokens: list[str] = []
    for token in WORD.findall(text):
        if HAN.search(token):
            tokens.extend(w for w in _jieba().cut(token) if w.strip())
        else:
            tokens.append(token)
    return [t[:MAX_TERM_CHARS] for t in tokens if t and t != "_"]


@functools.lru_cache(maxsize=500_000)
def stem(word: str, language: str) -> str:
    stemmer = _stemmer(language)
    if stemmer is None or HAN.search(word):
        return word
    return stemmer.stemWord(word)


class _Stems(dict[str, str]):
    """word → stem for one language, filled on first sight: a plain dict lookup per word
    (in C, through `map`) is what indexing a million records can afford."""

    def __init__(self, language: str) -> None:
        super().__init__()
        self.language = language

    def __missing__(self, word: str) -> str:
        result = stem(word, self.language)
        if len(self) < 1_000_000:
            self[word] = result
        return result


@functools.cache
def _stems(language: str) -> _Stems:
    return _Stems(language)


def index_terms(text: str, language: str) -> list[str]:
    """The terms stored for `text` written in `language`."""
    return list(map(_stems(language).__getitem__, words(text)))


def query_variants(word: str) -> list[str]:
    """Every term a query word may have been indexed as, in any language."""
    variants = {word}
    variants.update(stem(word, language) for language in STEMMERS)
    return sorted(variants)


class _WordIds(dict[str, int]):
    """word → id of its term in a batch's vocabulary, for one language (filled on sight)."""

    def __init__(self, language: str, vocabulary: dict[str, int]) -> None:
        super().__init__()
        self.language = language
        self.vocabulary = vocabulary

    def __missing__(self, word: str) -> int:
        term = stem(word, self.language)
        term_id = self.vocabulary.setdefault(term, len(self.vocabulary))
        self[word] = term_id
        return term_id


def analyse_records(records: list[list[dict[str, str]]]) -> tuple[list[str], bytes, bytes]:
    """The terms of many records in a compact form (what worker processes send back):
    the batch's vocabulary, the term id of every token (int32) and the number of tokens of
    every field of every record (int32). A field is {language: text}; its languages follow
    one another with BOUNDARY between them."""
    vocabulary: dict[str, int] = {BOUNDARY: 0}
    by_language: dict[str, _WordIds] = {}
    tokens = array("i")
    counts = array("i")
    for fields in records:
        for values in fields:
            size = 0
            for language, text in values.items():
                if language not in by_language:
                    by_language[language] = _WordIds(language, vocabulary)
                found = list(map(by_language[language].__getitem__, words(text)))
                if size and found:
                    tokens.append(0)
                    size += 1
                tokens.extend(found)
                size += len(found)
            counts.append(size)
    return list(vocabulary), tokens.tobytes(), counts.tobytes()


def analyse_contents(
    contents: list[str], fields: tuple[str, ...]
) -> tuple[list[str], bytes, bytes]:
    """`analyse_records` of records' content as stored (JSON text), `fields` in order."""
    records = []
    for text in contents:
        content = json.loads(text)
        records.append([content.get(name) or {} for name in fields])
    return analyse_records(records)
