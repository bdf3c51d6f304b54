"""The block checks (whole columns at once) agree with the row-by-row rules: a row they
pass has exactly the values `_typed` gives it and no finding; every row `_typed` faults
(error or warning) is sent to it."""

from __future__ import annotations

import random

import pytest

from resilnet.schools.importers.base import COLUMNS
from resilnet.schools.importers.checks import Checker, Context, _clean_rows, _Reject

CELLS = {
    "text": ["", " ", "Primary", " Secondary ", "x" * 70, "x" * 600, None, 12, "=1+1"],
    "number": [
        "",
        " ",
        "1",
        "-1",
        "1.5",
        "1,5",
        " 2 ",
        "1_000",
        "1e3",
        "+4",
        ".5",
        "5.",
        "inf",
        "nan",
        "abc",
        "0x10",
        "2024",
        "1799",
        "3000000000",
        "9e30",
        "45.123456",
        None,
        "-95",
        "181",
        "-0",
        "1e-3",
        "١٢",  # Arabic-Indic digits: float() reads them
    ],
    "typed": [None, 0, 1, 2.5, -3, 1.0, 2024, 1850, 10**10, float("nan"), float("inf")],
    "bool": ["", "yes", "No", " TRUE ", "0", "maybe", None, True, False, 1, 1.0],
    "country": ["KEN", "ken ", "XXX", "", None, "UGA"],
    "coverage": ["4G", "5g", "none", "No Coverage", "6G", "", None],
    "area": ["urban", "RURAL", "suburban", "", None],
}


def kind(name: str, typed: bool) -> str:
    if name == "country":
        return "country"
    if name == "cellular_coverage_type":
        return "coverage"
    if name == "school_area_type":
        return "area"
    if name in ("electricity_availability", "connectivity_govt", "disputed_region"):
        return "bool"
    if name in ("latitude", "longitude") or name.startswith(("num_", "pop_", "schools_")):
        return "typed" if typed else "number"
    if name in ("school_establishment_year", "download_speed_contracted") or "distance" in name:
        return "typed" if typed else "number"
    return "text"


@pytest.mark.parametrize("typed_numbers", [False, True], ids=["csv-like", "parquet-like"])
@pytest.mark.parametrize("seed", range(6))
def test_block_checks_agree_with_the_row_rules(seed, typed_numbers):
    rng = random.Random(seed)
    columns = [c for c in COLUMNS if rng.random() < 0.7 or c in ("latitude", "longitude")]
    columns += [c for c in ("school_id_giga", "school_name", "education_level") if c not in columns]
    context = Context({"KEN": 1, "UGA": 2}, {}, "KEN", 2026)
    checker = Checker(context, columns)
    good = {
        "text": "Primary",
        "number": "12",
        "typed": 12,
        "bool": "yes",
        "country": "KEN",
        "coverage": "4G",
        "area": "urban",
    }
    rows = []
    for number in range(2, 602):
        raw = {}
        for name in columns:
            k = kind(name, typed_numbers)
            # Mostly clean rows, with a bad cell now and then, as in real files.
            value = good[k] if name != "school_establishment_year" else type(good[k])(2000)
            raw[name] = rng.choice(CELLS[k]) if rng.random() < 0.04 else value
        if "latitude" in raw and rng.random() < 0.8:
            raw["latitude"] = rng.uniform(-5, 5) if typed_numbers else f"{rng.uniform(-5, 5):.5f}"
        rows.append((number, raw))
    clean = _clean_rows(checker, rows)
    passed = 0
    for (number, raw), row in zip(rows, clean, strict=True):
        before = len(checker.findings)
        try:
            expected = checker._typed(number, raw)
        except _Reject:
            expected = None
        faulted = expected is None or len(checker.findings) > before
        if row is None:
            continue
        passed += 1
        assert not faulted, (number, raw)
        assert row == expected, (number, raw)
        assert {k: type(v) for k, v in row.items()} == {k: type(v) for k, v in expected.items()}
    assert passed > 50  # the fast path is taken for most rows


def test_a_column_of_mixed_types_is_checked_row_by_row():
    checker = Checker(Context({"KEN": 1}, {}, "KEN", 2026), ["school_id_giga", "latitude"])
    rows = [
        (2, {"school_id_giga": "a", "latitude": 1.5}),
        (3, {"school_id_giga": "b", "latitude": "x"}),
    ]
    assert _clean_rows(checker, rows) == [None, None]
