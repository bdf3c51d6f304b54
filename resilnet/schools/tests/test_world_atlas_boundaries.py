"""Country boundaries from the world-atlas package through our TopoJSON reader."""

from __future__ import annotations

import pytest
import shapely

from resilnet.schools.demo import topojson
from resilnet.schools.demo.world_atlas import (
    country_features,
    country_shape,
    load_country_boundaries,
)
from resilnet.schools.models import AdminArea


def test_quantized_arcs_are_summed_scaled_and_reversed_where_negative():
    # Two squares sharing an edge (arc 1): the second walks it backwards (~1 = -2).
    topology = {
        "type": "Topology",
        "transform": {"scale": [0.5, 2.0], "translate": [10, 20]},
        "arcs": [
            [[2, 0], [-2, 0], [0, 1], [2, 0]],  # (2,0) (0,0) (0,1) (2,1)
            [[2, 1], [0, -1]],  # (2,1) (2,0)
            [[2, 0], [2, 0], [0, 1], [-2, 0]],  # (2,0) (4,0) (4,1) (2,1)
        ],
        "objects": {
            "both": {
                "type": "GeometryCollection",
                "geometries": [
                    {"type": "Polygon", "arcs": [[0, 1]], "id": "A"},
                    {"type": "MultiPolygon", "arcs": [[[2, ~1]]], "id": "B"},
                    {"type": "Point", "coordinates": [0, 0]},
                ],
            }
        },
    }
    found = topojson.features(topology, "both")
    assert [f["id"] for f in found] == ["A", "B"]
    a = shapely.geometry.shape(found[0]["geometry"])
    b = shapely.geometry.shape(found[1]["geometry"])
    # Unscaled, each square is 2 by 1; scaled, 1 by 2 degrees, side by side at x = 11.
    assert a.bounds == (10, 20, 11, 22)
    assert b.bounds == (11, 20, 12, 22)
    assert a.is_valid
    assert b.is_valid
    assert a.area == b.area == 2
    assert a.intersection(b).length == 2  # they share exactly the edge x = 11


def test_real_countries_hold_their_capitals_and_not_their_neighbours():
    kenya, uganda = country_shape("404"), country_shape("800")
    assert shapely.contains_xy(kenya, 36.817, -1.286)  # Nairobi
    assert not shapely.contains_xy(kenya, 32.582, 0.347)  # Kampala
    assert shapely.contains_xy(uganda, 32.582, 0.347)
    assert 10 * kenya.area < country_shape("076").area < 20 * kenya.area  # Brazil: 14.7 times
    assert country_features()["404"]["properties"]["name"] == "Kenya"
    assert country_shape("999") is None


@pytest.mark.django_db
def test_level_0_areas_come_from_the_atlas_once():
    first = load_country_boundaries(["KEN", "RWA"])
    assert load_country_boundaries(["KEN", "RWA"]) == first
    areas = AdminArea.objects.filter(level=0).order_by("code")
    assert [(a.code, a.name) for a in areas] == [("KEN", "Kenya"), ("RWA", "Rwanda")]
    rwanda = areas[1]
    assert 28.8 < rwanda.min_longitude < rwanda.max_longitude < 31
    with pytest.raises(ValueError, match="XYZ"):
        load_country_boundaries(["XYZ"])
