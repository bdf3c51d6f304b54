"""Tiles on SQLite (the embedded default): the shared SQL, encoded in Python (tiles/mvt.py)."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np

from resilnet.schools.geo import MAX_LATITUDE
from resilnet.schools.tiles import mvt
from resilnet.schools.tiles.backends.base import LAYER_NAME
from resilnet.schools.tiles.backends.database import DatabaseTileBackend, FeatureSQL, fetch
from resilnet.schools.tiles.query import TileQuery

TILE_BITS = 12  # 4096 = 2**12 units a tile side


class SQLiteTileBackend(DatabaseTileBackend):
    name = "sqlite"

    def tile(self, query: TileQuery) -> bytes:
        sql = self.feature_sql(query)
        return mvt.encode_points(LAYER_NAME, features(query, sql, fetch(sql)))


def features(q: TileQuery, sql: FeatureSQL, rows: Sequence[tuple[Any, ...]]) -> mvt.Points:
    """The tile's features from the rows of `sql`, as columns in tile units (y down)."""
    if not rows:
        return mvt.Points(np.zeros(0, np.int64), np.zeros(0, np.int64))
    columns = list(zip(*rows, strict=True))
    if sql.kind == "points":
        school_id, lat, lon, status, level, area_type, realtime = columns
        x, y = _tile_units(q, np.array(lat, dtype=float), np.array(lon, dtype=float))
        ids = np.array(school_id, dtype=np.uint64)
        return mvt.Points(
            x,
            y,
            ids,
            {
                "id": ids,
                "status": np.array(status, dtype=object),
                "education_level": np.array(level, dtype=object),
                "area_type": np.array(area_type, dtype=object),
                "realtime": np.array(realtime, dtype=bool),
            },
        )
    cell, total, lat, lon, count, *counts = columns
    totals = np.array(total, dtype=float)
    x, y = _tile_units(q, np.array(lat, dtype=float) / totals, np.array(lon, dtype=float) / totals)
    properties = {"count": np.array(count, dtype=np.int64)}
    for name, values in zip(sql.names, counts, strict=True):
        properties[name] = np.array(values, dtype=np.int64)
    return mvt.Points(x, y, np.array(cell, dtype=np.uint64), properties)


def _tile_units(q: TileQuery, lat: np.ndarray, lon: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """geo.mercator_pixel at zoom z + 12, relative to the tile's corner, for many points."""
    size = 1 << (q.z + TILE_BITS)
    sin = np.sin(np.radians(np.clip(lat, -MAX_LATITUDE, MAX_LATITUDE)))
    px = np.clip(((lon + 180.0) / 360.0 * size).astype(np.int64), 0, size - 1)
    py = 0.5 - np.log((1 + sin) / (1 - sin)) / (4 * np.pi)
    py = np.clip((py * size).astype(np.int64), 0, size - 1)
    return px - (q.x << TILE_BITS), py - (q.y << TILE_BITS)
