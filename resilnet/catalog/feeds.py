"""Syndication formats of the catalog: an Atom 1.0 feed of a search, a podcast RSS feed.

Pure functions from records to UTF-8 XML bytes; views pick the records and the URLs.
Every text and attribute goes through `clean()`, so characters XML 1.0 cannot carry
(control characters, lone surrogates) are dropped instead of making the feed unparsable.

Namespace prefixes are written as literal `xmlns` attributes and prefixed tag names,
rather than through `ElementTree.register_namespace`, which would change global state:
podcast apps match `itunes:` literally, so the prefix must be exactly that.
"""

from __future__ import annotations

import datetime as dt
import html
import re
from collections.abc import Callable, Iterable
from email.utils import format_datetime
from urllib.parse import urljoin, urlsplit
from xml.etree import ElementTree as ET

from django.utils import timezone

from resilnet.catalog.models import Record
from resilnet.catalog.search import SearchPage
from resilnet.catalog.taxonomy import Collection, Status
from resilnet.core import selectors as core_selectors

ATOM_NS = "http://www.w3.org/2005/Atom"
ITUNES_NS = "http://www.itunes.com/dtds/podcast-1.0.dtd"
XML_LANG = "{http://www.w3.org/XML/1998/namespace}lang"  # serialised as xml:lang
# RFC 5141 URN of ISO 3166-1, the scheme of the country categories (ISO alpha-3 terms).
COUNTRY_SCHEME = "urn:iso:std:iso:3166:-1"
GENERATOR = "resilnet"

# Everything outside the XML 1.0 `Char` production (tab, LF and CR are the only controls).
_NOT_XML_CHAR = re.compile("[^\t\n\r\x20-\ud7ff\ue000-\ufffd\U00010000-\U0010ffff]")


def clean(text: object) -> str:
    """`text` as a string XML 1.0 can carry: characters it forbids are removed."""
    return _NOT_XML_CHAR.sub("", str(text))


def _sub(
    parent: ET.Element, tag: str, text: object = None, attrib: dict[str, object] | None = None
) -> ET.Element:
    element = ET.SubElement(parent, tag, {k: clean(v) for k, v in (attrib or {}).items()})
    if text is not None:
        element.text = clean(text)
    return element


def _serialise(root: ET.Element) -> bytes:
    return ET.tostring(root, encoding="utf-8", xml_declaration=True)


def _rfc3339(moment: dt.datetime) -> str:
    return moment.astimezone(dt.UTC).isoformat(timespec="seconds").replace("+00:00", "Z")


def _rfc822(moment: dt.datetime) -> str:
    return format_datetime(moment.astimezone(dt.UTC), usegmt=True)


def _language_of(record: Record, field: str, language: str) -> str:
    """The language `record.text(field, language)` answers in (same fallback order)."""
    values: dict[str, str] = record.content.get(field) or {}
    for candidate in (language, record.original_language, *values):
        if values.get(candidate):
            return candidate
    return language


def record_tag(record: Record, base_url: str) -> str:
    """A stable, globally unique id of a record (RFC 4151 tag URI), e.g.
    `tag:example.org,2020-03-20:catalog/records/12`: it survives URL changes."""
    host = urlsplit(base_url).hostname or "localhost"
    since = record.published_at or record.created_at
    return f"tag:{host},{since.astimezone(dt.UTC):%Y-%m-%d}:catalog/records/{record.pk}"


def _author(record: Record) -> str:
    return str(record.content.get("organisation") or "").strip() or GENERATOR


def _country_names(records: list[Record]) -> dict[str, str]:
    codes = {code for record in records for code in record.content.get("countries") or []}
    if not codes:
        return {}
    return dict(core_selectors.countries().filter(iso3__in=codes).values_list("iso3", "name"))


def atom_feed(
    page: SearchPage | Iterable[Record],
    *,
    title: str,
    self_url: str,
    html_url: str,
    record_url: Callable[[Record], str],
    language: str,
    feed_id: str = "",
    paging: dict[str, str] | None = None,
    empty_updated: dt.datetime | None = None,
) -> bytes:
    """An Atom 1.0 (RFC 4287) feed of one page of search results.

    `self_url` is the page's absolute URL, `feed_id` the feed's id, the same on every
    page (`self_url` when empty), `html_url` the same search as a page; `record_url` may
    return a path, made absolute against `self_url`. `paging` holds the RFC 5005 links
    (`first`, `next`, `previous`) by relation. Texts are in `language` where a
    translation exists, else in the record's original language, and say which with
    `xml:lang`. A feed without entries says it was updated at `empty_updated` (now when
    None).
    """
    records = list(page.results if isinstance(page, SearchPage) else page)
    names = _country_names(records)
    collection_labels = dict(Collection.choices)
    feed = ET.Element("feed", {"xmlns": ATOM_NS, XML_LANG: clean(language)})
    _sub(feed, "id", feed_id or self_url)
    _sub(feed, "title", title, {"type": "text"})
    updated = max((r.updated_at for r in records), default=empty_updated or timezone.now())
    _sub(feed, "updated", _rfc3339(updated))
    _sub(feed, "link", attrib={"rel": "self", "type": "application/atom+xml", "href": self_url})
    _sub(feed, "link", attrib={"rel": "alternate", "type": "text/html", "href": html_url})
    for rel, href in (paging or {}).items():
        _sub(feed, "link", attrib={"rel": rel, "type": "application/atom+xml", "href": href})
    _sub(_sub(feed, "author"), "name", GENERATOR)
    _sub(feed, "generator", GENERATOR)
    for record in records:
        entry = _sub(feed, "entry")
        _sub(entry, "id", record_tag(record, self_url))
        _sub(
            entry,
            "title",
            record.text("title", language) or record.title,
            {"type": "text", XML_LANG: _language_of(record, "title", language)},
        )
        _sub(entry, "updated", _rfc3339(record.updated_at))
        if record.published_at:
            _sub(entry, "published", _rfc3339(record.published_at))
        link = urljoin(self_url, record_url(record))
        _sub(entry, "link", attrib={"rel": "alternate", "type": "text/html", "href": link})
        _sub(_sub(entry, "author"), "name", _author(record))
        summary = record.text("summary", language)
        if summary:
            lang = _language_of(record, "summary", language)
            _sub(entry, "summary", summary, {"type": "text", XML_LANG: lang})
        _sub(
            entry,
            "category",
            attrib={
                "term": record.collection,
                "label": collection_labels.get(record.collection, record.collection),
            },
        )
        for code in record.content.get("countries") or []:
            attrib = {"term": code, "scheme": COUNTRY_SCHEME, "label": names.get(code, code)}
            _sub(entry, "category", attrib=attrib)
        if record.content.get("licence"):
            _sub(entry, "rights", record.content["licence"], {"type": "text"})
    return _serialise(feed)


