"""Measurements in bulk from CSV or Parquet (`resilnet schools import-measurements FILE`).

Columns (Giga's measurement exports use these names): `school_id_giga` (and `country` as
ISO3, or one country for the whole file), `timestamp` (ISO 8601; UTC when it has no
offset), `download_bps`/`upload_bps` in bit/s or `download_speed`/`upload_speed` in
Mbit/s, `latency` (ms), `jitter` (ms), `packet_loss` (%), `source`, optional `uuid`
(derived from the school, time and values when absent) and `client_latitude`/
`client_longitude`.

Each chunk is parsed and checked column by column (pyarrow and numpy, no object per row),
its schools looked up in one query, and its rows written in a transaction of its own
(docs/adr/0008), skipping uuids already stored: one executemany on SQLite, a binary COPY on
PostgreSQL, where the next chunk is prepared in a thread meanwhile. By default the
file is checked whole first and nothing is written if a row is rejected; `partial` writes
the valid rows and reports the others. A repeated import stores nothing twice.
"""

from __future__ import annotations

import contextlib
import csv
import io
import json
import time
import uuid
from collections.abc import Callable, Generator, Iterable, Iterator
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
from django.db import connection, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from resilnet.core.ahead import Ahead, InConsumer
from resilnet.core.bulk import bulk_cache
from resilnet.core.models import Country
from resilnet.schools.geo import EARTH_RADIUS_M
from resilnet.schools.models import MeasurementSource, School
from resilnet.schools.services import measurements as m

CHUNK_ROWS = 5_000  # one transaction each: well under a second on SQLite, even on a busy machine
MAX_FILE_BYTES = 4 * 1024**3
MAX_REJECTED_LISTED = 1_000
# Ids of one country looked up so far in an import, above which all its schools are read.
WHOLE_COUNTRY = 5_000
MBPS = 1_000_000

KNOWN = (
    "uuid",
    "school_id_giga",
    "country",
    "timestamp",
    "download_bps",
    "upload_bps",
    "download_speed",
    "upload_speed",
    "latency",
    "jitter",
    "packet_loss",
    "source",
    "client_latitude",
    "client_longitude",
)


class UnusableFile(Exception):
    """The file cannot be read as measurements at all (exit status 2)."""


@dataclass
class Rejected:
    row: int
    column: str
    reason: str


@dataclass
class FileReport:
    rows: int = 0
    valid: int = 0
    new: int = 0
    rejected_count: int = 0
    rejected: list[Rejected] = field(default_factory=list)
    written: bool = False
    # The longest of the import's write transactions (docs/adr/0008 keeps them short).
    longest_transaction_s: float = 0.0

    def reject(self, row: int, column: str, reason: str) -> None:
        self.rejected_count += 1
        if len(self.rejected) < MAX_REJECTED_LISTED:
            self.rejected.append(Rejected(row, column, reason))

    def rejected_rows_csv(self) -> str:
        out = io.StringIO()
        writer = csv.writer(out)
        writer.writerow(["row", "column", "reason"])
        writer.writerows((r.row, r.column, r.reason) for r in self.rejected)
        return out.getvalue()


# Reading -------------------------------------------------------------------------------


def _batches(path: Path, chunk_rows: int) -> Iterator[tuple[int, pa.RecordBatch]]:
    """(number of the batch's first row as people count them, batch)."""
    with path.open("rb") as handle:
        magic = handle.read(4)
    try:
        if magic == b"PAR1":
            import pyarrow.parquet as pq

            parquet = pq.ParquetFile(path)
            present = [c for c in parquet.schema_arrow.names if c in KNOWN]
            _check_columns(present)
            first = 1
            for batch in parquet.iter_batches(batch_size=chunk_rows, columns=present):
                yield first, batch
                first += batch.num_rows
            return
        _refuse_nul_bytes(path)
        yield from _csv_batches(path, chunk_rows)
    except (pa.ArrowInvalid, pa.ArrowNotImplementedError, OSError) as exc:
        raise UnusableFile(
            _("Cannot read the file: %(error)s") % {"error": str(exc)[:300]}
        ) from None


