"""The interface every search engine implements, and what a search returns."""

from __future__ import annotations

from abc import ABC, abstractmethod
from dataclasses import dataclass
from typing import TypedDict

from resilnet.catalog.models import Record
from resilnet.catalog.search.query import ParsedQuery, SearchQuery
from resilnet.catalog.taxonomy import Status


@dataclass
class SearchPage:
    count: int
    results: list[Record]
    facets: dict[str, list[tuple[str, int]]]
    parsed: ParsedQuery
    page: int
    page_size: int

    @property
    def pages(self) -> int:
        return max(1, -(-self.count // self.page_size))


class IndexReport(TypedDict):
    """Published records missing from the index, and indexed ids that should not be there."""

    missing: list[int]
    stale: list[int]


class SearchBackend(ABC):
    """One search engine: answers searches and keeps its index in step with the records.

    Services tell it what changed inside the transaction of the change
    (`records_changed`, `records_removed`); how the index follows (in the same
    transaction, or after commit from a change log) is the backend's business.
    """

    @abstractmethod
    def search(self, query: SearchQuery) -> SearchPage:
        """One page of the published records the query finds, their count and facet counts."""

    @abstractmethod
    def newest_ids(self, query: SearchQuery, limit: int) -> list[int]:
        """Up to `limit` ids of the records a search finds, newest first (for downloads)."""

    @abstractmethod
    def records_changed(self, ids: list[int], *, new: bool = False) -> None:
        """Records were created or changed in the current transaction: bring their entries
        in line with them (published ones indexed, others not). `new`: none of them has
        an entry yet."""

    @abstractmethod
    def records_removed(self, ids: list[int]) -> None:
        """Records left the published catalog in the current transaction."""

    @abstractmethod
    def rebuild(self) -> int:
        """Index every published record afresh (`resilnet catalog reindex`); their count."""

    @abstractmethod
    def indexed_ids(self) -> set[int]:
        """Every record id the index holds."""

    @abstractmethod
    def database_replaced(self, emptied: bool) -> None:
        """The database was flushed (`emptied`) or restored from a backup."""

    def prune(self) -> int:
        """Delete what the engine keeps beside its index that it no longer needs (a daily
        task); how many rows. The engines inside the database keep nothing."""
        return 0

    def check(self) -> IndexReport:
        """How the index differs from the published records (`resilnet catalog check-index`)."""
        published = set(Record.objects.filter(status=Status.PUBLISHED).values_list("id", flat=True))
        indexed = self.indexed_ids()
        return {"missing": sorted(published - indexed), "stale": sorted(indexed - published)}


def published_in_order(ids: list[int]) -> list[Record]:
    """The published records of `ids`, in that order (a page of results)."""
    by_id = Record.objects.filter(status=Status.PUBLISHED).in_bulk(ids)
    return [by_id[i] for i in ids if i in by_id]
