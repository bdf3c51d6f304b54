"""Static files are named by their content's hash, cached for a year by browsers and
proxies, and sent gzipped or brotli-compressed as the reader asks; collectstatic runs
at start-up only when a source file changed."""

import gzip
import json
import re

import brotli
import pytest
from django.urls import reverse

from resilnet.core import staticfiles

pytestmark = pytest.mark.django_db

YEAR = 365 * 24 * 60 * 60
STATIC_URL = re.compile(r'(?:href|src)="(/static/[^"]+)"')
HASHED = re.compile(r"/static/.+\.[0-9a-f]{12}\.[a-z0-9]+")


def body(response) -> bytes:
    return b"".join(response.streaming_content) if response.streaming else response.content


def max_age(response) -> int:
    found = re.search(r"max-age=(\d+)", response["Cache-Control"])
    assert found, response["Cache-Control"]
    return int(found.group(1))


def stylesheet(client) -> str:
    """The site's stylesheet, by the name the home page gives it."""
    return next(u for u in STATIC_URL.findall(client.get("/").content.decode()) if "site" in u)


@pytest.mark.parametrize("page", ["/", "/catalog/", "/countries/", "/accounts/login/"])
def test_pages_name_every_static_file_by_its_hash(client, reference_data, page):
    urls = STATIC_URL.findall(client.get(page).content.decode())
    assert urls, page
    assert [url for url in urls if not HASHED.fullmatch(url)] == []


def test_the_map_names_its_worker_and_boundaries_by_their_hashes(client):
    html = client.get(reverse("schools:map")).content.decode()
    start = html.index('id="map-config"')
    config = json.loads(html[html.index(">", start) + 1 : html.index("</script>", start)])
    for key in ("worker", "atlas", "atlas_detail"):
        assert HASHED.fullmatch(config[key]), (key, config[key])
        assert client.get(config[key]).status_code == 200


@pytest.mark.parametrize(
    ("accept", "encoding", "decode"),
    [("gzip, deflate, br", "br", brotli.decompress), ("gzip", "gzip", gzip.decompress)],
)
def test_a_hashed_file_is_cached_for_a_year_and_compressed_as_asked(
    client, accept, encoding, decode
):
    url = stylesheet(client)
    plain = body(client.get(url))
    response = client.get(url, HTTP_ACCEPT_ENCODING=accept)
    assert response.status_code == 200
    assert max_age(response) >= YEAR
    assert "immutable" in response["Cache-Control"]
    assert response["Content-Encoding"] == encoding
    assert "Accept-Encoding" in response["Vary"]
    assert decode(body(response)) == plain
    assert b"font" in plain  # the stylesheet itself, not an error page


def test_the_unhashed_name_still_serves_the_same_file_briefly_cached(client):
    url = stylesheet(client)
    unhashed = re.sub(r"\.[0-9a-f]{12}\.", ".", url)
    assert unhashed != url
    response = client.get(unhashed, HTTP_ACCEPT_ENCODING="gzip, br")
    assert response.status_code == 200
    assert body(response) == body(client.get(url))  # pages never name it; links may
    assert "immutable" not in response["Cache-Control"]
    assert max_age(response) < 3600  # it changes in place when the file does


def test_a_name_nothing_collected_is_not_found(client):
    assert client.get("/static/resilnet/site.0123456789ab.css").status_code == 404
    # Source maps and development builds are left out of STATIC_ROOT.
    assert client.get("/static/vendor/maplibre-gl/maplibre-gl-csp-dev.js").status_code == 404


def test_collectstatic_runs_only_when_a_source_file_changed(settings, tmp_path):
    # The session's STATIC_ROOT was collected from the current files: nothing to do.
    assert staticfiles.collect_static() is False
    before = staticfiles.sources_fingerprint()
    assert staticfiles.sources_fingerprint() == before
    extra = tmp_path / "extra"
    extra.mkdir()
    (extra / "note.css").write_text("p { color: red }")
    settings.STATICFILES_DIRS = [*settings.STATICFILES_DIRS, ("extra", extra)]
    added = staticfiles.sources_fingerprint()
    assert added != before
    (extra / "note.css").write_text("p { color: blue; }")
    changed = staticfiles.sources_fingerprint()
    assert changed != added
    (extra / "note.css.map").write_text("{}")  # a file left out changes nothing
    assert staticfiles.sources_fingerprint() == changed
