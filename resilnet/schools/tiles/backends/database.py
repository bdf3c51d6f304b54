"""What both database engines share: the SQL that lists a tile's schools or counts them per
cell, and the pre-aggregated grid (ADR 0010).

Every tile is one contiguous range of `School.tile_key` (geo.py), so a B-tree range scan
finds its schools; no `LIMIT` anywhere. A tile lists every school in it when it has at most
`POINT_LIMIT` (or from zoom `POINTS_FROM_ZOOM` on), and otherwise counts all of them in
cells about 1/32–1/64 of its side: from the grid's rows up to zoom 11, from the schools
themselves above (a tile there holds few enough to count each time). Either way the counts
of a tile add up to the live schools in it that pass the filters.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any

from django.db import connection, transaction

from resilnet.schools.geo import KEY_ZOOM, tile_range
from resilnet.schools.models import GridCell, School, SchoolWeeklyStatus, WeekGridCell
from resilnet.schools.status import Connectivity, Coverage
from resilnet.schools.tiles.backends.base import TileBackend
from resilnet.schools.tiles.query import TileQuery, statuses

GRID_LEVELS = (6, 8, 10, 12, 14, 16)
# A week's tile reads the week's cells up to zoom 7; above, its tile holds few enough weekly
# rows to read them (a level more would multiply the rows a roll-up writes by about four).
WEEK_GRID_LEVELS = (6, 8, 10, 12)
CELLS_BELOW_TILE = 5  # a cell is at least 1/32 of its tile's side (8 px of 256)
POINT_LIMIT = 1000  # a Python-encoded tile of 1,000 points takes about 10 ms
POINTS_FROM_ZOOM = 15

SCHOOL = School._meta.db_table
GRID = GridCell._meta.db_table
WEEKLY = SchoolWeeklyStatus._meta.db_table
WEEK_GRID = WeekGridCell._meta.db_table
LAYER_STATUSES = {
    "global": tuple(c.value for c in Connectivity),
    "national": tuple(c.value for c in Connectivity),
    "coverage": tuple(c.value for c in Coverage),
}
UNKNOWN = Connectivity.UNKNOWN.value  # the status of a real-time school with no data


def _week_cells_answer(q: TileQuery, level: int) -> bool:
    """Week cells count every real-time school of a cell and country: a week's tile
    filtered by education level or area type reads the weekly rows instead (a roll-up
    would write several times more cells to keep those too)."""
    return level in WEEK_GRID_LEVELS and q.education_level is None and q.area_type is None


def grid_level(z: int) -> int | None:
    """The grid level whose cells aggregate a tile of zoom z, None above the grid."""
    return next((level for level in GRID_LEVELS if level >= z + CELLS_BELOW_TILE), None)


@dataclass(frozen=True)
class FeatureSQL:
    """A tile's features as one parameterised SELECT.

    kind "points": columns id, latitude, longitude, status, education_level, area_type,
    realtime. kind "cells": columns c, total, lat, lon, count, then one per status
    (`names`); lat/lon are the centre of the cell's schools."""

    kind: str
    sql: str
    params: list[Any]
    names: tuple[str, ...]


