"""Podcasts and videos have pages to listen and watch: a player that downloads nothing
until asked, durations and sizes in words, a Subscribe link; an episode's record page
shows the same instead of its raw URL and byte count."""

import html
import re

import pytest
from django.utils import translation

from resilnet.catalog.media import human_duration, human_size
from resilnet.catalog.tests.conftest import measure

EPISODE_URL = "https://media.example.org/resilient-connections/episode-007.mp3"


def episode(title="Keeping networks up", **fields):
    return measure(
        collection="podcast",
        title=title,
        countries=[],
        fields={
            "audio_url": EPISODE_URL,
            "audio_bytes": 37_331_182,
            "duration_seconds": 2333,
            "episode": 7,
            **fields,
        },
    )


def video(title="Hospital networks in ten minutes"):
    return measure(
        collection="video",
        title=title,
        countries=[],
        fields={"video_url": "https://media.example.org/videos/12.mp4", "duration_seconds": 605},
    )


@pytest.mark.parametrize(
    ("seconds", "expected"),
    [
        (0, "0 s"),
        (45, "45 s"),
        (2333, "38 min 53 s"),
        (3723, "1 h 02 min"),
        (86_400, "24 h 00 min"),
    ],
)
def test_durations_in_words(seconds, expected):
    assert human_duration(seconds) == expected


@pytest.mark.parametrize(
    ("size", "expected"),
    [
        (0, "0 bytes"),
        (999, "999 bytes"),
        (1_500, "1.5 kB"),
        (37_331_182, "37.3 MB"),
        (2 * 10**9, "2.0 GB"),
    ],
)
def test_sizes_in_words(size, expected):
    assert human_size(size) == expected


def test_sizes_use_the_decimal_separator_of_the_language():
    with translation.override("fr"):
        assert human_size(37_331_182) == "37,3 MB"


def test_the_podcast_page_plays_each_episode_and_offers_the_feed(client, publish):
    publish(episode())
    page = client.get("/catalog/podcasts/").content.decode()
    assert '<audio controls preload="none">' in page
    assert f'<source src="{EPISODE_URL}" type="audio/mpeg">' in page
    assert "38 min 53 s" in page
    assert "37.3 MB" in page
    assert 'href="/catalog/podcasts.rss"' in page
    assert "Subscribe" in page


def test_the_video_page_plays_each_video(client, publish):
    publish(video())
    page = client.get("/catalog/videos/").content.decode()
    assert '<video controls preload="none" src="https://media.example.org/videos/12.mp4">' in page
    assert "10 min 5 s" in page


def test_the_video_page_offers_the_videos_atom_feed_to_subscribe(client, publish):
    publish(video())
    page = client.get("/catalog/videos/").content.decode()
    link = re.search(r'<a href="([^"]+)" type="application/atom\+xml">Subscribe', page)
    assert link is not None
    feed = client.get(html.unescape(link[1]))
    assert feed.status_code == 200
    assert "Hospital networks in ten minutes</title>" in feed.content.decode()


def test_drafts_are_not_listed(client, contributor):
    from resilnet.catalog import services

    services.do_create_record(contributor, episode(title="Unpublished episode"))
    assert "Unpublished episode" not in client.get("/catalog/podcasts/").content.decode()


def test_an_episode_page_shows_the_player_not_the_raw_fields(client, publish):
    record = publish(episode())
    page = client.get(f"/catalog/records/{record.pk}/").content.decode()
    assert '<audio controls preload="none">' in page
    assert "38 min 53 s" in page
    assert "37.3 MB" in page
    assert "Audio size (bytes)" not in page
    assert "Duration (seconds)" not in page
    assert "37331182" not in page
    assert f">{EPISODE_URL}<" not in page  # the URL is a player's source, not a text


def test_hostile_media_fields_stay_text(client, publish):
    record = publish(episode(title='<script>alert("x")</script>'))
    page = client.get("/catalog/podcasts/").content.decode()
    assert '<script>alert("x")' not in page
    assert f"/catalog/records/{record.pk}/" in page


def test_a_page_number_out_of_range_shows_the_last_page(client, publish):
    publish(episode())
    assert client.get("/catalog/podcasts/?page=999999").status_code == 200
    assert client.get("/catalog/podcasts/?page=x").status_code == 200


def test_players_may_load_media_from_other_https_hosts(client, db):
    policy = client.get("/catalog/podcasts/")["Content-Security-Policy"]
    assert "media-src 'self' https:" in policy


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
def test_nothing_is_wider_than_a_phone(
    browser, live_server, reference_data, contributor, moderator
):
    from resilnet.catalog import services

    long_url = "https://media.example.org/" + "a-very-long-path-segment/" * 12 + "episode.mp3"
    ids = []
    for content in (episode(audio_url=long_url), video()):
        record = services.do_create_record(contributor, content, submit=True)
        services.do_publish(moderator, record)
        ids.append(record.pk)
    page = browser.new_context(viewport={"width": 375, "height": 740}).new_page()
    for path in (
        "/catalog/podcasts/",
        "/catalog/videos/",
        *(f"/catalog/records/{i}/" for i in ids),
    ):
        page.goto(live_server.url + path)
        width = page.evaluate("document.documentElement.scrollWidth")
        widest = page.evaluate(
            "[...document.querySelectorAll('body *')]"
            ".filter(e => e.scrollWidth > e.clientWidth + 1"
            " && getComputedStyle(e).overflowX == 'visible')"
            ".map(e => e.tagName + '.' + e.className + ' ' + (e.textContent || '').slice(0, 60))"
        )
        assert width <= 375, f"{path} is {width} px wide: {widest}"
