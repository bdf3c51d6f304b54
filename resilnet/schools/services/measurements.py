"""Measurements in: device keys of speed-test clients, validated uploads, bulk files.

Every measurement is idempotent by its `uuid`: a repeat is accepted and not stored twice.
Each arrival marks its day in `RollupMark`, so the roll-up (services/rollups.py) redoes
exactly those days, and makes its school a real-time one.
"""

from __future__ import annotations

import hashlib
import math
import secrets
import uuid
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from typing import Any

import numpy as np
from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import connection, transaction
from django.db.models import F
from django.utils import timezone
from django.utils.translation import gettext as _

from resilnet.core.bulk import insert_rows
from resilnet.core.models import AuditAction, User
from resilnet.core.services import record_audit, token_digest
from resilnet.schools.geo import distance_m
from resilnet.schools.models import DeviceKey, Measurement, MeasurementSource, RollupMark, School

DEVICE_KEY_PREFIX = "rnd_"

# What a measurement may hold. 100 Gbit/s is past any school link; a latency of ten
# minutes is a broken clock, not a network.
MAX_BPS = 100_000_000_000
MAX_MS = 600_000.0
FUTURE_SKEW = timedelta(minutes=10)
MAX_INFO_KEYS = 50
MAX_INFO_BYTES = 4_000
EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
EMPTY_JSON = "{}"


def location_mismatch_m() -> float:
    """How far (metres) a test's reported position may be from its school."""
    return float(getattr(settings, "SCHOOLS_LOCATION_MISMATCH_M", 5_000))


def max_age() -> timedelta:
    return timedelta(days=int(getattr(settings, "SCHOOLS_MEASUREMENT_MAX_AGE_DAYS", 730)))


# Rate limit of the upload API, per device key.
REQUESTS_PER_MINUTE = 60
MAX_BATCH = 100


# Device keys ---------------------------------------------------------------------------


def do_issue_device_key(actor: User | None, school: School, label: str = "") -> str:
    """A new key for `school`'s speed-test client; the secret is returned once, only its
    digest is stored."""
    label = label.strip()
    if len(label) > 100:
        raise ValidationError({"label": _("A label has at most 100 characters.")})
    if school.deleted_at is not None:
        raise ValidationError({"school": _("This school has been deleted.")})
    secret = secrets.token_urlsafe(32)
    with transaction.atomic():
        key = DeviceKey.objects.create(school=school, digest=token_digest(secret), label=label)
        record_audit(
            actor,
            AuditAction.TOKEN_CREATED,
            key,
            after={"school": school.pk, "school_id_giga": school.school_id_giga, "label": label},
        )
    return DEVICE_KEY_PREFIX + secret


def do_revoke_device_key(actor: User | None, key: DeviceKey) -> None:
    if key.revoked_at is not None:
        return
    with transaction.atomic():
        key.revoked_at = timezone.now()
        key.save(update_fields=["revoked_at"])
        record_audit(actor, AuditAction.TOKEN_REVOKED, key, after={"school": key.school_id})


class DeviceKeyError(Exception):
    """Why a presented device key was refused; the message is shown to the client."""


def authenticate_device_key(presented: str) -> DeviceKey:
    if not presented.startswith(DEVICE_KEY_PREFIX) or len(presented) > 200:
        raise DeviceKeyError(_("Malformed device key."))
    key = (
        DeviceKey.objects.select_related("school")
        .filter(digest=token_digest(presented[len(DEVICE_KEY_PREFIX) :]))
        .first()
        if presented.isascii()
        else None
    )
    if key is None:
        raise DeviceKeyError(_("Unknown device key."))
    if key.revoked_at is not None:
        raise DeviceKeyError(_("This device key has been revoked."))
    if key.school.deleted_at is not None:
        raise DeviceKeyError(_("The school of this device key has been deleted."))
    return key


def take_device_request(key: DeviceKey, now: datetime | None = None) -> int:
    """Count one request of `key` in the current minute; 0 when allowed, otherwise the
    seconds until the next minute (the Retry-After)."""
    now = now or timezone.now()
    window = now.replace(second=0, microsecond=0)
    keys = DeviceKey.objects.filter(pk=key.pk)
    # Two conditional updates, each atomic on its own: count on in this minute, or start
    # the minute afresh; neither matches once the minute's allowance is spent.
    counted = keys.filter(window_start=window, window_requests__lt=REQUESTS_PER_MINUTE).update(
        window_requests=F("window_requests") + 1, last_used_at=now
    )
    if not counted:
        counted = keys.exclude(window_start=window).update(
            window_start=window, window_requests=1, last_used_at=now
        )
    if counted:
        return 0
    return max(1, math.ceil((window + timedelta(minutes=1) - now).total_seconds()))


