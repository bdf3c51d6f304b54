"""What each technology would cost each site: the one cost model both optimisers use.

The greedy plan (plan.py) and the exact model (exact.py) read the same `SiteOptions`, so
the gap between them measures the optimiser, never a difference in how costs are counted.

Per site and technology, with D the site's demand in Mbps and L the link length in km:
  capex          = capex + capex_per_km × L (+ solar capex where there is no electricity)
  opex per year  = opex_per_year + opex_per_mbps_year × D + opex_per_km_year × L (+ solar opex)
  npv            = equipment capex with its renewals + opex discounted over the horizon
                   + route capex × L (a trench is not renewed within the horizon) + solar npv
Fibre's link length is only known once the plan knows which sites are on fibre, so fibre is
kept as a part per site (`fibre_base_*`) plus a part per km (`fibre_km_*`).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from scipy.spatial import cKDTree

from . import geo
from .data import (
    CELLULAR,
    FIBRE,
    MICROWAVE,
    SATELLITE,
    Costs,
    FibreNodes,
    Sites,
    TechnologyCost,
    Towers,
)
from .demand import site_demand_mbps
from .npv import annuity_factor, renewal_factor

ALTERNATIVES = (
    CELLULAR,
    MICROWAVE,
    SATELLITE,
)  # the technologies whose cost does not depend on other sites
CELLULAR_GENERATIONS = (4, 5)  # a school's demand needs 4G or 5G coverage
# How many of the nearest 4G/5G towers to test for coverage: a farther tower may reach
# further than the nearest one.
COVERAGE_CANDIDATES = 8


@dataclass
class SiteOptions:
    """Costs of every technology for the sites being planned (arrays in their order)."""

    demand_mbps: np.ndarray  # (n,)
    xyz: np.ndarray  # (n, 3) unit vectors
    # Cellular, microwave, satellite in ALTERNATIVES order: (n, 3); npv is inf where not feasible.
    alt_npv: np.ndarray
    alt_capex: np.ndarray
    alt_opex: np.ndarray
    alt_via: np.ndarray  # tower index, -1 for none (satellite)
    alt_km: np.ndarray
    # Fibre: per site (inf npv where fibre cannot carry the demand) and per km of link.
    fibre_base_npv: np.ndarray
    fibre_base_capex: np.ndarray
    fibre_base_opex: np.ndarray
    fibre_km_npv: float
    fibre_km_capex: float
    fibre_km_opex: float
    fibre_max_km: float  # inf when there is no limit
    routing_factor: float
    node_idx: np.ndarray  # nearest fibre node, -1 when there is none
    node_km: np.ndarray  # link km from it (straight line × routing factor), inf when none

    def fibre_npv(self, km: np.ndarray) -> np.ndarray:
        return self.fibre_base_npv + self.fibre_km_npv * km

    def best_alternative(self) -> tuple[np.ndarray, np.ndarray]:
        """Index into ALTERNATIVES of each site's cheapest non-fibre option, and its npv."""
        best = np.argmin(self.alt_npv, axis=1)
        return best, self.alt_npv[np.arange(len(best)), best]


def _fits(tech: TechnologyCost, demand: np.ndarray) -> np.ndarray:
    if tech.capacity_mbps is None:
        return np.ones(len(demand), dtype=bool)
    return demand <= tech.capacity_mbps


