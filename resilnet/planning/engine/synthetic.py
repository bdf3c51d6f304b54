"""Synthetic countries for benchmarks and the greedy-versus-exact comparison.

Schools cluster around towns (most people live near one), fibre nodes follow the towns,
towers are denser near them; everything is drawn from one seeded generator so a figure
can be reproduced.
"""

from __future__ import annotations

import numpy as np

from .data import FibreNodes, Sites, Towers


def _clustered(
    rng: np.random.Generator, n: int, towns: np.ndarray, spread_deg: float, box: tuple
) -> tuple:
    lat0, lon0, size = box
    town = rng.integers(0, len(towns), n)
    rural = rng.random(n) < 0.3  # three in ten anywhere in the country
    lat = np.where(
        rural, lat0 + rng.random(n) * size, towns[town, 0] + rng.normal(0, spread_deg, n)
    )
    lon = np.where(
        rural, lon0 + rng.random(n) * size, towns[town, 1] + rng.normal(0, spread_deg, n)
    )
    return np.clip(lat, lat0, lat0 + size), np.clip(lon, lon0, lon0 + size)


def synthetic_country(
    n_sites: int,
    n_nodes: int,
    n_towers: int,
    *,
    seed: int = 2024,
    size_deg: float = 9.0,
    n_towns: int | None = None,
    lat0: float = -5.0,
    lon0: float = 30.0,
) -> tuple[Sites, FibreNodes, Towers]:
    """A square country of size_deg degrees (9° ≈ 1,000 km) south-west corner at (lat0, lon0)."""
    rng = np.random.default_rng(seed)
    box = (lat0, lon0, size_deg)
    towns_n = n_towns or max(1, n_sites // 400)
    towns = np.column_stack(
        (lat0 + rng.random(towns_n) * size_deg, lon0 + rng.random(towns_n) * size_deg)
    )
    spread = size_deg / 150
    s_lat, s_lon = _clustered(rng, n_sites, towns, spread, box)
    f_lat, f_lon = _clustered(rng, n_nodes, towns, spread * 2, box)
    t_lat, t_lon = _clustered(rng, n_towers, towns, spread * 3, box)
    sites = Sites(
        site_id=np.array([f"S{i}" for i in range(n_sites)], dtype=object),
        lat=s_lat,
        lon=s_lon,
        num_students=rng.integers(20, 1500, n_sites).astype(np.int64),
        has_electricity=rng.random(n_sites) < 0.7,
        population=np.zeros(n_sites, dtype=np.int64),
        already_connected=rng.random(n_sites) < 0.1,
        name=np.full(n_sites, "", dtype=object),
        admin1=np.full(n_sites, "", dtype=object),
    )
    fibre = FibreNodes(
        node_id=np.array([f"F{i}" for i in range(n_nodes)], dtype=object), lat=f_lat, lon=f_lon
    )
    towers = Towers(
        tower_id=np.array([f"T{i}" for i in range(n_towers)], dtype=object),
        lat=t_lat,
        lon=t_lon,
        generation=rng.choice(
            np.array([2, 3, 4, 5], dtype=np.int8), n_towers, p=[0.2, 0.3, 0.4, 0.1]
        ),
        range_km=rng.uniform(2.0, 15.0, n_towers),
    )
    return sites, fibre, towers
