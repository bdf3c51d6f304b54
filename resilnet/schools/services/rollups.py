"""Status roll-ups: measurements → school days and ISO weeks → area counts → school status.

Days are UTC dates; weeks are ISO 8601 weeks, named by their Monday (`week_start`), their
year and number from `date.isocalendar()` (2021-01-03 is in 2020-W53, 2024-12-30 in
2025-W01). A week spanning two years is one week: its measurements are read by time
range, whatever year each falls in.

Which realtime schools get a week's row: those measured that week, and those with a row
the week before (carried on as *unknown* when they sent nothing). So a school has a row
for every week from its first measured week on, and falls to unknown when it goes quiet.
A school counts in an area's weekly figures by its week's row when it has one, otherwise
by its static status (the government's file: `status.static_connectivity`), so a
country's totals count every live school.

A realtime school's current status (`School.connectivity_global/national`) is the current
week's when that week has measurements, otherwise the last complete week's (unknown if it
sent nothing then either): Monday morning does not turn every school unknown.

Medians are computed in numpy over the rows read by time range, one read of a week
serving its days and the week, on both engines (SQLite has no median; PostgreSQL's
`percentile_cont` per school cost more than reading the rows out): an even count takes
the mean of the two middle values, missing values are left out. Area counts are grouped
by the database. Each write is a bounded transaction (docs/adr/0008); running a roll-up
twice gives the same rows and writes nothing the second time.
"""

from __future__ import annotations

import json
from collections import Counter
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from typing import Any

import numpy as np
from django.db import IntegrityError, connection, transaction
from django.db.models import Exists, OuterRef
from django.utils import timezone

from resilnet.core.bulk import copy_rows
from resilnet.core.models import Country
from resilnet.schools import status
from resilnet.schools.models import (
    AreaSchoolCount,
    AreaWeeklyCount,
    CountrySettings,
    Measurement,
    RollupMark,
    School,
    SchoolDailyStatus,
    SchoolWeeklyStatus,
    WeekGridCell,
)
from resilnet.schools.services import counts, tiles

CHUNK = 20_000  # rows a transaction
# Statuses that change in more than this share of a country's schools are applied by
# recounting the country's cells and counts rather than as deltas (bench/
# schools_rollup_before_after.py: with every school of a country changing, deltas took
# about twice the CPU of a recount).
RECOUNT_ABOVE = 1 / 12
Progress = Callable[[int, int | None], None]


def week_start(day: date) -> date:
    return day - timedelta(days=day.weekday())


def _q(name: str) -> str:
    return connection.ops.quote_name(name)


def _time(day: date) -> Any:
    return connection.ops.adapt_datetimefield_value(datetime.combine(day, time(), tzinfo=UTC))


Measured = tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray, np.ndarray]


def _measured(start: date, end: date) -> Measured:
    """(day, school, download, upload, latency) of live schools' measurements in
    [start, end), the day counted from `start`, NaN for a missing value, read into
    arrays, so one read of a week serves its days and the week. Deleted schools are left
    out here, not by a join: looking each row's school up took two thirds of the read.
    A measurement's school has no database constraint (docs/adr/0014), so a school row
    deleted outright is left out the same way as one marked deleted."""
    read = _measured_postgresql if connection.vendor == "postgresql" else _measured_sqlite
    table = read(start, end)
    deleted = School.objects.filter(deleted_at__isnull=False).order_by().values_list("pk")
    gone = [pk for (pk,) in deleted] + _without_school(np.unique(table[:, 1]))
    table = table[~np.isin(table[:, 1], np.array(gone, np.float64))]
    days, schools = table[:, 0].astype(np.int64), table[:, 1].astype(np.int64)
    return days, schools, table[:, 2], table[:, 3], table[:, 4]


def _without_school(ids: np.ndarray) -> list[int]:
    """Those of the school `ids` that have no school row, by one anti-join with the ids as
    a single parameter: lists of 10,000 ids in `IN` took 1.4 to 1.8 s for 100,000 ids on
    PostgreSQL and about 0.5 s on SQLite, this 0.2 and 0.06 s."""
    if not len(ids):
        return []
    values = ids.astype(np.int64).tolist()
    if connection.vendor == "postgresql":
        listed, param = "unnest(%s::bigint[]) AS i(value)", values
    else:
        listed, param = "json_each(%s) AS i", json.dumps(values)
    sql = (
        f"SELECT i.value FROM {listed} WHERE NOT EXISTS "  # noqa: S608
        f"(SELECT 1 FROM {_q(School._meta.db_table)} s WHERE s.id = i.value)"
    )
    with connection.cursor() as cursor:
        cursor.execute(sql, [param])
        return [pk for (pk,) in cursor.fetchall()]