class DatabaseTileBackend(TileBackend):
    def feature_sql(self, q: TileQuery) -> FeatureSQL:
        if q.z < POINTS_FROM_ZOOM and self.count(q) > POINT_LIMIT:
            return self.cells_sql(q)
        return self.points_sql(q)

    def count(self, q: TileQuery) -> int:
        """About how many schools the tile shows (from the grid, ignoring the week): only
        chooses between listing and counting them."""
        level = grid_level(q.z) or GRID_LEVELS[-1]
        low, high = _range(q, level)
        column = f"{q.layer}_{q.status}" if q.status else "total"
        where, params = _grid_filters(q)
        with connection.cursor() as cursor:
            cursor.execute(
                f"SELECT SUM(g.{column}) FROM {GRID} g "
                f"WHERE g.level = %s AND g.cell >= %s AND g.cell < %s{where}",
                [level, low, high, *params],
            )
            return int(cursor.fetchone()[0] or 0)

    # -- the SQL ---------------------------------------------------------------------

    def points_sql(self, q: TileQuery) -> FeatureSQL:
        status, join, join_params = _school_status(q)
        where, params = _school_filters(q)
        low, high = tile_range(q.z, q.x, q.y)
        sql = (
            f"SELECT s.id, s.latitude, s.longitude, {status} AS status, s.education_level, "
            f"s.school_area_type AS area_type, s.realtime FROM {SCHOOL} s{join} "
            f"WHERE s.tile_key >= %s AND s.tile_key < %s AND s.deleted_at IS NULL{where}"
        )
        params = [*join_params, low, high, *params]
        if q.status:
            sql += f" AND {status} = %s"
            params.append(q.status)
        return FeatureSQL("points", sql, params, ())

    def cells_sql(self, q: TileQuery) -> FeatureSQL:
        names = (q.status,) if q.status else statuses(q.layer)
        level = grid_level(q.z)
        if level is None:
            inner, params = _live_cells(q, min(KEY_ZOOM, q.z + CELLS_BELOW_TILE + 1))
        elif q.week_start and q.layer != "coverage" and _week_cells_answer(q, level):
            inner, params = _week_grid_cells(q, level)
        elif q.week_start and q.layer != "coverage":
            inner, params = _grid_cells_in_week(q, level)
        else:
            inner, params = _grid_cells(q, level)
        sums = ", ".join(f"SUM(u.{name}) AS {name}" for name in names)
        count = " + ".join(f"SUM(u.{name})" for name in names)
        sql = (
            f"SELECT u.c, SUM(u.total) AS total, SUM(u.lat) AS lat, SUM(u.lon) AS lon, "
            f"{count} AS count, {sums} FROM ({inner}) u GROUP BY u.c "
            f"HAVING {count} > 0 AND SUM(u.total) > 0"
        )
        return FeatureSQL("cells", sql, params, names)

    # -- the grid ----------------------------------------------------------------------

    def refresh_grid(self, country_ids: Iterable[int] | None = None) -> int:
        country_ids = _countries(GRID) if country_ids is None else country_ids
        counts = ", ".join(
            f"SUM(CASE WHEN {column} = %s THEN 1 ELSE 0 END)" for column, _status in _GRID_COUNTS
        )
        status_columns = [f"{layer}_{status}" for layer, status in _GRID_LAYER_STATUSES]
        names = ", ".join(status_columns)
        columns = (
            f"level, cell, country_id, education_level, area_type, realtime, rolled_up, "
            f"total, sum_latitude, sum_longitude, {names}"
        )
        insert = (
            f"INSERT INTO {GRID} ({columns}) "
            f"SELECT %s, tile_key / %s, country_id, education_level, school_area_type, "
            f"realtime, %s, COUNT(*), SUM(latitude), SUM(longitude), {counts} FROM {SCHOOL} "
            f"WHERE country_id = %s AND deleted_at IS NULL "
            f"GROUP BY tile_key / %s, country_id, education_level, school_area_type, realtime"
        )
        sums = ", ".join(
            f"SUM({name})" for name in ("total", "sum_latitude", "sum_longitude", *status_columns)
        )
        # The coarser levels add up the cells of the level below (sums are sums): a
        # country's schools are read once, not once per level.
        coarser = (
            f"INSERT INTO {GRID} ({columns}) "
            f"SELECT %s, cell / %s, country_id, education_level, area_type, realtime, %s, "
            f"{sums} FROM {GRID} WHERE country_id = %s AND level = %s AND rolled_up = %s "
            f"GROUP BY cell / %s, country_id, education_level, area_type, realtime"
        )
        # The rolled-up rows (no education level or area type: the unfiltered map) are
        # sums of the country's fresh rows too.
        roll_up = (
            f"INSERT INTO {GRID} ({columns}) "
            f"SELECT level, cell, country_id, %s, %s, realtime, %s, {sums} FROM {GRID} "
            f"WHERE country_id = %s AND rolled_up = %s GROUP BY level, cell, country_id, realtime"
        )
        finest = max(GRID_LEVELS)
        divisor = 1 << 2 * (KEY_ZOOM - finest)
        params: list[Any] = [finest, divisor, False, *(s for _c, s in _GRID_COUNTS)]
        written = 0
        for country_id in sorted(set(country_ids)):
            # One country a transaction: readers see its old cells or its new ones.
            with transaction.atomic(), connection.cursor() as cursor:
                cursor.execute(f"DELETE FROM {GRID} WHERE country_id = %s", [country_id])
                cursor.execute(insert, [*params, country_id, divisor])
                written += cursor.rowcount
                written += _coarser_levels(
                    cursor, coarser, GRID_LEVELS, [False, country_id], [False]
                )
                cursor.execute(roll_up, ["", "", True, country_id, False])
                written += cursor.rowcount
        return written

    def refresh_week_grid(
        self, country_ids: Iterable[int] | None, weeks: Iterable[dt.date] | None = None
    ) -> int:
        """Recount the week cells of these countries (all when None): of `weeks`, or of
        every week they have rows for when None. One transaction per country."""
        country_ids = _countries(WEEK_GRID) if country_ids is None else country_ids
        chosen = None if weeks is None else sorted(set(weeks))
        if chosen == []:
            return 0
        status_columns = [f"{layer}_{s}" for layer, s in _WEEK_LAYER_STATUSES]
        columns = f"week_start, level, cell, country_id, total, {', '.join(status_columns)}"
        counts = ", ".join(
            f"SUM(CASE WHEN w.connectivity_{layer} = %s THEN 1 ELSE 0 END)"
            for layer, _s in _WEEK_LAYER_STATUSES
        )
        in_weeks = "" if chosen is None else f" AND week_start IN ({_marks(len(chosen))})"
        weeks_: list[Any] = chosen or []
        # The country's real-time schools, each with its row of the chosen weeks.
        insert = (
            f"INSERT INTO {WEEK_GRID} ({columns}) "
            f"SELECT w.week_start, %s, s.tile_key / %s, s.country_id, COUNT(*), {counts} "
            f"FROM {SCHOOL} s JOIN {WEEKLY} w ON w.school_id = s.id "
            f"WHERE s.country_id = %s AND s.realtime AND s.deleted_at IS NULL"
            f"{in_weeks.replace('week_start', 'w.week_start')} "
            f"GROUP BY w.week_start, s.tile_key / %s, s.country_id"
        )
        sums = ", ".join(f"SUM({name})" for name in ("total", *status_columns))
        coarser = (
            f"INSERT INTO {WEEK_GRID} ({columns}) "
            f"SELECT week_start, %s, cell / %s, country_id, {sums} FROM {WEEK_GRID} "
            f"WHERE country_id = %s AND level = %s{in_weeks} "
            f"GROUP BY week_start, cell / %s, country_id"
        )
        finest = max(WEEK_GRID_LEVELS)
        divisor = 1 << 2 * (KEY_ZOOM - finest)
        params: list[Any] = [finest, divisor, *(s for _layer, s in _WEEK_LAYER_STATUSES)]
        written = 0
        for country_id in sorted(set(country_ids)):
            with transaction.atomic(), connection.cursor() as cursor:
                cursor.execute(
                    f"DELETE FROM {WEEK_GRID} WHERE country_id = %s{in_weeks}",
                    [country_id, *weeks_],
                )
                cursor.execute(insert, [*params, country_id, *weeks_, divisor])
                written += cursor.rowcount
                written += _coarser_levels(cursor, coarser, WEEK_GRID_LEVELS, [country_id], weeks_)
        return written


