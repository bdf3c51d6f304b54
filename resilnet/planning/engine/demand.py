"""How many Mbps each site needs, by the country's rule (costs.json "demand").

"students": students × Mbps per student. "population": people within 1 km × adoption ×
simultaneity × Mbps per user (ITU's Connectivity Planning Platform demand model). Either
way no site gets less than the floor, so a school with no recorded students still gets a
usable link.
"""

from __future__ import annotations

import numpy as np

from .data import Demand, Sites


def site_demand_mbps(sites: Sites, demand: Demand) -> np.ndarray:
    """Demand per site in Mbps (float64, in the sites' order), never below the floor."""
    if demand.rule == "population":
        people = np.asarray(sites.population, dtype=np.float64)
        raw = people * demand.adoption * demand.simultaneity * demand.mbps_per_user
    elif demand.rule == "students":
        raw = np.asarray(sites.num_students, dtype=np.float64) * demand.mbps_per_student
    else:
        raise ValueError(f"demand rule must be 'students' or 'population', got {demand.rule!r}")
    return np.maximum(raw, demand.floor_mbps)
