"""On PostgreSQL a measurement import checks and prepares the next chunk in a thread
while this one is written; the database is used from the importing thread only, and a
write that fails stops the import with its error, the chunks before it kept."""

from __future__ import annotations

import threading
from datetime import UTC, datetime, timedelta

import pyarrow as pa
import pyarrow.parquet as pq
import pytest
from django.db import connection

from resilnet.schools.models import Measurement
from resilnet.schools.services import measurement_files as files
from resilnet.schools.services import measurements as m
from resilnet.schools.tests.measurement_fixtures import make_school

WHEN = (datetime.now(UTC) - timedelta(days=1)).replace(microsecond=0)


@pytest.fixture
def measurement_file(tmp_path, reference_data):
    for i in range(3):
        make_school(giga=f"g-{i}", lat=-1 - i / 100)
    path = tmp_path / "m.parquet"  # read in batches of exactly `chunk_rows`
    table = pa.table(
        {
            "school_id_giga": [f"g-{i % 3}" for i in range(10)],
            "timestamp": [(WHEN + timedelta(minutes=i)).isoformat() for i in range(10)],
            "download_bps": list(range(1, 11)),
        }
    )
    pq.write_table(table, path)
    return path


def test_checks_run_ahead_on_postgresql_and_the_database_only_on_the_importing_thread(
    measurement_file, monkeypatch
):
    importing = threading.get_ident()
    checked_on, resolved_on = set(), set()
    check, resolve = files._check, files._Schools.resolve

    def spy_check(*args, **kwargs):
        checked_on.add(threading.get_ident())
        return check(*args, **kwargs)

    def spy_resolve(self, keys):
        resolved_on.add(threading.get_ident())
        return resolve(self, keys)

    monkeypatch.setattr(files, "_check", spy_check)
    monkeypatch.setattr(files._Schools, "resolve", spy_resolve)
    report = files.import_measurement_file(
        measurement_file, country="KEN", partial=True, chunk_rows=3
    )
    assert (report.rows, report.new) == (10, 10)
    assert resolved_on == {importing}
    if connection.vendor == "postgresql":
        assert importing not in checked_on
    else:
        assert checked_on == {importing}


def test_a_failed_write_stops_the_import_with_its_error_and_keeps_the_chunks_before(
    measurement_file, monkeypatch
):
    store, calls = m.store_prepared, []

    def failing_second(prepared):
        calls.append(prepared.count)
        if len(calls) == 2:
            raise OSError("disk full")
        return store(prepared)

    monkeypatch.setattr(m, "store_prepared", failing_second)
    threads = threading.active_count()
    # The error is kept (as a caller that reports it would): the thread must have ended
    # with the import, not whenever the error is let go.
    with pytest.raises(OSError, match="disk full") as failure:
        files.import_measurement_file(measurement_file, country="KEN", partial=True, chunk_rows=2)
    assert calls == [2, 2]
    assert sorted(Measurement.objects.values_list("download_bps", flat=True)) == [1, 2]
    assert threading.active_count() == threads
    assert failure.value.__traceback__ is not None
