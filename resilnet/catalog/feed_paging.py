"""Paged feeds (RFC 5005, section 3) and conditional GET for the catalog's feeds.

A feed lists records newest first by their own date, then id: the order of
`search.newest_ids`. A page after the first is named by a cursor, the date and id of
the last entry of the page before it (`before=2020-03-20.123`, `before=none.17` for a
record without date). A cursor names a place in the order, not an offset: records
published since a reader fetched page 1 do not shift page 2 under them, and a record
removed since is simply not there.

Validators: the ETag is a hash of the body (what was sent is what is compared, so the
language, the page and any change of any entry all count); Last-Modified is the newest
change among the entries. Django answers 304 to a matching If-None-Match, or, when
there is none, to an If-Modified-Since not older than Last-Modified (RFC 9110 13.2.2).
"""

from __future__ import annotations

import datetime as dt
import hashlib
import re
from collections.abc import Callable
from dataclasses import dataclass
from urllib.parse import urlencode

from django.http import HttpRequest, HttpResponse
from django.utils.cache import get_conditional_response
from django.utils.http import http_date

from resilnet.catalog.models import Record

CURSOR_PARAMETER = "before"
_CURSOR = re.compile(r"^(none|\d{4}-\d{2}-\d{2})\.(\d{1,18})$")
# Sorts before every date: records without date come last, newest first.
_NO_DATE = dt.date.min

Key = tuple[bool, dt.date, int]


class BadCursor(ValueError):
    """The `before` parameter is not a cursor this site wrote."""


@dataclass(frozen=True)
class Cursor:
    date: dt.date | None
    id: int

    def __str__(self) -> str:
        return f"{self.date.isoformat() if self.date else 'none'}.{self.id}"

    @property
    def key(self) -> Key:
        return (self.date is not None, self.date or _NO_DATE, self.id)

    @classmethod
    def parse(cls, text: str) -> Cursor:
        match = _CURSOR.match(text)
        if not match:
            raise BadCursor(
                f"{CURSOR_PARAMETER}: expected YYYY-MM-DD.<id> or none.<id>, got {text[:40]!r}"
            )
        day, record_id = match.groups()
        try:
            date = None if day == "none" else dt.date.fromisoformat(day)
        except ValueError as error:
            raise BadCursor(f"{CURSOR_PARAMETER}: {day} is not a date") from error
        return cls(date, int(record_id))


def cursor_of(record_id: int) -> Cursor:
    """The cursor just after a record: its date (its publication day when it has none,
    as the segment index sorts it) and its id."""
    row = Record.objects.filter(pk=record_id).values_list("record_date", "published_at").first()
    if row is None:
        return Cursor(None, record_id)
    day, published = row
    return Cursor(day or (published.date() if published else None), record_id)


@dataclass(frozen=True)
class FeedPage:
    ids: list[int]  # the entries of this page, in order
    next: Cursor | None  # None: this is the last page
    previous: Cursor | None  # meaningful only when `has_previous`
    has_previous: bool  # False on the first page
    previous_is_first: bool  # the page before this one is the first page


def page_of(ordered_ids: list[int], before: Cursor | None, size: int) -> FeedPage:
    """The page of `ordered_ids` (newest first, as `newest_ids` answers) that starts after
    `before`."""
    start = 0
    if before is not None:
        try:  # the record the cursor names is still there: the page starts after it
            start = ordered_ids.index(before.id) + 1
        except ValueError:  # it is gone: find where its key would sit
            start = _position(ordered_ids, before)
    ids = ordered_ids[start : start + size]
    more = start + size < len(ordered_ids)
    previous_start = start - size
    return FeedPage(
        ids=ids,
        next=cursor_of(ids[-1]) if ids and more else None,
        previous=cursor_of(ordered_ids[previous_start - 1]) if previous_start > 0 else None,
        has_previous=start > 0,
        previous_is_first=0 < start <= size,
    )


def _position(ordered_ids: list[int], before: Cursor) -> int:
    """The first index of `ordered_ids` whose key sorts after `before`'s, by halving
    the list: one primary-key read per halving."""
    cache: dict[int, Key] = {}

    def key(index: int) -> Key:
        record_id = ordered_ids[index]
        if record_id not in cache:
            cache[record_id] = cursor_of(record_id).key
        return cache[record_id]

    low, high = 0, len(ordered_ids)
    while low < high:
        middle = (low + high) // 2
        if key(middle) < before.key:
            high = middle
        else:
            low = middle + 1
    return low


def paging_links(page: FeedPage, url_with: Callable[[dict[str, str]], str]) -> dict[str, str]:
    """The RFC 5005 links of a page: `first` always, `next` and `previous` when they exist.
    `url_with(extra)` is the feed's URL with the cursor parameter set (or left out)."""
    links = {"first": url_with({})}
    if page.next is not None:
        links["next"] = url_with({CURSOR_PARAMETER: str(page.next)})
    if page.has_previous:
        if page.previous_is_first or page.previous is None:
            links["previous"] = links["first"]
        else:
            links["previous"] = url_with({CURSOR_PARAMETER: str(page.previous)})
    return links


def url_maker(request: HttpRequest) -> Callable[[dict[str, str]], str]:
    """`url_with` for `paging_links`: the request's own URL and parameters, cursor replaced."""
    base = request.build_absolute_uri(request.path)
    params = [(k, v) for k, values in request.GET.lists() for v in values if k != CURSOR_PARAMETER]

    def url_with(extra: dict[str, str]) -> str:
        query = urlencode([*params, *extra.items()])
        return f"{base}?{query}" if query else base

    return url_with


def conditional_response(
    request: HttpRequest, body: bytes, *, content_type: str, last_modified: dt.datetime | None
) -> HttpResponse:
    """`body` with its ETag and Last-Modified, or 304 Not Modified when the reader has it."""
    etag = '"' + hashlib.sha256(body).hexdigest()[:32] + '"'
    timestamp = int(last_modified.timestamp()) if last_modified else None
    response = get_conditional_response(request, etag=etag, last_modified=timestamp)
    if response is None:
        response = HttpResponse(body, content_type=content_type)
    response["ETag"] = etag
    if timestamp is not None:
        response["Last-Modified"] = http_date(timestamp)
    # Readers may keep a page five minutes, then ask again with the validators.
    response["Cache-Control"] = "public, max-age=300"
    return response
