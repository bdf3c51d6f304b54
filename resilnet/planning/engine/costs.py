"""Cost assumptions: the documented defaults, and the versioned JSON file a planner edits.

The defaults take one published model whole where it has the figure, so that the numbers
agree with each other: ITU's Connectivity Planning Platform (CPP) user guide for every
technology's costs, lifetimes, bandwidth prices, reach, the discount rate and demand; Giga's
open cost model for what CPP leaves out (the price of solar power). Figures
neither gives are this project's assumptions and say so in `sources`. docs/planning-costs.md
explains each key.
"""

from __future__ import annotations

import json
import math
from typing import Any

from .data import CELLULAR, FIBRE, MICROWAVE, SATELLITE, TECHNOLOGIES, Costs, Demand, TechnologyCost
from .inputs import InputError

SCHEMA_VERSION = "1"
MAX_JSON_BYTES = 1024 * 1024

ITU_CPP = (
    "ITU Connectivity Planning Platform user guide, Models "
    "(github.com/FNS-Division/cpp-user-guide, docs/models.md)"
)
GIGA = "Giga open cost model, conf/countries/sample.json (github.com/unicef/giga-open-cost-model)"
OURS = "resilnet assumption"

# Microwave: CPP's hardware per site plus its one-time spectrum licence (50 USD/MHz × 40 MHz);
# the yearly licence (15 USD/MHz × 40 MHz) plus 10% of hardware for upkeep.
_MW_HARDWARE = 3000.0
_MW_LICENCE_MHZ = 40.0


def _share(fraction: float, of: float) -> float:
    """A yearly upkeep given as a share of capex, rounded so the template reads cleanly."""
    return round(fraction * of, 6)


