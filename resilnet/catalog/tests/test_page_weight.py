"""Every page type is light enough for 2G/3G: its HTML as the server sends it (gzipped)
plus its CSS and JavaScript as collected and served (gzipped ahead of time),
the map library aside, stays under 100 KB. The figures are printed (pytest -s)."""

import gzip
import re

import pytest
from django.contrib.staticfiles.storage import staticfiles_storage

from resilnet.catalog.tests.conftest import measure
from resilnet.core.models import Role

LIMIT = 100 * 1024
# The schools map's library is weighed apart (docs/architecture.md): loaded on that page only.
MAP_LIBRARY = ("vendor/maplibre-gl/", "vendor/topojson-client/", "vendor/world-atlas/")
# Whatever the order of the attributes (a library's own template may put `type` first).
ASSETS = re.compile(r'<(?:link[^>]* rel="stylesheet"[^>]* href|script[^>]* src)="/static/([^"?]+)"')


def compressed_page(client, path: str) -> bytes:
    response = client.get(path, HTTP_ACCEPT_ENCODING="gzip, deflate, br")
    assert response.status_code == 200, path
    assert response["Content-Encoding"] == "gzip", path
    assert "Accept-Encoding" in response["Vary"], path
    return response.content


def asset_weight(name: str) -> int:
    assert staticfiles_storage.exists(name), name  # a hashed name, as collected
    with staticfiles_storage.open(name) as file:
        return len(gzip.compress(file.read(), 9))


def weigh(client, path: str) -> tuple[int, int, list[str]]:
    body = compressed_page(client, path)
    html = gzip.decompress(body).decode()
    assets = [a for a in ASSETS.findall(html) if not a.startswith(MAP_LIBRARY)]
    return len(body), sum(asset_weight(a) for a in assets), assets


@pytest.fixture
def site(reference_data, publish, make_user, moderator):
    record = publish(measure())
    make_user("aisha", Role.ALERT_AUTHOR)
    return record


def test_every_page_type_weighs_under_100_kb_compressed(client, site, moderator, capsys):
    from conftest import PASSWORD

    pages = {
        "home": "/",
        "catalog search": "/catalog/?q=health",
        "record": f"/catalog/records/{site.pk}/",
        "proposal form": "/catalog/propose/measure/",
        "schools map (library aside)": "/schools/map/",
        "API reference": "/api/v1/docs",
    }
    signed_in = {"moderation": ("mona", "/catalog/moderation/"), "alerts": ("aisha", "/alerts/")}
    rows = {}
    for name, path in pages.items():
        rows[name] = weigh(client, path)
    for name, (username, path) in signed_in.items():
        assert client.login(username=username, password=PASSWORD)
        rows[name] = weigh(client, path)
        client.logout()
    with capsys.disabled():
        print("\npage type                     HTML gz   CSS+JS gz   total  (bytes)")
        for name, (html, assets, _) in rows.items():
            print(f"{name:<28} {html:>8} {assets:>11} {html + assets:>7}")
    heavy = {name: html + assets for name, (html, assets, _) in rows.items()}
    assert {name: total for name, total in heavy.items() if total >= LIMIT} == {}
    # htmx is loaded only where hx- attributes are: none of these pages has any.
    assert not any("vendor/htmx/" in a for _, _, listed in rows.values() for a in listed)


def test_a_file_download_is_not_compressed_again(client, contributor, moderator):
    """An attachment keeps its length and byte ranges (players seek in episodes) and is
    never gzipped a second time; a plain GZipMiddleware would compress this stream."""
    from resilnet.catalog import services

    png = b"\x89PNG\r\n\x1a\n" + b"\x00" * 4000
    record = services.do_create_record(contributor, measure())
    attachment = services.do_add_attachment(contributor, record, "chart.png", png)
    services.do_submit(contributor, record)
    services.do_publish(moderator, record)
    response = client.get(f"/catalog/attachments/{attachment.pk}/", HTTP_ACCEPT_ENCODING="gzip")
    assert response.status_code == 200
    assert not response.has_header("Content-Encoding")
    assert response["Content-Length"] == str(len(png))
    assert b"".join(response.streaming_content) == png


def test_api_answers_and_feeds_are_compressed(client, site):
    for path in ["/api/v1/catalog/search?q=health", "/catalog/search.atom?q=health"]:
        response = client.get(path, HTTP_ACCEPT_ENCODING="gzip")
        assert response.status_code == 200, path
        assert response["Content-Encoding"] == "gzip", path
        assert b"Zero-rating" in gzip.decompress(response.content), path