def _measured_sqlite(start: date, end: date) -> np.ndarray:
    # The day is worked out by SQLite from comparisons with each midnight.
    midnights = [_time(start + timedelta(days=d)) for d in range(1, (end - start).days)]
    day = " + ".join(["(m.timestamp >= %s)"] * len(midnights)) or "0"
    sql = (
        f"SELECT {day}, m.school_id, m.download_bps, m.upload_bps, m.latency_ms "  # noqa: S608
        f"FROM {_q(Measurement._meta.db_table)} m WHERE m.timestamp >= %s AND m.timestamp < %s"
    )
    parts: list[np.ndarray] = []
    with connection.cursor() as cursor:
        cursor.execute(sql, [*midnights, _time(start), _time(end)])
        while batch := cursor.fetchmany(100_000):
            parts.append(np.array(batch, dtype=np.float64))  # None becomes NaN
    return np.concatenate(parts) if parts else np.empty((0, 5))


def _measured_postgresql(start: date, end: date) -> np.ndarray:
    """The server packs each column into one value, its rows' float8s end to end
    (`string_agg` of `float8send`, NaN for NULL), and numpy reads them as they come:
    fetching the week's rows one by one cost seconds of Python at Giga's scale, and
    `percentile_cont` per school, which this replaced, four times the server's CPU of
    packing (docs/benchmarks.md). The aggregates of one query see the rows in the same
    order, so the columns line up."""
    import psycopg

    def column(expression: str) -> str:
        return f"string_agg(float8send({expression}), ''::bytea)"

    expressions = [
        "((m.timestamp AT TIME ZONE 'UTC')::date - %s::date)::float8",
        "m.school_id::float8",
        *(f"coalesce(m.{c}::float8, 'NaN')" for c in ("download_bps", "upload_bps", "latency_ms")),
    ]
    sql = (
        f"SELECT {', '.join(column(e) for e in expressions)} "  # noqa: S608
        f"FROM {_q(Measurement._meta.db_table)} m WHERE m.timestamp >= %s AND m.timestamp < %s"
    )
    connection.ensure_connection()
    # Binary results, which Django's client-side cursors do not offer: bytes, not hex.
    with psycopg.Cursor(connection.connection) as cursor:
        cursor.execute(sql, [start, _time(start), _time(end)], binary=True)
        packed = cursor.fetchone()
    if packed is None or packed[0] is None:
        return np.empty((0, 5))
    return np.stack([np.frombuffer(v, ">f8") for v in packed], axis=1).astype(np.float64)


Medians = tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray, np.ndarray]


def _medians_of(schools: np.ndarray, *values: np.ndarray) -> Medians:
    groups, group, counts = np.unique(schools, return_inverse=True, return_counts=True)
    down, up, latency = (group_medians(group, v, len(groups)) for v in values)
    return groups, counts, down, up, latency


def _medians(start: date, end: date, week: Measured | None = None) -> Medians:
    """Per live school measured in [start, end), sorted by school: (schools, number of
    measurements, median download, upload, latency), NaN where a school has no value;
    from `week` (`_measured` of the week holding [start, end)) when the caller read it
    already."""
    if week is None:
        return _medians_of(*_measured(start, end)[1:])
    days, *columns = week
    first = (start - week_start(start)).days
    keep = (days >= first) & (days < first + (end - start).days)
    return _medians_of(*(c[keep] for c in columns))


