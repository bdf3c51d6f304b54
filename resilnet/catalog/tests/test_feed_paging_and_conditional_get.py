"""The catalog's feeds page past their first page (RFC 5005) through a cursor that
stays put when records are added, and answer conditional GETs with 304."""

import datetime as dt
from urllib.parse import parse_qs, urlsplit
from xml.etree import ElementTree as ET

import pytest
from django.utils.http import http_date

from resilnet.catalog import views
from resilnet.catalog.tests.conftest import measure

ATOM = "{http://www.w3.org/2005/Atom}"


def links(root, tag=f"{ATOM}link"):
    return {link.get("rel"): link.get("href") for link in root.iter(tag)}


def local(url):
    parts = urlsplit(url)
    return f"{parts.path}?{parts.query}" if parts.query else parts.path


def entry_titles(root):
    return [entry.findtext(f"{ATOM}title") for entry in root.findall(f"{ATOM}entry")]


def dated(n, **overrides):
    day = dt.date(2020, 1, 1) + dt.timedelta(days=n)
    return measure(title=f"Measure {n:03d}", date=day.isoformat(), **overrides)


@pytest.fixture
def catalog(publish):
    # Three more than a page, so a second page exists; each engine sorts records without a
    # date in its own place, but every engine pages through them once.
    records = [publish(dated(n)) for n in range(views.FEED_PAGE_SIZE + 3)]
    records += [publish(measure(title=f"Undated {n}", date=None)) for n in range(2)]
    return records


def fetch(client, url):
    response = client.get(url)
    assert response.status_code == 200, response.content[:300]
    return ET.fromstring(response.content)


def test_atom_feed_pages_through_every_result_with_next_previous_and_first(client, catalog):
    first = fetch(client, "/catalog/search.atom?country=KEN")
    assert len(entry_titles(first)) == views.FEED_PAGE_SIZE
    dated_titles = [title for title in entry_titles(first) if title.startswith("Measure")]
    assert dated_titles[0] == f"Measure {views.FEED_PAGE_SIZE + 2:03d}"
    first_links = links(first)
    assert "previous" not in first_links
    assert local(first_links["first"]) == "/catalog/search.atom?country=KEN"
    assert parse_qs(urlsplit(first_links["next"]).query)["country"] == ["KEN"]

    second = fetch(client, local(first_links["next"]))
    assert len(entry_titles(second)) == len(catalog) - views.FEED_PAGE_SIZE
    assert [title for title in entry_titles(second) if title.startswith("Measure")][-3:] == [
        "Measure 002",
        "Measure 001",
        "Measure 000",
    ]
    assert "next" not in links(second)
    assert local(links(second)["previous"]) == local(first_links["first"])
    # Every page is a page of the same feed.
    assert second.findtext(f"{ATOM}id") == first.findtext(f"{ATOM}id")
    seen = entry_titles(first) + entry_titles(second)
    assert len(seen) == len(set(seen)) == len(catalog)


def test_the_cursor_does_not_move_when_records_are_published(client, catalog, publish):
    first = fetch(client, "/catalog/search.atom")
    second_url = local(links(first)["next"])
    before = entry_titles(fetch(client, second_url))
    publish(dated(500))  # newer than everything: lands on page one
    publish(dated(501))
    assert entry_titles(fetch(client, second_url)) == before


def test_a_third_page_links_back_to_the_second(client, publish, monkeypatch):
    monkeypatch.setattr(views, "FEED_PAGE_SIZE", 2)
    for n in range(6):
        publish(dated(n))
    second = fetch(client, local(links(fetch(client, "/catalog/search.atom"))["next"]))
    third = fetch(client, local(links(second)["next"]))
    assert entry_titles(third) == ["Measure 001", "Measure 000"]
    assert entry_titles(fetch(client, local(links(third)["previous"]))) == entry_titles(second)


@pytest.mark.parametrize(
    "cursor", ["yesterday", "2020-13-45.3", "2020-01-01", "none.", "1.2.3", "x" * 5000]
)
def test_a_malformed_cursor_is_a_400_naming_the_parameter(client, db, cursor):
    for url in ("/catalog/search.atom", "/catalog/podcasts.rss"):
        response = client.get(url, {"before": cursor})
        assert response.status_code == 400
        assert b"before" in response.content


def test_a_cursor_of_a_record_that_is_gone_still_pages(client, catalog):
    # Measure 002 is dated 2020-01-03: a gone record of that day with a higher id came
    # before it, one with a lower id after it.
    response = client.get("/catalog/search.atom", {"before": "2020-01-03.999999"})
    assert entry_titles(ET.fromstring(response.content))[:2] == ["Measure 002", "Measure 001"]
    response = client.get("/catalog/search.atom", {"before": "2020-01-03.0"})
    assert entry_titles(ET.fromstring(response.content))[:2] == ["Measure 001", "Measure 000"]


@pytest.mark.parametrize("url", ["/catalog/search.atom?q=zero", "/catalog/podcasts.rss"])
def test_feeds_answer_304_to_a_matching_etag_or_date(client, publish, url):
    publish(measure())
    publish(measure(collection="podcast", fields={"audio_url": "https://example.org/1.mp3"}))
    response = client.get(url)
    etag, modified = response["ETag"], response["Last-Modified"]
    assert etag.startswith('"')
    assert modified.endswith("GMT")

    assert client.get(url, headers={"If-None-Match": etag}).status_code == 304
    assert client.get(url, headers={"If-Modified-Since": modified}).status_code == 304
    assert client.get(url, headers={"If-None-Match": '"other"'}).status_code == 200
    older = http_date(dt.datetime(2001, 1, 1, tzinfo=dt.UTC).timestamp())
    assert client.get(url, headers={"If-Modified-Since": older}).status_code == 200


def test_a_changed_feed_has_a_new_etag(client, publish):
    publish(measure())
    etag = client.get("/catalog/search.atom")["ETag"]
    publish(measure(title="Spectrum for mobile operators"))
    response = client.get("/catalog/search.atom", headers={"If-None-Match": etag})
    assert response.status_code == 200
    assert response["ETag"] != etag


def test_a_feed_without_entries_is_dated_by_the_last_change_and_keeps_its_etag(client, publish):
    record = publish(measure())
    url = "/catalog/search.atom?q=nothingmatchesthis"
    response = client.get(url)
    root = ET.fromstring(response.content)
    assert entry_titles(root) == []
    updated = dt.datetime.fromisoformat(root.findtext(f"{ATOM}updated"))
    assert updated == record.updated_at.replace(microsecond=0)
    assert client.get(url, headers={"If-None-Match": response["ETag"]}).status_code == 304


def test_the_podcast_feed_pages_too(client, publish, monkeypatch):
    monkeypatch.setattr(views, "PODCAST_PAGE_SIZE", 2)
    for n in range(3):
        publish(
            dated(n, collection="podcast", fields={"audio_url": f"https://example.org/{n}.mp3"})
        )
    first = ET.fromstring(client.get("/catalog/podcasts.rss").content)
    assert [item.findtext("title") for item in first.iter("item")] == ["Measure 002", "Measure 001"]
    paging = links(first, f"{ATOM}link")
    assert local(paging["first"]) == "/catalog/podcasts.rss"
    second = ET.fromstring(client.get(local(paging["next"])).content)
    assert [item.findtext("title") for item in second.iter("item")] == ["Measure 000"]
    assert "next" not in links(second, f"{ATOM}link")
