"""A Mapbox Vector Tile 2.1 encoder for one layer of points: all the schools map needs.

The specification's protobuf messages (vector_tile.proto: Tile, Layer, Feature, Value)
written by hand, a whole layer at a time with numpy: every field of a point feature is a
varint (tags, lengths and geometry commands alike), so the features are one matrix of
integers, one row per feature, turned into protobuf varints in bulk. A point layer has no
rings to orient or clip, so the general encoders' geometry work (shapely objects,
quantisation, validity checks) is skipped. The benchmark (bench/schools_tiles.py) measures
this against the `mapbox-vector-tile` package on the same features; ADR 0010 has the figures.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

EXTENT = 4096
_MOVE_TO_ONE = (1 << 3) | 1  # command MoveTo, count 1
_POINT = 1  # GeomType.POINT
_MAX_VARINT_BYTES = 10


@dataclass
class Points:
    """A layer's point features as columns: x, y in tile units (y down), the feature ids
    (non-negative, or None for none) and one column per property, in key order. A property
    column holds str (numpy object or str array), non-negative int or bool values."""

    x: np.ndarray
    y: np.ndarray
    ids: np.ndarray | None = None
    properties: dict[str, np.ndarray] = field(default_factory=dict)

    def __len__(self) -> int:
        return len(self.x)


def varint_lengths(values: np.ndarray) -> np.ndarray:
    """How many bytes each non-negative integer takes as a protobuf varint."""
    v = values.astype(np.uint64)
    length = np.ones(v.shape, dtype=np.int64)
    top = int(v.max(initial=0))
    group = 1
    while group < _MAX_VARINT_BYTES and top >= 1 << (7 * group):
        length += v >= np.uint64(1 << (7 * group))
        group += 1
    return length


def varints(matrix: np.ndarray) -> bytes:
    """The protobuf varints of a matrix of non-negative integers, row after row."""
    v = matrix.astype(np.uint64).ravel()
    length = varint_lengths(v)
    start = np.cumsum(length) - length
    out = np.empty(int(length.sum()), dtype=np.uint8)
    # Byte `group` of every value that long; most values take one byte, so the later
    # groups touch few of them.
    for group in range(int(length.max(initial=1))):
        if group:
            chosen = np.flatnonzero(length > group)
            v, length, start = v[chosen], length[chosen], start[chosen]
        low = (v & np.uint64(0x7F)).astype(np.uint8)
        out[start + group] = low | np.where(length > group + 1, 0x80, 0).astype(np.uint8)
        v = v >> np.uint64(7)
    return out.tobytes()


def _zigzag(values: np.ndarray) -> np.ndarray:
    v = values.astype(np.int64)
    return ((v << 1) ^ (v >> 63)).astype(np.uint64)


def _varint(value: int) -> bytes:
    out = bytearray()
    while value > 0x7F:
        out.append((value & 0x7F) | 0x80)
        value >>= 7
    out.append(value)
    return bytes(out)


def _field(number: int, payload: bytes) -> bytes:
    """A length-delimited field (wire type 2)."""
    return _varint((number << 3) | 2) + _varint(len(payload)) + payload


def _kind(column: np.ndarray) -> str:
    if column.dtype == np.bool_:
        return "bool"
    if np.issubdtype(column.dtype, np.integer):
        if len(column) and column.min() < 0:
            raise ValueError("property values must be non-negative integers")
        return "int"
    return "str"


def _value_table(points: Points) -> tuple[bytes, dict[str, np.ndarray]]:
    """The layer's distinct values (its `values` fields, encoded) and, per property, each
    feature's index into them. Values are shared by keys: strings, then integers, then
    booleans."""
    by_kind: dict[str, list[str]] = {"str": [], "int": [], "bool": []}
    for key, column in points.properties.items():
        by_kind[_kind(column)].append(key)
    table = bytearray()
    offset = 0
    indexes: dict[str, np.ndarray] = {}
    for kind, keys in by_kind.items():
        if not keys:
            continue
        columns = [points.properties[key] for key in keys]
        if kind == "str":
            joined = np.concatenate([np.asarray(c, dtype=object).astype(str) for c in columns])
        elif kind == "int":
            joined = np.concatenate([c.astype(np.uint64) for c in columns])
        else:
            joined = np.concatenate(columns)
        distinct, inverse = np.unique(joined, return_inverse=True)
        inverse = inverse.ravel()
        if kind == "int":
            # Layer.values (field 4) holding Value.uint_value (field 5), many at once.
            m = len(distinct)
            matrix = np.empty((m, 4), dtype=np.uint64)
            matrix[:, 0], matrix[:, 2], matrix[:, 3] = 0x22, 0x28, distinct
            matrix[:, 1] = 1 + varint_lengths(distinct)
            table += varints(matrix)
        else:
            for value in distinct.tolist():
                if kind == "str":
                    table += _field(4, _field(1, value.encode()))  # string_value = 1
                else:
                    table += _field(4, b"\x38\x01" if value else b"\x38\x00")  # bool = 7
        for i, key in enumerate(keys):
            indexes[key] = inverse[i * len(points) : (i + 1) * len(points)] + offset
        offset += len(distinct)
    return bytes(table), indexes


def encode_points(layer: str, points: Points, extent: int = EXTENT) -> bytes:
    """One tile with one layer of point features; b"" when there are none."""
    n = len(points)
    if n == 0:
        return b""
    table, value_index = _value_table(points)
    keys = list(points.properties)
    zx, zy = _zigzag(points.x), _zigzag(points.y)
    geometry_length = 1 + varint_lengths(zx) + varint_lengths(zy)
    tag_columns: list[np.ndarray] = []
    for k, key in enumerate(keys):
        tag_columns += [np.full(n, k, dtype=np.uint64), value_index[key].astype(np.uint64)]
    tags_length = sum((varint_lengths(c) for c in tag_columns), np.zeros(n, dtype=np.int64))
    # Feature: id (field 1), tags (2, packed), type (3) = POINT, geometry (4, packed).
    head: list[np.ndarray] = []
    feature_length = np.zeros(n, dtype=np.int64)
    if points.ids is not None:
        ids = points.ids.astype(np.uint64)
        head = [np.full(n, 0x08, dtype=np.uint64), ids]
        feature_length += 1 + varint_lengths(ids)
    feature_length += 1 + varint_lengths(tags_length) + tags_length
    feature_length += 2 + 1 + varint_lengths(geometry_length) + geometry_length
    columns = [
        0x12,  # Layer.features (field 2)
        feature_length,
        *head,
        0x12,
        tags_length,
        *tag_columns,
        0x18,
        _POINT,
        0x22,
        geometry_length,
        _MOVE_TO_ONE,
        zx,
        zy,
    ]
    # All uint64: numpy would turn a mix of signed and unsigned columns into floats.
    matrix = np.empty((n, len(columns)), dtype=np.uint64)
    for i, column in enumerate(columns):
        matrix[:, i] = column
    body = bytearray(b"\x78\x02")  # version = 2 (field 15, varint)
    body += _field(1, layer.encode())
    body += varints(matrix)
    for key in keys:
        body += _field(3, key.encode())
    body += table
    body += b"\x28" + _varint(extent)
    return _field(3, bytes(body))
