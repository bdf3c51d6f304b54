import datetime as dt
import html
from email.utils import parsedate_to_datetime
from xml.etree import ElementTree as ET

import pytest

from resilnet.catalog import services
from resilnet.catalog.feeds import atom_feed, format_duration, podcast_rss, record_tag
from resilnet.catalog.search import SearchQuery, search
from resilnet.catalog.tests.conftest import measure

ATOM = "{http://www.w3.org/2005/Atom}"
ITUNES = "{http://www.itunes.com/dtds/podcast-1.0.dtd}"
XML_LANG = "{http://www.w3.org/XML/1998/namespace}lang"
HOSTILE = 'Zero-rating <script>alert("x")</script> & co\x0b\x07 — été'


def parse(data: bytes) -> ET.Element:
    assert data.startswith(b"<?xml version='1.0' encoding='utf-8'?>")
    return ET.fromstring(data)


def record_url(record):
    return f"/catalog/records/{record.pk}/"


def feed(page, language="en"):
    return parse(
        atom_feed(
            page,
            title="Catalog: zero-rating",
            self_url="https://resilnet.example.org/catalog/feed.atom?q=zero",
            html_url="https://resilnet.example.org/catalog/?q=zero",
            record_url=record_url,
            language=language,
        )
    )


def podcast(title="Keeping networks up", episode=7, **fields):
    return measure(
        collection="podcast",
        title=title,
        summary={"en": "How operators kept networks running."},
        countries=[],
        fields={
            "audio_url": "https://media.example.org/ep7.mp3",
            "audio_bytes": 12_345_678,
            "audio_type": "audio/mpeg",
            "duration_seconds": 3723,
            "episode": episode,
            **fields,
        },
    )


def rss(records, **options):
    return parse(
        podcast_rss(
            records,
            title="Resilience talks",
            description="Episodes on digital resilience.",
            site_url="https://resilnet.example.org/",
            self_url="https://resilnet.example.org/catalog/podcast.rss",
            record_url=record_url,
            language="en",
            **options,
        )
    )


def test_atom_feed_has_the_required_elements(publish):
    record = publish(measure(organisation="Communications Authority of Kenya"))
    root = feed(search(SearchQuery()))
    assert root.tag == f"{ATOM}feed"
    assert root.get(XML_LANG) == "en"
    assert root.findtext(f"{ATOM}id") == "https://resilnet.example.org/catalog/feed.atom?q=zero"
    assert root.findtext(f"{ATOM}title") == "Catalog: zero-rating"
    links = {link.get("rel"): link.get("href") for link in root.findall(f"{ATOM}link")}
    assert links == {
        "self": "https://resilnet.example.org/catalog/feed.atom?q=zero",
        "alternate": "https://resilnet.example.org/catalog/?q=zero",
    }
    [entry] = root.findall(f"{ATOM}entry")
    assert entry.findtext(f"{ATOM}id") == record_tag(record, "https://resilnet.example.org/")
    assert entry.findtext(f"{ATOM}id").startswith("tag:resilnet.example.org,")
    assert entry.findtext(f"{ATOM}title") == "Zero-rating of health information sites"
    published = dt.datetime.fromisoformat(entry.findtext(f"{ATOM}published"))
    assert published == record.published_at.replace(microsecond=0)
    updated = dt.datetime.fromisoformat(entry.findtext(f"{ATOM}updated"))
    assert updated == record.updated_at.replace(microsecond=0)
    assert root.findtext(f"{ATOM}updated") == entry.findtext(f"{ATOM}updated")
    assert entry.find(f"{ATOM}link").get("href") == (
        f"https://resilnet.example.org/catalog/records/{record.pk}/"
    )
    assert entry.findtext(f"{ATOM}author/{ATOM}name") == "Communications Authority of Kenya"
    assert entry.findtext(f"{ATOM}summary").startswith("Operators must not charge")
    categories = {(c.get("term"), c.get("scheme")) for c in entry.findall(f"{ATOM}category")}
    assert categories == {("measure", None), ("KEN", "urn:iso:std:iso:3166:-1")}
    assert entry.findtext(f"{ATOM}rights") == "CC-BY-4.0"


def test_atom_feed_has_one_entry_per_result_of_the_page(publish):
    for n in range(3):
        publish(measure(title=f"Measure {n}"))
    page = search(SearchQuery(page_size=2))
    root = feed(page)
    assert page.count == 3
    assert len(root.findall(f"{ATOM}entry")) == 2


def test_author_falls_back_to_resilnet(publish):
    publish(measure(organisation=""))
    entry = feed(search(SearchQuery())).find(f"{ATOM}entry")
    assert entry.findtext(f"{ATOM}author/{ATOM}name") == "resilnet"


def test_empty_search_is_a_valid_feed(db):
    root = feed(search(SearchQuery(q="nothing matches this")))
    assert root.findall(f"{ATOM}entry") == []
    assert dt.datetime.fromisoformat(root.findtext(f"{ATOM}updated")).tzinfo is not None
    assert root.findtext(f"{ATOM}author/{ATOM}name") == "resilnet"


