"""A TopoJSON reader: the polygons of a topology's objects as GeoJSON geometries.

TopoJSON (the format of the `world-atlas` npm package) stores each shared boundary once,
as an arc; a polygon's ring is the list of its arcs' indices, where a negative index ~i
means arc i reversed. A quantized topology stores each arc's positions as integer deltas
from the previous one, to be summed, then scaled and translated by its `transform`.

Written here rather than taken from PyPI: the `topojson` package encodes GeoJSON into
TopoJSON and reads it back only through GeoPandas; the small readers there were last
released in 2020-2022. This is the part of the format the demo needs, about 60 lines.
"""

from __future__ import annotations

from typing import Any

import numpy as np


def decode_arcs(topology: dict[str, Any]) -> list[np.ndarray]:
    """Every arc as an (n, 2) array of longitude, latitude."""
    transform = topology.get("transform")
    arcs = []
    for arc in topology["arcs"]:
        points = np.asarray(arc, dtype=np.float64)[:, :2]
        if transform:
            points = np.cumsum(points, axis=0) * transform["scale"] + transform["translate"]
        arcs.append(points)
    return arcs


def _ring(arcs: list[np.ndarray], indices: list[int]) -> list[list[float]]:
    parts = []
    for n, index in enumerate(indices):
        arc = arcs[index] if index >= 0 else arcs[~index][::-1]
        # Each arc begins where the one before it ended: keep that shared position once.
        parts.append(arc if n == 0 else arc[1:])
    ring = np.concatenate(parts)
    if len(ring) and not np.array_equal(ring[0], ring[-1]):
        ring = np.vstack([ring, ring[:1]])  # closed, as GeoJSON requires
    return ring.tolist()


def geometry(arcs: list[np.ndarray], obj: dict[str, Any]) -> dict[str, Any] | None:
    """One TopoJSON geometry object as a GeoJSON Polygon or MultiPolygon (None for others)."""
    if obj.get("type") == "Polygon":
        return {"type": "Polygon", "coordinates": [_ring(arcs, r) for r in obj["arcs"]]}
    if obj.get("type") == "MultiPolygon":
        polygons = [[_ring(arcs, r) for r in polygon] for polygon in obj["arcs"]]
        return {"type": "MultiPolygon", "coordinates": polygons}
    return None


def features(topology: dict[str, Any], name: str) -> list[dict[str, Any]]:
    """The polygonal members of `objects[name]` as GeoJSON features, keeping id and
    properties."""
    arcs = decode_arcs(topology)
    collection = topology["objects"][name]
    members = (
        collection["geometries"] if collection["type"] == "GeometryCollection" else [collection]
    )
    found = []
    for obj in members:
        shape = geometry(arcs, obj)
        if shape is not None:
            found.append(
                {
                    "type": "Feature",
                    "id": obj.get("id"),
                    "properties": obj.get("properties") or {},
                    "geometry": shape,
                }
            )
    return found
