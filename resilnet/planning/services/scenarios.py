"""Scenarios: create, edit, copy, delete, and compute one (the background task's work).

A scenario keeps what it was asked with: its datasets (protected from deletion while it
uses them), its cost assumptions as JSON and its budget. A run replaces its per-site
results in one transaction, so a page never shows half of one run and half of another.
"""

from __future__ import annotations

import json
import math
from collections.abc import Callable
from decimal import Decimal, InvalidOperation
from typing import Any

import numpy as np
from django.core.exceptions import ValidationError
from django.db import connection, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from resilnet.core import services as core_services
from resilnet.core.bulk import copy_rows
from resilnet.core.models import AuditAction, Country, Job, User
from resilnet.planning.engine import costs as engine_costs
from resilnet.planning.engine import inputs
from resilnet.planning.engine.data import Plan, Sites
from resilnet.planning.engine.plan import make_plan, plan_totals
from resilnet.planning.models import (
    Dataset,
    DatasetKind,
    Objective,
    Scenario,
    ScenarioState,
    SiteResult,
    SitesSource,
)
from resilnet.planning.services import datasets as dataset_services

MAX_BUDGET = Decimal("1e13")  # beyond any country's budget: a typo, or units mixed up
FIELDS = ("name", "country", "sites_source", "sites", "fibre", "towers", "roads")
WRITE_CHUNK = 5000


def _check(
    *,
    name: str,
    country: Country,
    sites_source: str,
    sites: Dataset | None,
    fibre: Dataset,
    towers: Dataset,
    roads: Dataset | None,
    costs: Any,
    budget: Decimal | None,
    objective: str,
) -> dict[str, Any]:
    """The scenario's fields, checked; ValidationError names each field that is wrong."""
    errors: dict[str, str] = {}
    name = (name or "").strip()
    if not name or len(name) > 200:
        errors["name"] = _("Give the scenario a name of 1 to 200 characters.")
    if sites_source not in SitesSource.values:
        errors["sites_source"] = _("Unknown source of sites %(source)r.") % {
            "source": str(sites_source)[:20]
        }
    elif sites_source == SitesSource.DATASET and sites is None:
        errors["sites"] = _("Choose a sites file, or take the country's schools.")
    for field, dataset, kind in (
        ("sites", sites, DatasetKind.SITES),
        ("fibre", fibre, DatasetKind.FIBRE),
        ("towers", towers, DatasetKind.TOWERS),
        ("roads", roads, DatasetKind.ROADS),
    ):
        if dataset is not None and dataset.kind != kind:
            errors[field] = _("%(name)s is not a file of %(kind)s.") % {
                "name": dataset.name,
                "kind": kind.label,
            }
    if objective not in Objective.values:
        errors["objective"] = _("Unknown objective %(objective)r.") % {
            "objective": str(objective)[:20]
        }
    if budget is not None:
        try:  # the form gives a Decimal; a caller in Python may give an int or a float
            budget = Decimal(str(budget))
        except InvalidOperation:
            budget = Decimal("NaN")
        if not budget.is_finite() or budget <= 0:
            errors["budget"] = _(
                "A budget must be more than 0 US dollars; leave it empty to connect every site."
            )
        elif budget >= MAX_BUDGET:
            errors["budget"] = _(
                "This budget is larger than any plan: check the units (US dollars)."
            )
    costs_json: dict[str, Any] = {}
    try:
        costs_json = engine_costs.costs_to_json(engine_costs.costs_from_json(costs))
    except ValueError as exc:  # InputError names the key
        errors["costs"] = str(exc)
    if errors:
        raise ValidationError(errors)
    return {
        "name": name,
        "country": country,
        "sites_source": sites_source,
        "sites": sites if sites_source == SitesSource.DATASET else None,
        "fibre": fibre,
        "towers": towers,
        "roads": roads,
        "costs": costs_json,
        "budget": budget,
        "objective": objective,
    }


def _described(scenario: Scenario) -> dict[str, Any]:
    """What an audit row keeps of a scenario."""
    return {
        "name": scenario.name,
        "country": scenario.country.iso3,
        "sites": scenario.sites_id or scenario.sites_source,
        "fibre": scenario.fibre_id,
        "towers": scenario.towers_id,
        "roads": scenario.roads_id,
        "budget": None if scenario.budget is None else str(scenario.budget),
        "objective": scenario.objective,
        "costs_version": (scenario.costs or {}).get("version"),
    }


