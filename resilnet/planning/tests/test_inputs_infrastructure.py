"""Fibre nodes, towers and roads: read into arrays, bad rows named, unit mix-ups caught."""

import json

import numpy as np
import pytest

from resilnet.planning.engine import geo
from resilnet.planning.engine.inputs import (
    InputError,
    read_fibre_nodes,
    read_roads,
    read_towers,
    road_components,
)

TOWERS = "tower_id,latitude,longitude,technology,range_km\n"


def test_fibre_nodes_from_csv_and_geojson():
    nodes = read_fibre_nodes(b"node_id,latitude,longitude,owner\nN1,1.5,2.5,x\nN2,-3,4,y\n")
    assert list(nodes.node_id) == ["N1", "N2"]
    assert nodes.lat.tolist() == [1.5, -3.0]
    doc = {
        "type": "FeatureCollection",
        "features": [
            {"type": "Feature", "geometry": {"type": "Point", "coordinates": [2.5, 1.5, 1200]},
             "properties": {"node_id": "N1"}},
        ],
    }  # fmt: skip
    nodes = read_fibre_nodes(json.dumps(doc).encode())
    assert (nodes.lat[0], nodes.lon[0]) == (1.5, 2.5)  # the elevation is ignored


def test_towers_read_generation_from_technology():
    towers = read_towers(
        (TOWERS + "T1,1,2,4G,5\nT2,1,3,2g,12.5\nT3,1,4,LTE,3\nT4,1,5,5G,1\n").encode()
    )
    assert towers.generation.tolist() == [4, 2, 4, 5]
    assert towers.generation.dtype == np.int8
    assert towers.range_km.tolist() == [5.0, 12.5, 3.0, 1.0]


@pytest.mark.parametrize(
    ("row", "field", "words"),
    [
        ("T9,1,2,4G,-3", "range_km", "must be more than 0, got -3"),
        ("T9,1,2,4G,0", "range_km", "must be more than 0"),
        ("T9,1,2,4G,5000", "range_km", "given in metres"),
        ("T9,1,2,4G,", "range_km", "is empty"),
        ("T9,1,2,6G,5", "technology", "2G, 3G, 4G, 5G"),
        ("T9,1,2,,5", "technology", "2G, 3G, 4G, 5G"),
        ("T9,1,200,4G,5", "longitude", "-180..180"),
    ],
)
def test_bad_towers_name_row_and_field(row, field, words):
    with pytest.raises(InputError) as caught:
        read_towers((TOWERS + "T1,1,2,4G,5\n" + row + "\n").encode(), name="towers.csv")
    exc = caught.value
    assert (exc.file, exc.row, exc.field) == ("towers.csv", 3, field)
    assert words in str(exc)
    assert str(exc).startswith("towers.csv, row 3, " + field + ": ")


def test_the_message_reads_as_the_planner_needs_it():
    with pytest.raises(InputError) as caught:
        read_towers((TOWERS + "T1,1,2,4G,5\n" * 1 + "".join(
            f"T{i},1,2,4G,5\n" for i in range(2, 11)) + "T12,1,2,4G,-3\n").encode())  # fmt: skip
    assert str(caught.value) == "towers.csv, row 12, range_km: must be more than 0, got -3"


def line(*points):
    geometry = {"type": "LineString", "coordinates": [list(p) for p in points]}
    return {"type": "Feature", "properties": {}, "geometry": geometry}


def roads_doc(*features):
    return json.dumps({"type": "FeatureCollection", "features": list(features)}).encode()


def test_roads_become_a_graph_where_lines_meet_at_shared_positions():
    roads = read_roads(roads_doc(line((0, 1), (0.1, 1), (0.2, 1)), line((0.2, 1), (0.2, 1.1))))
    assert len(roads.lat) == 4  # the shared end is one vertex
    assert len(roads.edge_from) == 3
    # Each edge's length is the great-circle distance between its ends.
    expected = geo.haversine_km(
        roads.lat[roads.edge_from], roads.lon[roads.edge_from],
        roads.lat[roads.edge_to], roads.lon[roads.edge_to],
    )  # fmt: skip
    assert np.allclose(roads.length_km, expected)
    assert roads.length_km.sum() == pytest.approx(
        2 * float(geo.haversine_km(1, 0, 1, 0.1)) + float(geo.haversine_km(1, 0.2, 1.1, 0.2))
    )
    assert road_components(roads) == 1


def test_disconnected_road_networks_are_kept_and_counted():
    parts = [[[5, 5], [5.1, 5]], [[6, 6], [6, 6.1]]]
    multi = {
        "type": "Feature",
        "properties": {},
        "geometry": {"type": "MultiLineString", "coordinates": parts},
    }
    roads = read_roads(roads_doc(line((0, 1), (0.1, 1)), multi))
    assert len(roads.edge_from) == 3
    assert road_components(roads) == 3


def test_a_repeated_position_in_a_line_is_not_an_edge():
    roads = read_roads(roads_doc(line((0, 1), (0, 1), (0.1, 1))))
    assert len(roads.edge_from) == 1
    assert (roads.length_km > 0).all()


@pytest.mark.parametrize(
    ("feature", "field", "words"),
    [
        ({"type": "Feature", "geometry": None}, "geometry", "no coordinates"),
        ({"type": "Feature", "geometry": {"type": "Point", "coordinates": [1, 2]}}, "geometry",
         "LineString or MultiLineString"),
        ({"type": "Feature", "geometry": {"type": "LineString", "coordinates": [[1, 2]]}},
         "coordinates", "at least two positions"),
        ({"type": "Feature", "geometry": {"type": "LineString", "coordinates": [[1, 2], [1, 95]]}},
         "coordinates", "latitude 95"),
        ({"type": "Feature", "geometry": {"type": "LineString", "coordinates": [[1, 2], [1, "x"]]}},
         "coordinates", "must be a number"),
        ({"type": "Feature", "geometry": {"type": "LineString", "coordinates": [[1, 2], [190, 2]]}},
         "coordinates", "longitude 190"),
    ],
)  # fmt: skip
def test_bad_road_features_are_named_by_number(feature, field, words):
    with pytest.raises(InputError) as caught:
        read_roads(roads_doc(line((0, 1), (0.1, 1)), feature), name="roads.geojson")
    exc = caught.value
    assert (exc.file, exc.row, exc.field) == ("roads.geojson", 2, field)
    assert words in str(exc)


def test_roads_must_be_geojson_with_lines():
    with pytest.raises(InputError, match="must be GeoJSON"):
        read_roads(b"a,b\n1,2\n")
    with pytest.raises(InputError, match="no lines"):
        read_roads(roads_doc())
    with pytest.raises(InputError, match="FeatureCollection"):
        read_roads(b'{"type": "Feature"}')
