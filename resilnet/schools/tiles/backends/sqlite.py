"""Tiles on SQLite (the embedded default): the shared SQL, encoded in Python (tiles/mvt.py)."""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from typing import Any

from resilnet.schools.geo import mercator_pixel
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


def features(q: TileQuery, sql: FeatureSQL, rows: Sequence[tuple[Any, ...]]) -> Iterator[mvt.Point]:
    """The tile's features from the rows of `sql`, in tile units (y down)."""
    zoom = q.z + TILE_BITS
    ox, oy = q.x << TILE_BITS, q.y << TILE_BITS
    if sql.kind == "points":
        for school_id, lat, lon, status, level, area_type, realtime in rows:
            px, py = mercator_pixel(lat, lon, zoom)
            properties = {
                "id": school_id,
                "status": status,
                "education_level": level,
                "area_type": area_type,
                "realtime": bool(realtime),
            }
            yield px - ox, py - oy, properties, school_id
        return
    for cell, total, lat, lon, count, *counts in rows:
        px, py = mercator_pixel(lat / float(total), lon / float(total), zoom)
        properties = {"count": int(count), **dict(zip(sql.names, map(int, counts), strict=True))}
        yield px - ox, py - oy, properties, int(cell)
