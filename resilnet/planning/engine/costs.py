"""Cost assumptions: the documented defaults, and the versioned JSON file a planner edits.

The defaults are published figures, cited key by key in `sources` (docs/planning-costs.md
explains each key). The rule: Giga's open cost model, which prices school connections,
wherever it gives a figure other than zero (equipment, bandwidth per Mbps, fibre per km,
reach, capacity, solar); ITU's Connectivity Planning Platform (CPP) user guide where Giga
has none (equipment lifetimes, upkeep as a share of equipment cost, the discount rate,
the population demand rule). Figures neither gives are this project's assumptions and are
marked so.
"""

from __future__ import annotations

import math
from typing import Any

from .data import CELLULAR, FIBRE, MICROWAVE, SATELLITE, TECHNOLOGIES, Costs, Demand, TechnologyCost
from .inputs import InputError, parse_json

SCHEMA_VERSION = "1"
MAX_JSON_BYTES = 1024 * 1024

GIGA = (
    "Giga open cost model, conf/countries/sample.json at commit 0470726 "
    "(github.com/unicef/giga-open-cost-model)"
)
ITU_CPP = (
    "ITU Connectivity Planning Platform user guide, Models "
    "(github.com/FNS-Division/cpp-user-guide, docs/models.md)"
)
OURS = "resilnet assumption"


def _share(fraction: float, of: float) -> float:
    """A yearly upkeep given as a share of capex, rounded so the template reads cleanly."""
    return round(fraction * of, 6)


# Giga's point-to-point capex: equipment at the school plus equipment on the tower.
_MICROWAVE_CAPEX = 2182.0 + 979.0


def default_costs() -> Costs:
    """The defaults `resilnet plan` uses without --costs; each figure's source in `sources`."""
    return Costs(
        version=SCHEMA_VERSION,
        currency="USD",
        technologies={
            FIBRE: TechnologyCost(
                capex=500.0,
                opex_per_year=_share(0.05, 500.0),
                opex_per_mbps_year=208.02,
                lifetime_years=10,
                max_km=47.0,
                capacity_mbps=2000.0,
                capex_per_km=5500.0,
                opex_per_km_year=160.0,
            ),
            CELLULAR: TechnologyCost(
                capex=186.0,
                opex_per_year=_share(0.12, 186.0),
                opex_per_mbps_year=182.55,
                lifetime_years=5,
                capacity_mbps=100.0,
            ),
            MICROWAVE: TechnologyCost(
                capex=_MICROWAVE_CAPEX,
                opex_per_year=_share(0.1, _MICROWAVE_CAPEX),
                opex_per_mbps_year=200.0,
                lifetime_years=7,
                max_km=65.0,
                capacity_mbps=100.0,
            ),
            SATELLITE: TechnologyCost(
                capex=467.0,
                opex_per_year=_share(0.1, 467.0),
                opex_per_mbps_year=309.91,
                lifetime_years=5,
                capacity_mbps=150.0,
            ),
        },
        solar=TechnologyCost(
            capex=1.58 * 500.0, opex_per_year=40.0, opex_per_mbps_year=0.0, lifetime_years=10
        ),
        discount_rate=0.02,
        horizon_years=10,
        fibre_routing_factor=1.1,
        demand=Demand(
            rule="students",
            mbps_per_student=0.1,
            adoption=0.25,
            simultaneity=0.10,
            mbps_per_user=2.0,
            floor_mbps=20.0,
        ),
        sources=dict(DEFAULT_SOURCES),
    )


def _giga(key: str) -> str:
    return f"{GIGA}: {key}"


def _itu(key: str) -> str:
    return f"{ITU_CPP}: {key}"


