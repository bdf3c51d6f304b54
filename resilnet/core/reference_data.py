"""Load the reference data files in `data/` (countries and regions) into the database."""

from __future__ import annotations

import csv
from pathlib import Path
from typing import Any

DATA_DIR = Path(__file__).resolve().parent / "data"


def read_csv(name: str) -> list[dict[str, str]]:
    with (DATA_DIR / name).open(encoding="utf-8", newline="") as handle:
        return list(csv.DictReader(handle))


def load_reference_data(region_model: Any, country_model: Any) -> None:
    """Create or update every region and country. Takes models so migrations can call it."""
    regions: dict[tuple[str, str], Any] = {}
    by_name: dict[tuple[str, str], Any] = {}
    for row in read_csv("regions.csv"):
        parent = None
        if row["parent_code"]:
            parent = next(r for (kind, code), r in regions.items() if code == row["parent_code"])
        region, _ = region_model.objects.update_or_create(
            kind=row["kind"], code=row["code"], defaults={"name": row["name"], "parent": parent}
        )
        regions[(row["kind"], row["code"])] = region
        by_name[(row["kind"], row["name"])] = region
    for row in read_csv("countries.csv"):
        country_model.objects.update_or_create(
            iso3=row["iso3"],
            defaults={
                "iso2": row["iso2"],
                "m49": row["m49"],
                "name": row["name"],
                "itu_region": regions.get(("itu", row["itu_region"])),
                "m49_region": by_name.get(("m49_region", row["m49_region"])),
                "m49_subregion": by_name.get(("m49_subregion", row["m49_subregion"])),
                "m49_intermediate_region": by_name.get(
                    ("m49_intermediate", row["m49_intermediate_region"])
                ),
                "ldc": row["ldc"] == "1",
                "lldc": row["lldc"] == "1",
                "sids": row["sids"] == "1",
            },
        )
