"""`resilnet schools import-measurements FILE`: CSV and Parquet, hostile files."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pyarrow as pa
import pyarrow.parquet as pq
import pytest
from django.utils import timezone

from resilnet.cli import main
from resilnet.schools.models import Measurement, RollupMark, School
from resilnet.schools.services import measurement_files as files
from resilnet.schools.tests.measurement_fixtures import make_school

WHEN = (datetime.now(UTC) - timedelta(days=1)).replace(microsecond=0).isoformat()
HEADER = (
    "uuid,school_id_giga,country,timestamp,download_speed,upload_speed,latency,jitter,"
    "packet_loss,source\n"
)


@pytest.fixture
def schools(reference_data):
    return [make_school(giga="g-1"), make_school(giga="g-2", lat=-4.05, lon=39.66)]


def write(tmp_path, text, name="m.csv"):
    path = tmp_path / name
    path.write_text(text) if isinstance(text, str) else path.write_bytes(text)
    return path


def test_csv_in_mbps_is_stored_in_bits_and_a_second_import_adds_nothing(tmp_path, schools, capsys):
    path = write(
        tmp_path,
        HEADER
        + f"11111111-1111-1111-1111-111111111111,g-1,KEN,{WHEN},25.5,5,40,3,0.1,ndt\n"
        + f",g-2,ken,{WHEN},1,,,,,qos\n",
    )
    assert main(["schools", "import-measurements", str(path)]) == 0
    first = {m.school.school_id_giga: m for m in Measurement.objects.all()}
    assert first["g-1"].download_bps == 25_500_000
    assert first["g-1"].upload_bps == 5_000_000
    assert first["g-2"].source == "qos"
    assert first["g-2"].upload_bps is None
    assert School.objects.filter(realtime=True).count() == 2
    assert RollupMark.objects.exists()
    assert main(["schools", "import-measurements", str(path)]) == 0  # derived uuid is stable
    assert Measurement.objects.count() == 2
    assert "0 new" in capsys.readouterr().out


def test_parquet_in_bits(tmp_path, schools):
    table = pa.table(
        {
            "school_id_giga": ["g-1", "g-2"],
            "timestamp": pa.array(
                [datetime.now(UTC) - timedelta(hours=2)] * 2, pa.timestamp("us", tz="UTC")
            ),
            "download_bps": pa.array([3_000_000, 7_000_000], pa.int64()),
            "latency": [20.0, None],
        }
    )
    path = tmp_path / "m.parquet"
    pq.write_table(table, path)
    assert main(["schools", "import-measurements", str(path), "--country", "KEN"]) == 0
    assert sorted(Measurement.objects.values_list("download_bps", flat=True)) == [
        3_000_000,
        7_000_000,
    ]


def test_rejected_rows_are_named_and_nothing_is_written(tmp_path, schools, capsys):
    School.objects.filter(school_id_giga="g-2").update(deleted_at=timezone.now())
    path = write(
        tmp_path,
        HEADER
        + f",g-1,KEN,{WHEN},fast,5,40,3,0.1,ndt\n"
        + f",g-2,KEN,{WHEN},1,,,,,ndt\n"
        + f",g-1,KEN,{WHEN},1,,,,101,ndt\n"
        + f",g-1,KEN,{WHEN},1,,,,,'; DROP TABLE x; --\n"
        + ",g-1,KEN,2999-01-01T00:00:00Z,1,,,,,ndt\n"
        + f"not-a-uuid,g-1,KEN,{WHEN},1,,,,,ndt\n"
        + f",g-1,KEN,{WHEN},1e400,,,,,ndt\n"
        + f",g-1,KEN,{WHEN},2,,,,,ndt\n",
    )
    assert main(["schools", "import-measurements", str(path)]) == 1
    out = capsys.readouterr().out
    for line in [
        "row 2, download_speed: not a number",
        "row 3, school_id_giga: no live school",
        "row 4, packet_loss",
        "row 5, source",
        "row 6, timestamp: in the future",
        "row 7, uuid: not a UUID",
        "row 8, download_speed: not a finite number",
    ]:
        assert line in out, out
    assert "row 9" not in out
    assert not Measurement.objects.exists()
    assert main(["schools", "import-measurements", str(path), "--partial"]) == 1
    assert Measurement.objects.count() == 1


def test_client_position_latitude_200_is_rejected_and_far_is_flagged(tmp_path, schools, capsys):
    path = write(
        tmp_path,
        "school_id_giga,timestamp,download_bps,client_latitude,client_longitude\n"
        f"g-1,{WHEN},1000,200,36.8\n",
    )
    assert main(["schools", "import-measurements", str(path), "--country", "KEN"]) == 1
    assert "client_latitude" in capsys.readouterr().out
    path = write(
        tmp_path,
        "school_id_giga,timestamp,download_bps,client_latitude,client_longitude\n"
        f"g-1,{WHEN},1000,-4.05,39.66\ng-1,{WHEN},2000,-1.291,36.821\n",
    )
    assert main(["schools", "import-measurements", str(path), "--country", "KEN"]) == 0
    assert dict(Measurement.objects.values_list("download_bps", "location_mismatch")) == {
        1000: True,
        2000: False,
    }


def test_duplicated_uuids_are_stored_once(tmp_path, schools):
    row = f"22222222-2222-2222-2222-222222222222,g-1,KEN,{WHEN},1,,,,,ndt\n"
    path = write(tmp_path, HEADER + row * 3)
    assert main(["schools", "import-measurements", str(path)]) == 0
    assert Measurement.objects.count() == 1


def test_unusable_files_exit_2(tmp_path, schools, capsys):
    nul = write(tmp_path, (HEADER + f",g-1,KEN,{WHEN},1,,,,,nd\x00t\n").encode(), "nul.csv")
    assert main(["schools", "import-measurements", str(nul)]) == 2
    assert "NUL byte" in capsys.readouterr().err
    missing = write(tmp_path, "a,b\n1,2\n", "cols.csv")
    assert main(["schools", "import-measurements", str(missing)]) == 2
    assert "Missing columns" in capsys.readouterr().err
    assert main(["schools", "import-measurements", str(tmp_path / "absent.csv")]) == 2
    empty = write(tmp_path, "", "empty.csv")
    assert main(["schools", "import-measurements", str(empty)]) == 2
    fake = write(tmp_path, b"PAR1" + b"\x00" * 100, "fake.parquet")
    assert main(["schools", "import-measurements", str(fake)]) == 2
    assert not Measurement.objects.exists()


def test_an_oversized_file_is_refused_before_reading(tmp_path, schools):
    path = write(tmp_path, HEADER + f",g-1,KEN,{WHEN},1,,,,,ndt\n" * 100)
    with pytest.raises(files.UnusableFile, match="limit"):
        files.import_measurement_file(path, max_bytes=1_000)
    assert not Measurement.objects.exists()


def test_times_with_and_without_offsets_in_one_file_are_read_as_utc(tmp_path, schools):
    day = (datetime.now(UTC) - timedelta(days=2)).date().isoformat()
    path = write(
        tmp_path,
        "school_id_giga,country,timestamp,download_bps\n"
        f"g-1,KEN,{day}T09:00:00+03:00,1\n"
        f"g-1,KEN, {day} 06:30:00 ,2\n"
        f"g-1,KEN,{day}T06:45:00.250000Z,3\n",
    )
    report = files.import_measurement_file(path)
    assert (report.new, report.rejected_count) == (3, 0)
    times = dict(Measurement.objects.values_list("download_bps", "timestamp"))
    start = datetime.fromisoformat(day).replace(tzinfo=UTC)
    assert times == {
        1: start + timedelta(hours=6),
        2: start + timedelta(hours=6, minutes=30),
        3: start + timedelta(hours=6, minutes=45, milliseconds=250),
    }
    # Filtering by an exact time finds a stored whole second (same text as the ORM's).
    assert Measurement.objects.filter(timestamp=start + timedelta(hours=6)).count() == 1


def test_a_measurement_without_uuid_is_one_whether_uploaded_or_imported(tmp_path, schools):
    from resilnet.schools.services.measurements import record_measurements

    when = (datetime.now(UTC) - timedelta(hours=3)).replace(microsecond=0)
    record_measurements(
        schools[0], [{"timestamp": when.isoformat(), "download_bps": 40, "latency_ms": 12}]
    )
    path = write(
        tmp_path,
        "school_id_giga,country,timestamp,download_bps,latency\n"
        f"g-1,KEN,{when.isoformat()},40.0,12\n"
        f"g-1,KEN,{when.isoformat()},41,12\n",
    )
    report = files.import_measurement_file(path)
    assert report.new == 1
    assert sorted(Measurement.objects.values_list("download_bps", flat=True)) == [40, 41]
    # Derived ids start with the time in milliseconds, so one import's ids sort together.
    stored = Measurement.objects.get(download_bps=41).uuid
    assert int.from_bytes(stored.bytes[:6], "big") == int(when.timestamp() * 1000)
    assert stored.version == 8


def test_once_a_country_is_read_whole_deleted_and_foreign_schools_are_still_refused(
    tmp_path, schools, monkeypatch
):
    # Chunks of two rows: the first looks its one id up, the second passes the limit and
    # reads all of Kenya's live schools, which the third uses. The school deleted and the
    # school of another country are refused either way.
    monkeypatch.setattr(files, "WHOLE_COUNTRY", 2)
    make_school(giga="g-3")
    make_school(iso3="UGA", giga="g-4", lat=0.35, lon=32.58)
    School.objects.filter(school_id_giga="g-2").update(deleted_at=timezone.now())
    ids = ["g-1", "g-1", "g-3", "g-2", "g-4"]
    when = datetime.now(UTC) - timedelta(hours=2)
    table = pa.table(
        {
            "school_id_giga": ids,
            "timestamp": pa.array([when] * 5, pa.timestamp("us", tz="UTC")),
            "download_bps": pa.array([1, 2, 3, 4, 5], pa.int64()),
        }
    )
    path = tmp_path / "m.parquet"
    pq.write_table(table, path)
    report = files.import_measurement_file(path, country="KEN", partial=True, chunk_rows=2)
    assert [(r.row, r.column) for r in report.rejected] == [
        (4, "school_id_giga"),
        (5, "school_id_giga"),
    ]
    assert sorted(Measurement.objects.values_list("school__school_id_giga", "download_bps")) == [
        ("g-1", 1),
        ("g-1", 2),
        ("g-3", 3),
    ]