def _refuse_nul_bytes(path: Path) -> None:
    # A NUL byte is no text any column may hold (PostgreSQL refuses it, SQLite cuts at it).
    offset = 0
    with path.open("rb") as handle:
        while block := handle.read(1 << 24):
            at = block.find(b"\x00")
            if at >= 0:
                raise UnusableFile(
                    _("A NUL byte at byte %(at)d: not a CSV text file.") % {"at": offset + at}
                )
            offset += len(block)


def _csv_batches(path: Path, chunk_rows: int) -> Iterator[tuple[int, pa.RecordBatch]]:
    import pyarrow.csv as pacsv

    with path.open(encoding="utf-8-sig", errors="replace", newline="") as handle:
        header = next(csv.reader([handle.readline()]), [])
    names = [name.strip() for name in header]
    present = [n for n in names if n in KNOWN]
    _check_columns(present)
    reader = pacsv.open_csv(
        path,
        # Rows of about 100 bytes: blocks sized so a batch is about one chunk.
        read_options=pacsv.ReadOptions(block_size=max(1 << 16, chunk_rows * 100)),
        convert_options=pacsv.ConvertOptions(
            include_columns=present,
            column_types={n: pa.string() for n in present},
            strings_can_be_null=True,
        ),
    )
    first = 2  # the header is row 1
    for batch in reader:
        yield first, batch
        first += batch.num_rows


def _check_columns(present: list[str]) -> None:
    missing = [c for c in ("school_id_giga", "timestamp") if c not in present]
    if "download_bps" not in present and "download_speed" not in present:
        missing.append("download_bps")
    if missing:
        raise UnusableFile(_("Missing columns: %(columns)s.") % {"columns": ", ".join(missing)})


# Checking ------------------------------------------------------------------------------


class _Chunk:
    """One batch's columns as numpy arrays, with the first reason each row is rejected."""

    def __init__(self, batch: pa.RecordBatch) -> None:
        self.batch = batch
        self.n = batch.num_rows
        self.reason = np.full(self.n, "", dtype=object)
        self.column = np.full(self.n, "", dtype=object)

    def has(self, name: str) -> bool:
        return name in self.batch.schema.names

    def text(self, name: str) -> pa.Array:
        array = self.batch.column(name)
        return array if pa.types.is_string(array.type) else pc.cast(array, pa.string())

    def flag(self, mask: np.ndarray, column: str, reason: str) -> None:
        fresh = mask & (self.reason == "")
        self.reason[fresh] = reason
        self.column[fresh] = column

    def number(
        self, name: str, *, low: float, high: float, integer: bool = False, scale: float = 1.0
    ) -> np.ndarray:
        """The column as float64 (NaN where empty); rows with text, out of range or (for
        integers) a fraction flagged."""
        array = self.batch.column(name)
        if pa.types.is_string(array.type) or pa.types.is_large_string(array.type):
            try:
                values = pc.cast(pc.utf8_trim_whitespace(array), pa.float64())
            except pa.ArrowInvalid:
                values = pa.array(_floats(array.to_pylist()), pa.float64())
                bad = np.array([v is not None for v in array.to_pylist()]) & pc.is_null(
                    values
                ).to_numpy(zero_copy_only=False)
                self.flag(bad, name, _("not a number"))
        elif pa.types.is_integer(array.type) or pa.types.is_floating(array.type):
            values = pc.cast(array, pa.float64())
        else:
            self.flag(np.ones(self.n, dtype=bool), name, _("not a number"))
            return np.full(self.n, np.nan)
        result = values.to_numpy(zero_copy_only=False).astype(np.float64) * scale
        with np.errstate(invalid="ignore"):
            present = ~np.isnan(result)
            self.flag(present & ~np.isfinite(result), name, _("not a finite number"))
            self.flag(
                present & ((result < low) | (result > high)),
                name,
                _("must be between %(low)s and %(high)s") % {"low": low, "high": high / scale},
            )
            if integer:
                self.flag(present & (result != np.round(result)), name, _("not a whole number"))
        return result