def _per_site_parts(
    tech: TechnologyCost, demand: np.ndarray, no_power: np.ndarray, costs: Costs
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(capex, opex per year, npv) of a technology at the site, link excluded."""
    annuity = annuity_factor(costs.discount_rate, costs.horizon_years)
    solar = costs.solar
    solar_npv = (
        solar.capex * renewal_factor(costs.discount_rate, solar.lifetime_years, costs.horizon_years)
        + solar.opex_per_year * annuity
    )
    opex = tech.opex_per_year + tech.opex_per_mbps_year * demand + no_power * solar.opex_per_year
    capex = tech.capex + no_power * solar.capex
    npv = (
        tech.capex * renewal_factor(costs.discount_rate, tech.lifetime_years, costs.horizon_years)
        + (tech.opex_per_year + tech.opex_per_mbps_year * demand) * annuity
        + no_power * solar_npv
    )
    return np.asarray(capex, dtype=np.float64), opex, npv


def _km_parts(tech: TechnologyCost, costs: Costs) -> tuple[float, float, float]:
    annuity = annuity_factor(costs.discount_rate, costs.horizon_years)
    return (
        tech.capex_per_km,
        tech.opex_per_km_year,
        tech.capex_per_km + tech.opex_per_km_year * annuity,
    )


def _limit(tech: TechnologyCost) -> float:
    return np.inf if tech.max_km is None else float(tech.max_km)


def site_options(sites: Sites, fibre: FibreNodes, towers: Towers, costs: Costs) -> SiteOptions:
    """Every technology's cost and feasibility for every site, vectorised."""
    n = len(sites)
    demand = site_demand_mbps(sites, costs.demand)
    no_power = (~sites.has_electricity.astype(bool)).astype(np.float64)
    xyz = geo.to_xyz(sites.lat, sites.lon)

    alt_npv = np.full((n, 3), np.inf)
    alt_capex = np.zeros((n, 3))
    alt_opex = np.zeros((n, 3))
    alt_via = np.full((n, 3), -1, dtype=np.int64)
    alt_km = np.zeros((n, 3))
    tower_xyz = geo.to_xyz(towers.lat, towers.lon) if len(towers) else np.zeros((0, 3))

    for col, name in enumerate(ALTERNATIVES):
        tech = costs.technologies.get(name)
        if tech is None:
            continue
        feasible = _fits(tech, demand)
        via = np.full(n, -1, dtype=np.int64)
        km = np.zeros(n)
        if name == CELLULAR:
            via, km = _covering_tower(xyz, towers, tower_xyz)
        elif name == MICROWAVE:
            via, km = _nearest_within(xyz, tower_xyz, _limit(tech))
        if name != SATELLITE:
            feasible &= via >= 0
        km = np.where(via >= 0, km, 0.0)
        capex, opex, npv = _per_site_parts(tech, demand, no_power, costs)
        km_capex, km_opex, km_npv = _km_parts(tech, costs)
        alt_npv[:, col] = np.where(feasible, npv + km_npv * km, np.inf)
        alt_capex[:, col] = capex + km_capex * km
        alt_opex[:, col] = opex + km_opex * km
        alt_via[:, col] = np.where(feasible, via, -1)
        alt_km[:, col] = np.where(feasible, km, 0.0)

    tech = costs.technologies.get(FIBRE)
    routing = float(costs.fibre_routing_factor)
    if tech is None:
        base_capex = base_opex = np.zeros(n)
        base_npv = np.full(n, np.inf)
        km_capex = km_opex = km_npv = 0.0
        max_km = 0.0
    else:
        base_capex, base_opex, base_npv = _per_site_parts(tech, demand, no_power, costs)
        base_npv = np.where(_fits(tech, demand), base_npv, np.inf)
        km_capex, km_opex, km_npv = _km_parts(tech, costs)
        max_km = _limit(tech)
    if len(fibre):
        node_idx, node_km = _nearest_within(xyz, geo.to_xyz(fibre.lat, fibre.lon), np.inf)
        node_km = node_km * routing
    else:
        node_idx, node_km = np.full(n, -1, dtype=np.int64), np.full(n, np.inf)
    return SiteOptions(
        demand_mbps=demand,
        xyz=xyz,
        alt_npv=alt_npv,
        alt_capex=alt_capex,
        alt_opex=alt_opex,
        alt_via=alt_via,
        alt_km=alt_km,
        fibre_base_npv=base_npv,
        fibre_base_capex=base_capex,
        fibre_base_opex=base_opex,
        fibre_km_npv=km_npv,
        fibre_km_capex=km_capex,
        fibre_km_opex=km_opex,
        fibre_max_km=max_km,
        routing_factor=routing,
        node_idx=node_idx,
        node_km=node_km,
    )


def _nearest_within(
    xyz: np.ndarray, target_xyz: np.ndarray, max_km: float
) -> tuple[np.ndarray, np.ndarray]:
    """Nearest target of each point within max_km: (index or -1, km or inf)."""
    n = len(xyz)
    if not len(target_xyz) or n == 0:
        return np.full(n, -1, dtype=np.int64), np.full(n, np.inf)
    bound = float(geo.chord_from_km(max_km)) * (1 + 1e-12) if np.isfinite(max_km) else np.inf
    chord, idx = cKDTree(target_xyz).query(xyz, k=1, distance_upper_bound=bound, workers=-1)
    found = np.isfinite(chord)
    idx = np.where(found, idx, -1).astype(np.int64)
    km = np.where(found, geo.km_from_chord(np.where(found, chord, 0.0)), np.inf)
    return idx, km


def _covering_tower(
    xyz: np.ndarray, towers: Towers, tower_xyz: np.ndarray
) -> tuple[np.ndarray, np.ndarray]:
    """Nearest 4G/5G tower whose range reaches the site: (tower index or -1, km)."""
    n = len(xyz)
    usable = np.flatnonzero(np.isin(towers.generation, CELLULAR_GENERATIONS))
    if not len(usable) or n == 0:
        return np.full(n, -1, dtype=np.int64), np.zeros(n)
    ranges = towers.range_km[usable].astype(np.float64)
    k = min(COVERAGE_CANDIDATES, len(usable))
    bound = float(geo.chord_from_km(ranges.max())) * (1 + 1e-12)
    chord, idx = cKDTree(tower_xyz[usable]).query(xyz, k=k, distance_upper_bound=bound, workers=-1)
    chord, idx = chord.reshape(n, k), idx.reshape(n, k)
    found = np.isfinite(chord)
    safe_idx = np.where(found, idx, 0)
    km = np.where(found, geo.km_from_chord(np.where(found, chord, 0.0)), np.inf)
    covers = found & (km <= ranges[safe_idx])
    first = np.argmax(covers, axis=1)  # candidates come nearest first
    any_cover = covers.any(axis=1)
    rows = np.arange(n)
    via = np.where(any_cover, usable[safe_idx[rows, first]], -1)
    return via.astype(np.int64), np.where(any_cover, km[rows, first], 0.0)