def group_medians(group: np.ndarray, values: np.ndarray, groups: int) -> np.ndarray:
    """The median of `values` (NaN ignored) in each of `groups` groups, `group` giving
    each value's (from 0); NaN for a group with no value. An even count takes the mean
    of the two middle values."""
    result = np.full(groups, np.nan)
    keep = ~np.isnan(values)
    v, group = values[keep], group[keep]
    if not len(v):
        return result
    # Sorted by group, then value, with one argsort of (group × n + the value's rank):
    # a third of np.lexsort's CPU on a week's 840,000 rows (docs/benchmarks.md).
    n = len(v)
    rank = np.empty(n, np.int64)
    rank[np.argsort(v)] = np.arange(n)
    v = v[np.argsort(group * n + rank)]
    counts = np.bincount(group, minlength=groups)
    starts = np.cumsum(counts) - counts
    present = counts > 0
    low = v[starts[present] + (counts[present] - 1) // 2]
    high = v[starts[present] + counts[present] // 2]
    # As PostgreSQL's percentile_cont(0.5) interpolates, to the last bit of a float.
    result[present] = low + 0.5 * (high - low)
    return result


def _int(value: float) -> int | None:
    return None if value != value else round(value)  # NaN is not equal to itself


def _float(value: float) -> float | None:
    return None if value != value else value


def _replace(
    model: Any,
    where: str,
    params: Sequence[Any],
    columns: tuple[str, ...],
    rows: list[tuple[Any, ...]],
    written: Callable[[Any, list[tuple[Any, Any]]], None] | None = None,
) -> int:
    """Make the rows of `model` matching `where` equal `rows` (the school first in each),
    writing only the difference: a row already there as it should be is left alone, so
    rolling a day up again rewrites only the schools whose figures moved. In
    transactions of CHUNK rows; returns how many rows were written or removed.
    `written(cursor, pairs)` hears, inside each transaction, the rows it wrote or
    removed as (stored, new) pairs: the stored row without its second column
    (`_comparable`) or None, the new row or None."""
    table = _q(model._meta.db_table)
    names = ", ".join(_q(c) for c in columns)
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT {names} FROM {table} WHERE {where}", list(params))  # noqa: S608
        stored = {row[0]: _comparable(row) for row in cursor.fetchall()}
    wanted = {row[0] for row in rows}
    fresh = [row for row in rows if stored.get(row[0]) != _comparable(row)]
    gone = sorted(stored.keys() - wanted)

    def delete(cursor: Any, schools: list[int]) -> None:
        if not schools:
            return
        among, values = f"IN ({', '.join(['%s'] * len(schools))})", list[Any](schools)
        if connection.vendor == "postgresql":
            among, values = "= ANY(%s)", [schools]  # one array, not 20,000 values
        cursor.execute(
            f"DELETE FROM {table} WHERE {where} AND school_id {among}",  # noqa: S608
            [*params, *values],
        )

    # On SQLite a changed row is updated in place: its figures are in no index, so the
    # three indexes that taking it out and in again would rewrite are left alone.
    # PostgreSQL takes changed rows out and in by COPY, cheaper there than an UPDATE each.
    in_place = connection.vendor != "postgresql"
    assign = ", ".join(f"{_q(c)} = %s" for c in columns[2:])
    update = f"UPDATE {table} SET {assign} WHERE {where} AND school_id = %s"  # noqa: S608
    for start in range(0, len(fresh), CHUNK):
        part = fresh[start : start + CHUNK]
        changed = [row for row in part if row[0] in stored]
        # A changed row goes out and in within one transaction: readers never miss it.
        with transaction.atomic(), connection.cursor() as cursor:
            if written:
                written(cursor, [(stored.get(row[0]), row) for row in part])
            if in_place:
                cursor.executemany(update, [(*row[2:], *params, row[0]) for row in changed])
                part = [row for row in part if row[0] not in stored]
            else:
                delete(cursor, [row[0] for row in changed])
            copy_rows(model._meta.db_table, columns, part)
    for start in range(0, len(gone), CHUNK):
        with transaction.atomic(), connection.cursor() as cursor:
            if written:
                written(cursor, [(stored[s], None) for s in gone[start : start + CHUNK]])
            delete(cursor, gone[start : start + CHUNK])
    return len(fresh) + len(gone)


def _comparable(row: Sequence[Any]) -> tuple[Any, ...]:
    # The school and its figures: the second column is the day or the week, the same in
    # every row `_replace` compares (its `where`), and comes back as a date or as text
    # depending on the driver.
    return (row[0], *row[2:])


# Days ----------------------------------------------------------------------------------


def roll_up_day(day: date, week: Measured | None = None) -> int:
    """Each school's medians of one UTC day; returns the number of schools. `week`: the
    measurements of the day's week when already read (`_read_week`)."""
    groups, counts, *medians = _medians(day, day + timedelta(days=1), week)
    day_value = connection.ops.adapt_datefield_value(day)
    rows = [
        (int(s), day_value, _int(d), _int(u), _float(lat), int(c))
        for s, d, u, lat, c in zip(
            groups.tolist(), *(x.tolist() for x in medians), counts.tolist(), strict=True
        )
    ]
    _replace(
        SchoolDailyStatus,
        "date = %s",
        [day_value],
        ("school_id", "date", "download_bps", "upload_bps", "latency_ms", "num_measurements"),
        rows,
    )
    return len(rows)


# Weeks ---------------------------------------------------------------------------------


def national_benchmarks() -> dict[int, int]:
    return dict(CountrySettings.objects.values_list("country_id", "national_benchmark_bps"))


def _read_week(monday: date) -> Measured:
    """The week's measurements, read once for its days and the week."""
    return _measured(monday, monday + timedelta(days=7))


WEEK_COLUMNS = (  # a school week's row, in the order roll_up_week builds it
    "school_id",
    "week_start",
    "iso_year",
    "iso_week",
    "download_bps",
    "upload_bps",
    "latency_ms",
    "num_measurements",
    "connectivity_global",
    "connectivity_national",
)


def roll_up_week(
    monday: date, week: Measured | None = None, moved: set[date] | None = None
) -> set[int]:
    """Every realtime school's row for the ISO week starting `monday`, then the week's
    area counts of the countries concerned; returns those countries' ids. `week`: its
    measurements when already read (`_read_week`). The weeks whose rows changed (this
    one, later ones carried forward) are added to `moved`."""
    measured, counts, *medians = _medians(monday, monday + timedelta(days=7), week)
    carried = set(
        SchoolWeeklyStatus.objects.filter(week_start=monday - timedelta(days=7)).values_list(
            "school_id", flat=True
        )
    )
    live = {
        pk: (country_id, tile_key)
        for pk, country_id, tile_key in School.objects.filter(realtime=True, deleted_at=None)
        .order_by()
        .values_list("pk", "country_id", "tile_key")
    }
    national = national_benchmarks()
    iso_year, iso_week, _ = monday.isocalendar()
    monday_value = connection.ops.adapt_datefield_value(monday)
    by_school: dict[int, tuple[Any, ...]] = {}
    for s, d, u, lat, c in zip(
        measured.tolist(), *(x.tolist() for x in medians), counts.tolist(), strict=True
    ):
        if s in live:
            by_school[s] = (_int(d), _int(u), _float(lat), int(c))
    for s in carried:
        if s in live and s not in by_school:
            by_school[s] = (None, None, None, 0)
    rows = []
    for s in sorted(by_school):
        d, u, lat, c = by_school[s]
        bench = national.get(live[s][0], status.GLOBAL_BENCHMARK_BPS)
        rows.append(
            (
                s,
                monday_value,
                iso_year,
                iso_week,
                d,
                u,
                lat,
                c,
                status.connectivity(d, status.GLOBAL_BENCHMARK_BPS),
                status.connectivity(d, bench),
            )
        )
    cells = _WeekCells(monday, live)
    written = _replace(
        SchoolWeeklyStatus, "week_start = %s", [monday_value], WEEK_COLUMNS, rows, cells.move
    )
    if written and moved is not None and not cells.kept:
        moved.add(monday)
    if cells.moved:
        tiles.bump_data_version()
    countries = {live[s][0] for s in by_school} | _carry_forward(monday, moved)
    # Every country's totals, real-time schools or not: the others count at their static
    # status, and a week rolled up is a week every country has figures for.
    count_weeks(_countries_with_schools(), monday)
    return countries


class _WeekCells:
    """Keeps the map's cells of a week already counted in step with its rows as a roll-up
    writes them (`_replace`'s `written`), in the same transactions: the statuses that
    moved, as deltas. A week not counted yet, or whose cells drifted from its rows (a
    count below zero), is left to a recount (`kept` false)."""

    def __init__(self, monday: date, live: dict[int, tuple[int, int]]) -> None:
        self.monday, self.live = monday, live
        self.kept = WeekGridCell.objects.filter(week_start=monday).exists()
        self.moved = False

    def move(self, cursor: Any, pairs: list[tuple[Any, Any]]) -> None:
        if not self.kept:
            return
        moves = []
        for stored, new in pairs:
            school = (stored or new)[0]
            if school not in self.live:
                continue  # deleted or not real-time: never in the week's cells
            old = None if stored is None else (stored[-2], stored[-1])
            now = None if new is None else (new[-2], new[-1])
            if old != now:
                country_id, tile_key = self.live[school]
                moves.append((tile_key, country_id, old, now))
        if not moves:
            return
        try:
            with transaction.atomic():
                tiles.move_week_statuses(cursor, self.monday, moves)
            self.moved = True
        except IntegrityError:
            self.kept = False


def _countries_with_schools() -> set[int]:
    # One index probe per country: DISTINCT over the schools read all 2.1 million of them
    # at Giga's scale (and, with the model's ordering, sorted them too).
    live = School.objects.filter(country_id=OuterRef("pk"), deleted_at=None)
    return set(Country.objects.filter(Exists(live)).values_list("pk", flat=True))


def _carry_forward(monday: date, moved: set[date] | None) -> set[int]:
    """Weeks after `monday` already rolled up get an unknown row for each real-time
    school that had a row the week before and none in them (a week rolled up late, or
    a school first measured in it), week by week until nothing is missing; their
    counts are redone. Returns the countries concerned."""
    last = (
        SchoolWeeklyStatus.objects.order_by("-week_start")
        .values_list("week_start", flat=True)
        .first()
    )
    countries: set[int] = set()
    week = monday
    while last is not None and week < last:
        following = week + timedelta(days=7)
        missing = sorted(
            SchoolWeeklyStatus.objects.filter(
                week_start=week, school__realtime=True, school__deleted_at=None
            )
            .exclude(school__weekly_statuses__week_start=following)
            .values_list("school_id", "school__country_id")
        )
        if not missing:
            break
        iso_year, iso_week, _ = following.isocalendar()
        unknown = str(status.Connectivity.UNKNOWN)
        value = connection.ops.adapt_datefield_value(following)
        rows = [(s, value, iso_year, iso_week, 0, unknown, unknown) for s, _c in missing]
        if moved is not None:
            moved.add(following)
        for start in range(0, len(rows), CHUNK):
            with transaction.atomic():
                copy_rows(
                    SchoolWeeklyStatus._meta.db_table,
                    (
                        "school_id",
                        "week_start",
                        "iso_year",
                        "iso_week",
                        "num_measurements",
                        "connectivity_global",
                        "connectivity_national",
                    ),
                    rows[start : start + CHUNK],
                )
        touched = {c for _s, c in missing}
        count_weeks(touched, following)
        countries |= touched
        week = following
    return countries


def count_week(country: Country | int, monday: date) -> None:
    """`count_weeks` of one country."""
    count_weeks([country if isinstance(country, int) else country.pk], monday)


def count_weeks(country_ids: Iterable[int], monday: date) -> None:
    """The countries' and each of their areas' counts of live schools per status, for
    both benchmarks, in the week starting `monday`: schools with the week's row by it,
    the others by their static status. Call it after the counts per area are recounted
    for a change of a country's schools (an import of its school list) for the current
    week's figures. Only the counts that moved are written, whole countries a
    transaction, as many as fit in CHUNK rows written: one statement reads every
    country's real-time schools, instead of one a country."""
    countries = sorted(set(country_ids))
    if not countries:
        return
    tallies = _week_counts(countries, monday)
    stored: dict[int, dict[tuple[Any, ...], tuple[int, int]]] = {c: {} for c in countries}
    for pk, country_id, area, benchmark, value, n in AreaWeeklyCount.objects.filter(
        country_id__in=countries, week_start=monday
    ).values_list("pk", "country_id", "area_id", "benchmark", "status", "schools"):
        stored[country_id][(area, benchmark, value)] = (pk, n)
    monday_value = connection.ops.adapt_datefield_value(monday)
    changed: list[tuple[int, int]] = []
    gone: list[int] = []
    new: list[tuple[Any, ...]] = []
    for country_id in countries:
        tally, before = tallies.get(country_id, {}), stored[country_id]
        changed += [
            (n, before[k][0]) for k, n in tally.items() if k in before and before[k][1] != n
        ]
        gone += [pk for k, (pk, _n) in before.items() if k not in tally]
        new += [
            (country_id, area, monday_value, benchmark, value, n)
            for (area, benchmark, value), n in sorted(tally.items(), key=str)
            if (area, benchmark, value) not in before
        ]
        if len(changed) + len(gone) + len(new) >= CHUNK or country_id == countries[-1]:
            _write_week_counts(changed, gone, new)
            changed, gone, new = [], [], []


def _write_week_counts(
    changed: list[tuple[int, int]], gone: list[int], new: list[tuple[Any, ...]]
) -> None:
    if not (changed or gone or new):
        return  # the same figures: a roll-up run again writes nothing
    table = _q(AreaWeeklyCount._meta.db_table)
    with transaction.atomic(), connection.cursor() as cursor:
        for start in range(0, len(gone), 500):
            AreaWeeklyCount.objects.filter(pk__in=gone[start : start + 500]).delete()
        if connection.vendor == "postgresql" and changed:
            # One statement from arrays: a statement per row is a round trip each here.
            cursor.execute(
                f"UPDATE {table} t SET schools = d.n FROM unnest(%s::bigint[], "  # noqa: S608
                f"%s::bigint[]) AS d(n, id) WHERE t.id = d.id",
                [[n for n, _pk in changed], [pk for _n, pk in changed]],
            )
        else:
            cursor.executemany(f"UPDATE {table} SET schools = %s WHERE id = %s", changed)  # noqa: S608
        copy_rows(
            AreaWeeklyCount._meta.db_table,
            ("country_id", "area_id", "week_start", "benchmark", "status", "schools"),
            new,
        )


def _week_counts(countries: list[int], monday: date) -> dict[int, dict[tuple[Any, ...], int]]:
    """Per country, (area or None, benchmark, status) → live schools, none zero. A school
    not real-time has no week's row and its current status is its static one, so the
    counts per area (`AreaSchoolCount`, by current status) hold the week's figures but
    for the real-time schools: only those are read, their current status taken out and
    their week's put in. Where a country's counts per area are missing or have drifted
    from its schools (a count below zero), the country is counted school by school."""
    tallies: dict[int, Counter[tuple[Any, ...]]] = {c: Counter() for c in countries}
    on_global, on_national = counts.BENCHMARKS  # plain strings, as the rows read hold them
    pairs = [(b, s) for b in counts.BENCHMARKS for s in counts.STATUSES]
    counted: set[int] = set()
    for country_id, area, *values in AreaSchoolCount.objects.filter(
        country_id__in=countries
    ).values_list("country_id", "area_id", *(f"{b}_{s}" for b, s in pairs)):
        counted.add(country_id)
        tally = tallies[country_id]
        for (benchmark, value), n in zip(pairs, values, strict=True):
            if n:
                tally[(area, benchmark, value)] += n
    groups = _status_groups(countries, monday, realtime=True)
    for country_id, admin1, admin2, by_g, by_n, now_g, now_n, n in groups:
        tally = tallies[country_id]
        for area in {None, admin1, admin2}:
            tally[(area, on_global, now_g)] -= n
            tally[(area, on_national, now_n)] -= n
            tally[(area, on_global, by_g)] += n
            tally[(area, on_national, by_n)] += n
    for country_id, tally in tallies.items():
        if country_id not in counted or any(n < 0 for n in tally.values()):
            tally.clear()
            for _c, admin1, admin2, by_g, by_n, n in _status_groups([country_id], monday):
                for area in {None, admin1, admin2}:
                    tally[(area, on_global, by_g)] += n
                    tally[(area, on_national, by_n)] += n
    return {
        country_id: {key: n for key, n in tally.items() if n}
        for country_id, tally in tallies.items()
    }


def _status_groups(
    countries: list[int], monday: date, *, realtime: bool = False
) -> list[tuple[Any, ...]]:
    """(country, admin1, admin2, status by the global benchmark, by the national one,
    schools) of the countries' live schools in the week starting `monday`, grouped by
    the database: a few hundred rows cross the wire instead of one per school. A school's
    status is its week's row's, else `status.static_connectivity` written as SQL, against
    its country's national benchmark. With `realtime`, the real-time schools only, each
    group with their current statuses (before the count)."""
    school, weekly = _q(School._meta.db_table), _q(SchoolWeeklyStatus._meta.db_table)
    settings = _q(CountrySettings._meta.db_table)
    c = status.Connectivity

    def pick(column: str, benchmark: str) -> str:
        # status.static_connectivity: a government "no" first, then the contracted speed
        # (none or 0: unknown; negative: no internet) against the benchmark.
        speed = "s.download_speed_contracted"
        return (
            f"CASE WHEN w.id IS NOT NULL THEN w.{column} "
            f"WHEN s.connectivity_govt = %s THEN %s "
            f"WHEN {speed} IS NULL OR {speed} = 0 THEN %s "
            f"WHEN {speed} < 0 THEN %s WHEN {speed} >= {benchmark} THEN %s "
            f"WHEN {speed} >= %s THEN %s ELSE %s END"
        )

    head: list[Any] = [False, str(c.NO_INTERNET), str(c.UNKNOWN), str(c.NO_INTERNET)]
    tail: list[Any] = [str(c.GOOD), status.MODERATE_FLOOR_BPS, str(c.MODERATE), str(c.BAD)]
    by_global = pick("connectivity_global", "%s")
    by_national = pick("connectivity_national", "coalesce(cs.national_benchmark_bps, %s)")
    now = ", cg, cn" if realtime else ""
    among = ", ".join(["%s"] * len(countries))
    sql = (
        f"SELECT co, a1, a2, g, n{now}, COUNT(*) FROM (SELECT s.country_id AS co, "  # noqa: S608
        f"s.admin1_area_id AS a1, s.admin2_area_id AS a2, {by_global} AS g, "
        f"{by_national} AS n, s.connectivity_global AS cg, s.connectivity_national AS cn "
        f"FROM {school} s LEFT JOIN {weekly} w ON w.school_id = s.id AND w.week_start = %s "
        f"LEFT JOIN {settings} cs ON cs.country_id = s.country_id "
        f"WHERE s.country_id IN ({among}) AND s.deleted_at IS NULL"
        f"{' AND s.realtime' if realtime else ''}) t GROUP BY co, a1, a2, g, n{now}"
    )
    values = [
        *head,
        status.GLOBAL_BENCHMARK_BPS,
        *tail,
        *head,
        status.GLOBAL_BENCHMARK_BPS,
        *tail,
        connection.ops.adapt_datefield_value(monday),
        *countries,
    ]
    with connection.cursor() as cursor:
        cursor.execute(sql, values)
        return cursor.fetchall()


# Current statuses ----------------------------------------------------------------------


def update_current_statuses(country_ids: Iterable[int], today: date | None = None) -> int:
    """Set realtime schools' current status (see the module's docstring); returns how
    many changed."""
    return sum(_update_current_statuses(country_ids, today).values())


def _update_current_statuses(country_ids: Iterable[int], today: date | None) -> dict[int, int]:
    """`update_current_statuses`, counting the changes per country. Per CHUNK real-time
    schools (of one country or several) a transaction: one query per country picks each
    school's status and keeps the ones that change, one `UPDATE … FROM` writes them
    (SQLite 3.33 or newer, PostgreSQL), and the map's cells and the counts per area take
    them as deltas. A run that changes nothing writes nothing."""
    current = week_start(today or timezone.now().date())
    previous = current - timedelta(days=7)
    school, weekly = _q(School._meta.db_table), _q(SchoolWeeklyStatus._meta.db_table)

    def pick(column: str) -> str:
        # This week's status once it has measurements, else last week's, else unknown.
        return (
            f"CASE WHEN c.num_measurements > 0 THEN c.{column} "
            f"WHEN p.id IS NOT NULL THEN p.{column} ELSE %s END"
        )

    # The statuses that change, kept for the transaction: written to the schools, then
    # applied as deltas to the map's cells and the counts per area. Each move carries the
    # school's columns the cells and areas are keyed by, so the deltas read this small
    # table alone.
    moves = _q("schools_status_moves")
    keys = (
        "tile_key, country_id, education_level, school_area_type, realtime, "
        "admin1_area_id, admin2_area_id"
    )
    chosen = (
        f"SELECT s.id, {', '.join(f's.{k}' for k in keys.split(', '))}, "  # noqa: S608
        f"s.connectivity_global AS old_g, s.connectivity_national AS old_n, "
        f"{pick('connectivity_global')} AS new_g, {pick('connectivity_national')} AS new_n "
        f"FROM {school} s "
        f"LEFT JOIN {weekly} c ON c.school_id = s.id AND c.week_start = %s "
        f"LEFT JOIN {weekly} p ON p.school_id = s.id AND p.week_start = %s "
        f"WHERE s.country_id = %s AND s.realtime AND s.deleted_at IS NULL "
        f"AND s.id >= %s AND s.id <= %s"
    )
    find = (
        f"INSERT INTO {moves} (id, {keys}, old_g, old_n, new_g, new_n) "  # noqa: S608
        f"SELECT * FROM ({chosen}) v WHERE v.old_g <> v.new_g OR v.old_n <> v.new_n"
    )
    write = (
        f"UPDATE {school} SET connectivity_global = m.new_g, connectivity_national = m.new_n "  # noqa: S608
        f"FROM {moves} m WHERE {school}.id = m.id"
    )
    unknown = str(status.Connectivity.UNKNOWN)
    weeks = [connection.ops.adapt_datefield_value(w) for w in (current, previous)]
    countries = sorted(set(country_ids))
    changed = dict.fromkeys(countries, 0)
    recount: set[int] = set()
    schools = dict(
        AreaSchoolCount.objects.filter(country_id__in=countries, area=None).values_list(
            "country_id", "schools"
        )
    )
    # The real-time schools of every country in pieces of CHUNK, a piece spanning several
    # small countries: one transaction and one round of deltas per piece, not per country.
    realtime = list(
        School.objects.filter(country_id__in=countries, realtime=True, deleted_at=None)
        .order_by("country_id", "pk")
        .values_list("country_id", "pk")
    )
    for start in range(0, len(realtime), CHUNK):
        piece = realtime[start : start + CHUNK]
        spans: dict[int, list[int]] = {}
        for country_id, pk in piece:
            spans.setdefault(country_id, [pk, pk])[1] = pk  # ids ascend within a country
        with transaction.atomic(), connection.cursor() as cursor:
            cursor.execute(
                f"CREATE TEMPORARY TABLE IF NOT EXISTS {moves} (id bigint PRIMARY KEY, "
                f"tile_key bigint, country_id bigint, education_level varchar(64), "
                f"school_area_type varchar(8), realtime boolean, admin1_area_id bigint, "
                f"admin2_area_id bigint, old_g varchar(12), old_n varchar(12), "
                f"new_g varchar(12), new_n varchar(12))"
            )
            cursor.execute(f"DELETE FROM {moves}")  # noqa: S608
            moving: set[int] = set()
            for country_id, (first, last) in spans.items():
                cursor.execute(find, [unknown, unknown, *weeks, country_id, first, last])
                if (moved := max(cursor.rowcount, 0)) > 0:
                    changed[country_id] += moved
                    moving.add(country_id)
            if moving:
                cursor.execute(write)
            # A delta touches a dozen cells per school, a recount reads each of the
            # country's schools once: past this share, recounting is cheaper.
            recount |= {c for c in moving if changed[c] > RECOUNT_ABOVE * schools.get(c, 0)}
            if skipped := sorted(moving & recount):
                cursor.execute(
                    f"DELETE FROM {moves} WHERE country_id IN ({', '.join(['%s'] * len(skipped))})",  # noqa: S608
                    skipped,
                )
            if moving - recount:
                try:
                    with transaction.atomic():
                        tiles.move_statuses(cursor, moves)
                        counts.move_statuses(cursor, moves)
                except IntegrityError:
                    # A count would go below zero: the cells no longer matched the
                    # schools (a status written around the services). The statuses stay
                    # written; the piece's countries are recounted at the end.
                    recount |= moving
            cursor.execute(f"DELETE FROM {moves}")  # noqa: S608
    if recount:
        _statuses_changed(recount, weeks=False)
    if any(changed.values()):
        tiles.bump_data_version()
    return changed


def _statuses_changed(country_ids: Iterable[int], *, weeks: bool = True) -> None:
    """The one place that hears that statuses of these countries changed: the map's cells
    of those countries are recounted, with `weeks` their cells of every week too, and so
    are their schools per area and status."""
    tiles.refresh_grid(set(country_ids), weeks=weeks)
    counts.refresh_counts(set(country_ids))


def _grid_stale(changed: dict[int, int]) -> set[int]:
    """Of the countries rolled up, those whose map cells no longer match their schools:
    schools turned real-time since the cells were counted (their first measurements).
    Statuses that changed are already in the cells (`_update_current_statuses`);
    recounting a country's cells costs seconds, and a roll-up that made no school
    real-time skips it."""
    return tiles.realtime_not_in_grid(changed)


# The whole roll-up ---------------------------------------------------------------------


@dataclass
class RollupReport:
    days: list[date] = field(default_factory=list)
    weeks: list[date] = field(default_factory=list)
    countries: set[int] = field(default_factory=set)
    schools_changed: int = 0


def roll_up(days: Iterable[date] | None = None, progress: Progress | None = None) -> RollupReport:
    """Roll up `days` (by default exactly the marked ones) and their weeks. Marks set
    while it runs are kept for the next run."""
    started = timezone.now()
    if days is None:
        days = RollupMark.objects.filter(marked_at__lte=started).values_list("date", flat=True)
        marked = True
    else:
        marked = False
    report = RollupReport(days=sorted(set(days)))
    report.weeks = sorted({week_start(d) for d in report.days})
    total = len(report.days) + len(report.weeks)
    done = 0
    moved: set[date] = set()
    for monday in report.weeks:
        week = _read_week(monday)
        for day in report.days:
            if week_start(day) == monday:
                roll_up_day(day, week)
                done += 1
                if progress:
                    progress(done, total)
        report.countries |= roll_up_week(monday, week, moved)
        done += 1
        if progress:
            progress(done, total)
    changed = _update_current_statuses(report.countries, None)
    report.schools_changed = sum(changed.values())
    if marked:
        RollupMark.objects.filter(date__in=report.days, marked_at__lte=started).delete()
    if stale := _grid_stale(changed):
        _statuses_changed(stale, weeks=False)
    if moved:
        tiles.refresh_week_grid(report.countries, moved)
    return report


def roll_up_current_week_if_missing(today: date | None = None) -> bool:
    """A week in which nothing at all arrived still gets its rows (every realtime school
    unknown), so a silent network shows as silent: the periodic task calls this."""
    monday = week_start(today or timezone.now().date())
    if SchoolWeeklyStatus.objects.filter(week_start=monday).exists():
        return False
    if not SchoolWeeklyStatus.objects.filter(week_start=monday - timedelta(days=7)).exists():
        return False
    moved: set[date] = set()
    countries = roll_up_week(monday, moved=moved)
    if stale := _grid_stale(_update_current_statuses(countries, today)):
        _statuses_changed(stale, weeks=False)
    if moved:
        tiles.refresh_week_grid(countries, moved)
    return True
