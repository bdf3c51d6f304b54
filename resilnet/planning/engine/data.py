"""The types the planner's parts share.

Positions are WGS84 degrees; distances kilometres; capacities megabits per second;
money US dollars. Columns are NumPy arrays of one length per table, so a country of
200,000 schools is a few arrays rather than 200,000 objects.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

import numpy as np

# Technologies a plan may choose, cheapest-to-build first only by convention.
FIBRE = "fibre"
CELLULAR = "cellular"
MICROWAVE = "microwave"
SATELLITE = "satellite"
TECHNOLOGIES = (FIBRE, CELLULAR, MICROWAVE, SATELLITE)
# A site the plan leaves as it is: already connected, or not funded under a budget.
EXISTING = "existing"
NONE = "none"

# A plan written as rows (`resilnet plan run --out`, the pages' CSV export): the columns
# outside checks rely on first, then the explanation of each choice.
PLAN_COLUMNS = (
    "site_id",
    "technology",
    "capex",
    "opex_per_year",
    "npv",
    "connected",
    "reason",
    "via_kind",
    "via_id",
    "link_km",
    "demand_mbps",
)

Progress = Callable[[str, float], None]  # (phase, fraction done 0..1)


@dataclass(frozen=True)
class Sites:
    """Schools (or other places) to connect."""

    site_id: np.ndarray  # str (object)
    lat: np.ndarray  # float64
    lon: np.ndarray  # float64
    num_students: np.ndarray  # int64, >= 0
    has_electricity: np.ndarray  # bool
    # Optional columns, filled with their defaults by the readers when absent.
    population: np.ndarray  # int64 within 1 km, 0 when unknown
    already_connected: np.ndarray  # bool: left out of the plan
    name: np.ndarray  # str (object), "" when unknown
    admin1: np.ndarray  # str (object), "" when unknown

    def __len__(self) -> int:
        return len(self.site_id)


@dataclass(frozen=True)
class FibreNodes:
    """Points where a fibre link can start (existing fibre, points of presence)."""

    node_id: np.ndarray  # str (object)
    lat: np.ndarray
    lon: np.ndarray

    def __len__(self) -> int:
        return len(self.node_id)


@dataclass(frozen=True)
class Towers:
    """Cell towers: cellular coverage and microwave relay points."""

    tower_id: np.ndarray  # str (object)
    lat: np.ndarray
    lon: np.ndarray
    generation: np.ndarray  # int8: 2, 3, 4 or 5 (from the "technology" column 2G..5G)
    range_km: np.ndarray  # float64, > 0

    def __len__(self) -> int:
        return len(self.tower_id)


@dataclass(frozen=True)
class Roads:
    """A road network as a graph: fibre may follow it instead of a straight line."""

    lat: np.ndarray  # vertices
    lon: np.ndarray
    edge_from: np.ndarray  # int64 vertex indices
    edge_to: np.ndarray
    length_km: np.ndarray  # float64 per edge


@dataclass(frozen=True)
class TechnologyCost:
    """What one technology costs and how far it reaches (per site unless named)."""

    capex: float  # equipment and installation at the site
    opex_per_year: float  # maintenance and service at the site
    opex_per_mbps_year: float  # bandwidth, per Mbps of the site's demand
    lifetime_years: int  # equipment is bought again after this many years
    max_km: float | None = None  # longest link (fibre, microwave); None: no limit
    capacity_mbps: float | None = None  # most a site can get (satellite); None: no limit
    capex_per_km: float = 0.0  # fibre: trench and cable, not renewed within the horizon
    opex_per_km_year: float = 0.0  # fibre: upkeep of the route


@dataclass(frozen=True)
class Demand:
    """How many Mbps a site needs: per student, or per person within 1 km."""

    rule: str  # "students" or "population"
    mbps_per_student: float
    adoption: float  # population rule: share of people who use it
    simultaneity: float  # population rule: share using it at once
    mbps_per_user: float
    floor_mbps: float  # no site gets less


@dataclass(frozen=True)
class Costs:
    """A country's cost assumptions, as read from its versioned JSON file."""

    version: str
    currency: str  # always "USD" for now
    technologies: dict[str, TechnologyCost]  # one per name in TECHNOLOGIES
    solar: TechnologyCost  # power where a site has no electricity (capex/opex/lifetime)
    discount_rate: float  # per year, 0.0 for undiscounted lifetime cost
    horizon_years: int
    fibre_routing_factor: float  # straight line × this when no road network is given
    demand: Demand
    sources: dict[str, str] = field(default_factory=dict)  # key -> where the figure comes from


@dataclass
class Plan:
    """One answer: a technology and its cost for every site, in the sites' order."""

    technology: np.ndarray  # str (object): a TECHNOLOGIES name, EXISTING or NONE
    connected: np.ndarray  # bool: connected by this plan (EXISTING is not counted)
    capex: np.ndarray  # float64, 0 when not connected by the plan
    opex_per_year: np.ndarray
    npv: np.ndarray  # cost over the horizon, discounted, with renewals
    demand_mbps: np.ndarray
    # Why this choice, as a code the pages translate: see engine/plan.py REASONS.
    reason: np.ndarray  # str (object)
    # What the link starts from: a fibre node, a tower or (fibre) another site; "" if none.
    via_kind: np.ndarray  # str (object): "node", "tower", "site" or ""
    via_id: np.ndarray  # str (object)
    via_lat: np.ndarray  # float64, NaN when none
    via_lon: np.ndarray
    link_km: np.ndarray  # float64, 0 when none
    budget: float | None = None
    objective: str = "cost"  # "cost" (connect all), "schools" or "students"
    notes: list[str] = field(default_factory=list)  # warnings for the planner, plain codes
    # Students of each site, so totals can count students without the sites at hand.
    num_students: np.ndarray = field(default_factory=lambda: np.zeros(0, dtype=np.int64))

    def __len__(self) -> int:
        return len(self.technology)
