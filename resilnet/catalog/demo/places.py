"""Which countries demo records are about, and how often each comes up."""

from __future__ import annotations

import random
from dataclasses import dataclass

from resilnet.core import selectors as core_selectors

# English-language records: ITU region first, then a country, LDCs and SIDS weighted up.
REGION_WEIGHTS = {
    "africa": 26,
    "asia_pacific": 26,
    "americas": 18,
    "europe": 14,
    "arab_states": 10,
    "cis": 6,
}
LDC_SIDS_WEIGHT = 3
# Records written in another language come from countries where it is widely used.
COUNTRIES_BY_LANGUAGE = {
    "fr": (
        "BEN BFA BDI CAF CIV CMR COD COG GAB GIN MDG MLI NER RWA SEN TCD TGO "
        "COM DJI DZA MAR MRT TUN LBN FRA BEL CHE LUX HTI CAN VUT"
    ).split(),
    "es": "ARG BOL CHL COL CRI CUB DOM ECU GTM HND MEX NIC PAN PER PRY SLV URY VEN ESP GNQ".split(),
    "zh-hans": ["CHN", "CHN", "CHN", "SGP"],
}
REGION_BY_LANGUAGE = {"ar": "arab_states", "ru": "cis"}


@dataclass(frozen=True)
class Place:
    iso3: str
    region: str
    weight: int


class Gazetteer:
    """The countries records may be about, with the weights the demo draws them by."""

    def __init__(self) -> None:
        self.places: list[Place] = []
        for iso3, region, ldc, sids in (
            core_selectors.countries()
            .filter(itu_region__isnull=False)
            .order_by("iso3")
            .values_list("iso3", "itu_region__code", "ldc", "sids")
        ):
            weight = LDC_SIDS_WEIGHT if (ldc or sids) else 1
            self.places.append(Place(iso3, region, weight))
        if not self.places:
            raise RuntimeError("No countries with an ITU region: load the reference data first.")
        self.by_iso3 = {place.iso3: place for place in self.places}

    def _draw(self, rng: random.Random, places: list[Place]) -> Place:
        return rng.choices(places, weights=[p.weight for p in places])[0]

    def primary(self, rng: random.Random, language: str) -> Place:
        if language in COUNTRIES_BY_LANGUAGE:
            pool = [self.by_iso3[c] for c in COUNTRIES_BY_LANGUAGE[language] if c in self.by_iso3]
            if pool:
                return self._draw(rng, pool)
        regions = [r for r in REGION_WEIGHTS if any(p.region == r for p in self.places)]
        region = (
            REGION_BY_LANGUAGE.get(language)
            or rng.choices(regions, weights=[REGION_WEIGHTS[r] for r in regions])[0]
        )
        return self._draw(rng, [p for p in self.places if p.region == region] or self.places)

    def neighbours(self, rng: random.Random, place: Place, count: int) -> list[str]:
        pool = [p for p in self.places if p.region == place.region and p != place]
        return [p.iso3 for p in rng.sample(pool, min(count, len(pool)))]

    def anywhere(self, rng: random.Random, count: int) -> list[str]:
        return [p.iso3 for p in rng.sample(self.places, min(count, len(self.places)))]