DEFAULT_SOURCES: dict[str, str] = {
    "technologies.fibre.capex": _itu("hw_setup_cost_fibre 500 USD (Giga: fixed_costs 0)"),
    "technologies.fibre.opex_per_year": _itu("an_hw_maint_and_repl_fibre 0.05 × capex"),
    "technologies.fibre.opex_per_mbps_year": _giga("fiber.opex.annual_bandwidth_cost_per_mbps"),
    "technologies.fibre.lifetime_years": _itu("reinv_period_fibre 10 years"),
    "technologies.fibre.max_km": _giga("fiber.constraints.maximum_connection_length 47,000 m"),
    "technologies.fibre.capacity_mbps": _giga("fiber.constraints.maximum_bandwithd"),
    "technologies.fibre.capex_per_km": _giga("fiber.capex.cost_per_km"),
    "technologies.fibre.opex_per_km_year": _giga("fiber.opex.cost_per_km"),
    "technologies.cellular.capex": _giga("cellular.capex.fixed_costs"),
    "technologies.cellular.opex_per_year": _itu("an_hw_maint_and_repl_p2area 0.12 × capex"),
    "technologies.cellular.opex_per_mbps_year": _giga(
        "cellular.opex.annual_bandwidth_cost_per_mbps"
    ),
    "technologies.cellular.lifetime_years": _itu("reinv_period_p2area 5 years"),
    "technologies.cellular.capacity_mbps": _giga("cellular.constraints.maximum_bandwithd"),
    "technologies.microwave.capex": _giga("p2p.capex.fixed_costs 2,182 + tower_fixed_costs 979"),
    "technologies.microwave.opex_per_year": _itu("an_hw_maint_and_repl_p2p 0.1 × capex"),
    "technologies.microwave.opex_per_mbps_year": _giga("p2p.opex.annual_bandwidth_cost_per_mbps"),
    "technologies.microwave.lifetime_years": _itu("reinv_period_p2p 7 years"),
    "technologies.microwave.max_km": _giga("p2p.constraints.maximum_range 65,000 m"),
    "technologies.microwave.capacity_mbps": _giga("p2p.constraints.maximum_bandwithd"),
    "technologies.satellite.capex": _giga("satellite.capex.fixed_costs"),
    "technologies.satellite.opex_per_year": _itu("an_hw_maint_and_repl_sat 0.1 × capex"),
    "technologies.satellite.opex_per_mbps_year": _giga(
        "satellite.opex.annual_bandwidth_cost_per_mbps"
    ),
    "technologies.satellite.lifetime_years": _itu("reinv_period_sat 5 years"),
    "technologies.satellite.capacity_mbps": _giga("satellite.constraints.maximum_bandwithd"),
    "solar.capex": _giga(f"electricity.capex.solar_cost_per_watt 1.58 USD × 500 W ({OURS})"),
    "solar.opex_per_year": OURS,
    "solar.lifetime_years": OURS,
    "discount_rate": _itu("interest_rate 0.02 (Giga counts costs undiscounted)"),
    "horizon_years": _itu("project planning period, example value 10 years"),
    "fibre_routing_factor": _itu(
        "fibre expansion factor e 1.1 (applied here to the straight line when no road "
        "network is given)"
    ),
    "demand.rule": OURS,
    "demand.mbps_per_student": OURS,
    "demand.adoption": _itu("user_rate 0.25"),
    "demand.simultaneity": _itu("simultaneous_users_rate 0.10"),
    "demand.mbps_per_user": _itu("mbps_demand_per_user 2"),
    "demand.floor_mbps": _giga("scenario.bandwidth_demand 20 Mbps; ITU CPP demand floor 20 Mbps"),
}


# JSON --------------------------------------------------------------------------


def costs_to_json(costs: Costs) -> dict[str, Any]:
    """The file a planner edits; `costs_from_json` reads it back to equal Costs."""
    return {
        "version": costs.version,
        "currency": costs.currency,
        "discount_rate": costs.discount_rate,
        "horizon_years": costs.horizon_years,
        "fibre_routing_factor": costs.fibre_routing_factor,
        "technologies": {
            name: None if name not in costs.technologies else _tech_json(costs.technologies[name])
            for name in TECHNOLOGIES
        },
        "solar": {
            "capex": costs.solar.capex,
            "opex_per_year": costs.solar.opex_per_year,
            "lifetime_years": costs.solar.lifetime_years,
        },
        "demand": {
            "rule": costs.demand.rule,
            "mbps_per_student": costs.demand.mbps_per_student,
            "adoption": costs.demand.adoption,
            "simultaneity": costs.demand.simultaneity,
            "mbps_per_user": costs.demand.mbps_per_user,
            "floor_mbps": costs.demand.floor_mbps,
        },
        "sources": dict(costs.sources),
    }


