"""The exact plan: the optimum of the same cost model, the yardstick for the greedy."""

import numpy as np
import pytest

from resilnet.planning.engine.exact import MAX_SITES, ExactPlanError, exact_plan
from resilnet.planning.engine.plan import make_plan
from resilnet.planning.engine.synthetic import synthetic_country
from resilnet.planning.tests.plan_fixtures import NO_NODES, NO_TOWERS, simple_costs, sites_at

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
