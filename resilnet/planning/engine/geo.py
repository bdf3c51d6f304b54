"""Great-circle distances and nearest neighbours on the unit sphere.

Points become unit vectors (x, y, z); the straight chord between two of them grows with
the great-circle distance, so a cKDTree over the vectors answers haversine-correct nearest
neighbour and within-radius queries in C, for a whole country at once, with no
distortion near the poles or across the antimeridian.
"""

from __future__ import annotations

import numpy as np

EARTH_RADIUS_KM = 6371.0088  # mean Earth radius (IUGG)


def to_xyz(lat: np.ndarray, lon: np.ndarray) -> np.ndarray:
    """Unit vectors, shape (n, 3), for positions in degrees."""
    la = np.radians(np.asarray(lat, dtype=np.float64))
    lo = np.radians(np.asarray(lon, dtype=np.float64))
    cos_la = np.cos(la)
    return np.column_stack((cos_la * np.cos(lo), cos_la * np.sin(lo), np.sin(la)))


def chord_from_km(km: np.ndarray | float) -> np.ndarray:
    """The chord length on the unit sphere of a great-circle distance in km."""
    angle = np.minimum(np.asarray(km, dtype=np.float64) / EARTH_RADIUS_KM, np.pi)
    return 2.0 * np.sin(angle / 2.0)


def km_from_chord(chord: np.ndarray | float) -> np.ndarray:
    """The great-circle distance in km of a chord on the unit sphere."""
    half = np.clip(np.asarray(chord, dtype=np.float64) / 2.0, 0.0, 1.0)
    return 2.0 * EARTH_RADIUS_KM * np.arcsin(half)


def haversine_km(
    lat1: np.ndarray | float,
    lon1: np.ndarray | float,
    lat2: np.ndarray | float,
    lon2: np.ndarray | float,
) -> np.ndarray:
    """Great-circle distance in km (element-wise, broadcasting)."""
    p1, p2 = np.radians(lat1), np.radians(lat2)
    dp, dl = p2 - p1, np.radians(np.asarray(lon2) - np.asarray(lon1))
    a = np.sin(dp / 2) ** 2 + np.cos(p1) * np.cos(p2) * np.sin(dl / 2) ** 2
    return 2.0 * EARTH_RADIUS_KM * np.arcsin(np.sqrt(np.clip(a, 0.0, 1.0)))


def pairwise_km(xyz_a: np.ndarray, xyz_b: np.ndarray) -> np.ndarray:
    """Great-circle distances between every a and every b, shape (len(a), len(b))."""
    diff = xyz_a[:, None, :] - xyz_b[None, :, :]
    return km_from_chord(np.sqrt(np.einsum("ijk,ijk->ij", diff, diff)))
