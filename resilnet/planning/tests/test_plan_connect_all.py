"""Connect every site at least cost: each technology's reach and cost, one site at a time."""

import numpy as np
import pytest

from resilnet.planning.engine.data import (
    CELLULAR,
    EXISTING,
    MICROWAVE,
    NONE,
    SATELLITE,
    TECHNOLOGIES,
)
from resilnet.planning.engine.plan import REASONS, make_plan, plan_totals
from resilnet.planning.tests.plan_fixtures import (
    NO_NODES,
    NO_TOWERS,
    nodes_at,
    npv_of,
    simple_costs,
    sites_at,
    towers_at,
    with_tech,
)


def test_with_nothing_in_reach_a_site_gets_satellite_at_its_cost_over_the_horizon():
    costs = simple_costs()
    plan = make_plan(sites_at([0.0]), NO_NODES, NO_TOWERS, costs)
    sat = costs.technologies[SATELLITE]
    assert plan.technology.tolist() == [SATELLITE]
    assert plan.reason.tolist() == ["satellite_only"]
    assert plan.npv[0] == pytest.approx(npv_of(sat))
    assert plan.capex[0] == sat.capex
    assert plan.connected.tolist() == [True]
    assert set(plan.notes) == {"no_fibre_nodes", "no_towers"}


def test_cellular_needs_a_4g_or_5g_tower_whose_range_reaches_the_site():
    costs = simple_costs()
    # s0: 3G tower 1 km away (no), s1: 4G tower 3 km away with a 2 km range (no, microwave),
    # s2: 5G tower 4 km away with a 5 km range behind a nearer 4G tower that does not reach.
    towers = towers_at([1.0, 103.0, 201.5, 204.0], generation=[3, 4, 4, 5], range_km=[10, 2, 1, 5])
    plan = make_plan(sites_at([0.0, 100.0, 200.0]), NO_NODES, towers, costs)
    assert plan.technology.tolist() == [MICROWAVE, MICROWAVE, CELLULAR]
    assert plan.via_id.tolist() == ["t0", "t1", "t3"]
    assert plan.reason.tolist() == ["microwave_in_range", "microwave_in_range", "cellular_in_range"]
    assert plan.npv[2] == pytest.approx(npv_of(costs.technologies[CELLULAR]))
    assert plan.link_km[2] == pytest.approx(4.0)


def test_microwave_is_out_of_reach_beyond_its_maximum_link():
    costs = simple_costs()  # microwave reaches 30 km
    towers = towers_at([29.0, 131.0], generation=[2, 2], range_km=[5, 5])
    plan = make_plan(sites_at([0.0, 100.0]), NO_NODES, towers, costs)
    assert plan.technology.tolist() == [MICROWAVE, SATELLITE]
    assert plan.reason[1] == "satellite_only"


def test_a_site_without_electricity_pays_for_solar_power_on_top():
    costs = simple_costs()
    plan = make_plan(sites_at([0.0, 0.0], electricity=[True, False]), NO_NODES, NO_TOWERS, costs)
    solar = costs.solar
    assert plan.npv[1] - plan.npv[0] == pytest.approx(solar.capex + solar.opex_per_year * 10)
    assert plan.capex[1] - plan.capex[0] == pytest.approx(solar.capex)


def test_bandwidth_is_paid_per_mbps_of_demand_with_a_floor():
    costs = with_tech(simple_costs(), SATELLITE, opex_per_mbps_year=2.0)
    # 100 students × 0.1 Mbps = 10 Mbps, below the 20 Mbps floor; 500 students: 50 Mbps.
    plan = make_plan(sites_at([0.0, 0.0], students=[100, 500]), NO_NODES, NO_TOWERS, costs)
    assert plan.demand_mbps.tolist() == [20.0, 50.0]
    assert plan.opex_per_year[1] - plan.opex_per_year[0] == pytest.approx(2.0 * 30)


def test_a_site_whose_demand_no_technology_can_carry_is_left_unconnected():
    costs = with_tech(simple_costs(), SATELLITE, capacity_mbps=30.0)
    plan = make_plan(sites_at([0.0, 0.0], students=[100, 500]), NO_NODES, NO_TOWERS, costs)
    assert plan.technology.tolist() == [SATELLITE, NONE]
    assert plan.reason[1] == "demand_over_capacity"
    assert not plan.connected[1]
    assert plan.npv[1] == 0


def test_sites_already_connected_are_left_as_they_are_and_not_counted():
    plan = make_plan(
        sites_at([0.0, 1.0], connected=[True, False]), nodes_at([50.0]), NO_TOWERS, simple_costs()
    )
    assert plan.technology[0] == EXISTING
    assert plan.reason[0] == "existing"
    assert not plan.connected[0]
    totals = plan_totals(plan)
    assert totals["existing"]["sites"] == 1
    assert totals["total"]["sites"] == 1


def test_totals_add_up_per_technology_and_overall():
    rng = np.random.default_rng(3)
    km = rng.uniform(0, 60, 40).tolist()
    towers = towers_at([5.0, 25.0, 45.0], generation=[4, 3, 5], range_km=[6, 10, 4])
    plan = make_plan(
        sites_at(km, students=rng.integers(0, 900, 40).tolist()),
        nodes_at([30.0]),
        towers,
        simple_costs(),
    )
    totals = plan_totals(plan)
    for key in ("sites", "students", "capex", "npv"):
        assert sum(totals[t][key] for t in TECHNOLOGIES) == pytest.approx(totals["total"][key])
    assert totals["total"]["npv"] == pytest.approx(plan.npv.sum())
    assert totals["total"]["students"] == int(plan.num_students[plan.connected].sum())
    assert set(plan.reason.tolist()) <= set(REASONS)


def test_arguments_out_of_range_are_refused_by_name():
    args = (sites_at([0.0]), NO_NODES, NO_TOWERS, simple_costs())
    with pytest.raises(ValueError, match="objective"):
        make_plan(*args, budget=10.0, objective="votes")
    with pytest.raises(ValueError, match="budget_basis"):
        make_plan(*args, budget=10.0, budget_basis="hope")
    for bad in (-1.0, float("nan"), float("inf")):
        with pytest.raises(ValueError, match="budget"):
            make_plan(*args, budget=bad)


def test_an_empty_country_gives_an_empty_plan():
    plan = make_plan(sites_at([]), NO_NODES, NO_TOWERS, simple_costs())
    assert len(plan) == 0
    assert plan_totals(plan)["total"]["sites"] == 0
