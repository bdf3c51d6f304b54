"""Map tile engines behind one interface (base.TileBackend), one class per engine:

- `sqlite.SQLiteTileBackend`: SQL on the school table and the grid, encoded in Python
  (tiles/mvt.py);
- `postgis.PostGISTileBackend`: the same SQL, encoded by PostGIS's `ST_AsMVT`.

Both share `database.DatabaseTileBackend` (ADR 0010). `backend()` picks the database's own.
"""

from __future__ import annotations

from django.db import connection

from resilnet.schools.tiles.backends.base import TileBackend
from resilnet.schools.tiles.backends.database import DatabaseTileBackend
from resilnet.schools.tiles.backends.postgis import PostGISTileBackend
from resilnet.schools.tiles.backends.sqlite import SQLiteTileBackend


def backend(vendor: str | None = None) -> DatabaseTileBackend:
    if (vendor or connection.vendor) == "postgresql":
        return PostGISTileBackend()
    return SQLiteTileBackend()


__all__ = ["TileBackend", "backend"]
