"""What tests share about the database they run on: which engine (to declare a test that
only one engine can run), and its URL for tests that start processes of their own."""

from __future__ import annotations

import os
from pathlib import Path
from urllib.parse import quote

import pytest

# The suite runs on SQLite, and again on PostgreSQL when RESILNET_DATABASE_URL names one
# (the CI runs both): a test of one engine's own behaviour runs in that engine's pass.
ON_POSTGRESQL = os.environ.get("RESILNET_DATABASE_URL", "").startswith("postgres")


def postgresql_only(why: str) -> pytest.MarkDecorator:
    return pytest.mark.skipif(not ON_POSTGRESQL, reason=f"PostgreSQL only: {why}")


def sqlite_only(why: str) -> pytest.MarkDecorator:
    return pytest.mark.skipif(ON_POSTGRESQL, reason=f"SQLite only: {why}")


def database_url() -> str:
    """The test database (not the default one), as a child process's RESILNET_DATABASE_URL."""
    from django.db import connection

    params = connection.settings_dict
    if connection.vendor == "sqlite":
        return f"sqlite:///{Path(params['NAME']).resolve()}"
    user, password = quote(params["USER"], safe=""), quote(params["PASSWORD"], safe="")
    return f"postgres://{user}:{password}@{params['HOST']}:{params['PORT']}/{params['NAME']}"
