"""Tiles on PostgreSQL: the shared SQL, encoded by PostGIS (`ST_AsMVT`) next to the data."""

from __future__ import annotations

from django.db import connection

from resilnet.schools.geo import MAX_LATITUDE
from resilnet.schools.tiles.backends.base import LAYER_NAME
from resilnet.schools.tiles.backends.database import DatabaseTileBackend
from resilnet.schools.tiles.query import TileQuery

# Web Mercator has no poles: a school at latitude ±90 is drawn on the world's edge, inside
# the tile its key puts it in (the tile's buffer keeps a point on the edge).
_POINT = (
    "ST_AsMVTGeom(ST_Transform(ST_SetSRID(ST_MakePoint({lon}, "
    f"LEAST({MAX_LATITUDE}, GREATEST(-{MAX_LATITUDE}, {{lat}}))), 4326), 3857), "
    "ST_TileEnvelope(%s, %s, %s), 4096, 256, true)"
)


class PostGISTileBackend(DatabaseTileBackend):
    name = "postgis"

    def tile(self, query: TileQuery) -> bytes:
        sql = self.feature_sql(query)
        if sql.kind == "points":
            geom = _POINT.format(lon="f.longitude", lat="f.latitude")
            columns = "f.id AS fid, f.id, f.status, f.education_level, f.area_type, f.realtime"
        else:
            geom = _POINT.format(lon="f.lon / f.total", lat="f.lat / f.total")
            counts = ", ".join(f"f.{name}::integer AS {name}" for name in sql.names)
            columns = f"f.c AS fid, f.count::integer AS count, {counts}"
        wrapped = (
            f"SELECT ST_AsMVT(t, %s, 4096, 'geom', 'fid') FROM "
            f"(SELECT {geom} AS geom, {columns} FROM ({sql.sql}) f) t"
        )
        with connection.cursor() as cursor:
            cursor.execute(wrapped, [LAYER_NAME, query.z, query.x, query.y, *sql.params])
            data = cursor.fetchone()[0]
        return bytes(data) if data else b""
