"""A Mapbox Vector Tile 2.1 encoder for one layer of points: all the schools map needs.

The specification's protobuf messages (vector_tile.proto: Tile, Layer, Feature, Value)
written by hand: a point layer has no rings to orient or clip, so the general encoders'
geometry work (shapely objects, quantisation, validity checks) is skipped. The benchmark
(bench/schools_tiles.py) measures this against the `mapbox-vector-tile` package on the
same features; ADR 0010 has the figures.
"""

from __future__ import annotations

import struct
from collections.abc import Iterable, Mapping

EXTENT = 4096
Value = str | int | float | bool
Point = tuple[int, int, Mapping[str, Value], int | None]  # x, y (tile units, y down), props, id

_MOVE_TO_ONE = (1 << 3) | 1  # command MoveTo, count 1
_POINT = 1  # GeomType.POINT


def _varint(value: int) -> bytes:
    out = bytearray()
    while value > 0x7F:
        out.append((value & 0x7F) | 0x80)
        value >>= 7
    out.append(value)
    return bytes(out)


def _zigzag(value: int) -> int:
    return (value << 1) ^ (value >> 63)


def _field(number: int, payload: bytes) -> bytes:
    """A length-delimited field (wire type 2)."""
    return _varint((number << 3) | 2) + _varint(len(payload)) + payload


def _value(value: Value) -> bytes:
    if isinstance(value, bool):
        return b"\x38" + (b"\x01" if value else b"\x00")  # bool_value = 7
    if isinstance(value, int):
        if value >= 0:
            return b"\x28" + _varint(value)  # uint_value = 5
        return b"\x30" + _varint(_zigzag(value))  # sint_value = 6
    if isinstance(value, float):
        return b"\x19" + struct.pack("<d", value)  # double_value = 3
    return _field(1, str(value).encode())  # string_value = 1


def encode_points(layer: str, points: Iterable[Point], extent: int = EXTENT) -> bytes:
    """One tile with one layer of point features; b"" when there are none."""
    keys: dict[str, int] = {}
    values: dict[tuple[type, Value], int] = {}
    features = bytearray()
    for x, y, properties, feature_id in points:
        tags = bytearray()
        for key, value in properties.items():
            k = keys.setdefault(key, len(keys))
            v = values.setdefault((type(value), value), len(values))
            tags += _varint(k) + _varint(v)
        geometry = bytes([_MOVE_TO_ONE]) + _varint(_zigzag(x)) + _varint(_zigzag(y))
        feature = bytearray()
        if feature_id is not None:
            feature += b"\x08" + _varint(feature_id)
        feature += _field(2, bytes(tags))
        feature += b"\x18" + bytes([_POINT])
        feature += _field(4, geometry)
        features += _field(2, bytes(feature))
    if not features:
        return b""
    body = bytearray(b"\x78\x02")  # version = 2 (field 15, varint)
    body += _field(1, layer.encode())
    body += features
    for key in keys:
        body += _field(3, key.encode())
    for _type, value in values:
        body += _field(4, _value(value))
    body += b"\x28" + _varint(extent)
    return _field(3, bytes(body))