@transaction.atomic
def do_create_scenario(actor: User | None, **fields: Any) -> Scenario:
    checked = _check(**fields)
    scenario = Scenario.objects.create(
        **checked, created_by=actor if actor is not None and actor.pk else None
    )
    core_services.record_audit(actor, AuditAction.CREATED, scenario, after=_described(scenario))
    return scenario


@transaction.atomic
def do_update_scenario(actor: User | None, scenario: Scenario, **fields: Any) -> Scenario:
    """New inputs make the last answer stale: its results go, and it is computed again."""
    before = _described(scenario)
    for key, value in _check(**fields).items():
        setattr(scenario, key, value)
    scenario.updated_at = timezone.now()
    _forget_results(scenario)
    scenario.save()
    core_services.record_audit(
        actor, AuditAction.UPDATED, scenario, before=before, after=_described(scenario)
    )
    return scenario


def _forget_results(scenario: Scenario) -> None:
    SiteResult.objects.filter(scenario=scenario).delete()
    scenario.state = ScenarioState.DRAFT
    scenario.totals = scenario.connect_all_totals = None
    scenario.notes = []
    scenario.error = ""
    scenario.computed_at = None


@transaction.atomic
def do_copy_scenario(actor: User | None, scenario: Scenario, name: str = "") -> Scenario:
    fields = {key: getattr(scenario, key) for key in FIELDS}
    fields |= {
        "name": (name or f"{scenario.name} (copy)")[:200],
        "costs": scenario.costs,
        "budget": scenario.budget,
        "objective": scenario.objective,
    }
    return do_create_scenario(actor, **fields)


@transaction.atomic
def do_delete_scenario(actor: User | None, scenario: Scenario) -> None:
    core_services.record_audit(actor, AuditAction.DELETED, scenario, before=_described(scenario))
    scenario.delete()


@transaction.atomic
def do_run_scenario(actor: User | None, scenario: Scenario, *, enqueue: bool = True) -> Job:
    """Queue the scenario's computation as a background job (its page shows the progress)."""
    from resilnet.planning import tasks

    if scenario.state in (ScenarioState.QUEUED, ScenarioState.RUNNING):
        job = scenario.job
        if job is not None and not job.finished:
            raise ValidationError({"scenario": _("This scenario is being computed already.")})
    # Queued before the task is enqueued: an inline backend runs it at once, and its
    # answer must not be overwritten.
    Scenario.objects.filter(pk=scenario.pk).update(state=ScenarioState.QUEUED, error="")
    job = core_services.start_job(
        actor,
        tasks.run_scenario,
        f"Plan: {scenario.name}",
        enqueue=enqueue,
        scenario_id=scenario.pk,
    )
    Scenario.objects.filter(pk=scenario.pk).update(job=job)
    scenario.refresh_from_db()
    return job


# The computation ---------------------------------------------------------------------


def sites_from_schools(country: Country) -> Sites:
    """The country's schools as the engine's sites, read through the schools module's
    selectors. Unknown student counts count as 0 and unknown electricity as none (solar
    is costed); a school the government reports connected, or whose measurements are
    good or moderate, is left out of the plan as already connected."""
    from resilnet.schools import selectors as school_selectors

    fields = [
        "school_id_giga",
        "latitude",
        "longitude",
        "num_students",
        "electricity_availability",
        "connectivity_govt",
        "connectivity_global",
        "pop_within_1km",
        "school_name",
        "admin1",
    ]
    schools = school_selectors.iter_schools(school_selectors.SchoolFilters(country=country), fields)
    rows = (
        {
            "site_id": giga_id,
            "latitude": lat,
            "longitude": lon,
            "num_students": students or 0,
            "has_electricity": bool(electricity),
            "already_connected": bool(govt) or measured in ("good", "moderate"),
            "population": population or 0,
            "name": name,
            "admin1": admin1,
        }
        for _id, giga_id, lat, lon, students, electricity, govt, measured, population, name, admin1 in schools  # noqa: E501
    )
    return inputs.sites_from_rows(rows, name=f"schools of {country.iso3}")


Progress = Callable[[str, float], None]


