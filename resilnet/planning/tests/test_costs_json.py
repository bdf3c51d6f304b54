"""costs.json: the template round-trips, and every bad key is named by its path."""

import copy
import json

import pytest

from resilnet.planning.engine.costs import costs_from_json, costs_to_json, default_costs
from resilnet.planning.engine.data import CELLULAR, FIBRE, MICROWAVE, SATELLITE, TECHNOLOGIES
from resilnet.planning.engine.inputs import InputError


def template() -> dict:
    return costs_to_json(default_costs())


def error(doc) -> InputError:
    with pytest.raises(InputError) as caught:
        costs_from_json(doc, name="kenya.json")
    return caught.value


def test_the_template_round_trips_as_text_bytes_and_dict():
    costs = default_costs()
    text = json.dumps(costs_to_json(costs))
    assert costs_from_json(text) == costs
    assert costs_from_json(text.encode("utf-8")) == costs
    assert costs_from_json(("\ufeff" + text).encode("utf-8")) == costs
    assert costs_from_json(json.loads(text)) == costs


def test_edited_figures_are_read():
    doc = template()
    doc["technologies"]["fibre"]["capex_per_km"] = 7500
    doc["discount_rate"] = 0
    doc["horizon_years"] = 5
    doc["demand"]["rule"] = "population"
    costs = costs_from_json(doc)
    assert costs.technologies[FIBRE].capex_per_km == 7500.0
    assert costs.discount_rate == 0.0
    assert costs.horizon_years == 5
    assert costs.demand.rule == "population"


def test_optional_technology_keys_default_and_null_switches_a_technology_off():
    doc = template()
    for key in ("max_km", "capacity_mbps", "capex_per_km", "opex_per_km_year"):
        del doc["technologies"]["cellular"][key]
    doc["technologies"]["microwave"] = None
    costs = costs_from_json(doc)
    cellular = costs.technologies[CELLULAR]
    assert (cellular.max_km, cellular.capacity_mbps, cellular.capex_per_km) == (None, None, 0.0)
    assert MICROWAVE not in costs.technologies
    assert costs_to_json(costs)["technologies"]["microwave"] is None


def drop(path: str) -> dict:
    doc = template()
    *parents, last = path.split(".")
    target = doc
    for key in parents:
        target = target[key]
    del target[last]
    return doc


@pytest.mark.parametrize(
    "path",
    ["version", "discount_rate", "technologies.fibre", "technologies.satellite.capex",
     "solar.lifetime_years", "demand.floor_mbps"],
)  # fmt: skip
def test_a_missing_key_is_named_by_its_path(path):
    exc = error(drop(path))
    assert (exc.file, exc.row, exc.field) == ("kenya.json", None, path)
    assert str(exc) == f"kenya.json, {path}: missing"


def setting(path: str, value) -> dict:
    doc = template()
    *parents, last = path.split(".")
    target = doc
    for key in parents:
        target = target[key]
    target[last] = value
    return doc


@pytest.mark.parametrize(
    ("path", "value", "words"),
    [
        ("technologies.fibre.capex", "500", "must be a number, got text '500'"),
        ("technologies.fibre.capex", True, "must be a number, got true"),
        ("technologies.fibre.capex", -1, "must be at least 0, got -1"),
        ("technologies.cellular.lifetime_years", 2.5, "whole number"),
        ("technologies.cellular.lifetime_years", 0, "at least 1"),
        ("discount_rate", 1, "less than 1"),
        ("discount_rate", 8, "0.08 for 8%"),
        ("discount_rate", -0.01, "at least 0"),
        ("horizon_years", 0, "at least 1"),
        ("horizon_years", 51, "at most 50"),
        ("technologies.fibre.max_km", 50000, "given in metres"),
        ("technologies.satellite.capacity_mbps", 150_000_000, "bits per second"),
        ("demand.floor_mbps", 20_000_000, "bits"),
        ("demand.mbps_per_student", 100_000, "kilobits"),
        ("demand.adoption", 25, "0.25 for 25%"),
        ("demand.rule", "households", '"students" or "population"'),
        ("fibre_routing_factor", 0.5, "at least 1"),
        ("currency", "EUR", "USD"),
        ("version", "2", "reads version 1"),
        ("technologies.fibre", [], "must be an object, got list"),
        ("technologies.fibre.capex_per_kms", 1, "unknown key"),
        ("technologies.fiber", {}, "unknown key"),
        ("sources", {"a": 1}, "text values"),
    ],
)
def test_wrong_values_are_named_by_path(path, value, words):
    exc = error(setting(path, value))
    assert exc.field == path
    assert words in str(exc)
    assert str(exc).startswith(f"kenya.json, {path}: ")


def test_every_technology_switched_off_is_refused():
    doc = template()
    doc["technologies"] = dict.fromkeys(TECHNOLOGIES)
    assert "at least one technology" in str(error(doc))


@pytest.mark.parametrize(
    ("data", "words"),
    [
        (b"", "the file is empty"),
        (b"{", "not valid JSON at line 1"),
        (b"[1]", "must be an object"),
        (b'{"discount_rate": NaN}', "NaN is not a number JSON allows"),
        (b"\xff\xfe{}", "UTF-16"),
        (b'{"currency": "\xe9"}', "byte 14 (b'\\xe9') is not UTF-8"),
        (b"[" * 100_000, "nested too deeply"),
        (b" " * (1024 * 1024 + 1), "the limit is 1,048,576"),
    ],
)
def test_hostile_and_oversized_files(data, words):
    exc = error(data)
    assert exc.file == "kenya.json"
    assert words in str(exc)


def test_the_parsed_costs_do_not_share_state_with_the_document():
    doc = template()
    kept = copy.deepcopy(doc)
    costs = costs_from_json(doc)
    doc["sources"]["discount_rate"] = "changed"
    assert costs.sources == kept["sources"]
    assert (
        costs.technologies[SATELLITE].capacity_mbps
        == kept["technologies"]["satellite"]["capacity_mbps"]
    )
