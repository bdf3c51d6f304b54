"""On SQLite an import of schools or measurements works with a page cache large enough
for the indexes of millions of rows and with checkpoints spaced out (core.bulk.bulk_cache),
and gives its connection back as it found it, whether the import ends or fails: the worker
and the web server that share the process go on with the ordinary settings."""

from __future__ import annotations

import pytest
from django.db import connection

from resilnet.core.bulk import BULK_CACHE_MB, BULK_CHECKPOINT_PAGES
from resilnet.core.tests.databases import sqlite_only
from resilnet.schools.tests.conftest import import_file, master_csv


def cache_size() -> tuple[int, int]:
    """The connection's page cache and checkpoint interval."""
    with connection.cursor() as cursor:
        cursor.execute("PRAGMA cache_size")
        (cache,) = cursor.fetchone()
        cursor.execute("PRAGMA wal_autocheckpoint")
        return cache, cursor.fetchone()[0]


@sqlite_only("the page cache is SQLite's")
def test_an_import_raises_the_page_cache_and_gives_it_back(kenya, tmp_path):
    before = cache_size()
    seen: list[tuple[int, int]] = []
    report = import_file(master_csv(tmp_path), progress=lambda *_: seen.append(cache_size()))
    assert report.created == 3
    bulk = (-BULK_CACHE_MB * 1024, BULK_CHECKPOINT_PAGES)
    assert set(seen) == {bulk}
    assert before[0] != bulk[0]
    assert before[1] != bulk[1]
    assert cache_size() == before


@sqlite_only("the page cache is SQLite's")
def test_a_failed_import_gives_the_page_cache_back(kenya, tmp_path):
    before = cache_size()

    def fail(*_):
        raise RuntimeError("stopped")

    with pytest.raises(RuntimeError):
        import_file(master_csv(tmp_path), progress=fail)
    assert cache_size() == before


@sqlite_only("the page cache is SQLite's")
def test_a_measurement_import_raises_the_page_cache_and_gives_it_back(kenya, tmp_path):
    from datetime import UTC, datetime, timedelta

    from resilnet.schools.services.measurement_files import import_measurement_file
    from resilnet.schools.tests.measurement_fixtures import make_school

    make_school(giga="g-1")
    when = (datetime.now(UTC) - timedelta(hours=1)).isoformat()
    path = tmp_path / "m.csv"
    path.write_text(f"school_id_giga,timestamp,download_bps\ng-1,{when},5000000\n")
    before = cache_size()
    seen: list[tuple[int, int]] = []
    report = import_measurement_file(
        path, country="KEN", progress=lambda *_: seen.append(cache_size())
    )
    assert report.new == 1
    assert set(seen) == {(-BULK_CACHE_MB * 1024, BULK_CHECKPOINT_PAGES)}
    assert cache_size() == before
