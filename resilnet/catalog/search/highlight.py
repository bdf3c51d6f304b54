"""Snippets of a record's text with the words a search matched marked, for result lists."""

from __future__ import annotations

import html
import re
from dataclasses import dataclass
from typing import TYPE_CHECKING

from resilnet.catalog.search.query import ParsedQuery
from resilnet.catalog.text_analysis import index_terms, normalise

if TYPE_CHECKING:
    from resilnet.catalog.models import Record
    from resilnet.catalog.search.backends.base import SearchPage


@dataclass(frozen=True)
class Hit:
    """One search result as the pages and the API show it."""

    record: Record
    title: str  # in the language asked for, else the record's own
    snippet: str  # HTML-escaped, the matched words in <mark>


def hits(page: SearchPage, language: str) -> list[Hit]:
    return [
        Hit(
            record,
            record.text("title", language),
            highlight(
                record.text("summary", language) or record.text("body", language),
                page.parsed,
                record.original_language,
            ),
        )
        for record in page.results
    ]


def highlight(text: str, parsed: ParsedQuery, language: str, limit: int = 240) -> str:
    """An HTML-escaped snippet of `text` around the first match, matches in <mark>."""
    open_mark, close_mark = "\x02", "\x03"  # control characters no escaped text contains
    text = text.replace(open_mark, "").replace(close_mark, "")
    terms = parsed.terms()
    pieces: list[str] = []
    first = None
    for token in re.split(r"(\w+)", text):
        if token and terms and token[0].isalnum() and _matches(token, terms, language):
            if first is None:
                first = sum(len(p) for p in pieces)
            token = f"{open_mark}{token}{close_mark}"
        pieces.append(token)
    marked = "".join(pieces)
    begin = max(0, (first or 0) - limit // 3)
    snippet = marked[begin : begin + limit]
    # A cut may leave half a mark: drop a dangling close, finish an open one.
    if snippet.find(close_mark) != -1 and (
        snippet.find(open_mark) == -1 or snippet.find(close_mark) < snippet.find(open_mark)
    ):
        snippet = snippet.replace(close_mark, "", 1)
    if snippet.count(open_mark) > snippet.count(close_mark):
        snippet += close_mark
    snippet = ("…" if begin else "") + snippet + ("…" if begin + limit < len(marked) else "")
    return html.escape(snippet).replace(open_mark, "<mark>").replace(close_mark, "</mark>")


def _matches(token: str, terms: set[str], language: str) -> bool:
    return any(term in terms for term in index_terms(token, language)) or normalise(token) in terms