def _floats(values: list[Any]) -> list[float | None]:
    out: list[float | None] = []
    for value in values:
        try:
            out.append(None if value is None else float(value.strip()))
        except ValueError:
            out.append(None)
    return out


def _timestamps(chunk: _Chunk, now: datetime) -> np.ndarray:
    """The times in µs since 1970 UTC (0 where rejected): Arrow parses a column of ISO
    8601 text all with or all without offsets; anything else is read row by row."""
    array = chunk.batch.column("timestamp")
    micros: np.ndarray | None = None
    if pa.types.is_timestamp(array.type):  # stored in UTC whatever its zone
        micros = _int64(pc.cast(array, pa.timestamp("us", array.type.tz), safe=False))
    elif pa.types.is_string(array.type) or pa.types.is_large_string(array.type):
        text = pc.utf8_trim_whitespace(array)
        for target in (pa.timestamp("us", "UTC"), pa.timestamp("us")):
            try:
                micros = _int64(pc.cast(text, target))
                break
            except (pa.ArrowInvalid, pa.ArrowNotImplementedError):
                continue
    if micros is None:
        micros = np.array([_parse_time(v) for v in chunk.text("timestamp").to_pylist()])
    missing = micros == MISSING
    chunk.flag(missing, "timestamp", _("not an ISO 8601 date and time"))
    latest, earliest = m.micros_of(now + m.FUTURE_SKEW), m.micros_of(now - m.max_age())
    chunk.flag(~missing & (micros > latest), "timestamp", _("in the future"))
    chunk.flag(
        ~missing & (micros < earliest),
        "timestamp",
        _("older than %(days)d days") % {"days": m.max_age().days},
    )
    return np.where(missing, 0, micros)


MISSING = np.iinfo(np.int64).min


def _int64(array: pa.Array) -> np.ndarray:
    return pc.fill_null(pc.cast(array, pa.int64()), MISSING).to_numpy(zero_copy_only=False)


def _parse_time(text: str | None) -> int:
    try:
        parsed = datetime.fromisoformat(text.strip()) if text else None
    except (ValueError, AttributeError):
        return MISSING
    if parsed is None:
        return MISSING
    if parsed.tzinfo is None:
        parsed = parsed.replace(tzinfo=UTC)
    return m.micros_of(parsed)


class _Schools:
    """School ids, positions and whether real-time, by (country, school_id_giga), looked
    up once per id in an import, by plain queries (no model instance, no converter, no
    server-side cursor: those were most of the lookup's time)."""

    def __init__(self, country: str | None) -> None:
        self.countries = {iso3: pk for iso3, pk in Country.objects.values_list("iso3", "pk")}
        self.default_country = country
        self.known: dict[tuple[str, str], tuple[int, float, float] | None] = {}
        self.realtime: set[int] = set()
        self.loaded: set[int] = set()  # countries whose schools are all in `known`
        self.asked: dict[int, int] = {}  # ids looked up by name so far, per country

    def resolve(self, keys: Iterable[tuple[str, str]]) -> None:
        wanted: dict[int, list[str]] = {}
        for iso3, giga in set(keys) - self.known.keys():
            self.known[(iso3, giga)] = None
            country_id = self.countries.get(iso3)
            if country_id is not None and country_id not in self.loaded:
                wanted.setdefault(country_id, []).append(giga)
        by_id = {pk: iso3 for iso3, pk in self.countries.items()}
        for country_id, ids in wanted.items():
            asked = self.asked.get(country_id, 0) + len(ids)
            self.asked[country_id] = asked
            if asked > WHOLE_COUNTRY:
                # Many ids: one pass over all the country's schools, kept for the rest of
                # the file, beats thousands of lookups.
                self.loaded.add(country_id)
                self._read(by_id[country_id], country_id, None)
            else:
                for start in range(0, len(ids), 500):
                    self._read(by_id[country_id], country_id, ids[start : start + 500])

    def _read(self, iso3: str, country_id: int, ids: list[str] | None) -> None:
        quote = connection.ops.quote_name
        sql = (
            f"SELECT {quote('school_id_giga')}, {quote('id')}, {quote('latitude')}, "  # noqa: S608
            f"{quote('longitude')}, {quote('realtime')} FROM {quote(School._meta.db_table)} "
            f"WHERE {quote('country_id')} = %s AND {quote('deleted_at')} IS NULL"
        )
        params: list[Any] = [country_id]
        if ids is not None:
            sql += f" AND {quote('school_id_giga')} IN ({', '.join(['%s'] * len(ids))})"
            params += ids
        known, realtime = self.known, self.realtime
        with connection.cursor() as cursor:
            cursor.execute(sql, params)
            while rows := cursor.fetchmany(10_000):
                for giga, pk, lat, lon, live in rows:
                    known[(iso3, giga)] = (pk, lat, lon)
                    if live:
                        realtime.add(pk)


