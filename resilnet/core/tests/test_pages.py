"""The web shell: navigation, languages, no inline script, light pages, accessible markup."""

import gzip
import re

import pytest
from django.contrib.auth.models import AnonymousUser
from django.test import Client

from conftest import PASSWORD

pytestmark = pytest.mark.django_db

LANGUAGES = ["ar", "zh-hans", "en", "fr", "ru", "es"]


def test_home_lists_every_module_and_the_itu_regions(client):
    html = client.get("/").content.decode()
    for path in ("/catalog/", "/schools/", "/alerts/", "/planning/"):
        assert f'href="{path}"' in html
    assert "Arab States" in html
    assert "249 countries and areas" in html


def test_a_module_not_built_yet_says_what_will_come(rf, monkeypatch):
    from resilnet.core import modules, views

    coming = modules.Module(slug="planning", title="Later", summary="", coming="Plans, soon.")
    monkeypatch.setattr(modules, "by_slug", lambda slug: coming)
    request = rf.get("/planning/")
    request.user = AnonymousUser()
    html = views.module_placeholder(request, "planning").content.decode()
    assert "Coming soon" in html
    assert "Plans, soon." in html


@pytest.mark.parametrize("language", LANGUAGES)
def test_each_language_is_served_with_its_direction(client, language):
    html = client.get("/", HTTP_ACCEPT_LANGUAGE=language).content.decode()
    assert f'<html lang="{language}"' in html
    assert f'dir="{"rtl" if language == "ar" else "ltr"}"' in html


@pytest.mark.parametrize(
    ("language", "phrase"),
    [
        ("ar", "الوحدات"),
        ("zh-hans", "模块"),
        ("fr", "Modules"),
        ("ru", "Модули"),
        ("es", "Módulos"),
    ],
)
def test_the_shell_is_translated(client, language, phrase):
    html = client.get("/", HTTP_ACCEPT_LANGUAGE=language).content.decode()
    assert phrase in html


def test_the_language_switcher_works_without_javascript(client):
    response = client.post("/i18n/setlang/", {"language": "ar", "next": "/countries/"})
    assert response.status_code == 302
    assert response.url == "/countries/"
    assert 'dir="rtl"' in client.get("/countries/").content.decode()


def test_no_inline_script_and_a_strict_csp(client):
    response = client.get("/")
    csp = response["Content-Security-Policy"]
    assert "script-src 'self'" in csp
    assert "unsafe-inline" not in csp
    html = response.content.decode()
    for tag in re.findall(r"<script[^>]*>", html):
        assert "src=" in tag
    assert not re.search(r"\son[a-z]+=", html)  # no inline event handlers


def test_home_page_weighs_under_100_kb_compressed(client):
    from django.contrib.staticfiles.storage import staticfiles_storage

    response = client.get("/")
    html = response.content
    assets = re.findall(rb'(?:href|src)="/static/([^"]+)"', html)
    assert assets, "the page should load its stylesheet and script"
    total = len(gzip.compress(html))
    for asset in assets:
        assert staticfiles_storage.exists(asset.decode()), asset
        with staticfiles_storage.open(asset.decode()) as handle:
            total += len(gzip.compress(handle.read()))
    assert total < 100 * 1024, total


def test_landmarks_and_labels(client):
    html = client.get("/countries/").content.decode()
    for landmark in ("<header", "<nav", "<main", "<footer"):
        assert landmark in html
    assert 'class="skip" href="#main"' in html
    for field_id in re.findall(r'<(?:input|select)[^>]*\sid="([^"]+)"', html):
        assert f'for="{field_id}"' in html, field_id


def test_country_list_filters_and_paginates(client):
    html = client.get("/countries/?itu_region=cis").content.decode()
    assert "9 countries" in html
    assert "Kazakhstan" in html
    page = client.get("/countries/?page=2").content.decode()
    assert "Page 2 of 5" in page
    hostile = client.get("/countries/?q=%3Cscript%3E&page=abc&flag=evil")
    assert hostile.status_code == 200
    assert b"<script>" not in hostile.content.split(b"</header>")[1]


def test_unknown_country_page_is_404(client):
    assert client.get("/countries/XYZ/").status_code == 404


def test_sign_in_and_out(contributor):
    browser = Client()
    response = browser.post("/accounts/login/", {"username": "carla", "password": PASSWORD})
    assert response.status_code == 302
    assert "carla" in browser.get("/").content.decode()
    browser.post("/accounts/logout/")
    assert "Sign in" in browser.get("/").content.decode()


def test_tokens_page_creates_shows_once_and_revokes(client, analyst):
    client.force_login(analyst)
    created = client.post("/accounts/tokens/", {"name": "etl", "role": "Analyst"})
    token = re.search(r"<code>(rn_[^<]+)</code>", created.content.decode()).group(1)
    assert token not in client.get("/accounts/tokens/").content.decode()
    token_id = analyst.api_tokens.get().pk
    client.post(f"/accounts/tokens/{token_id}/revoke")
    assert analyst.api_tokens.get().revoked_at is not None


def test_tokens_page_offers_only_the_users_roles(client, analyst):
    client.force_login(analyst)
    response = client.post("/accounts/tokens/", {"name": "x", "role": "Administrator"})
    assert "Select a valid choice" in response.content.decode()
    assert not analyst.api_tokens.exists()
