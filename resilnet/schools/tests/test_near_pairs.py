"""The duplicate search of an import (`checks.near_pairs`) finds exactly the pairs of
points within the radius that comparing every point with every other finds, wherever the
points fall on the grid it hashes them into: in one cell, across a cell's faces, edges
and corners, at the poles and the antimeridian."""

from __future__ import annotations

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st

from resilnet.schools.geo import distance_m
from resilnet.schools.importers.checks import near_pairs

RADIUS_M = 10.0


def every_pair(lat: np.ndarray, lon: np.ndarray) -> set[tuple[int, int]]:
    return {
        (i, j)
        for i in range(len(lat))
        for j in range(i + 1, len(lat))
        if distance_m(lat[i], lon[i], lat[j], lon[j]) <= RADIUS_M
    }


# Points scattered a few metres around a few centres, so that many are close and the
# pairs cross the grid's cells in every direction.
centres = st.tuples(st.floats(-90, 90), st.floats(-180, 180, exclude_max=True)) | st.sampled_from(
    [(90.0, 0.0), (-90.0, 0.0), (0.0, -180.0), (0.0, 179.99999), (0.0, 0.0)]
)
clouds = st.lists(
    st.tuples(
        centres,
        st.lists(
            st.tuples(st.floats(-0.0002, 0.0002), st.floats(-0.0002, 0.0002)),
            min_size=1,
            max_size=12,
        ),
    ),
    min_size=1,
    max_size=6,
)


@settings(max_examples=200, deadline=None)
@given(clouds)
def test_the_pairs_found_are_every_pair_within_the_radius(cloud):
    points = [
        (min(90.0, max(-90.0, la + dla)), ((lo + dlo + 180.0) % 360.0) - 180.0)
        for (la, lo), offsets in cloud
        for dla, dlo in offsets
    ]
    lat = np.array([p[0] for p in points])
    lon = np.array([p[1] for p in points])
    found = near_pairs(lat, lon, RADIUS_M)
    assert {(i, j) for i, j, _m in found} == every_pair(lat, lon)
    for i, j, metres in found:
        assert metres == distance_m(lat[i], lon[i], lat[j], lon[j])


def test_a_large_file_finds_its_close_pairs_and_no_others():
    rng = np.random.default_rng(7)
    lat = rng.uniform(-60, 60, 20_000)
    lon = rng.uniform(-170, 170, 20_000)
    # 200 schools 3 m north of others: the only pairs (the rest are kilometres apart).
    lat[:200] = lat[200:400] + 3 / 111_195
    lon[:200] = lon[200:400]
    found = {(i, j) for i, j, _m in near_pairs(lat, lon, RADIUS_M)}
    assert found == {(i, i + 200) for i in range(200)}
