"""The point-layer encoder (tiles/mvt.py) against an independent decoder: every feature's
id, position and properties survive, whatever the size of the integers."""

from __future__ import annotations

import random

import mapbox_vector_tile
import numpy as np
import pytest

from resilnet.schools.tiles import mvt


def decode(data: bytes) -> dict:
    return mapbox_vector_tile.decode(data, default_options={"y_coord_down": True})["schools"]


def test_features_round_trip_with_small_and_large_integers():
    rng = random.Random(3)
    n = 3000
    # Coordinates outside the tile (the buffer) and integers across every varint length.
    xs = [rng.randint(-300, 4400) for _ in range(n)]
    ys = [rng.randint(-300, 4400) for _ in range(n)]
    ids = [rng.choice((0, 1, 127, 128, 16383, 16384, 2**35, 2**62)) + i for i in range(n)]
    statuses = [rng.choice(("good", "bad", "", "unknown", "ünïcode")) for _ in range(n)]
    counts = [rng.randint(0, 300_000) for _ in range(n)]
    flags = [rng.random() < 0.3 for _ in range(n)]
    points = mvt.Points(
        np.array(xs),
        np.array(ys),
        np.array(ids, dtype=np.uint64),
        {
            "id": np.array(ids, dtype=np.uint64),
            "status": np.array(statuses, dtype=object),
            "count": np.array(counts, dtype=np.int64),
            "realtime": np.array(flags, dtype=bool),
        },
    )
    layer = decode(mvt.encode_points("schools", points))
    assert layer["extent"] == 4096
    assert len(layer["features"]) == n
    for i, feature in enumerate(layer["features"]):
        assert feature["id"] == ids[i]
        assert feature["geometry"] == {"type": "Point", "coordinates": [xs[i], ys[i]]}
        assert feature["properties"] == {
            "id": ids[i],
            "status": statuses[i],
            "count": counts[i],
            "realtime": flags[i],
        }


def test_values_are_shared_between_keys_and_features():
    """Equal values are written once (the layer's value table), whichever key uses them."""
    points = mvt.Points(
        np.array([1, 2, 3]),
        np.array([1, 2, 3]),
        None,
        {"count": np.array([5, 5, 7]), "good": np.array([7, 5, 0])},
    )
    data = mvt.encode_points("schools", points)
    assert data.count(b"\x22\x02\x28\x05") == 1  # Value{uint_value: 5}, once
    features = decode(data)["features"]
    assert [f["properties"] for f in features] == [
        {"count": 5, "good": 7},
        {"count": 5, "good": 5},
        {"count": 7, "good": 0},
    ]
    assert all("id" not in f or f["id"] in (None, 0) for f in features)


def test_an_empty_layer_is_no_tile():
    assert mvt.encode_points("schools", mvt.Points(np.zeros(0), np.zeros(0))) == b""


def test_negative_property_values_are_refused():
    points = mvt.Points(np.array([1]), np.array([1]), None, {"count": np.array([-1])})
    with pytest.raises(ValueError, match="non-negative"):
        mvt.encode_points("schools", points)
