"""An import computes the schools' tile keys for a whole block at once (numpy); they are
the keys `geo.tile_key` gives one school at a time, the world's edges included."""

from __future__ import annotations

import numpy as np

from resilnet.schools import geo
from resilnet.schools.services.registry import tile_keys


def test_block_tile_keys_equal_one_at_a_time_keys():
    rng = np.random.default_rng(2021)
    lat = np.concatenate(
        [rng.uniform(-90, 90, 2_000), [90, -90, 85.05112878, -85.05112878, 0, 0, 89.9, -1.31]]
    )
    lon = np.concatenate([rng.uniform(-180, 180, 2_000), [180, -180, 0, 0, 180, -180, 0, 36.78]])
    keys = tile_keys(lat, lon)
    assert keys.dtype == np.int64
    assert keys.tolist() == [geo.tile_key(a, o) for a, o in zip(lat, lon, strict=True)]
    assert int(keys.max()) < 1 << (2 * geo.KEY_ZOOM)
