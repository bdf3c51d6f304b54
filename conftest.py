"""Fixtures shared by every app's tests: small real data, no mocks."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from resilnet.core import services
from resilnet.core.models import Role, User

PASSWORD = "correct horse battery staple"  # noqa: S105 (test accounts only)


@pytest.fixture(scope="session", autouse=True)
def _session_var_dir(tmp_path_factory):
    # What runs after a test's own settings are undone (the flush that ends a test with
    # real transactions, which also resets the search index) stays out of var/ too.
    from django.conf import settings

    settings.VAR_DIR = tmp_path_factory.mktemp("var")
    settings.MEDIA_ROOT = settings.VAR_DIR / "media"


@pytest.fixture(scope="session", autouse=True)
def _collected_static(tmp_path_factory):
    # Pages name static files by their hashed names, as in production: collectstatic runs
    # once per test run into a STATIC_ROOT of its own, which the processes of one run share
    # (the first collects; the others wait on the lock, then find its stamp current).
    import fcntl

    from django.test.utils import override_settings

    from resilnet.core.staticfiles import collect_static

    run_dir = tmp_path_factory.getbasetemp()
    if os.environ.get("PYTEST_XDIST_WORKER"):
        run_dir = run_dir.parent  # one folder per run, above the workers' own
    (run_dir / "static").mkdir(exist_ok=True)
    # Through override_settings: a storage made earlier (a test module's import) is
    # made again for the new root.
    with override_settings(STATIC_ROOT=run_dir / "static"):
        with open(run_dir / "static.lock", "w") as lock:
            fcntl.flock(lock, fcntl.LOCK_EX)
            collect_static()
            fcntl.flock(lock, fcntl.LOCK_UN)
        yield


@pytest.fixture(autouse=True)
def _isolated_var_dir(settings, tmp_path):
    # Exports and backups of one test never land in another's folder or in var/.
    settings.VAR_DIR = tmp_path / "var"
    settings.VAR_DIR.mkdir()
    settings.MEDIA_ROOT = settings.VAR_DIR / "media"


@pytest.fixture(autouse=True)
def _no_language_left_active():
    # A test that activates a language (a page in Arabic, a translated message) must not
    # leave it to the next test of the process: commands run in-process would speak it.
    yield
    from django.utils import translation

    translation.deactivate()


@pytest.fixture
def reference_data(db):
    """Countries and regions, for tests that need them whatever ran before."""
    from resilnet.core.models import Country, Region
    from resilnet.core.reference_data import load_reference_data

    load_reference_data(Region, Country)


@pytest.fixture
def make_user(db):
    def make(username: str, *roles: str, superuser: bool = False) -> User:
        return services.do_create_user(
            None,
            username=username,
            password=PASSWORD,
            email=f"{username}@example.org",
            roles=roles,
            is_superuser=superuser,
        )

    return make


@pytest.fixture
def admin_user(make_user) -> User:
    return make_user("ada", Role.ADMINISTRATOR)


@pytest.fixture
def contributor(make_user) -> User:
    return make_user("carla", Role.CONTRIBUTOR)


@pytest.fixture
def analyst(make_user) -> User:
    return make_user("anan", Role.ANALYST)


# Without these Chromium reaches for the network at start, which this machine refuses.
CHROMIUM_ARGS = [
    "--headless=new",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]


@pytest.fixture(scope="session")
def browser():
    """One Chromium for all the browser tests of a test process (each test opens its own
    page, so nothing carries over but the start-up cost)."""
    from playwright.sync_api import sync_playwright

    # Playwright's sync API keeps an event loop on this thread; the database calls of the
    # test fixtures are still synchronous, so Django's async guard is lifted for them.
    os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"

    from django.conf import settings

    executable = settings.CHROMIUM
    assert Path(executable).exists(), (
        f"Chromium not found at {executable}: apt-get install chromium"
    )
    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(executable_path=executable, args=CHROMIUM_ARGS)
        yield chromium
        chromium.close()
        # While that loop runs, Django's connections on this thread are kept apart from
        # those made before it started (asgiref keeps them per context once a loop runs):
        # the connection the last tests used is one of them. Closed now, while it can be
        # seen: the test database's teardown, after the loop, sees only the earlier one,
        # and on PostgreSQL could not drop a database this one is still open on.
        from django.db import connections

        connections.close_all()
    del os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"]