def _tech_json(tech: TechnologyCost) -> dict[str, Any]:
    return {
        "capex": tech.capex,
        "opex_per_year": tech.opex_per_year,
        "opex_per_mbps_year": tech.opex_per_mbps_year,
        "lifetime_years": tech.lifetime_years,
        "max_km": tech.max_km,
        "capacity_mbps": tech.capacity_mbps,
        "capex_per_km": tech.capex_per_km,
        "opex_per_km_year": tech.opex_per_km_year,
    }


class _Reader:
    """Walks the document, naming each key by its path (technologies.fibre.capex)."""

    def __init__(self, name: str) -> None:
        self.name = name

    def fail(self, path: str | None, problem: str) -> InputError:
        return InputError(self.name, None, path, problem)

    def table(
        self, value: object, path: str | None, required: set[str], optional: set[str]
    ) -> dict[str, Any]:
        if not isinstance(value, dict):
            raise self.fail(path, f"must be an object, got {_kind(value)}")
        missing = sorted(required - value.keys())
        if missing:
            raise self.fail(_join(path, missing[0]), "missing")
        unknown = sorted(str(k) for k in value.keys() - required - optional)
        if unknown:
            known = ", ".join(sorted(required | optional))
            raise self.fail(_join(path, unknown[0]), f"unknown key (known: {known})")
        return value

    def number(
        self,
        value: object,
        path: str,
        *,
        least: float = 0.0,
        below: float | None = None,
        most: float | None = None,
        unit_hint: str = "",
    ) -> float:
        if isinstance(value, bool) or not isinstance(value, int | float):
            raise self.fail(path, f"must be a number, got {_kind(value)}")
        number = float(value)
        if not math.isfinite(number):
            raise self.fail(path, f"must be a finite number, got {value!r}")
        if number < least:
            raise self.fail(path, f"must be at least {least:g}, got {number:g}")
        if below is not None and number >= below:
            raise self.fail(path, f"must be less than {below:g}, got {number:g}{unit_hint}")
        if most is not None and number > most:
            raise self.fail(path, f"must be at most {most:g}, got {number:g}{unit_hint}")
        return number

    def whole(self, value: object, path: str, *, least: int, most: int) -> int:
        number = self.number(value, path, least=least, most=most)
        if number != int(number):
            raise self.fail(path, f"must be a whole number of years, got {number:g}")
        return int(number)

    def optional(self, value: object, path: str, **limits: Any) -> float | None:
        return None if value is None else self.number(value, path, **limits)


def _kind(value: object) -> str:
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, str):
        return f"text {value[:40]!r}"
    return type(value).__name__


def _join(path: str | None, key: object) -> str:
    return f"{path}.{key}" if path else str(key)


TOP_KEYS = {
    "version",
    "currency",
    "discount_rate",
    "horizon_years",
    "fibre_routing_factor",
    "technologies",
    "solar",
    "demand",
}
TECH_KEYS = {"capex", "opex_per_year", "opex_per_mbps_year", "lifetime_years"}
TECH_OPTIONAL = {"max_km", "capacity_mbps", "capex_per_km", "opex_per_km_year"}
DEMAND_KEYS = {
    "rule",
    "mbps_per_student",
    "adoption",
    "simultaneity",
    "mbps_per_user",
    "floor_mbps",
}
# Larger than any real figure in these units: a value past it was given in smaller units.
MAX_LINK_KM = 1000.0  # metres written as km
MAX_MBPS = 100_000.0  # bits or kilobits per second written as Mbps
PER_STUDENT_MAX_MBPS = 100.0