# Validation ----------------------------------------------------------------------------


def _number(value: Any, name: str, *, integer: bool, low: float, high: float) -> float | int:
    if isinstance(value, bool) or not isinstance(value, int | float | str):
        raise ValidationError({name: _("Expected a number.")})
    try:
        number = float(value) if not isinstance(value, int) else value
    except ValueError:
        raise ValidationError(
            {name: _("Expected a number, not %(v)r.") % {"v": str(value)[:40]}}
        ) from None
    if isinstance(number, float) and not math.isfinite(number):
        raise ValidationError({name: _("Expected a finite number.")})
    if integer:
        if isinstance(number, float):
            if not number.is_integer():
                raise ValidationError({name: _("Expected a whole number of bits per second.")})
            number = int(number)
    if not low <= number <= high:
        raise ValidationError(
            {name: _("Must be between %(low)s and %(high)s.") % {"low": low, "high": high}}
        )
    return number


def check_timestamp(value: datetime, name: str, now: datetime) -> None:
    if value > now + FUTURE_SKEW:
        raise ValidationError({name: _("This time is in the future.")})
    if value < now - max_age():
        raise ValidationError({name: _("Older than %(days)d days.") % {"days": max_age().days}})


def _info(value: Any, name: str) -> dict[str, Any]:
    if value is None:
        return {}
    if not isinstance(value, dict):
        raise ValidationError({name: _("Expected an object.")})
    if len(value) > MAX_INFO_KEYS or len(repr(value)) > MAX_INFO_BYTES:
        raise ValidationError({name: _("Too large.")})
    return value


# The packed fields a derived id is the digest of; numbers as float64, so 40 and 40.0
# (JSON, CSV, Parquet) name the same measurement, NaN for a missing value.
_DERIVED = np.dtype([("school", "<i8"), ("time", "<i8"), ("values", "<f8", (5,)), ("source", "S8")])