def compute_scenario(scenario: Scenario, progress: Progress | None = None) -> dict[str, Any]:
    """Run the plan (and, under a budget, the connect-all plan to compare it with), then
    write the per-site results and totals. Returns the totals."""
    report = progress or (lambda phase, fraction: None)
    Scenario.objects.filter(pk=scenario.pk).update(state=ScenarioState.RUNNING)
    report("reading", 0.0)
    if scenario.sites_source == SitesSource.SCHOOLS:
        sites = sites_from_schools(scenario.country)
    else:
        assert scenario.sites is not None
        sites = dataset_services.load(scenario.sites)
    fibre = dataset_services.load(scenario.fibre)
    towers = dataset_services.load(scenario.towers)
    roads = dataset_services.load(scenario.roads) if scenario.roads else None
    costs = engine_costs.costs_from_json(scenario.costs)
    report("reading", 1.0)
    budget = None if scenario.budget is None else float(scenario.budget)
    runs = 2 if budget is not None else 1

    def part(start: float) -> Progress:
        return lambda phase, fraction: report(phase, start + fraction / runs * 0.9)

    plan = make_plan(
        sites,
        fibre,
        towers,
        costs,
        roads=roads,
        budget=budget,
        objective=scenario.objective,
        progress=part(0.0),
    )
    totals = plan_totals(plan)
    connect_all = totals
    if budget is not None:
        everyone = make_plan(sites, fibre, towers, costs, roads=roads, progress=part(0.45))
        connect_all = plan_totals(everyone)
    report("writing", 0.9)
    with transaction.atomic():
        SiteResult.objects.filter(scenario=scenario).delete()
        _write_results(scenario, sites, plan)
        Scenario.objects.filter(pk=scenario.pk).update(
            state=ScenarioState.DONE,
            totals=totals,
            connect_all_totals=connect_all,
            notes=list(plan.notes),
            error="",
            computed_at=timezone.now(),
        )
    report("done", 1.0)
    return totals


def _money(value: float) -> Decimal:
    return Decimal(f"{value:.2f}")


def _coordinate(value: float) -> float | None:
    return None if math.isnan(value) else float(value)


RESULT_COLUMNS = (
    "scenario_id",
    "site_id",
    "name",
    "admin1",
    "latitude",
    "longitude",
    "num_students",
    "technology",
    "connected",
    "capex",
    "opex_per_year",
    "npv",
    "demand_mbps",
    "reason",
    "via_kind",
    "via_id",
    "via_latitude",
    "via_longitude",
    "link_km",
)


def _write_results(scenario: Scenario, sites: Sites, plan: Plan) -> int:
    """One row per site, inserted in chunks (COPY on PostgreSQL): no model per row."""
    table = SiteResult._meta.db_table
    decimals = connection.vendor == "sqlite"  # SQLite stores the text; PostgreSQL numerics
    written = 0
    for start in range(0, len(plan), WRITE_CHUNK):
        stop = min(start + WRITE_CHUNK, len(plan))
        rows = []
        for i in range(start, stop):
            money = [_money(plan.capex[i]), _money(plan.opex_per_year[i]), _money(plan.npv[i])]
            rows.append(
                (
                    scenario.pk,
                    str(sites.site_id[i])[:100],
                    str(sites.name[i])[:500],
                    str(sites.admin1[i])[:200],
                    float(sites.lat[i]),
                    float(sites.lon[i]),
                    int(sites.num_students[i]),
                    str(plan.technology[i]),
                    bool(plan.connected[i]),
                    *([str(m) for m in money] if decimals else money),
                    float(plan.demand_mbps[i]),
                    str(plan.reason[i])[:40],
                    str(plan.via_kind[i]),
                    str(plan.via_id[i])[:100],
                    _coordinate(plan.via_lat[i]),
                    _coordinate(plan.via_lon[i]),
                    float(np.nan_to_num(plan.link_km[i])),
                )
            )
        written += copy_rows(table, RESULT_COLUMNS, rows)
    return written


def fail_scenario(scenario_id: int, message: str) -> None:
    Scenario.objects.filter(pk=scenario_id).update(state=ScenarioState.FAILED, error=message[:300])


def default_costs_json() -> str:
    return json.dumps(engine_costs.costs_to_json(engine_costs.default_costs()), indent=2)
