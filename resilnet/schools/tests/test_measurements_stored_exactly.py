"""What a measurement file stores is what it says, to the last digit, whichever way the
rows reach the table (PostgreSQL: CSV by COPY straight into the table, or through a
staging table and INSERT … ON CONFLICT DO NOTHING when an id is there already; SQLite:
executemany), and a file partly stored already adds only its new rows."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from resilnet.schools.models import Measurement
from resilnet.schools.services import measurement_files as files
from resilnet.schools.tests.measurement_fixtures import make_school

WHEN = (datetime.now(UTC) - timedelta(days=1)).replace(microsecond=0)
HEADER = (
    "uuid,school_id_giga,timestamp,download_bps,upload_bps,latency,jitter,packet_loss,"
    "source,client_latitude,client_longitude\n"
)


@pytest.fixture
def school(reference_data):
    return make_school(giga="g-1")


def line(uuid, seconds, download, upload="", latency="", jitter="", loss="", lat="", lon=""):
    when = (WHEN + timedelta(seconds=seconds, microseconds=seconds * 7)).isoformat()
    return f"{uuid},g-1,{when},{download},{upload},{latency},{jitter},{loss},ndt,{lat},{lon}\n"


def stored():
    return {
        str(m.uuid): (
            m.timestamp,
            m.download_bps,
            m.upload_bps,
            m.latency_ms,
            m.jitter_ms,
            m.packet_loss,
            m.client_info,
            m.server_info,
            m.location_mismatch,
        )
        for m in Measurement.objects.all()
    }


def test_values_nulls_times_and_client_positions_are_stored_exactly(tmp_path, school):
    path = tmp_path / "m.csv"
    path.write_text(
        HEADER
        + line("00000000-0000-4000-8000-000000000001", 1, 99_999_999_999, 1, 0.1, 1e-7, 0.3)
        + line("00000000-0000-4000-8000-000000000002", 2, 0, "", 123.456789012345, "", "")
        + line("00000000-0000-4000-8000-000000000003", 3, 5, 6, "", "", "", -4.0512345678, 39.66)
    )
    report = files.import_measurement_file(path, country="KEN")
    assert (report.new, report.rejected_count) == (3, 0)
    got = stored()
    micro = timedelta(microseconds=1)
    assert got["00000000-0000-4000-8000-000000000001"] == (
        WHEN + timedelta(seconds=1) + 7 * micro,
        99_999_999_999,  # the largest allowed, to the unit
        1,
        0.1,
        1e-7,
        0.3,
        {},
        {},
        False,
    )
    assert got["00000000-0000-4000-8000-000000000002"][1:6] == (
        0,
        None,
        123.456789012345,
        None,
        None,
    )
    third = got["00000000-0000-4000-8000-000000000003"]
    assert third[6] == {"latitude": -4.0512345678, "longitude": 39.66}
    assert third[8] is True  # some 400 km from the school


def test_a_file_partly_stored_already_adds_only_the_new_rows(tmp_path, school):
    first = tmp_path / "first.csv"
    first.write_text(HEADER + line("", 10, 1_000) + line("", 11, 2_000))
    assert files.import_measurement_file(first, country="KEN").new == 2
    both = tmp_path / "both.csv"
    both.write_text(HEADER + line("", 10, 1_000) + line("", 11, 2_000) + line("", 12, 3_000))
    report = files.import_measurement_file(both, country="KEN")
    assert report.new == 1
    assert sorted(Measurement.objects.values_list("download_bps", flat=True)) == [
        1_000,
        2_000,
        3_000,
    ]


def test_an_id_stored_by_an_earlier_chunk_of_the_same_file_is_skipped(tmp_path, school):
    # Chunks of two rows: the third chunk repeats the first row; the second row of that
    # chunk is new and is stored (on PostgreSQL by the staging path, after the COPY
    # straight into the table was refused).
    path = tmp_path / "m.csv"
    same = "00000000-0000-4000-8000-00000000000a"
    path.write_text(
        HEADER
        + line(same, 1, 1_000)
        + line("", 2, 2_000)
        + line("", 3, 3_000)
        + line("", 4, 4_000)
        + line(same, 1, 1_000)
        + line("", 5, 5_000, lat="-1.29", lon="36.82")
    )
    report = files.import_measurement_file(path, country="KEN", chunk_rows=2)
    assert (report.rows, report.new) == (6, 5)
    assert sorted(Measurement.objects.values_list("download_bps", flat=True)) == [
        1_000,
        2_000,
        3_000,
        4_000,
        5_000,
    ]
    fifth = Measurement.objects.get(download_bps=5_000)
    assert (fifth.client_info, fifth.location_mismatch) == (
        {"latitude": -1.29, "longitude": 36.82},
        False,
    )
    assert abs(fifth.received_at - datetime.now(UTC)) < timedelta(minutes=5)


def test_times_before_2000_and_sources_of_each_length_are_stored_exactly(
    tmp_path, school, settings
):
    # PostgreSQL counts its binary times from 2000-01-01: earlier ones are negative.
    settings.SCHOOLS_MEASUREMENT_MAX_AGE_DAYS = 30_000
    path = tmp_path / "m.csv"
    path.write_text(
        "school_id_giga,timestamp,download_bps,upload_bps,latency,source\n"
        "g-1,1999-12-31T23:59:59.999999Z,7,,,other\n"
        "g-1,2000-01-01T00:00:00Z,8,9,0,qos\n"
        "g-1,1970-01-01T00:00:01Z,0,0,600000,ndt\n"
    )
    report = files.import_measurement_file(path, country="KEN")
    assert (report.new, report.rejected_count) == (3, 0)
    got = sorted(
        Measurement.objects.values_list(
            "timestamp", "download_bps", "upload_bps", "latency_ms", "source"
        )
    )
    assert got == [
        (datetime(1970, 1, 1, 0, 0, 1, tzinfo=UTC), 0, 0, 600_000.0, "ndt"),
        (datetime(1999, 12, 31, 23, 59, 59, 999_999, tzinfo=UTC), 7, None, None, "other"),
        (datetime(2000, 1, 1, tzinfo=UTC), 8, 9, 0.0, "qos"),
    ]
