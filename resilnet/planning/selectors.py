"""Reads of the planning module: datasets, scenarios, per-site results and comparisons."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

from django.db.models import Q, QuerySet

from resilnet.planning.engine.data import EXISTING, NONE, TECHNOLOGIES
from resilnet.planning.models import Dataset, Scenario, SiteResult, Technology

# The order technologies are shown in, and each one's colour (charts, map, legend):
# distinguishable in colour-blind palettes (Okabe and Ito's).
SHOWN = (*TECHNOLOGIES, EXISTING, NONE)
COLOURS = {
    "fibre": "#0072B2",
    "cellular": "#009E73",
    "microwave": "#E69F00",
    "satellite": "#CC79A7",
    "existing": "#56B4E9",
    "none": "#999999",
}
LABELS = dict(Technology.choices)


def datasets(kind: str = "") -> QuerySet[Dataset]:
    qs = Dataset.objects.select_related("country", "uploaded_by").defer("content")
    return qs.filter(kind=kind) if kind else qs


def scenarios() -> QuerySet[Scenario]:
    return Scenario.objects.select_related("country", "job", "sites", "fibre", "towers", "roads")


def scenario(scenario_id: int) -> Scenario | None:
    return scenarios().filter(pk=scenario_id).first()


@dataclass
class ResultFilters:
    technology: str = ""
    connected: bool | None = None
    admin1: str = ""
    q: str = ""

    def as_dict(self) -> dict[str, Any]:
        data = {
            "technology": self.technology,
            "connected": self.connected,
            "admin1": self.admin1,
            "q": self.q,
        }
        return {key: value for key, value in data.items() if value not in (None, "")}


def results(scenario: Scenario, filters: ResultFilters | None = None) -> QuerySet[SiteResult]:
    f = filters or ResultFilters()
    qs = SiteResult.objects.filter(scenario=scenario)
    if f.technology:
        qs = qs.filter(technology=f.technology)
    if f.connected is not None:
        qs = qs.filter(connected=f.connected)
    if f.admin1:
        qs = qs.filter(admin1=f.admin1)
    if f.q:
        qs = qs.filter(Q(site_id=f.q) | Q(name__icontains=f.q))
    return qs.order_by("id")


def iter_results(
    scenario: Scenario, filters: ResultFilters | None = None, chunk: int = 5000
) -> Iterator[SiteResult]:
    """Every matching result, read in keyset chunks (exports of 200,000 sites stay flat)."""
    qs = results(scenario, filters)
    last = 0
    while rows := list(qs.filter(id__gt=last)[:chunk]):
        yield from rows
        last = rows[-1].pk


def admin1_names(scenario: Scenario) -> list[str]:
    return list(
        SiteResult.objects.filter(scenario=scenario)
        .exclude(admin1="")
        .values_list("admin1", flat=True)
        .distinct()
        .order_by("admin1")[:500]
    )


def totals_by_admin1(scenario: Scenario) -> list[dict[str, Any]]:
    """Sites the plan connects, their students and cost, per first-level area."""
    from django.db.models import Count, Sum

    rows = (
        SiteResult.objects.filter(scenario=scenario, connected=True)
        .values("admin1")
        .annotate(
            sites=Count("id"), students=Sum("num_students"), capex=Sum("capex"), npv=Sum("npv")
        )
        .order_by("admin1")
    )
    return [dict(row) for row in rows]


def technology_rows(totals: dict[str, dict[str, float]] | None) -> list[dict[str, Any]]:
    """The totals of a run as table rows, in the shown order, with each row's colour."""
    if not totals:
        return []
    return [
        {"technology": name, "label": LABELS[name], "colour": COLOURS[name], **totals[name]}
        for name in SHOWN
        if name in totals
    ]


def comparison(chosen: list[Scenario]) -> list[dict[str, Any]]:
    """One column per scenario: its totals, its connect-all totals and its technology mix."""
    columns = []
    for item in chosen:
        totals = item.totals or {}
        total = totals.get("total", {})
        connect_all = (item.connect_all_totals or {}).get("total", {})
        columns.append(
            {
                "scenario": item,
                "total": total,
                "connect_all": connect_all,
                "mix": {name: totals.get(name, {}).get("sites", 0) for name in SHOWN},
                "share": (
                    total.get("sites", 0) / connect_all["sites"]
                    if connect_all.get("sites")
                    else None
                ),
            }
        )
    return columns
