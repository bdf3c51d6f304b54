"""Country boundaries from Natural Earth, as the `world-atlas` npm package ships them.

Its `countries-50m.json` names each country by its ISO 3166-1 numeric code (UN M49, as
core's Country.m49) and English name. Some features have no code (Kosovo, Somaliland,
Northern Cyprus …): they have no Country row and are left out.
"""

from __future__ import annotations

import json
from functools import lru_cache
from pathlib import Path
from typing import Any

from shapely.geometry.base import BaseGeometry

from resilnet.config import BASE_DIR
from resilnet.schools.demo import topojson
from resilnet.schools.importers.boundaries import checked_geometry

PACKAGE = "world-atlas"
SCALES = ("110m", "50m", "10m")


def atlas_file(scale: str = "50m") -> Path:
    if scale not in SCALES:
        raise ValueError(f"scale must be one of {', '.join(SCALES)}")
    path = BASE_DIR / "node_modules" / PACKAGE / f"countries-{scale}.json"
    if not path.is_file():
        raise FileNotFoundError(
            f"{path} is missing: install the front-end packages (npm ci, or ./dev.sh)"
        )
    return path


@lru_cache(maxsize=3)
def country_features(scale: str = "50m") -> dict[str, dict[str, Any]]:
    """The atlas's country features by M49 code (three digits, as a string)."""
    topology = json.loads(atlas_file(scale).read_text(encoding="utf-8"))
    return {
        str(f["id"]).zfill(3): f
        for f in topojson.features(topology, "countries")
        if f["id"] not in (None, "")
    }


def country_shape(m49: str, scale: str = "50m") -> BaseGeometry | None:
    """A country's boundary as a valid shapely (Multi)Polygon, or None if the atlas lacks it."""
    feature = country_features(scale).get(m49)
    if feature is None:
        return None
    return checked_geometry(feature["geometry"], m49)[0]


def load_country_boundaries(iso3_list: list[str], scale: str = "50m") -> dict[str, int]:
    """Create or update the level-0 areas of these countries from the atlas, through the
    areas service; returns each country's area id. Unknown codes raise ValueError."""
    from resilnet.core.models import Country
    from resilnet.schools.importers.boundaries import AreaFeature
    from resilnet.schools.models import AdminArea, AreaLevel
    from resilnet.schools.services.areas import do_import_boundaries

    countries = {c.iso3: c for c in Country.objects.filter(iso3__in=iso3_list)}
    missing = sorted(set(iso3_list) - set(countries))
    if missing:
        raise ValueError(f"no country with ISO3 code {', '.join(missing)}")
    for iso3 in iso3_list:
        country = countries[iso3]
        shape = country_shape(country.m49, scale)
        if shape is None:
            raise ValueError(f"{PACKAGE} has no boundary for {iso3} (M49 {country.m49})")
        area = AreaFeature(code=iso3, name=country.name, parent_code="", geometry=shape)
        do_import_boundaries(None, country, AreaLevel.COUNTRY, [area])
    rows = AdminArea.objects.filter(
        country__iso3__in=iso3_list, level=AreaLevel.COUNTRY, code__in=iso3_list
    )
    return dict(rows.values_list("code", "id"))
