"""Under a budget: the most schools (or students) for the money, never over it."""

import numpy as np
import pytest

from resilnet.planning.engine.data import CELLULAR, FIBRE, MICROWAVE, NONE, SATELLITE
from resilnet.planning.engine.plan import make_plan, plan_totals
from resilnet.planning.engine.synthetic import synthetic_country
from resilnet.planning.tests.plan_fixtures import (
    NO_NODES,
    nodes_at,
    npv_of,
    simple_costs,
    sites_at,
    towers_at,
)

COSTS = simple_costs()
CELL = npv_of(COSTS.technologies[CELLULAR])  # 3,500
MICRO = npv_of(COSTS.technologies[MICROWAVE])  # 6,000
SAT = npv_of(COSTS.technologies[SATELLITE])  # 6,500
# s0 is covered by a 4G tower, s1 has nothing in reach, s2 has a 3G tower for microwave.
TOWERS = towers_at([0.5, 201.0], generation=[4, 3], range_km=[2.0, 5.0])
KM = [0.0, 100.0, 200.0]


def test_a_budget_of_zero_connects_nothing_and_says_why():
    plan = make_plan(sites_at(KM), NO_NODES, TOWERS, COSTS, budget=0)
    assert plan.technology.tolist() == [NONE] * 3
    assert plan.reason.tolist() == ["over_budget"] * 3
    assert plan_totals(plan)["total"]["npv"] == 0
    assert plan.budget == 0
    assert plan.objective == "schools"


def test_the_cheapest_sites_are_funded_first_and_the_plan_stays_within_the_budget():
    plan = make_plan(sites_at(KM), NO_NODES, TOWERS, COSTS, budget=CELL + MICRO + 100)
    assert plan.technology.tolist() == [CELLULAR, NONE, MICROWAVE]
    assert plan.npv.sum() == pytest.approx(CELL + MICRO)


def test_the_fill_pass_spends_what_is_left_on_a_site_that_still_fits():
    # By students: s1 (6,500 for 1,000) first, then s2 (6,000 for 100) does not fit in
    # what is left, but s0 (3,500 for 50) does.
    sites = sites_at(KM, students=[50, 1000, 100])
    plan = make_plan(sites, NO_NODES, TOWERS, COSTS, budget=SAT + CELL, objective="students")
    assert plan.connected.tolist() == [True, True, False]
    assert plan.reason[2] == "over_budget"
    assert plan.objective == "students"


def test_maximising_students_leaves_out_sites_without_students():
    sites = sites_at(KM, students=[0, 10, 10])
    plan = make_plan(sites, NO_NODES, TOWERS, COSTS, budget=1e9, objective="students")
    assert plan.connected.tolist() == [False, True, True]
    assert plan.reason[0] == "no_students"


def test_a_capex_budget_counts_only_what_is_spent_up_front():
    capex = [COSTS.technologies[t].capex for t in (CELLULAR, SATELLITE, MICROWAVE)]
    plan = make_plan(sites_at(KM), NO_NODES, TOWERS, COSTS, budget=sum(capex), budget_basis="capex")
    assert plan.connected.all()
    assert plan.capex.sum() == pytest.approx(sum(capex))
    assert plan.npv.sum() > sum(capex)


@pytest.mark.parametrize("objective", ["schools", "students"])
@pytest.mark.parametrize("seed", [1, 2, 3])
def test_a_site_on_fibre_through_another_is_never_funded_without_it(objective, seed):
    sites, fibre, towers = synthetic_country(3000, 30, 200, seed=seed, size_deg=1.0)
    costs = simple_costs()
    everything = make_plan(sites, fibre, towers, costs)
    budget = 0.3 * everything.npv.sum()
    plan = make_plan(sites, fibre, towers, costs, budget=budget, objective=objective)
    assert plan.npv.sum() <= budget
    funded_ids = set(sites.site_id[plan.connected].tolist())
    through_site = plan.connected & (plan.via_kind == "site")
    assert through_site.any()
    assert set(plan.via_id[through_site].tolist()) <= funded_ids
    # A richer budget never connects fewer.
    more = make_plan(sites, fibre, towers, costs, budget=2 * budget, objective=objective)
    value = np.ones(len(sites)) if objective == "schools" else sites.num_students
    assert value[more.connected].sum() >= value[plan.connected].sum()


def test_a_dear_fibre_link_that_opens_a_cheap_chain_is_funded_with_the_chain():
    # s0 is 3 km from the node (fibre 5,000); s1–s3 follow at 0.1 km steps (2,100 each
    # through the site before). s4–s7 are covered by a 4G tower (3,500 each), far from fibre.
    # Ranked one by one, the four cellular sites come first (14,000) and nothing else fits;
    # the chain as a group (11,300 for four) leaves room for one cellular site: five schools.
    costs = simple_costs()
    km = [3.0, 3.1, 3.2, 3.3, 100.0, 100.2, 100.4, 100.6]
    towers = towers_at([100.3], generation=[4], range_km=[2.0])
    budget = 11_300 + CELL + 100
    plan = make_plan(sites_at(km), nodes_at([0.0]), towers, costs, budget=budget)
    assert plan.connected.sum() == 5
    assert plan.technology[:4].tolist() == [FIBRE] * 4
    assert plan.via_id[1:4].tolist() == ["s0", "s1", "s2"]
    assert plan.npv.sum() == pytest.approx(11_300 + CELL)
    assert plan.npv.sum() <= budget