def test_titles_are_in_the_feed_language_with_fallback(publish):
    translated = measure()
    translated["title"] = {"en": "Zero-rating of health sites", "fr": "Gratuité des sites de santé"}
    publish(translated)
    publish(measure(title="Spectrum for mobile operators", countries=["EGY"]))
    entries = feed(search(SearchQuery(sort="date")), language="fr").findall(f"{ATOM}entry")
    titles = {e.findtext(f"{ATOM}title"): e.find(f"{ATOM}title").get(XML_LANG) for e in entries}
    assert titles == {
        "Gratuité des sites de santé": "fr",
        "Spectrum for mobile operators": "en",  # no French title: the original language
    }


def test_hostile_titles_are_escaped_and_control_characters_dropped(publish):
    publish(measure(title=HOSTILE, organisation="A & B <Ltd>"))
    data = atom_feed(
        search(SearchQuery()),
        title="<b>Feed</b> & \x0cmore",
        self_url="https://resilnet.example.org/feed?a=1&b=2",
        html_url="https://resilnet.example.org/?a=1&b=2",
        record_url=record_url,
        language="en",
    )
    assert b"<script>" not in data
    assert b"\x0b" not in data
    assert b"\x07" not in data
    root = parse(data)
    assert root.findtext(f"{ATOM}title") == "<b>Feed</b> & more"
    assert root.find(f"{ATOM}link").get("href") == "https://resilnet.example.org/feed?a=1&b=2"
    entry = root.find(f"{ATOM}entry")
    assert entry.findtext(f"{ATOM}title") == HOSTILE.replace("\x0b", "").replace("\x07", "")
    assert entry.findtext(f"{ATOM}author/{ATOM}name") == "A & B <Ltd>"


def test_podcast_rss_channel(publish):
    publish(podcast())
    data = podcast_rss(
        [],
        title="Resilience talks",
        description="Episodes on digital resilience.",
        site_url="https://resilnet.example.org/",
        self_url="https://resilnet.example.org/catalog/podcast.rss",
        record_url=record_url,
        language="fr",
    )
    # Podcast apps match these prefixes literally, not by namespace.
    assert b'xmlns:itunes="http://www.itunes.com/dtds/podcast-1.0.dtd"' in data
    assert b"<itunes:explicit>false</itunes:explicit>" in data
    root = parse(data)
    assert root.tag == "rss"
    assert root.get("version") == "2.0"
    channel = root.find("channel")
    assert channel.findtext("title") == "Resilience talks"
    assert channel.findtext("link") == "https://resilnet.example.org/"
    assert channel.findtext("description") == "Episodes on digital resilience."
    assert channel.findtext("language") == "fr"
    assert channel.findtext(f"{ITUNES}author") == "resilnet"
    assert channel.findtext(f"{ITUNES}explicit") == "false"
    assert channel.find(f"{ITUNES}category").get("text") == "Technology"
    assert channel.find(f"{ITUNES}image") is None
    self_link = channel.find(f"{ATOM}link")
    assert self_link.attrib == {
        "href": "https://resilnet.example.org/catalog/podcast.rss",
        "rel": "self",
        "type": "application/rss+xml",
    }
    assert channel.findall("item") == []


def test_podcast_rss_channel_image_when_given(db):
    channel = rss([], image_url="https://resilnet.example.org/cover.png").find("channel")
    assert channel.find(f"{ITUNES}image").get("href") == "https://resilnet.example.org/cover.png"


def test_podcast_items(publish):
    record = publish(podcast())
    [item] = rss([record]).find("channel").findall("item")
    assert item.findtext("title") == "Keeping networks up"
    assert item.findtext("link") == f"https://resilnet.example.org/catalog/records/{record.pk}/"
    guid = item.find("guid")
    assert guid.get("isPermaLink") == "false"
    assert guid.text == record_tag(record, "https://resilnet.example.org/")
    # The episode's own date (the record's date), not when it reached the catalog.
    assert parsedate_to_datetime(item.findtext("pubDate")) == dt.datetime(
        2020, 3, 20, tzinfo=dt.UTC
    )
    assert item.findtext("pubDate").endswith(" GMT")
    assert item.findtext("description") == "How operators kept networks running."
    assert item.find("enclosure").attrib == {
        "url": "https://media.example.org/ep7.mp3",
        "length": "12345678",
        "type": "audio/mpeg",
    }
    assert item.findtext(f"{ITUNES}duration") == "01:02:03"
    assert item.findtext(f"{ITUNES}episode") == "7"


def test_podcast_guid_is_stable(publish):
    record = publish(podcast())
    first = rss([record]).find("channel/item/guid").text
    services.do_update_record(record.owner, record, podcast(title="Renamed"))
    record.refresh_from_db()
    assert rss([record]).find("channel/item/guid").text == first


