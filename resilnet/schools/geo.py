"""Positions as integers: a school's Web Mercator pixel at zoom `KEY_ZOOM`, interleaved into
one Z-order (Morton) key.

Every map tile at zoom z <= KEY_ZOOM is one contiguous range of keys, so one B-tree index
answers "the schools in this tile" on SQLite and PostgreSQL alike, and the key's top bits
name the cell a school falls in at any coarser zoom (docs/adr on tiles).
"""

from __future__ import annotations

import math

KEY_ZOOM = 24  # 2**24 pixels a side: about 2.4 m at the equator, finer than the 10 m duplicates
MAX_LATITUDE = 85.05112878  # Web Mercator's square world
EARTH_RADIUS_M = 6_371_008.8


def mercator_pixel(latitude: float, longitude: float, zoom: int = KEY_ZOOM) -> tuple[int, int]:
    size = 1 << zoom
    lat = max(-MAX_LATITUDE, min(MAX_LATITUDE, latitude))
    x = (longitude + 180.0) / 360.0
    sin = math.sin(math.radians(lat))
    y = 0.5 - math.log((1 + sin) / (1 - sin)) / (4 * math.pi)
    return min(size - 1, max(0, int(x * size))), min(size - 1, max(0, int(y * size)))


def interleave(x: int, y: int) -> int:
    """The Z-order key of pixel (x, y): x in the even bits, y in the odd ones."""
    return _spread(x) | (_spread(y) << 1)


def _spread(v: int) -> int:
    """Put a zero bit between each of v's 24 bits."""
    v &= 0xFFFFFF
    v = (v | (v << 16)) & 0x0000FFFF0000FFFF
    v = (v | (v << 8)) & 0x00FF00FF00FF00FF
    v = (v | (v << 4)) & 0x0F0F0F0F0F0F0F0F
    v = (v | (v << 2)) & 0x3333333333333333
    v = (v | (v << 1)) & 0x5555555555555555
    return v


def tile_key(latitude: float, longitude: float) -> int:
    return interleave(*mercator_pixel(latitude, longitude))


def tile_range(z: int, x: int, y: int) -> tuple[int, int]:
    """The keys [low, high) of the schools inside tile z/x/y (z <= KEY_ZOOM)."""
    shift = 2 * (KEY_ZOOM - z)
    low = interleave(x, y) << shift
    return low, low + (1 << shift)


def distance_m(lat1: float, lon1: float, lat2: float, lon2: float) -> float:
    """Great-circle distance (haversine)."""
    p1, p2 = math.radians(lat1), math.radians(lat2)
    dp, dl = p2 - p1, math.radians(lon2 - lon1)
    a = math.sin(dp / 2) ** 2 + math.cos(p1) * math.cos(p2) * math.sin(dl / 2) ** 2
    return 2 * EARTH_RADIUS_M * math.asin(math.sqrt(a))