def derived_uuids(
    school: np.ndarray, micros: np.ndarray, values: Sequence[np.ndarray], sources: Sequence[str]
) -> np.ndarray:
    """The ids (an n x 16 array of bytes) of measurements that came without one: the same
    school, time (µs since 1970, UTC) and values always give the same id, so importing a
    file twice stores it once. Laid out like a UUID version 7 (RFC 9562: the time in
    milliseconds first) but version 8, the rest a BLAKE2b digest: ids of one import sort
    together, so their unique index is written at its end instead of on random pages."""
    n = len(school)
    packed = np.zeros(n, _DERIVED)
    packed["school"] = school
    packed["time"] = micros
    stacked = np.column_stack([np.asarray(v, dtype=np.float64) for v in values]) + 0.0
    packed["values"] = np.where(np.isnan(stacked), np.nan, stacked)  # one NaN, no -0.0
    packed["source"] = np.array(sources, dtype="S8")
    raw = memoryview(packed.tobytes())
    size = _DERIVED.itemsize
    digests = b"".join(
        [
            hashlib.blake2b(raw[i : i + size], digest_size=10, person=b"resilnet-m").digest()
            for i in range(0, n * size, size)
        ]
    )
    out = np.empty((n, 16), np.uint8)
    millis = (np.asarray(micros, dtype=np.int64) // 1000).astype(">u8")
    out[:, :6] = millis.view(np.uint8).reshape(n, 8)[:, 2:]
    out[:, 6:] = np.frombuffer(digests, np.uint8).reshape(n, 10)
    out[:, 6] = (out[:, 6] & 0x0F) | 0x80  # version 8
    out[:, 8] = (out[:, 8] & 0x3F) | 0x80  # the RFC 9562 variant
    return out


def micros_of(when: datetime) -> int:
    return (when - EPOCH) // timedelta(microseconds=1)


def derived_uuid(school_id: int, timestamp: datetime, values: Sequence[Any]) -> uuid.UUID:
    """`derived_uuids` of one measurement: (download, upload, latency, jitter, loss,
    source) in `values`."""
    numbers = [np.array([np.nan if v is None else float(v)]) for v in values[:5]]
    ids = derived_uuids(
        np.array([school_id]), np.array([micros_of(timestamp)]), numbers, [values[5]]
    )
    return uuid.UUID(bytes=ids[0].tobytes())


@dataclass
class Reading:
    """One validated measurement, ready to store."""

    uuid: uuid.UUID
    timestamp: datetime
    download_bps: int
    upload_bps: int | None
    latency_ms: float | None
    jitter_ms: float | None
    packet_loss: float | None
    source: str
    client_latitude: float | None = None
    client_longitude: float | None = None
    client_info: dict[str, Any] = field(default_factory=dict)
    server_info: dict[str, Any] = field(default_factory=dict)


def validate_item(item: Any, where: str, school: School, now: datetime) -> Reading:
    """One measurement as a client sends it (a dict), checked field by field; errors name
    `where.field`."""
    if not isinstance(item, dict):
        raise ValidationError({where: _("Expected an object.")})

    def optional(name: str, **limits: Any) -> Any:
        value = item.get(name)
        return None if value is None else _number(value, f"{where}.{name}", **limits)

    if item.get("download_bps") is None:
        raise ValidationError({f"{where}.download_bps": _("This field is required.")})
    download = _number(
        item["download_bps"], f"{where}.download_bps", integer=True, low=0, high=MAX_BPS
    )
    upload = optional("upload_bps", integer=True, low=0, high=MAX_BPS)
    latency = optional("latency_ms", integer=False, low=0, high=MAX_MS)
    jitter = optional("jitter_ms", integer=False, low=0, high=MAX_MS)
    loss = optional("packet_loss", integer=False, low=0, high=100)
    latitude = optional("client_latitude", integer=False, low=-90, high=90)
    longitude = optional("client_longitude", integer=False, low=-180, high=180)
    if (latitude is None) != (longitude is None):
        raise ValidationError(
            {f"{where}.client_longitude": _("Give both client_latitude and client_longitude.")}
        )
    timestamp = item.get("timestamp")
    if isinstance(timestamp, str):
        try:
            timestamp = datetime.fromisoformat(timestamp)
        except ValueError:
            timestamp = None
    if not isinstance(timestamp, datetime):
        raise ValidationError({f"{where}.timestamp": _("Expected an ISO 8601 date and time.")})
    if timestamp.tzinfo is None:
        raise ValidationError({f"{where}.timestamp": _("Give the time zone offset (Z for UTC).")})
    timestamp = timestamp.astimezone(UTC)
    check_timestamp(timestamp, f"{where}.timestamp", now)
    source = item.get("source", MeasurementSource.NDT)
    if source not in MeasurementSource.values:
        raise ValidationError(
            {
                f"{where}.source": _("Expected one of: %(choices)s.")
                % {"choices": ", ".join(MeasurementSource.values)}
            }
        )
    values = (download, upload, latency, jitter, loss, source)
    raw_uuid = item.get("uuid")
    if raw_uuid is None:
        measurement_id = derived_uuid(school.pk, timestamp, values)
    else:
        try:
            measurement_id = (
                raw_uuid if isinstance(raw_uuid, uuid.UUID) else uuid.UUID(str(raw_uuid))
            )
        except ValueError:
            raise ValidationError({f"{where}.uuid": _("Expected a UUID.")}) from None
    return Reading(
        uuid=measurement_id,
        timestamp=timestamp,
        download_bps=int(download),
        upload_bps=None if upload is None else int(upload),
        latency_ms=latency,
        jitter_ms=jitter,
        packet_loss=loss,
        source=source,
        client_latitude=latitude,
        client_longitude=longitude,
        client_info=_info(item.get("client_info"), f"{where}.client_info"),
        server_info=_info(item.get("server_info"), f"{where}.server_info"),
    )


# Storing -------------------------------------------------------------------------------

COLUMNS = (
    "uuid",
    "school_id",
    "timestamp",
    "download_bps",
    "upload_bps",
    "latency_ms",
    "jitter_ms",
    "packet_loss",
    "source",
    "client_info",
    "server_info",
    "location_mismatch",
    "received_at",
)


class RowAdapter:
    """Values as the database takes them (as the ORM would adapt them), for plain-row
    inserts: UUIDs are hex text on SQLite, times naive UTC text there."""

    def __init__(self) -> None:
        fields = {f.name: f for f in Measurement._meta.concrete_fields}
        self.native_uuid = connection.features.has_native_uuid_field
        self.adapt_time = connection.ops.adapt_datetimefield_value
        self.json = fields["client_info"]
        self.empty_json = self.adapt_json({})
        self.received_at = self.adapt_time(timezone.now())

    def adapt_json(self, value: dict[str, Any]) -> Any:
        return connection.ops.adapt_json_value(value, self.json.encoder)  # type: ignore[attr-defined]

    def uuid(self, value: uuid.UUID) -> Any:
        return value if self.native_uuid else value.hex


def store_rows(rows: list[tuple[Any, ...]]) -> int:
    """Rows in COLUMNS order, already adapted; a uuid already stored is skipped."""
    return insert_rows(Measurement._meta.db_table, COLUMNS, rows, skip_conflicts_on="uuid")


@dataclass
class Columns:
    """Checked measurements as columns: numbers as numpy arrays (NaN where missing),
    `ids` n x 16 bytes, `micros` the time in µs since 1970 UTC, `client` adapted JSON."""

    ids: np.ndarray
    school: np.ndarray
    micros: np.ndarray
    download: np.ndarray
    upload: np.ndarray
    latency: np.ndarray
    jitter: np.ndarray
    loss: np.ndarray
    source: list[str]
    client: list[Any]
    mismatch: np.ndarray

    def __len__(self) -> int:
        return len(self.school)


def _nullable(values: np.ndarray, kind: type = float) -> list[Any]:
    return [None if v != v else kind(v) for v in values.tolist()]  # NaN is not equal to itself


def _times_text(micros: np.ndarray) -> list[str]:
    """Times as Django writes them on SQLite: UTC, no fraction when whole seconds."""
    text = np.datetime_as_string(micros.astype("datetime64[us]"), unit="us").tolist()
    return [f"{t[:10]} {t[11:19]}" if t.endswith(".000000") else f"{t[:10]} {t[11:]}" for t in text]


@dataclass
class Prepared:
    """Checked measurements as the database takes them in: binary COPY data for
    PostgreSQL, plain rows for SQLite. Built without the database, so an import can prepare the next
    chunk while the database writes this one."""

    count: int
    copy: bytes = b""
    rows: list[tuple[Any, ...]] = field(default_factory=list)


def prepare_columns(columns: Columns, *, postgres: bool) -> Prepared:
    n = len(columns)
    if not n:
        return Prepared(0)
    if postgres:
        return Prepared(n, copy=_binary_of(columns))
    hexes = columns.ids.tobytes().hex()
    rows = zip(
        [hexes[i : i + 32] for i in range(0, 32 * n, 32)],
        columns.school.tolist(),
        _times_text(columns.micros),
        columns.download.tolist(),
        _nullable(columns.upload, int),
        _nullable(columns.latency),
        _nullable(columns.jitter),
        _nullable(columns.loss),
        columns.source,
        columns.client,
        [EMPTY_JSON] * n,
        columns.mismatch.tolist(),
        [_times_text(np.array([micros_of(timezone.now())]))[0]] * n,
        strict=True,
    )
    return Prepared(n, rows=list(rows))


# PostgreSQL's binary COPY (its documentation, "COPY", "Binary Format"): a signature,
# flags and header extension length; each row a field count, then each field a length
# (-1 for NULL) and the value in the type's binary form, big-endian; -1 to end.
COPY_HEADER = b"PGCOPY\n\xff\r\n\x00" + bytes(8)
COPY_TRAILER = b"\xff\xff"
PG_EPOCH_MICROS = 946_684_800_000_000  # 2000-01-01 UTC, where its timestamps count from
JSONB_VERSION = b"\x01"


def _binary_of(columns: Columns) -> bytes:
    """The rows in COLUMNS order in PostgreSQL's binary COPY form, built column by column
    with numpy (a Python call per row cost more than the rest of the client's work; the
    server parses this form with less work than text)."""
    n = len(columns)

    def fixed(values: np.ndarray, dtype: str, present: np.ndarray | None = None) -> Field:
        data = np.ascontiguousarray(values.astype(dtype)).view(np.uint8).reshape(n, -1)
        lengths = np.full(n, data.shape[1], np.int64)
        if present is not None:
            lengths[~present] = -1
            data = data[present]
        return lengths, data.ravel()

    def texts(values: list[bytes]) -> Field:
        lengths = np.fromiter(map(len, values), np.int64, n)
        return lengths, np.frombuffer(b"".join(values), np.uint8)

    def nullable(values: np.ndarray, dtype: str) -> Field:
        present = ~np.isnan(values)
        return fixed(np.where(present, values, 0), dtype, present)

    received = micros_of(timezone.now()) - PG_EPOCH_MICROS
    fields = [
        (np.full(n, 16, np.int64), columns.ids.ravel()),
        fixed(columns.school, ">i8"),
        fixed(columns.micros - PG_EPOCH_MICROS, ">i8"),
        fixed(columns.download, ">i8"),
        nullable(np.round(columns.upload), ">i8"),
        nullable(columns.latency, ">f8"),
        nullable(columns.jitter, ">f8"),
        nullable(columns.loss, ">f8"),
        texts([source.encode() for source in columns.source]),
        texts([JSONB_VERSION + client.encode() for client in columns.client]),
        texts([JSONB_VERSION + EMPTY_JSON.encode()] * n),
        fixed(columns.mismatch, "?"),
        fixed(np.full(n, received), ">i8"),
    ]
    sizes = 2 + sum(4 + np.maximum(lengths, 0) for lengths, _ in fields)
    starts = np.concatenate([[0], np.cumsum(sizes)[:-1]]) + len(COPY_HEADER)
    out = np.empty(len(COPY_HEADER) + int(sizes.sum()) + len(COPY_TRAILER), np.uint8)
    out[: len(COPY_HEADER)] = np.frombuffer(COPY_HEADER, np.uint8)
    out[-len(COPY_TRAILER) :] = np.frombuffer(COPY_TRAILER, np.uint8)
    _scatter(out, starts, np.full(n, len(COLUMNS), ">i2").view(np.uint8).reshape(n, 2))
    at = starts + 2
    for lengths, data in fields:
        _scatter(out, at, lengths.astype(">i4").view(np.uint8).reshape(n, 4))
        present = np.maximum(lengths, 0)
        # Each value's bytes go to its row's place: the flat data, cut by the lengths.
        first_of = np.repeat(at + 4 - np.concatenate([[0], np.cumsum(present)[:-1]]), present)
        out[first_of + np.arange(len(data))] = data
        at = at + 4 + present
    return out.tobytes()


Field = tuple[np.ndarray, np.ndarray]  # each row's length (-1: NULL), the values' bytes


def _scatter(out: np.ndarray, at: np.ndarray, rows: np.ndarray) -> None:
    """Row i of `rows` (n x k bytes) written at out[at[i]:at[i] + k]."""
    out[at[:, None] + np.arange(rows.shape[1])] = rows


def store_prepared(prepared: Prepared) -> int:
    """Store prepared measurements; an id already stored is skipped. Returns how many
    were new."""
    if not prepared.count:
        return 0
    if prepared.copy:
        return _copy_in(prepared.copy, prepared.count)
    return insert_rows(Measurement._meta.db_table, COLUMNS, prepared.rows, skip_conflicts_on="uuid")


def _copy_in(data: bytes, count: int) -> int:
    """COPY straight into the table, in a savepoint; when an id is already stored, the
    same rows through a temporary table and `INSERT … ON CONFLICT (uuid) DO NOTHING`,
    which costs the server a quarter more per row, so only then."""
    import psycopg

    table = connection.ops.quote_name(Measurement._meta.db_table)
    names = ", ".join(connection.ops.quote_name(c) for c in COLUMNS)
    with connection.cursor() as cursor:
        raw = cursor.cursor
        try:
            with transaction.atomic():
                with raw.copy(f"COPY {table} ({names}) FROM STDIN (FORMAT binary)") as copy:
                    copy.write(data)
                return count
        except psycopg.errors.UniqueViolation:
            pass
        # Dropped at the commit of the caller's transaction (or here, when an enclosing
        # transaction goes on).
        cursor.execute("DROP TABLE IF EXISTS pg_temp.incoming_measurement")
        cursor.execute(
            "CREATE TEMPORARY TABLE incoming_measurement ON COMMIT DROP AS "  # noqa: S608
            f"SELECT {names} FROM {table} WITH NO DATA"
        )
        with raw.copy(f"COPY incoming_measurement ({names}) FROM STDIN (FORMAT binary)") as copy:
            copy.write(data)
        cursor.execute(
            f"INSERT INTO {table} ({names}) SELECT {names} FROM incoming_measurement "  # noqa: S608
            "ON CONFLICT (uuid) DO NOTHING"
        )
        return max(cursor.rowcount, 0)


def mark_days(days: Iterable[date]) -> bool:
    """Mark days for the roll-up; True when one of them was not marked yet."""
    days = sorted(set(days))
    if not days:
        return False
    marked = set(RollupMark.objects.filter(date__in=days).values_list("date", flat=True))
    now = timezone.now()
    # A mark already there gets the new time, so a roll-up running meanwhile (which clears
    # only the marks older than its start) keeps it.
    RollupMark.objects.bulk_create(
        [RollupMark(date=day, marked_at=now) for day in days],
        update_conflicts=True,
        unique_fields=["date"],
        update_fields=["marked_at"],
    )
    return bool(set(days) - marked)


def enqueue_rollup() -> None:
    """Roll the marked days up soon, after this transaction commits."""
    from resilnet.schools import tasks

    transaction.on_commit(lambda: tasks.roll_up_marked_days.enqueue())


def make_realtime(school_ids: Iterable[int]) -> None:
    ids = sorted(set(school_ids))
    for start in range(0, len(ids), 500):
        School.objects.filter(pk__in=ids[start : start + 500], realtime=False).update(
            realtime=True, updated_at=timezone.now()
        )


@dataclass
class Recorded:
    new: list[uuid.UUID]
    repeated: list[uuid.UUID]


def record_measurements(
    sender: DeviceKey | School, items: Sequence[Any], *, school: School | None = None
) -> Recorded:
    """Store a speed-test client's measurements (all of them or none): `sender` is the
    client's device key, or the school itself for trusted callers; `school`, when given,
    is the school the measurements claim to be for, which a key must belong to. Errors
    name `items.N.field`."""
    key = sender if isinstance(sender, DeviceKey) else None
    target = school or (sender.school if isinstance(sender, DeviceKey) else sender)
    # Read again: a key revoked or a school deleted a moment ago counts.
    fresh_school = School.objects.filter(pk=target.pk).first()
    if key is not None:
        stored_key = DeviceKey.objects.filter(pk=key.pk).first()
        if stored_key is None or stored_key.revoked_at is not None:
            raise ValidationError({"key": _("This device key has been revoked.")})
        if stored_key.school_id != target.pk:
            raise ValidationError({"key": _("This device key is for another school.")})
    if fresh_school is None or fresh_school.deleted_at is not None:
        raise ValidationError({"school": _("This school has been deleted.")})
    school = fresh_school
    if not isinstance(items, Sequence) or isinstance(items, str | bytes):
        raise ValidationError({"items": _("Expected a list.")})
    now = timezone.now()
    readings = [validate_item(item, f"items.{i}", school, now) for i, item in enumerate(items)]
    seen: dict[uuid.UUID, Reading] = {}
    for reading in readings:
        seen.setdefault(reading.uuid, reading)
    stored = {
        row[0]: row[1]
        for row in Measurement.objects.filter(uuid__in=list(seen)).values_list("uuid", "school_id")
    }
    for i, reading in enumerate(readings):
        if stored.get(reading.uuid, school.pk) != school.pk:
            raise ValidationError(
                {f"items.{i}.uuid": _("This uuid is already used by another school's measurement.")}
            )
    fresh = [r for r in seen.values() if r.uuid not in stored]
    adapter = RowAdapter()
    limit = location_mismatch_m()
    rows = [
        (
            adapter.uuid(r.uuid),
            school.pk,
            adapter.adapt_time(r.timestamp),
            r.download_bps,
            r.upload_bps,
            r.latency_ms,
            r.jitter_ms,
            r.packet_loss,
            r.source,
            adapter.adapt_json(client_info(r)),
            adapter.adapt_json(r.server_info),
            r.client_latitude is not None
            and r.client_longitude is not None
            and distance_m(school.latitude, school.longitude, r.client_latitude, r.client_longitude)
            > limit,
            adapter.received_at,
        )
        for r in fresh
    ]
    with transaction.atomic():
        store_rows(rows)
        if rows:
            if mark_days(r.timestamp.date() for r in fresh):
                enqueue_rollup()
            make_realtime([school.pk])
    return Recorded(
        new=[r.uuid for r in fresh],
        repeated=[u for u in seen if u in stored],
    )


def client_info(reading: Reading) -> dict[str, Any]:
    if reading.client_latitude is None:
        return reading.client_info
    return reading.client_info | {
        "latitude": reading.client_latitude,
        "longitude": reading.client_longitude,
    }