def move_statuses(cursor: Any, moves: str) -> None:
    """Apply the connectivity statuses that changed (`moves`: a table of the schools' id,
    tile key, country, education level, area type and real-time flag, with their old and
    new status on each benchmark) to the grid's cells of those schools, inside the caller's
    transaction: each cell's counts lose the old status and gain the new, at every level,
    so a roll-up that moves a few schools does not recount whole countries."""
    deltas = ", ".join(
        f"SUM(CASE WHEN s.new_{b} = %s THEN 1 ELSE 0 END) - "
        f"SUM(CASE WHEN s.old_{b} = %s THEN 1 ELSE 0 END) AS {layer}_{name}"
        for layer, b in (("global", "g"), ("national", "n"))
        for name in LAYER_STATUSES[layer]
    )
    values = [v for layer in ("global", "national") for n in LAYER_STATUSES[layer] for v in (n, n)]
    columns = [f"{layer}_{n}" for layer in ("global", "national") for n in LAYER_STATUSES[layer]]
    for rolled_up in (False, True):
        keys = ["country_id", "realtime"] + ([] if rolled_up else ["education_level", "area_type"])
        dims = "s.country_id, s.realtime"
        dims += "" if rolled_up else ", s.education_level, s.school_area_type"
        for level in GRID_LEVELS:
            divisor = 1 << 2 * (KEY_ZOOM - level)
            moved = (
                f"SELECT s.tile_key / %s AS cell, {dims}, {deltas} FROM {moves} s "
                f"GROUP BY s.tile_key / %s, {dims}"
            )
            params = [divisor, *values, divisor]
            if connection.vendor == "postgresql":
                assign = ", ".join(f"{c} = {GRID}.{c} + d.{c}" for c in columns)
                match = " AND ".join(
                    f"{GRID}.{k} = d.{'school_area_type' if k == 'area_type' else k}" for k in keys
                )
                cursor.execute(
                    f"UPDATE {GRID} SET {assign} FROM ({moved}) d WHERE {GRID}.level = %s "
                    f"AND {GRID}.rolled_up = %s AND {GRID}.cell = d.cell AND {match}",
                    [*params, level, rolled_up],
                )
                continue
            # SQLite without table statistics plans an UPDATE … FROM as a scan of the
            # whole level: each cell is updated by its key instead, through the index.
            cursor.execute(moved, params)
            rows = [row for row in cursor.fetchall() if any(row[1 + len(keys) :])]
            assign = ", ".join(f"{c} = {c} + %s" for c in columns)
            match = " AND ".join(f"{k} = %s" for k in keys)
            cursor.executemany(
                f"UPDATE {GRID} SET {assign} WHERE level = %s AND rolled_up = %s AND cell = %s "
                f"AND {match}",
                [
                    (*row[1 + len(keys) :], level, rolled_up, row[0], *row[1 : 1 + len(keys)])
                    for row in rows
                ],
            )


