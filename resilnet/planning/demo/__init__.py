"""Demo plans: synthetic fibre nodes and towers around Kenya's demo schools, uploaded as
input files, and two scenarios computed on them (a USD 10 million budget, and connecting
every school) so `resilnet demo` shows a plan and a comparison.

The infrastructure is plainly synthetic (its names say so): fibre nodes where schools are
densest (the towns), towers near most schools, drawn from one seeded generator.
"""

from __future__ import annotations

import io
from decimal import Decimal

import numpy as np

COUNTRY = "KEN"
SEED = 2030
BUDGET = Decimal("10000000")
FIBRE_NAME = "Kenya fibre nodes (synthetic demo)"
TOWERS_NAME = "Kenya cell towers (synthetic demo)"


def _positions() -> np.ndarray:
    from resilnet.core import selectors as core_selectors
    from resilnet.schools import selectors as school_selectors

    country = core_selectors.country_by_iso3(COUNTRY)
    filters = school_selectors.SchoolFilters(country=country)
    rows = list(school_selectors.iter_schools(filters, ["latitude", "longitude"]))
    return np.array([(lat, lon) for _id, lat, lon in rows], dtype=float).reshape(-1, 2)


def infrastructure_csv(schools: np.ndarray, seed: int = SEED) -> tuple[bytes, bytes]:
    """Fibre nodes (one per 30 schools, within ~2 km of one) and towers (one per 3 schools,
    within ~5 km), as the CSV files a planner would upload."""
    rng = np.random.default_rng(seed)
    n = len(schools)
    fibre = io.StringIO()
    fibre.write("node_id,latitude,longitude\n")
    for i, k in enumerate(rng.choice(n, max(1, n // 30), replace=False)):
        lat, lon = schools[k] + rng.normal(0, 0.02, 2)
        fibre.write(f"DEMO-F{i},{lat:.5f},{lon:.5f}\n")
    towers = io.StringIO()
    towers.write("tower_id,latitude,longitude,technology,range_km\n")
    for i, k in enumerate(rng.choice(n, max(1, n // 3), replace=False)):
        lat, lon = schools[k] + rng.normal(0, 0.045, 2)
        technology = rng.choice(["2G", "3G", "4G", "5G"], p=[0.15, 0.3, 0.45, 0.1])
        fibre_range = rng.uniform(3, 12)
        towers.write(f"DEMO-T{i},{lat:.5f},{lon:.5f},{technology},{fibre_range:.1f}\n")
    return fibre.getvalue().encode(), towers.getvalue().encode()


def load() -> str:
    from resilnet.core import selectors as core_selectors
    from resilnet.planning import selectors, tasks
    from resilnet.planning.models import DatasetKind, Objective, SitesSource
    from resilnet.planning.services import datasets, scenarios

    if selectors.datasets().filter(name=FIBRE_NAME).exists():
        return "demo plans already loaded"
    schools = _positions()
    if not len(schools):
        return "no demo plan: Kenya has no schools"
    country = core_selectors.country_by_iso3(COUNTRY)
    fibre_csv, towers_csv = infrastructure_csv(schools)
    fibre = datasets.do_upload_dataset(
        None,
        kind=DatasetKind.FIBRE,
        name=FIBRE_NAME,
        file_name="kenya-fibre-nodes.csv",
        data=fibre_csv,
        country=country,
    )
    towers = datasets.do_upload_dataset(
        None,
        kind=DatasetKind.TOWERS,
        name=TOWERS_NAME,
        file_name="kenya-towers.csv",
        data=towers_csv,
        country=country,
    )
    costs = scenarios.default_costs_json()
    made = []
    for name, budget in (
        ("Kenya: USD 10 million for schools", BUDGET),
        ("Kenya: connect every school", None),
    ):
        scenario = scenarios.do_create_scenario(
            None,
            name=name,
            country=country,
            sites_source=SitesSource.SCHOOLS,
            sites=None,
            fibre=fibre,
            towers=towers,
            roads=None,
            costs=costs,
            budget=budget,
            objective=Objective.SCHOOLS,
        )
        job = scenarios.do_run_scenario(None, scenario, enqueue=False)
        tasks.run_scenario.call(job.pk, scenario.pk)
        made.append(scenario)
    return f"{len(made)} demo plans for Kenya on {len(schools)} schools"
