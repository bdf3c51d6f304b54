"""Small instances for the engine's tests: places on the equator, simple round costs.

On the equator one degree of longitude is a fixed number of km, so a test can state its
distances and derive every expected cost from the figures below.
"""

from __future__ import annotations

from dataclasses import replace

import numpy as np

from resilnet.planning.engine import geo
from resilnet.planning.engine.data import (
    CELLULAR,
    FIBRE,
    MICROWAVE,
    SATELLITE,
    Costs,
    Demand,
    FibreNodes,
    Sites,
    TechnologyCost,
    Towers,
)

KM_PER_DEGREE = float(geo.haversine_km(0.0, 0.0, 0.0, 1.0))
HORIZON = 10


def lon_at_km(km: float) -> float:
    return km / KM_PER_DEGREE


def simple_costs(**technologies: TechnologyCost) -> Costs:
    """Undiscounted, nothing renewed within the horizon: npv = capex + opex × 10."""
    techs = {
        FIBRE: TechnologyCost(
            capex=1000.0,
            opex_per_year=100.0,
            opex_per_mbps_year=0.0,
            lifetime_years=HORIZON,
            max_km=20.0,
            capex_per_km=1000.0,
        ),
        CELLULAR: TechnologyCost(
            capex=500.0, opex_per_year=300.0, opex_per_mbps_year=0.0, lifetime_years=HORIZON
        ),
        MICROWAVE: TechnologyCost(
            capex=4000.0,
            opex_per_year=200.0,
            opex_per_mbps_year=0.0,
            lifetime_years=HORIZON,
            max_km=30.0,
        ),
        SATELLITE: TechnologyCost(
            capex=1000.0, opex_per_year=550.0, opex_per_mbps_year=0.0, lifetime_years=HORIZON
        ),
    }
    techs.update(technologies)
    return Costs(
        version="1",
        currency="USD",
        technologies=techs,
        solar=TechnologyCost(
            capex=700.0, opex_per_year=20.0, opex_per_mbps_year=0.0, lifetime_years=HORIZON
        ),
        discount_rate=0.0,
        horizon_years=HORIZON,
        fibre_routing_factor=1.0,
        demand=Demand(
            rule="students",
            mbps_per_student=0.1,
            adoption=0.0,
            simultaneity=0.0,
            mbps_per_user=0.0,
            floor_mbps=20.0,
        ),
    )


def with_tech(costs: Costs, name: str, **changes: object) -> Costs:
    techs = dict(costs.technologies)
    techs[name] = replace(techs[name], **changes)  # type: ignore[arg-type]
    return replace(costs, technologies=techs)


def sites_at(
    km: list[float],
    *,
    students: list[int] | None = None,
    electricity: list[bool] | None = None,
    connected: list[bool] | None = None,
    lat_km: list[float] | None = None,
) -> Sites:
    n = len(km)
    return Sites(
        site_id=np.array([f"s{i}" for i in range(n)], dtype=object),
        lat=np.array([lon_at_km(v) for v in (lat_km or [0.0] * n)]),
        lon=np.array([lon_at_km(v) for v in km]),
        num_students=np.array(students or [100] * n, dtype=np.int64),
        has_electricity=np.array(electricity or [True] * n, dtype=bool),
        population=np.zeros(n, dtype=np.int64),
        already_connected=np.array(connected or [False] * n, dtype=bool),
        name=np.full(n, "", dtype=object),
        admin1=np.full(n, "", dtype=object),
    )


def nodes_at(km: list[float]) -> FibreNodes:
    return FibreNodes(
        node_id=np.array([f"n{i}" for i in range(len(km))], dtype=object),
        lat=np.zeros(len(km)),
        lon=np.array([lon_at_km(v) for v in km]),
    )


def towers_at(km: list[float], *, generation: list[int], range_km: list[float]) -> Towers:
    return Towers(
        tower_id=np.array([f"t{i}" for i in range(len(km))], dtype=object),
        lat=np.zeros(len(km)),
        lon=np.array([lon_at_km(v) for v in km]),
        generation=np.array(generation, dtype=np.int8),
        range_km=np.array(range_km, dtype=np.float64),
    )


NO_NODES = nodes_at([])
NO_TOWERS = towers_at([], generation=[], range_km=[])


def npv_of(tech: TechnologyCost, km: float = 0.0) -> float:
    """Undiscounted cost over the horizon of one site (demand-free costs)."""
    return tech.capex + tech.opex_per_year * HORIZON + km * tech.capex_per_km
