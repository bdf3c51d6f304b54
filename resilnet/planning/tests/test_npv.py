import numpy as np
import pytest

from resilnet.planning.engine.npv import annuity_factor, npv, renewal_factor


def test_undiscounted_cost_is_capex_plus_opex_times_years_when_nothing_is_renewed():
    assert (
        npv(1000.0, 50.0, lifetime_years=10, discount_rate=0.0, horizon_years=10) == 1000 + 50 * 10
    )


def test_equipment_is_bought_again_at_each_renewal_inside_the_horizon():
    # Bought at years 0, 4 and 8 of a 10-year horizon.
    assert npv(1000.0, 0.0, lifetime_years=4, discount_rate=0.0, horizon_years=10) == 3 * 1000


def test_discounting_counts_purchases_at_their_year_and_running_costs_at_each_year_end():
    r = 0.05
    expected = 1000 * (1 + 1.05**-4 + 1.05**-8) + 50 * sum(1.05**-t for t in range(1, 11))
    got = npv(1000.0, 50.0, lifetime_years=4, discount_rate=r, horizon_years=10)
    assert got == pytest.approx(expected)


def test_factors_work_on_whole_columns():
    capex = np.array([100.0, 200.0])
    got = npv(capex, np.array([1.0, 2.0]), lifetime_years=5, discount_rate=0.1, horizon_years=3)
    assert got == pytest.approx(capex + np.array([1.0, 2.0]) * annuity_factor(0.1, 3))
    assert renewal_factor(0.1, 5, 3) == 1.0


def test_a_lifetime_of_zero_years_is_refused_by_name():
    with pytest.raises(ValueError, match="lifetime_years"):
        renewal_factor(0.0, 0, 10)