def test_an_episode_without_date_is_dated_by_its_publication(publish):
    record = publish({**podcast(), "date": None})
    item = rss([record]).find("channel/item")
    assert parsedate_to_datetime(item.findtext("pubDate")) == record.published_at.replace(
        microsecond=0
    )


def test_podcast_optional_item_elements_are_left_out(publish):
    record = publish(podcast(episode=None, duration_seconds=0))
    item = rss([record]).find("channel/item")
    assert item.find(f"{ITUNES}episode") is None
    assert item.find(f"{ITUNES}duration") is None


def test_only_published_podcasts_become_items(publish, contributor):
    episode = publish(podcast())
    other = publish(measure())
    draft = services.do_create_record(contributor, podcast(title="Draft episode"))
    items = rss([episode, other, draft]).find("channel").findall("item")
    assert [item.findtext("title") for item in items] == ["Keeping networks up"]


def test_hostile_podcast_title(publish):
    record = publish(podcast(title=HOSTILE))
    data = podcast_rss(
        [record],
        title="A & B",
        description="<p>x</p>",
        site_url="https://resilnet.example.org/",
        self_url="https://resilnet.example.org/catalog/podcast.rss",
        record_url=record_url,
        language="en",
    )
    assert b"<script>" not in data
    item = parse(data).find("channel/item")
    assert item.findtext("title") == HOSTILE.replace("\x0b", "").replace("\x07", "")


@pytest.mark.parametrize(
    ("seconds", "expected"),
    [(0, "00:00:00"), (59, "00:00:59"), (61, "00:01:01"), (3723, "01:02:03"), (86_400, "24:00:00")],
)
def test_duration_formatting(seconds, expected):
    assert format_duration(seconds) == expected


def test_podcast_descriptions_cannot_become_markup(publish):
    hostile = '<img src=x onerror="alert(1)"> & <b>bold</b>'
    content = podcast()
    content["summary"] = {"en": hostile}
    episode = publish(content)
    description = rss([episode]).find("channel/item/description").text
    # What a podcast app renders as HTML shows the words, and makes no element of them.
    assert "<" not in description
    assert html.unescape(description) == hostile


def test_directories_find_the_cover_the_owner_and_explicit_flags(client, publish, settings):
    settings.PODCAST_OWNER_NAME = "Resilience desk"
    settings.PODCAST_OWNER_EMAIL = "podcast@resilnet.example.org"
    publish(podcast())
    channel = parse(client.get("/catalog/podcasts.rss").content).find("channel")
    assert channel.findtext(f"{ITUNES}owner/{ITUNES}name") == "Resilience desk"
    assert channel.findtext(f"{ITUNES}owner/{ITUNES}email") == "podcast@resilnet.example.org"
    cover = channel.find(f"{ITUNES}image").get("href")
    assert cover.startswith("http://testserver/static/")
    assert cover.endswith(".png")
    assert channel.find(f"{ITUNES}category").get("text")
    item = channel.find("item")
    assert item.findtext(f"{ITUNES}explicit") == "false"
    assert item.findtext(f"{ITUNES}duration") == "01:02:03"


def test_a_configured_cover_replaces_the_sites_own(client, publish, settings):
    settings.PODCAST_IMAGE_URL = "https://cdn.example.org/cover.jpg"
    publish(podcast())
    channel = parse(client.get("/catalog/podcasts.rss").content).find("channel")
    assert channel.find(f"{ITUNES}image").get("href") == "https://cdn.example.org/cover.jpg"


def test_pub_date_is_the_episodes_own_date_not_its_import(client, publish):
    publish({**podcast(), "date": "2021-06-14"})
    item = parse(client.get("/catalog/podcasts.rss").content).find("channel/item")
    assert parsedate_to_datetime(item.findtext("pubDate")) == dt.datetime(
        2021, 6, 14, tzinfo=dt.UTC
    )


def test_imported_episodes_keep_their_date_in_the_feed(client, moderator):
    import io

    from resilnet.catalog.importers import tabular

    data = (
        b"external_id,collection,title,date,fields.audio_url,fields.duration_seconds\n"
        b"ep1,podcast,Keeping networks up,2020-05-04,https://media.example.org/1.mp3,2333\n"
    )
    services.import_records(moderator, tabular.parse(io.BytesIO(data), file_format="csv"))
    item = parse(client.get("/catalog/podcasts.rss").content).find("channel/item")
    assert parsedate_to_datetime(item.findtext("pubDate")).date() == dt.date(2020, 5, 4)


@pytest.mark.parametrize(
    ("name", "value"),
    [
        ("RESILNET_PODCAST_OWNER_EMAIL", "not an address"),
        ("RESILNET_PODCAST_IMAGE_URL", "cover.png"),
    ],
)
def test_malformed_podcast_settings_are_refused_naming_the_variable(name, value):
    from resilnet.config import ConfigError, load

    with pytest.raises(ConfigError, match=name):
        load({name: value})
