"""Cost over the horizon: equipment bought again at the end of its life, discounted.

Year 0 is when the plan is built: the capital cost is paid then and again at years
L, 2L, ... (L the equipment's lifetime) while that is inside the horizon; running costs are
paid at the end of each year 1..H. With a discount rate of 0 and a lifetime at least as
long as the horizon this is Giga's undiscounted lifetime cost, capex + opex × years.
"""

from __future__ import annotations

import numpy as np


def annuity_factor(discount_rate: float, horizon_years: int) -> float:
    """Present value of 1 paid at the end of each year 1..horizon."""
    years = np.arange(1, horizon_years + 1, dtype=np.float64)
    return float(np.sum((1.0 + discount_rate) ** -years))


def renewal_factor(discount_rate: float, lifetime_years: int, horizon_years: int) -> float:
    """Present value of 1 paid at year 0 and at every renewal inside the horizon."""
    if lifetime_years <= 0:
        raise ValueError(f"lifetime_years must be more than 0, got {lifetime_years}")
    purchases = np.arange(0, horizon_years, lifetime_years, dtype=np.float64)
    return float(np.sum((1.0 + discount_rate) ** -purchases))


def npv(
    capex: np.ndarray | float,
    opex_per_year: np.ndarray | float,
    *,
    lifetime_years: int,
    discount_rate: float,
    horizon_years: int,
) -> np.ndarray:
    """Cost of owning equipment over the horizon (element-wise over arrays)."""
    return np.asarray(capex, dtype=np.float64) * renewal_factor(
        discount_rate, lifetime_years, horizon_years
    ) + np.asarray(opex_per_year, dtype=np.float64) * annuity_factor(discount_rate, horizon_years)
