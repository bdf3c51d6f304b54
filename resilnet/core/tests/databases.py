"""What tests that start processes of their own share: the test database's URL."""

from __future__ import annotations

from pathlib import Path
from urllib.parse import quote


def database_url() -> str:
    """The test database (not the default one), as a child process's RESILNET_DATABASE_URL."""
    from django.db import connection

    params = connection.settings_dict
    if connection.vendor == "sqlite":
        return f"sqlite:///{Path(params['NAME']).resolve()}"
    user, password = quote(params["USER"], safe=""), quote(params["PASSWORD"], safe="")
    return f"postgres://{user}:{password}@{params['HOST']}:{params['PORT']}/{params['NAME']}"