def default_costs() -> Costs:
    """The defaults `resilnet plan` uses without --costs; each figure's source in `sources`."""
    return Costs(
        version=SCHEMA_VERSION,
        currency="USD",
        technologies={
            FIBRE: TechnologyCost(
                capex=500.0,
                opex_per_year=_share(0.05, 500.0),
                opex_per_mbps_year=5.5,
                lifetime_years=10,
                max_km=50.0,
                capacity_mbps=15000.0,
                capex_per_km=20000.0,
                opex_per_km_year=_share(0.05, 20000.0),
            ),
            CELLULAR: TechnologyCost(
                capex=120.0,
                opex_per_year=_share(0.12, 120.0),
                opex_per_mbps_year=4.5,
                lifetime_years=5,
                capacity_mbps=900.0,
            ),
            MICROWAVE: TechnologyCost(
                capex=_MW_HARDWARE + 50.0 * _MW_LICENCE_MHZ,
                opex_per_year=15.0 * _MW_LICENCE_MHZ + _share(0.1, _MW_HARDWARE),
                opex_per_mbps_year=5.5,
                lifetime_years=7,
                max_km=30.0,
                capacity_mbps=400.0,
            ),
            SATELLITE: TechnologyCost(
                capex=800.0,
                opex_per_year=_share(0.1, 800.0),
                opex_per_mbps_year=6.4,
                lifetime_years=5,
                capacity_mbps=400.0,
            ),
        },
        # 500 W of panels at Giga's 1.58 USD/W; upkeep and lifetime are ours.
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


DEFAULT_SOURCES: dict[str, str] = {
    "technologies.fibre.capex": f"{ITU_CPP}: hw_setup_cost_fibre 500 USD",
    "technologies.fibre.opex_per_year": f"{ITU_CPP}: an_hw_maint_and_repl_fibre 0.05 × setup",
    "technologies.fibre.opex_per_mbps_year": f"{ITU_CPP}: an_isp_fees_one_mbps_fibre 5.5",
    "technologies.fibre.lifetime_years": f"{ITU_CPP}: reinv_period_fibre 10 years",
    "technologies.fibre.max_km": f"{ITU_CPP}: max_connection_distance 50,000 m",
    "technologies.fibre.capacity_mbps": f"{ITU_CPP}: max_throughput_fibre 15,000 Mbps",
    "technologies.fibre.capex_per_km": f"{ITU_CPP}: focl_constr_cost_fibre 20,000 USD/km",
    "technologies.fibre.opex_per_km_year": (
        f"{ITU_CPP}: an_hw_maint_and_repl_fibre 0.05 × focl_constr_cost_fibre"
    ),
    "technologies.cellular.capex": f"{ITU_CPP}: hw_setup_cost_p2area 120 USD",
    "technologies.cellular.opex_per_year": f"{ITU_CPP}: an_hw_maint_and_repl_p2area 0.12 × setup",
    "technologies.cellular.opex_per_mbps_year": f"{ITU_CPP}: an_isp_fees_one_mbps_p2area 4.5",
    "technologies.cellular.lifetime_years": f"{ITU_CPP}: reinv_period_p2area 5 years",
    "technologies.cellular.capacity_mbps": f"{ITU_CPP}: max_throughput_p2area 900 Mbps",
    "technologies.microwave.capex": (
        f"{ITU_CPP}: hw_setup_cost_p2p 3,000 USD + one_time_license_fee_1mhz_p2p 50 USD/MHz "
        "× access_link_bandwidth_p2p 40 MHz (renewed with the hardware here; CPP pays it once)"
    ),
    "technologies.microwave.opex_per_year": (
        f"{ITU_CPP}: an_license_fee_1mhz_p2p 15 USD/MHz × 40 MHz + an_hw_maint_and_repl_p2p "
        "0.1 × hardware"
    ),
    "technologies.microwave.opex_per_mbps_year": f"{ITU_CPP}: an_isp_fees_one_mbps_p2p 5.5",
    "technologies.microwave.lifetime_years": f"{ITU_CPP}: reinv_period_p2p 7 years",
    "technologies.microwave.max_km": f"{ITU_CPP}: search_radius 30 km (visibility limit)",
    "technologies.microwave.capacity_mbps": f"{ITU_CPP}: max_throughput_p2p 400 Mbps",
    "technologies.satellite.capex": f"{ITU_CPP}: hw_setup_cost_sat 800 USD",
    "technologies.satellite.opex_per_year": f"{ITU_CPP}: an_hw_maint_and_repl_sat 0.1 × setup",
    "technologies.satellite.opex_per_mbps_year": f"{ITU_CPP}: an_isp_fees_one_mbps_sat 6.4",
    "technologies.satellite.lifetime_years": f"{ITU_CPP}: reinv_period_sat 5 years",
    "technologies.satellite.capacity_mbps": f"{ITU_CPP}: max_throughput_sat 400 Mbps",
    "solar.capex": f"{GIGA}: electricity.capex.solar_cost_per_watt 1.58 USD × 500 W ({OURS})",
    "solar.opex_per_year": OURS,
    "solar.lifetime_years": OURS,
    "discount_rate": f"{ITU_CPP}: interest_rate 0.02",
    "horizon_years": f"{ITU_CPP}: project planning period, example value 10 years",
    "fibre_routing_factor": f"{ITU_CPP}: fibre expansion factor e 1.1 (applied here to the "
    "straight line when no road network is given)",
    "demand.rule": OURS,
    "demand.mbps_per_student": OURS,
    "demand.adoption": f"{ITU_CPP}: user_rate 0.25",
    "demand.simultaneity": f"{ITU_CPP}: simultaneous_users_rate 0.10",
    "demand.mbps_per_user": f"{ITU_CPP}: mbps_demand_per_user 2",
    "demand.floor_mbps": f"{ITU_CPP}: demand floor 20 Mbps; {GIGA}: bandwidth_demand 20",
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
    doc = _parse(data, name) if not isinstance(data, dict) else data
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


def _parse(data: str | bytes, name: str) -> object:
    if len(data) > MAX_JSON_BYTES:
        raise InputError(
            name, None, None, f"the file is {len(data):,} bytes; the limit is {MAX_JSON_BYTES:,}"
        )
    if isinstance(data, bytes):
        try:
            data = data.decode("utf-8-sig")
        except UnicodeDecodeError as exc:
            raise InputError(
                name, None, None, f"byte {exc.start:,} is not UTF-8: save the file as UTF-8"
            ) from None
    try:
        return json.loads(data, parse_constant=_no_constant)
    except json.JSONDecodeError as exc:
        raise InputError(
            name, None, None, f"not valid JSON at line {exc.lineno}, column {exc.colno}: {exc.msg}"
        ) from None
    except RecursionError:
        raise InputError(name, None, None, "JSON nested too deeply") from None


def _no_constant(token: str) -> object:
    raise json.JSONDecodeError(f"{token} is not a number JSON allows", token, 0)


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
