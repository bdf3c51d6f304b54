"""Text analysis shared by every search engine: the same terms go into the index and the
query on SQLite and PostgreSQL alike.

Words are case-folded and stemmed with the Snowball stemmer of the text's language
(Arabic, English, French, Russian, Spanish); Chinese is segmented into words with jieba.
A query word is expanded into its stems in every language, because a query does not say
which language's records it should match.
"""

from __future__ import annotations

import functools
import logging
import re
import unicodedata

import snowballstemmer

STEMMERS = {"ar": "arabic", "en": "english", "fr": "french", "ru": "russian", "es": "spanish"}
HAN = re.compile(r"[\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff]")
WORD = re.compile(r"\w+", re.UNICODE)
MAX_TERM_CHARS = 60


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
    return unicodedata.normalize("NFKC", text).casefold()


def words(text: str) -> list[str]:
    """Word tokens; runs of Chinese characters are segmented into words."""
    text = normalise(text)
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
