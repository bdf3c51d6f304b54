"""What a search asks, engine-independent: the search box parsed into clauses, the
filters, the order, the page and the facets to count."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any

from resilnet.catalog.text_analysis import STEMMERS, query_variants, stem, words

MAX_QUERY_CHARS = 500
MAX_CLAUSES = 12
PHRASE = re.compile(r'"([^"]+)"')

# The facets counted for every search, in the order pages show them.
FACETS = (
    "collection",
    "country",
    "itu_region",
    "category",
    "phase",
    "binding",
    "action_line",
    "sdg",
    "stakeholder_type",
    "year",
    "language",
)
FACET_LIMIT = 300  # values per facet; every facet here has fewer (249 countries at most)
MAX_FILTER_VALUES = 50  # values asked for per facet
MAX_PAGE = 10_000


@dataclass(frozen=True)
class SearchQuery:
    q: str = ""
    filters: dict[str, list[str]] = field(default_factory=dict)
    sort: str = "relevance"  # or "date"
    page: int = 1
    page_size: int = 20
    facets: tuple[str, ...] = FACETS  # which facets to count

    @property
    def start(self) -> int:
        return (self.page - 1) * self.page_size

    @classmethod
    def from_params(cls, params: Any, *, page_size: int = 20) -> SearchQuery:
        """The search that request parameters ask for (`q`, one list per facet, `sort`,
        `page`), cleaned the same way for the pages, the feeds and the API: text and lists
        clipped, country codes upper-cased, anything unreadable taken as its default."""
        filters = {}
        for name in FACETS:
            values = [v for v in params.getlist(name)[:MAX_FILTER_VALUES] if v]
            if name == "country":
                values = [v.upper()[:3] for v in values]
            if values:
                filters[name] = values
        try:
            page = max(1, min(MAX_PAGE, int(params.get("page", "1"))))
        except ValueError:
            page = 1
        return cls(
            q=params.get("q", "")[:MAX_QUERY_CHARS],
            filters=filters,
            sort="date" if params.get("sort") == "date" else "relevance",
            page=page,
            page_size=page_size,
        )


def top_values(counts: list[tuple[str, int]]) -> list[tuple[str, int]]:
    """A facet's (value, count) pairs as pages show them: most frequent first."""
    return sorted(counts, key=lambda item: (-item[1], item[0]))[:FACET_LIMIT]


@dataclass(frozen=True)
class Clause:
    """One query word or "quoted phrase". `alternatives` are the term sequences it may
    have been indexed as (one per language's stemming); any of them matches."""

    alternatives: tuple[tuple[str, ...], ...]
    original: str


@dataclass(frozen=True)
class ParsedQuery:
    clauses: tuple[Clause, ...] = field(default_factory=tuple)

    @property
    def empty(self) -> bool:
        return not self.clauses

    def terms(self) -> set[str]:
        return {t for clause in self.clauses for alt in clause.alternatives for t in alt}


def _phrase(tokens: list[str], original: str) -> Clause:
    alternatives = {tuple(tokens)}
    alternatives.update(tuple(stem(t, language) for t in tokens) for language in STEMMERS)
    return Clause(tuple(sorted(alternatives)), original)


def parse(text: str) -> ParsedQuery:
    """Words are ANDed; "quoted words" must appear together. Nothing a person types is
    engine syntax: operators and punctuation are just not words."""
    text = text[:MAX_QUERY_CHARS]
    clauses: list[Clause] = []
    for phrase in PHRASE.findall(text):
        tokens = words(phrase)
        if len(tokens) == 1:
            clauses.append(Clause(tuple((v,) for v in query_variants(tokens[0])), phrase))
        elif tokens:
            clauses.append(_phrase(tokens, phrase))
    seen: set[str] = set()
    for token in words(PHRASE.sub(" ", text)):
        if token not in seen:
            seen.add(token)
            clauses.append(Clause(tuple((v,) for v in query_variants(token)), token))
    return ParsedQuery(tuple(clauses[:MAX_CLAUSES]))