def _haversine(
    lat1: np.ndarray, lon1: np.ndarray, lat2: np.ndarray, lon2: np.ndarray
) -> np.ndarray:
    p1, p2 = np.radians(lat1), np.radians(lat2)
    dp, dl = p2 - p1, np.radians(lon2 - lon1)
    a = np.sin(dp / 2) ** 2 + np.cos(p1) * np.cos(p2) * np.sin(dl / 2) ** 2
    return 2 * EARTH_RADIUS_M * np.arcsin(np.sqrt(np.clip(a, 0, 1)))


@dataclass
class _Checked:
    columns: m.Columns
    school_ids: list[int]
    days: list[date]


def _trimmed(chunk: _Chunk, name: str) -> pa.Array:
    return pc.utf8_trim_whitespace(pc.fill_null(chunk.text(name), ""))


def _schools_of(
    chunk: _Chunk, schools: _Schools, in_consumer: InConsumer
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(school id or -1, its latitude, longitude) of each row; each distinct
    (country, school_id_giga) resolved once, on the thread that owns the connection."""
    giga = _trimmed(chunk, "school_id_giga")
    if chunk.has("country"):
        country = pc.utf8_upper(_trimmed(chunk, "country"))
    else:
        country = pa.array([schools.default_country or ""] * chunk.n, pa.string())
    chunk.flag(_numpy(pc.equal(giga, "")), "school_id_giga", _("empty"))
    chunk.flag(
        _numpy(pc.equal(country, "")),
        "country",
        _("no country: add a country column or give the file's country"),
    )
    encoded = pc.dictionary_encode(pc.binary_join_element_wise(country, giga, "\x1f"))
    keys = [tuple(k.split("\x1f", 1)) for k in encoded.dictionary.to_pylist()]
    if any(k not in schools.known for k in keys):  # only then wait for the consumer
        in_consumer(schools.resolve, keys)
    found = [schools.known.get(k) for k in keys]
    table = np.array([f if f else (-1, np.nan, np.nan) for f in found], dtype=np.float64)
    rows = table.reshape(-1, 3)[encoded.indices.to_numpy(zero_copy_only=False)]
    school = rows[:, 0].astype(np.int64)
    chunk.flag(school < 0, "school_id_giga", _("no live school with this id in this country"))
    return school, rows[:, 1], rows[:, 2]


def _numpy(array: pa.Array) -> np.ndarray:
    return pc.fill_null(array, False).to_numpy(zero_copy_only=False)


def _given_ids(chunk: _Chunk) -> tuple[np.ndarray, np.ndarray]:
    """(n x 16 bytes, whether the row gave its uuid)."""
    ids = np.zeros((chunk.n, 16), np.uint8)
    given = np.zeros(chunk.n, dtype=bool)
    if chunk.has("uuid"):
        for i, text in enumerate(chunk.text("uuid").to_pylist()):
            if text and text.strip():
                try:
                    ids[i] = np.frombuffer(uuid.UUID(text.strip()).bytes, np.uint8)
                    given[i] = True
                except ValueError:
                    chunk.flag(_one(chunk.n, i), "uuid", _("not a UUID"))
    return ids, given


def _here(function: Callable[..., Any], *args: Any) -> Any:
    return function(*args)


def _check(
    chunk: _Chunk,
    first: int,
    schools: _Schools,
    now: datetime,
    report: FileReport,
    *,
    build: bool = True,
    in_consumer: InConsumer = _here,
) -> _Checked | None:
    """The chunk's rejected rows counted into `report`; its valid rows as columns to store,
    or None for a check only (`report` only). Database reads go through `in_consumer`."""
    n = chunk.n
    school, school_lat, school_lon = _schools_of(chunk, schools, in_consumer)
    # Values.
    if chunk.has("download_bps"):
        down = chunk.number("download_bps", low=0, high=m.MAX_BPS, integer=True)
    else:
        down = chunk.number("download_speed", low=0, high=m.MAX_BPS, scale=MBPS)
    chunk.flag(np.isnan(down), "download_bps", _("required"))
    up = np.full(n, np.nan)
    if chunk.has("upload_bps"):
        up = chunk.number("upload_bps", low=0, high=m.MAX_BPS, integer=True)
    elif chunk.has("upload_speed"):
        up = chunk.number("upload_speed", low=0, high=m.MAX_BPS, scale=MBPS)
    nan = np.full(n, np.nan)
    latency = chunk.number("latency", low=0, high=m.MAX_MS) if chunk.has("latency") else nan
    jitter = chunk.number("jitter", low=0, high=m.MAX_MS) if chunk.has("jitter") else nan
    loss = chunk.number("packet_loss", low=0, high=100) if chunk.has("packet_loss") else nan
    lat = chunk.number("client_latitude", low=-90, high=90) if chunk.has("client_latitude") else nan
    lon = (
        chunk.number("client_longitude", low=-180, high=180)
        if chunk.has("client_longitude")
        else nan
    )
    chunk.flag(
        np.isnan(lat) != np.isnan(lon),
        "client_longitude",
        _("give both client_latitude and client_longitude"),
    )
    if chunk.has("source"):
        text = pc.utf8_lower(_trimmed(chunk, "source"))
        text = pc.if_else(pc.equal(text, ""), MeasurementSource.NDT.value, text)
        allowed = pa.array(MeasurementSource.values, pa.string())
        chunk.flag(
            ~_numpy(pc.is_in(text, value_set=allowed)),
            "source",
            _("expected one of: %(choices)s") % {"choices": ", ".join(MeasurementSource.values)},
        )
        sources = np.array(text.to_pylist(), dtype=object)
    else:
        sources = np.full(n, MeasurementSource.NDT.value, dtype=object)
    micros = _timestamps(chunk, now)
    ids, given = _given_ids(chunk)
    # Where the test ran, against where the school is.
    with np.errstate(invalid="ignore"):
        mismatch = _haversine(school_lat, school_lon, lat, lon) > m.location_mismatch_m()

    ok = chunk.reason == ""
    for j in np.flatnonzero(~ok).tolist():
        report.reject(first + j, str(chunk.column[j]), str(chunk.reason[j]))
    report.valid += int(ok.sum())
    if not build:
        return None

    down = np.round(down)
    up = np.round(up)
    derive = np.flatnonzero(ok & ~given)
    if len(derive):
        ids[derive] = m.derived_uuids(
            school[derive],
            micros[derive],
            [down[derive], up[derive], latency[derive], jitter[derive], loss[derive]],
            sources[derive].tolist(),
        )
    keep = np.flatnonzero(ok)
    # A uuid twice in the file's chunk is one measurement (the first); rows go in in id
    # order, which is time order for derived ids.
    first_of = np.unique(ids[keep].view("V16").ravel(), return_index=True)[1]
    keep = keep[first_of]
    clients = [
        EMPTY_CLIENT if a != a else json.dumps({"latitude": a, "longitude": o})
        for a, o in zip(lat[keep].tolist(), lon[keep].tolist(), strict=True)
    ]
    columns = m.Columns(
        ids=ids[keep],
        school=school[keep],
        micros=micros[keep],
        download=down[keep].astype(np.int64),
        upload=up[keep],
        latency=latency[keep],
        jitter=jitter[keep],
        loss=loss[keep],
        source=sources[keep].tolist(),
        client=clients,
        mismatch=mismatch[keep],
    )
    days = np.unique(columns.micros // DAY_MICROS).tolist()
    return _Checked(
        columns,
        np.unique(columns.school).tolist(),
        [EPOCH_DAY + timedelta(days=d) for d in days],
    )


EMPTY_CLIENT = "{}"
DAY_MICROS = 86_400_000_000
EPOCH_DAY = date(1970, 1, 1)


def _one(n: int, i: int) -> np.ndarray:
    mask = np.zeros(n, dtype=bool)
    mask[i] = True
    return mask


# Importing -----------------------------------------------------------------------------


@bulk_cache()
def import_measurement_file(
    path: Path,
    *,
    country: str | None = None,
    partial: bool = False,
    max_bytes: int = MAX_FILE_BYTES,
    chunk_rows: int = CHUNK_ROWS,
    progress: Callable[[int, int | None], None] | None = None,
) -> FileReport:
    """Import a measurement file; raises UnusableFile when it cannot be read at all."""
    size = path.stat().st_size
    if size > max_bytes:
        raise UnusableFile(
            _("The file has %(size)d bytes; the limit is %(limit)d.")
            % {"size": size, "limit": max_bytes}
        )
    if size == 0:
        raise UnusableFile(_("The file is empty."))
    iso3 = country.strip().upper() if country else None
    if iso3 is not None and not Country.objects.filter(iso3=iso3).exists():
        raise UnusableFile(_("Unknown country %(code)r.") % {"code": iso3[:10]})
    schools = _Schools(iso3)
    now = timezone.now()
    if not partial:
        # Checked whole first: a file with a rejected row writes nothing.
        report = FileReport()
        for first, batch in _batches(path, chunk_rows):
            report.rows += batch.num_rows
            _check(_Chunk(batch), first, schools, now, report, build=False)
            if progress:
                progress(report.rows, None)
        if report.rejected_count or not report.rows:
            return report
    report = FileReport()
    postgres = connection.vendor == "postgresql"

    def prepared(
        in_consumer: InConsumer,
    ) -> Generator[tuple[int, _Checked, m.Prepared], None, None]:
        for first, batch in _batches(path, chunk_rows):
            checked = _check(_Chunk(batch), first, schools, now, report, in_consumer=in_consumer)
            assert checked is not None
            yield batch.num_rows, checked, m.prepare_columns(checked.columns, postgres=postgres)

    # On PostgreSQL the next chunk is prepared while the server writes this one. SQLite
    # writes in this process, letting go of the interpreter for each row: a thread
    # working beside it would make each row wait for it (measured in docs/benchmarks.md).
    chunks = iter(Ahead(prepared)) if postgres else prepared(_here)
    enqueue = False
    with contextlib.closing(chunks):  # a failed write stops the thread preparing ahead
        for rows, checked, ready in chunks:
            report.rows += rows
            began = time.monotonic()
            with transaction.atomic():
                report.new += m.store_prepared(ready)
                enqueue = m.mark_days(checked.days) or enqueue
                fresh = [s for s in checked.school_ids if s not in schools.realtime]
                m.make_realtime(fresh)
                schools.realtime.update(fresh)
            longest = max(report.longest_transaction_s, time.monotonic() - began)
            report.longest_transaction_s = longest
            if progress:
                progress(report.rows, None)
    report.written = True
    if enqueue:
        with transaction.atomic():
            m.enqueue_rollup()
    return report