def episode_date(record: Record) -> dt.datetime | None:
    """When an episode came out: its own date (midnight UTC) when it has one, else the
    moment it was published in the catalog."""
    if record.record_date:
        return dt.datetime.combine(record.record_date, dt.time(), tzinfo=dt.UTC)
    return record.published_at


def format_duration(seconds: int) -> str:
    """`HH:MM:SS`, the itunes:duration form every podcast app reads."""
    minutes, secs = divmod(max(0, int(seconds)), 60)
    hours, minutes = divmod(minutes, 60)
    return f"{hours:02d}:{minutes:02d}:{secs:02d}"


def podcast_rss(
    records: Iterable[Record],
    *,
    title: str,
    description: str,
    site_url: str,
    self_url: str,
    record_url: Callable[[Record], str],
    language: str,
    author: str = GENERATOR,
    category: str = "Technology",
    image_url: str = "",
    paging: dict[str, str] | None = None,
    owner_name: str = "",
    owner_email: str = "",
) -> bytes:
    """An RSS 2.0 podcast feed with the iTunes namespace, one item per episode.

    Only published podcast records with an audio URL become items (others are skipped,
    so a feed never shows a draft). `paging` holds the RFC 5005 links by relation.
    `category` is an Apple Podcasts category; the
    channel image is omitted when `image_url` is empty, the owner (whom directories
    write to) when both `owner_name` and `owner_email` are. An episode's `pubDate` is
    its own date (the record's date), not the day it reached the catalog.
    """
    episodes = [
        record
        for record in records
        if record.collection == Collection.PODCAST
        and record.status == Status.PUBLISHED
        and record.fields.get("audio_url")
    ]
    rss = ET.Element("rss", {"version": "2.0", "xmlns:itunes": ITUNES_NS, "xmlns:atom": ATOM_NS})
    channel = _sub(rss, "channel")
    _sub(channel, "title", title)
    _sub(channel, "link", site_url)
    _sub(channel, "description", description)
    _sub(channel, "language", language)
    _sub(
        channel,
        "atom:link",
        attrib={"href": self_url, "rel": "self", "type": "application/rss+xml"},
    )
    for rel, href in (paging or {}).items():  # RFC 5005 paging, as in Atom
        _sub(channel, "atom:link", attrib={"href": href, "rel": rel, "type": "application/rss+xml"})
    if episodes:
        _sub(channel, "lastBuildDate", _rfc822(max(r.updated_at for r in episodes)))
    _sub(channel, "generator", GENERATOR)
    _sub(channel, "itunes:author", author)
    _sub(channel, "itunes:explicit", "false")
    _sub(channel, "itunes:category", attrib={"text": category})
    if image_url:
        _sub(channel, "itunes:image", attrib={"href": image_url})
    if owner_name or owner_email:
        owner = _sub(channel, "itunes:owner")
        if owner_name:
            _sub(owner, "itunes:name", owner_name)
        if owner_email:
            _sub(owner, "itunes:email", owner_email)
    for record in episodes:
        fields = record.fields
        item = _sub(channel, "item")
        _sub(item, "title", record.text("title", language) or record.title)
        _sub(item, "link", urljoin(site_url, record_url(record)))
        _sub(item, "guid", record_tag(record, site_url), {"isPermaLink": "false"})
        released = episode_date(record)
        if released:
            _sub(item, "pubDate", _rfc822(released))
        # Podcast apps render <description> as HTML: the summary is plain text, so it goes
        # in escaped, and reaches the listener as the words that were written.
        _sub(item, "description", html.escape(record.text("summary", language)))
        _sub(
            item,
            "enclosure",
            attrib={
                "url": fields["audio_url"],
                "length": int(fields.get("audio_bytes") or 0),
                "type": fields.get("audio_type") or "audio/mpeg",
            },
        )
        _sub(item, "itunes:author", _author(record))
        if fields.get("duration_seconds"):
            _sub(item, "itunes:duration", format_duration(fields["duration_seconds"]))
        if fields.get("episode"):
            _sub(item, "itunes:episode", int(fields["episode"]))
        _sub(item, "itunes:explicit", "false")
    return _serialise(rss)
