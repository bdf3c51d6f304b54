"""The greedy fibre extension: sites on fibre become nodes, links stay short and cheap.

With the fixtures' costs, fibre costs 2,000 + 1,000 per km over the horizon and satellite
6,500, so fibre is a site's cheapest option up to 4.5 km (no towers anywhere).
"""

import numpy as np
import pytest

from resilnet.planning.engine import geo
from resilnet.planning.engine.data import FIBRE, SATELLITE, Roads
from resilnet.planning.engine.exact import exact_plan
from resilnet.planning.engine.plan import make_plan
from resilnet.planning.tests.plan_fixtures import (
    NO_TOWERS,
    lon_at_km,
    nodes_at,
    npv_of,
    simple_costs,
    sites_at,
    with_tech,
)

COSTS = simple_costs()
FIBRE_COST = COSTS.technologies[FIBRE]
SAT = npv_of(COSTS.technologies[SATELLITE])
REACH_KM = (SAT - npv_of(FIBRE_COST)) / FIBRE_COST.capex_per_km  # 4.5


def test_a_site_within_reach_of_a_node_gets_fibre_at_its_link_cost():
    plan = make_plan(sites_at([3.0]), nodes_at([0.0]), NO_TOWERS, COSTS)
    assert plan.technology[0] == FIBRE
    assert plan.reason[0] == "fibre_node"
    assert (plan.via_kind[0], plan.via_id[0]) == ("node", "n0")
    assert plan.link_km[0] == pytest.approx(3.0)
    assert plan.npv[0] == pytest.approx(npv_of(FIBRE_COST, km=3.0))
    assert plan.capex[0] == pytest.approx(FIBRE_COST.capex + 3.0 * FIBRE_COST.capex_per_km)


def test_fibre_is_not_laid_where_another_technology_is_cheaper():
    plan = make_plan(sites_at([REACH_KM + 0.5]), nodes_at([0.0]), NO_TOWERS, COSTS)
    assert plan.technology[0] == SATELLITE
    assert plan.reason[0] == "satellite_cheapest"


def test_sites_on_fibre_become_nodes_so_a_chain_reaches_far_from_the_network():
    step = REACH_KM - 0.5
    km = [step, 2 * step, 3 * step, 4 * step]
    plan = make_plan(sites_at(km), nodes_at([0.0]), NO_TOWERS, COSTS)
    assert plan.technology.tolist() == [FIBRE] * 4
    assert plan.reason.tolist() == ["fibre_node"] + ["fibre_via_site"] * 3
    assert plan.via_id.tolist() == ["n0", "s0", "s1", "s2"]
    assert plan.link_km == pytest.approx([step] * 4)


def test_a_site_joins_through_the_nearest_site_already_on_fibre_sharing_its_trench():
    plan = make_plan(sites_at([4.0, 4.4]), nodes_at([0.0]), NO_TOWERS, COSTS)
    assert plan.via_id.tolist() == ["n0", "s0"]
    assert plan.link_km[1] == pytest.approx(0.4)


def test_no_link_is_longer_than_the_maximum_length():
    costs = with_tech(COSTS, FIBRE, max_km=3.0)
    plan = make_plan(sites_at([2.0, 3.5, 5.0]), nodes_at([0.0]), NO_TOWERS, costs)
    assert plan.technology.tolist() == [FIBRE, FIBRE, FIBRE]
    assert plan.via_id.tolist() == ["n0", "s0", "s1"]
    plan = make_plan(sites_at([3.5]), nodes_at([0.0]), NO_TOWERS, costs)
    assert plan.technology.tolist() == [SATELLITE]


def test_the_routing_factor_lengthens_straight_links():
    costs = simple_costs()
    costs = type(costs)(**{**costs.__dict__, "fibre_routing_factor": 1.5})
    plan = make_plan(sites_at([2.0, 4.0]), nodes_at([0.0]), NO_TOWERS, costs)
    # 2 km × 1.5 = 3 km is within reach; 4 km × 1.5 = 6 km is not, but 2 km from s0 is.
    assert plan.link_km == pytest.approx([3.0, 3.0])
    assert plan.via_id.tolist() == ["n0", "s0"]


def test_a_cluster_beyond_reach_gets_fibre_when_its_opener_pays_for_itself():
    # s0 alone would pay 8,000 on fibre against 6,500 by satellite; but with s0 on fibre
    # s1 and s2 join at 0.5 km for 2,500 each: 13,000 against 19,500.
    km = [6.0, 6.5, 7.0]
    plan = make_plan(sites_at(km), nodes_at([0.0]), NO_TOWERS, COSTS)
    expected = npv_of(FIBRE_COST, 6.0) + 2 * npv_of(FIBRE_COST, 0.5)
    assert expected < 3 * SAT
    assert plan.technology.tolist() == [FIBRE] * 3
    assert plan.npv.sum() == pytest.approx(expected)
    assert plan.via_id.tolist() == ["n0", "s0", "s1"]
    assert exact_plan(sites_at(km), nodes_at([0.0]), NO_TOWERS, COSTS).npv.sum() == pytest.approx(
        expected
    )


def test_the_opener_is_not_laid_when_its_cluster_would_not_repay_it():
    # The same cluster 7 km further: s0 would cost 15,000 (8,500 more than satellite) and
    # save its neighbours 8,000.
    km = [13.0, 13.5, 14.0]
    on_fibre = npv_of(FIBRE_COST, 13.0) + 2 * npv_of(FIBRE_COST, 0.5)
    assert on_fibre > 3 * SAT
    plan = make_plan(sites_at(km), nodes_at([0.0]), NO_TOWERS, COSTS)
    assert plan.technology.tolist() == [SATELLITE] * 3


def _road(points_km: list[tuple[float, float]], edges: list[tuple[int, int]]) -> Roads:
    lat = np.array([lon_at_km(p[0]) for p in points_km])
    lon = np.array([lon_at_km(p[1]) for p in points_km])
    a = np.array([e[0] for e in edges])
    b = np.array([e[1] for e in edges])
    return Roads(
        lat=lat,
        lon=lon,
        edge_from=a,
        edge_to=b,
        length_km=geo.haversine_km(lat[a], lon[a], lat[b], lon[b]),
    )


def test_with_roads_fibre_follows_the_shortest_road_route():
    # node at 0 km, site at 3 km; the road bends 1 km north halfway.
    roads = _road([(0.0, 0.0), (1.0, 1.5), (0.0, 3.0)], [(0, 1), (1, 2)])
    plan = make_plan(sites_at([3.0]), nodes_at([0.0]), NO_TOWERS, COSTS, roads=roads)
    route = float(roads.length_km.sum())
    assert 3.0 < route < REACH_KM
    assert plan.technology[0] == FIBRE
    assert plan.link_km[0] == pytest.approx(route, rel=1e-6)


def test_with_roads_a_site_on_a_separate_road_cannot_get_fibre_across_the_gap():
    roads = _road([(0.0, 0.0), (0.0, 1.0), (0.0, 2.0), (0.0, 3.0)], [(0, 1), (2, 3)])
    plan = make_plan(sites_at([3.0]), nodes_at([0.0]), NO_TOWERS, COSTS, roads=roads)
    assert plan.technology[0] == SATELLITE