# A school's move in a week's cells: its tile key, its country, and its (global, national)
# status in the week before and after, None where it had or has no row that week.
WeekMove = tuple[int, int, tuple[str, str] | None, tuple[str, str] | None]


def move_week_statuses(cursor: Any, monday: dt.date, moves: Iterable[WeekMove]) -> None:
    """Apply schools' moves in the week starting `monday` to its cells, inside the
    caller's transaction: each cell, at every level, loses the old status and gains the
    new, so a day rolled up into a week already counted does not recount the week's
    cells of every country. A cell a school enters is made if missing; a cell left
    empty is removed. A count going below zero (cells that drifted) raises
    IntegrityError."""
    at = {pair: i for i, pair in enumerate(_WEEK_LAYER_STATUSES, start=1)}
    deltas: dict[tuple[int, int, int], list[int]] = {}
    for tile_key, country_id, *old_new in moves:
        for level in WEEK_GRID_LEVELS:
            key = (level, tile_key // (1 << 2 * (KEY_ZOOM - level)), country_id)
            delta = deltas.setdefault(key, [0] * (1 + len(at)))
            for sign, pair in zip((-1, 1), old_new, strict=True):
                if pair is not None:
                    delta[0] += sign
                    delta[at[("global", pair[0])]] += sign
                    delta[at[("national", pair[1])]] += sign
    week = connection.ops.adapt_datefield_value(monday)
    columns = ["total", *(f"{layer}_{s}" for layer, s in _WEEK_LAYER_STATUSES)]
    where = "week_start = %s AND level = %s AND cell = %s AND country_id = %s"
    update = f"UPDATE {WEEK_GRID} SET {', '.join(f'{c} = {c} + %s' for c in columns)} WHERE {where}"
    changed = [(key, delta) for key, delta in deltas.items() if any(delta)]
    # Cells that gain schools may be new; the others are there.
    cursor.executemany(update, [(*d, week, *key) for key, d in changed if d[0] <= 0])
    for key, delta in changed:
        if delta[0] > 0:
            cursor.execute(update, [*delta, week, *key])
            if cursor.rowcount == 0:
                cursor.execute(
                    f"INSERT INTO {WEEK_GRID} (week_start, level, cell, country_id, "
                    f"{', '.join(columns)}) VALUES ({_marks(4 + len(columns))})",
                    [week, *key, *delta],
                )
    cursor.executemany(
        f"DELETE FROM {WEEK_GRID} WHERE {where} AND total = 0",
        [(week, *key) for key, d in changed if d[0] < 0],
    )


def _coarser_levels(
    cursor: Any, sql: str, levels: Sequence[int], before: list[Any], after: list[Any]
) -> int:
    """Each coarser level of a grid table from the level below it: sums are sums, so a
    country's schools are read once, not once per level. `sql` takes the level, the
    divisor, `before`, the level below, `after` and the divisor again."""
    written = 0
    below, *rest = sorted(levels, reverse=True)
    for level in rest:
        divisor = 1 << 2 * (below - level)
        cursor.execute(sql, [level, divisor, *before, below, *after, divisor])
        written += cursor.rowcount
        below = level
    return written


def _countries(table: str) -> list[int]:
    """Every country with schools or with cells left in `table`."""
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT country_id FROM {SCHOOL} UNION SELECT country_id FROM {table}")
        return [row[0] for row in cursor.fetchall()]


def _marks(n: int) -> str:
    return ", ".join(["%s"] * n)


_GRID_LAYER_STATUSES = [(layer, s) for layer, names in LAYER_STATUSES.items() for s in names]
_WEEK_LAYER_STATUSES = [(layer, s) for layer, s in _GRID_LAYER_STATUSES if layer != "coverage"]
_GRID_COUNTS = [
    ("coverage" if layer == "coverage" else f"connectivity_{layer}", s)
    for layer, s in _GRID_LAYER_STATUSES
]


def _range(q: TileQuery, level: int) -> tuple[int, int]:
    """The tile's cells at `level` (>= its zoom): one contiguous range of cell keys."""
    low, high = tile_range(q.z, q.x, q.y)
    shift = 2 * (KEY_ZOOM - level)
    return low >> shift, high >> shift


def _school_filters(q: TileQuery) -> tuple[str, list[Any]]:
    return _filters(q, "s.education_level", "s.school_area_type", "s.realtime", "s.country_id")


def _grid_filters(q: TileQuery) -> tuple[str, list[Any]]:
    """Without an education level or area type filter, the rolled-up rows (one per cell,
    country and real-time flag) answer; with one, the rows per combination."""
    rolled_up = q.education_level is None and q.area_type is None
    where, params = _filters(q, "g.education_level", "g.area_type", "g.realtime", "g.country_id")
    return f" AND g.rolled_up = %s{where}", [rolled_up, *params]


def _filters(q: TileQuery, *columns: str) -> tuple[str, list[Any]]:
    where, params = "", []
    values = (q.education_level, q.area_type, q.realtime, q.country_id)
    for column, value in zip(columns, values, strict=True):
        if value is not None:
            where += f" AND {column} = %s"
            params.append(value)
    return where, params


def _school_status(q: TileQuery) -> tuple[str, str, list[Any]]:
    """A school's status on the layer (that week's for a real-time school when a week is
    asked) as an SQL expression, and the join it needs."""
    if q.layer == "coverage":
        return "s.coverage", "", []
    column = f"connectivity_{q.layer}"
    if q.week_start is None:
        return f"s.{column}", "", []
    join = f" LEFT JOIN {WEEKLY} w ON w.school_id = s.id AND w.week_start = %s"
    status = f"CASE WHEN s.realtime THEN COALESCE(w.{column}, '{UNKNOWN}') ELSE s.{column} END"
    return status, join, [q.week_start]


def _live_cells(q: TileQuery, level: int) -> tuple[str, list[Any]]:
    """Cells counted from the tile's schools themselves."""
    status, join, join_params = _school_status(q)
    where, params = _school_filters(q)
    low, high = tile_range(q.z, q.x, q.y)
    divisor = 1 << 2 * (KEY_ZOOM - level)
    columns = ", ".join(
        f"SUM(CASE WHEN {status} = %s THEN 1 ELSE 0 END) AS {name}" for name in statuses(q.layer)
    )
    sql = (
        f"SELECT s.tile_key / %s AS c, COUNT(*) AS total, SUM(s.latitude) AS lat, "
        f"SUM(s.longitude) AS lon, {columns} FROM {SCHOOL} s{join} "
        f"WHERE s.tile_key >= %s AND s.tile_key < %s AND s.deleted_at IS NULL{where} "
        f"GROUP BY s.tile_key / %s"
    )
    return sql, [divisor, *statuses(q.layer), *join_params, low, high, *params, divisor]


def _grid_cells(q: TileQuery, level: int) -> tuple[str, list[Any]]:
    where, params = _grid_filters(q)
    low, high = _range(q, level)
    columns = ", ".join(f"g.{q.layer}_{name} AS {name}" for name in statuses(q.layer))
    sql = (
        f"SELECT g.cell AS c, g.total, g.sum_latitude AS lat, g.sum_longitude AS lon, "
        f"{columns} FROM {GRID} g WHERE g.level = %s AND g.cell >= %s AND g.cell < %s{where}"
    )
    return sql, [level, low, high, *params]


def _grid_realtime_unknown(q: TileQuery, level: int) -> tuple[str, list[Any]]:
    """The grid's cells of a tile with every real-time school as unknown: a week's
    statuses then move them out (the `UNION ALL` of the two functions below)."""
    grid_where, grid_params = _grid_filters(q)
    low, high = _range(q, level)
    from_grid = ", ".join(
        f"CASE WHEN g.realtime THEN {'g.total' if n == UNKNOWN else '0'} "
        f"ELSE g.{q.layer}_{n} END AS {n}"
        for n in statuses(q.layer)
    )
    sql = (
        f"SELECT g.cell AS c, g.total, g.sum_latitude AS lat, g.sum_longitude AS lon, "
        f"{from_grid} FROM {GRID} g "
        f"WHERE g.level = %s AND g.cell >= %s AND g.cell < %s{grid_where}"
    )
    return sql, [level, low, high, *grid_params]


def _grid_cells_in_week(q: TileQuery, level: int) -> tuple[str, list[Any]]:
    """The grid's counts with the real-time schools' statuses of one week: they start as
    unknown, then each that has a weekly row that week moves to its status."""
    names = statuses(q.layer)
    grid, params = _grid_realtime_unknown(q, level)
    school_where, school_params = _school_filters(q)
    key_low, key_high = tile_range(q.z, q.x, q.y)
    column = f"connectivity_{q.layer}"
    moved = ", ".join(
        f"CASE WHEN w.{column} = %s THEN 1 ELSE 0 END - {1 if n == UNKNOWN else 0} AS {n}"
        for n in names
    )
    sql = (
        f"{grid} UNION ALL SELECT s.tile_key / %s, 0, 0, 0, {moved} "
        f"FROM {WEEKLY} w JOIN {SCHOOL} s ON s.id = w.school_id "
        f"WHERE w.week_start = %s AND s.realtime AND s.deleted_at IS NULL "
        f"AND s.tile_key >= %s AND s.tile_key < %s{school_where}"
    )
    divisor = 1 << 2 * (KEY_ZOOM - level)
    params += [divisor, *names, q.week_start]
    return sql, [*params, key_low, key_high, *school_params]


def _week_grid_cells(q: TileQuery, level: int) -> tuple[str, list[Any]]:
    """`_grid_cells_in_week` from the week's cells: each moves its schools out of unknown
    into their week's statuses, one row per cell and country however many schools report.
    Week cells are not kept per education level or area type (`_week_cells_answer`)."""
    grid, params = _grid_realtime_unknown(q, level)
    low, high = _range(q, level)
    moved = ", ".join(
        f"w.{q.layer}_{n}{' - w.total' if n == UNKNOWN else ''} AS {n}" for n in statuses(q.layer)
    )
    sql = (
        f"{grid} UNION ALL SELECT w.cell, 0, 0, 0, {moved} FROM {WEEK_GRID} w "
        f"WHERE w.week_start = %s AND w.level = %s AND w.cell >= %s AND w.cell < %s"
    )
    params += [q.week_start, level, low, high]
    if q.country_id is not None:
        sql += " AND w.country_id = %s"
        params.append(q.country_id)
    return sql, params


def fetch(sql: FeatureSQL) -> Sequence[tuple[Any, ...]]:
    with connection.cursor() as cursor:
        cursor.execute(sql.sql, sql.params)
        return cursor.fetchall()