def costs_from_json(data: str | bytes | dict[str, Any], *, name: str = "costs.json") -> Costs:
    """Costs from the planner's JSON (as `costs_to_json` writes it); every key is checked
    and a problem names its path: "costs.json, technologies.fibre.capex: missing"."""
    r = _Reader(name)
    doc = data if isinstance(data, dict) else parse_json(data, name, max_bytes=MAX_JSON_BYTES)
    doc = r.table(doc, None, TOP_KEYS, {"sources"})
    version = doc["version"]
    if str(version) != SCHEMA_VERSION or isinstance(version, bool):
        raise r.fail(
            "version", f"this version of resilnet reads version {SCHEMA_VERSION}, got {version!r}"
        )
    if doc["currency"] != "USD":
        raise r.fail("currency", f'must be "USD", got {doc["currency"]!r}')
    techs = r.table(doc["technologies"], "technologies", set(TECHNOLOGIES), set())
    technologies = {}
    for tech_name in TECHNOLOGIES:
        if techs[tech_name] is None:
            continue  # not offered in this country
        technologies[tech_name] = _technology(r, techs[tech_name], f"technologies.{tech_name}")
    if not technologies:
        raise r.fail("technologies", "at least one technology must be offered (not null)")
    solar_doc = r.table(doc["solar"], "solar", {"capex", "opex_per_year", "lifetime_years"}, set())
    solar = TechnologyCost(
        capex=r.number(solar_doc["capex"], "solar.capex"),
        opex_per_year=r.number(solar_doc["opex_per_year"], "solar.opex_per_year"),
        opex_per_mbps_year=0.0,
        lifetime_years=r.whole(
            solar_doc["lifetime_years"], "solar.lifetime_years", least=1, most=100
        ),
    )
    sources = doc.get("sources", {})
    if not isinstance(sources, dict) or not all(
        isinstance(k, str) and isinstance(v, str) for k, v in sources.items()
    ):
        raise r.fail("sources", "must be an object of text values")
    return Costs(
        version=SCHEMA_VERSION,
        currency="USD",
        technologies=technologies,
        solar=solar,
        discount_rate=r.number(
            doc["discount_rate"],
            "discount_rate",
            below=1.0,
            unit_hint=" (a rate per year: 0.08 for 8%)",
        ),
        horizon_years=r.whole(doc["horizon_years"], "horizon_years", least=1, most=50),
        fibre_routing_factor=r.number(
            doc["fibre_routing_factor"], "fibre_routing_factor", least=1.0, most=10.0
        ),
        demand=_demand(r, doc["demand"]),
        sources=dict(sources),
    )


def _technology(r: _Reader, value: object, path: str) -> TechnologyCost:
    t = r.table(value, path, TECH_KEYS, TECH_OPTIONAL)
    metres = " (in km: was it given in metres?)"
    bits = " (in Mbps: was it given in bits per second?)"
    return TechnologyCost(
        capex=r.number(t["capex"], f"{path}.capex"),
        opex_per_year=r.number(t["opex_per_year"], f"{path}.opex_per_year"),
        opex_per_mbps_year=r.number(t["opex_per_mbps_year"], f"{path}.opex_per_mbps_year"),
        lifetime_years=r.whole(t["lifetime_years"], f"{path}.lifetime_years", least=1, most=100),
        max_km=r.optional(t.get("max_km"), f"{path}.max_km", most=MAX_LINK_KM, unit_hint=metres),
        capacity_mbps=r.optional(
            t.get("capacity_mbps"), f"{path}.capacity_mbps", most=MAX_MBPS, unit_hint=bits
        ),
        capex_per_km=r.number(t.get("capex_per_km", 0.0), f"{path}.capex_per_km"),
        opex_per_km_year=r.number(t.get("opex_per_km_year", 0.0), f"{path}.opex_per_km_year"),
    )


def _demand(r: _Reader, value: object) -> Demand:
    d = r.table(value, "demand", DEMAND_KEYS, set())
    if d["rule"] not in ("students", "population"):
        raise r.fail("demand.rule", f'must be "students" or "population", got {d["rule"]!r}')
    bits = " (in Mbps: was it given in bits or kilobits per second?)"
    return Demand(
        rule=d["rule"],
        mbps_per_student=r.number(
            d["mbps_per_student"],
            "demand.mbps_per_student",
            most=PER_STUDENT_MAX_MBPS,
            unit_hint=bits,
        ),
        adoption=r.number(
            d["adoption"], "demand.adoption", most=1.0, unit_hint=" (a share: 0.25 for 25%)"
        ),
        simultaneity=r.number(
            d["simultaneity"], "demand.simultaneity", most=1.0, unit_hint=" (a share: 0.1 for 10%)"
        ),
        mbps_per_user=r.number(
            d["mbps_per_user"], "demand.mbps_per_user", most=PER_STUDENT_MAX_MBPS, unit_hint=bits
        ),
        floor_mbps=r.number(d["floor_mbps"], "demand.floor_mbps", most=MAX_MBPS, unit_hint=bits),
    )
