"""Synthetic real-time measurements: two speed tests a day per school, deterministic.

Each real-time school gets a delivered speed drawn log-normally around its contracted
speed (many deliver less than they pay for, a few more), daily and per-test noise, a
rate of outage days (download 0: no internet) and of tests that never ran. Upload,
latency and jitter follow the connection type (satellite: 600 ms); packet loss is
mostly near zero. Most schools test with the NDT speed-test app, some through an
operator's QoS feed.
"""

from __future__ import annotations

from datetime import UTC, date
from uuid import UUID

import numpy as np

from resilnet.schools.demo.synthetic import (
    LATENCY_MS,
    MBPS,
    UPLOAD_RATIO,
    SchoolColumns,
    generator,
    uuid_strings,
)

TESTS_PER_DAY = 2
TEST_HOURS = ((8, 11), (13, 16))  # UTC hours between which each of the day's tests runs
QOS_SHARE = 0.15
MISSED_SHARE = 0.05


def choose_realtime(columns: SchoolColumns, share: float, rng: np.random.Generator) -> np.ndarray:
    """Indices of the schools registered for real-time data: `share` of all, among the
    connected ones (as many as there are, if fewer)."""
    connected = np.flatnonzero(columns["download_speed_contracted"] > 0)
    count = min(len(connected), round(share * len(columns["download_speed_contracted"])))
    return np.sort(rng.permutation(connected)[:count])


def synthetic_measurements(
    columns: SchoolColumns, schools: np.ndarray, end: date, days: int, seed: int, label: str
) -> dict[str, np.ndarray]:
    """Tests for the schools at these indices over the `days` days ending with `end`.

    Returns flat arrays: `school` (index into columns), `timestamp` (datetime64[s], UTC),
    `download_bps`, `upload_bps` (int64), `latency_ms`, `jitter_ms`, `packet_loss` (NaN
    during an outage), `source` and `uuid` (text)."""
    rng = generator(seed, "measurements", label)
    r, shape = len(schools), (len(schools), days, TESTS_PER_DAY)
    contracted = columns["download_speed_contracted"][schools].astype(float)
    kind = columns["connection_kind"][schools]
    delivered = np.where(contracted > 0, contracted, 5 * MBPS) * np.exp(rng.normal(-0.35, 0.5, r))
    daily = np.exp(rng.normal(0, 0.25, (r, days, 1)))
    each = np.exp(rng.normal(0, 0.15, shape))
    download = delivered[:, None, None] * daily * each
    outage_rate = np.where(rng.random(r) < 0.1, 0.15, 0.01)
    down = (rng.random((r, days)) < outage_rate[:, None])[:, :, None] & np.ones(shape, bool)
    upload = download * (UPLOAD_RATIO[kind][:, None, None] * np.exp(rng.normal(0, 0.2, shape)))
    latency = LATENCY_MS[kind][:, None, None] * np.exp(rng.normal(0, 0.2, shape))
    jitter = latency * rng.uniform(0.02, 0.2, shape)
    loss = np.minimum(rng.exponential(0.3, shape), 100.0)
    first = np.datetime64(end, "D") - (days - 1)
    day_start = (first + np.arange(days)).astype("datetime64[s]")
    hours = np.array(TEST_HOURS)
    offset = rng.integers(hours[:, 0] * 3600, hours[:, 1] * 3600, shape)
    stamp = day_start[None, :, None] + offset.astype("timedelta64[s]")
    source = np.where(rng.random(r) < QOS_SHARE, "qos", "ndt")
    ran = rng.random(shape) >= MISSED_SHARE
    school = np.broadcast_to(schools[:, None, None], shape)
    uuids = uuid_strings(rng, int(np.prod(shape)))[ran.ravel()]
    nan = np.nan
    return {
        "school": school[ran],
        "timestamp": stamp[ran],
        "download_bps": np.where(down, 0, download)[ran].astype(np.int64),
        "upload_bps": np.where(down, 0, upload)[ran].astype(np.int64),
        "latency_ms": np.round(np.where(down, nan, latency)[ran], 1),
        "jitter_ms": np.round(np.where(down, nan, jitter)[ran], 1),
        "packet_loss": np.round(np.where(down, nan, loss)[ran], 2),
        "source": np.broadcast_to(source[:, None, None], shape)[ran],
        "uuid": uuids,
    }


def measurement_rows(
    measurements: dict[str, np.ndarray], school_ids: np.ndarray
) -> list[dict[str, object]]:
    """One dict per test keyed by the Measurement model's fields; `school_ids` maps the
    column index of each school to its database id. NaN (an outage) becomes None."""
    columns = {
        "uuid": [UUID(u) for u in measurements["uuid"].tolist()],
        "school_id": school_ids[measurements["school"]].tolist(),
        "timestamp": [
            t.replace(tzinfo=UTC)
            for t in measurements["timestamp"].astype("datetime64[us]").tolist()
        ],
        "download_bps": measurements["download_bps"].tolist(),
        "upload_bps": measurements["upload_bps"].tolist(),
        **{
            name: [None if v != v else v for v in measurements[name].tolist()]
            for name in ("latency_ms", "jitter_ms", "packet_loss")
        },
        "source": measurements["source"].tolist(),
    }
    names = tuple(columns)
    return [dict(zip(names, values, strict=True)) for values in zip(*columns.values(), strict=True)]
