"""The exact plan: the optimum of the same cost model, the yardstick for the greedy."""

import numpy as np
import pytest

from resilnet.planning.engine.exact import MAX_SITES, ExactPlanError, exact_plan
from resilnet.planning.engine.plan import make_plan
from resilnet.planning.engine.synthetic import synthetic_country
from resilnet.planning.tests.plan_fixtures import (
    NO_NODES,
    NO_TOWERS,
    nodes_at,
    simple_costs,
    sites_at,
)

COSTS = simple_costs()


def _instance(seed: int):
    return synthetic_country(30, 3, 5, seed=seed, size_deg=0.4, n_towns=4)


def _fibre_reaches_a_node(plan, sites) -> bool:
    index = {sid: i for i, sid in enumerate(sites.site_id.tolist())}
    for i in np.flatnonzero(plan.connected & (plan.via_kind == "site")).tolist():
        seen: set[int] = set()
        j = i
        while plan.via_kind[j] == "site":
            if j in seen:
                return False
            seen.add(j)
            j = index[plan.via_id[j]]
            if not plan.connected[j] or plan.technology[j] != "fibre":
                return False
        if plan.via_kind[j] != "node":
            return False
    return True


@pytest.mark.parametrize("seed", range(6))
def test_the_exact_plan_never_costs_more_than_the_greedy_one(seed):
    sites, fibre, towers = _instance(seed)
    greedy = make_plan(sites, fibre, towers, COSTS)
    exact = exact_plan(sites, fibre, towers, COSTS)
    assert exact.connected.tolist() == greedy.connected.tolist()
    assert exact.npv.sum() <= greedy.npv.sum() * (1 + 1e-9)
    assert _fibre_reaches_a_node(exact, sites)
    assert _fibre_reaches_a_node(greedy, sites)


@pytest.mark.parametrize("seed", range(3))
def test_under_a_budget_the_exact_plan_connects_at_least_as_many(seed):
    sites, fibre, towers = _instance(seed)
    budget = 0.4 * make_plan(sites, fibre, towers, COSTS).npv.sum()
    greedy = make_plan(sites, fibre, towers, COSTS, budget=budget)
    exact = exact_plan(sites, fibre, towers, COSTS, budget=budget)
    assert exact.npv.sum() <= budget * (1 + 1e-9)
    assert exact.connected.sum() >= greedy.connected.sum()
    assert _fibre_reaches_a_node(exact, sites)


def test_too_many_sites_for_the_exact_model_are_refused_clearly():
    sites = sites_at([float(i) for i in range(MAX_SITES + 1)])
    with pytest.raises(ExactPlanError, match=str(MAX_SITES)):
        exact_plan(sites, NO_NODES, NO_TOWERS, COSTS)


def test_fibre_reaches_a_cluster_through_a_chain_of_sites():
    # s0 is 5 km from the node: fibre (7,000) dearer than satellite (6,500) on its own, but
    # it opens a chain: s1–s3 at 0.1 km steps, 2,100 each through the site before, where
    # alone each pays 7,100 or more. The optimum lays the chain and never a loop of sites.
    sites = sites_at([5.0, 5.1, 5.2, 5.3])
    plan = exact_plan(sites, nodes_at([0.0]), NO_TOWERS, COSTS)
    assert plan.technology.tolist() == ["fibre"] * 4
    assert plan.via_kind.tolist() == ["node", "site", "site", "site"]
    assert plan.via_id.tolist() == ["n0", "s0", "s1", "s2"]
    assert plan.npv.sum() == pytest.approx(7_000 + 3 * 2_100)
    assert _fibre_reaches_a_node(plan, sites)


def test_under_a_budget_the_chain_is_funded_only_whole_enough_to_reach_its_node():
    # Budget for 7,000 + 2,100 (and a little): s0 and s1 on fibre, s1 through s0; two
    # satellites (13,000) or s1 alone with s2 (9,200) do not fit.
    sites = sites_at([5.0, 5.1, 5.2, 5.3])
    plan = exact_plan(sites, nodes_at([0.0]), NO_TOWERS, COSTS, budget=9_150.0)
    assert plan.connected.tolist() == [True, True, False, False]
    assert plan.via_id[:2].tolist() == ["n0", "s0"]
    assert _fibre_reaches_a_node(plan, sites)
    assert plan.npv.sum() <= 9_150.0
