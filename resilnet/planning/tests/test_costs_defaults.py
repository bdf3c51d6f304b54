"""The shipped defaults: every figure carries its source, and demand follows its rule."""

import dataclasses

import numpy as np
import pytest

from resilnet.planning.engine.costs import OURS, costs_to_json, default_costs
from resilnet.planning.engine.data import TECHNOLOGIES, Demand, Sites
from resilnet.planning.engine.demand import site_demand_mbps


def leaves(doc: dict, prefix: str = ""):
    for key, value in doc.items():
        path = f"{prefix}{key}"
        if isinstance(value, dict):
            yield from leaves(value, path + ".")
        else:
            yield path, value


def test_every_figure_set_by_default_names_its_source():
    costs = default_costs()
    doc = costs_to_json(costs)
    del doc["sources"], doc["version"], doc["currency"]
    figures = {path for path, value in leaves(doc) if value not in (None, 0, 0.0)}
    assert figures - costs.sources.keys() == set()
    assert costs.sources.keys() - figures == set()  # no source for a figure that is not there
    for path, source in costs.sources.items():
        assert source == OURS or "ITU" in source or "Giga" in source, path


def test_defaults_offer_every_technology_with_sane_figures():
    costs = default_costs()
    assert set(costs.technologies) == set(TECHNOLOGIES)
    for tech in costs.technologies.values():
        assert tech.capex > 0
        assert tech.lifetime_years >= 1
    assert 0 <= costs.discount_rate < 1
    assert costs.horizon_years == 10  # "what it costs over ten years"


def sites(students, population) -> Sites:
    n = len(students)
    return Sites(
        site_id=np.array([str(i) for i in range(n)], dtype=object),
        lat=np.zeros(n),
        lon=np.zeros(n),
        num_students=np.array(students, dtype=np.int64),
        has_electricity=np.ones(n, dtype=bool),
        population=np.array(population, dtype=np.int64),
        already_connected=np.zeros(n, dtype=bool),
        name=np.array([""] * n, dtype=object),
        admin1=np.array([""] * n, dtype=object),
    )


def test_demand_by_students_never_below_the_floor():
    demand = Demand("students", mbps_per_student=0.5, adoption=0.25, simultaneity=0.1,
                    mbps_per_user=2.0, floor_mbps=20.0)  # fmt: skip
    got = site_demand_mbps(sites([0, 10, 100, 1000], [9, 9, 9, 9]), demand)
    assert got.tolist() == [20.0, 20.0, 100 * 0.5, 1000 * 0.5]
    assert got.dtype == np.float64


def test_demand_by_population_within_1_km():
    demand = Demand("population", mbps_per_student=9.0, adoption=0.25, simultaneity=0.1,
                    mbps_per_user=2.0, floor_mbps=20.0)  # fmt: skip
    got = site_demand_mbps(sites([5, 5, 5], [0, 100, 4000]), demand)
    assert got.tolist() == [20.0, 20.0, 4000 * 0.25 * 0.1 * 2.0]


def test_an_unknown_demand_rule_is_refused():
    demand = dataclasses.replace(default_costs().demand, rule="households")
    with pytest.raises(ValueError, match="households"):
        site_demand_mbps(sites([1], [1]), demand)
