"""Small real inputs for the planning pages: a planner, and a patch of Kenya with thirty
sites, three fibre nodes and ten towers, as the CSV files a planner uploads."""

from __future__ import annotations

import pytest

from resilnet.core.models import Role
from resilnet.schools.tests.conftest import kenya  # noqa: F401 (a fixture used here)

SITES_HEADER = "site_id,latitude,longitude,num_students,has_electricity,name,admin1"


def sites_csv(n: int = 30) -> bytes:
    lines = [SITES_HEADER]
    for i in range(n):
        lat = -1.0 + 0.01 * (i % 6)
        lon = 37.0 + 0.012 * (i // 6)
        electricity = "true" if i % 3 else "false"
        region = "North" if i < n // 2 else "South"
        lines.append(f"S{i},{lat:.4f},{lon:.4f},{100 + 10 * i},{electricity},School {i},{region}")
    return ("\n".join(lines) + "\n").encode()


def fibre_csv() -> bytes:
    return b"node_id,latitude,longitude\nF1,-1.0,37.0\nF2,-0.95,37.05\nF3,-1.2,37.3\n"


def towers_csv() -> bytes:
    lines = ["tower_id,latitude,longitude,technology,range_km"]
    for i in range(10):
        technology = ("4G", "5G", "2G", "3G")[i % 4] if i < 2 else ("2G", "3G")[i % 2]
        lines.append(f"T{i},{-1.0 + 0.006 * i:.4f},{37.02 + 0.005 * i:.4f},{technology},1.5")
    return ("\n".join(lines) + "\n").encode()


@pytest.fixture
def planner(make_user):
    return make_user("pia", Role.PLANNER)


@pytest.fixture
def immediate_tasks(settings):
    settings.TASKS = {"default": {"BACKEND": "django_tasks.backends.immediate.ImmediateBackend"}}


@pytest.fixture
def inputs(planner, reference_data):
    """The three files uploaded by the planner: {"sites": …, "fibre": …, "towers": …}."""
    from resilnet.planning.services.datasets import do_upload_dataset

    made = {}
    for kind, name, data in (
        ("sites", "sites.csv", sites_csv()),
        ("fibre", "fibre.csv", fibre_csv()),
        ("towers", "towers.csv", towers_csv()),
    ):
        made[kind] = do_upload_dataset(
            planner, kind=kind, name=f"Test {kind}", file_name=name, data=data
        )
    return made


def scenario_fields(inputs, **changes):
    from resilnet.core.models import Country
    from resilnet.planning.services.scenarios import default_costs_json

    fields = {
        "name": "Ten million",
        "country": Country.objects.get(iso3="KEN"),
        "sites_source": "dataset",
        "sites": inputs["sites"],
        "fibre": inputs["fibre"],
        "towers": inputs["towers"],
        "roads": None,
        "costs": default_costs_json(),
        "budget": None,
        "objective": "schools",
    }
    return fields | changes


@pytest.fixture
def computed(planner, inputs, immediate_tasks):
    """Connect-all and a budget of a third of it, both computed."""
    from decimal import Decimal

    from resilnet.planning.services import scenarios as scenario_services

    everyone = scenario_services.do_create_scenario(
        planner, **scenario_fields(inputs, name="Everyone")
    )
    scenario_services.do_run_scenario(planner, everyone)
    everyone.refresh_from_db()
    third = Decimal(f"{everyone.totals['total']['npv'] / 3:.2f}")
    budget = scenario_services.do_create_scenario(
        planner, **scenario_fields(inputs, name="A third", budget=third)
    )
    scenario_services.do_run_scenario(planner, budget)
    budget.refresh_from_db()
    return everyone, budget
