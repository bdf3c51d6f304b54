"""Search engines behind one interface (base.SearchBackend), one class per engine:

- `segment_index.SegmentIndexBackend`: the segment index of ADR 0006, in files under
  `VAR_DIR/search/` kept in step with the database through a change log;
- `sqlite_fts5.SQLiteFTS5Backend` and `postgres_tsvector.PostgresTsvectorBackend`: the
  full-text index inside the database (ADR 0005), sharing `database.DatabaseBackend`.

`backend()` is the one settings choose (`RESILNET_SEARCH_ENGINE`).
"""

from __future__ import annotations

import functools

from django.conf import settings
from django.db import connection

from resilnet.catalog.search.backends.base import SearchBackend
from resilnet.catalog.search.backends.database import DatabaseBackend
from resilnet.catalog.search.backends.postgres_tsvector import PostgresTsvectorBackend
from resilnet.catalog.search.backends.segment_index import SegmentIndexBackend
from resilnet.catalog.search.backends.sqlite_fts5 import SQLiteFTS5Backend


def backend() -> SearchBackend:
    """The search engine of the settings (`segments` or `database`)."""
    return _backend(settings.SEARCH_ENGINE, connection.vendor)


@functools.cache
def _backend(engine: str, vendor: str) -> SearchBackend:
    if engine == "segments":
        return SegmentIndexBackend()
    return database_backend(vendor)


def database_backend(vendor: str | None = None) -> DatabaseBackend:
    """The engine inside the database: its migration creates its table whatever the
    settings choose."""
    if (vendor or connection.vendor) == "postgresql":
        return PostgresTsvectorBackend()
    return SQLiteFTS5Backend()


__all__ = ["SearchBackend", "backend", "database_backend"]
