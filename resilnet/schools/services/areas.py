"""Admin areas: importing boundaries, and which areas contain a point.

`do_import_boundaries` upserts a level's areas by (country, level, code): a second import
of the same file changes nothing. `areas_containing` and `inside_country` answer
point-in-polygon questions from prepared geometries cached in this process (the school
importer asks them for every row); an import here clears the cache, and an entry older
than CACHE_SECONDS is reloaded, so an import by another process shows within that time.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import shapely
from django.db import transaction
from django.utils.translation import gettext as _

from resilnet.core.models import AuditAction, Country, User
from resilnet.core.services import AuditRow, record_audit_many
from resilnet.schools.importers.boundaries import AreaFeature
from resilnet.schools.models import AdminArea, AreaLevel

CACHE_SECONDS = 60.0


class BoundaryImportError(ValueError):
    """The features cannot be written as they are (unknown parent, duplicate code)."""


@dataclass(frozen=True)
class BoundaryImport:
    created: int
    updated: int
    unchanged: int


def do_import_boundaries(
    actor: User | None, country: Country, level: int, features: Sequence[AreaFeature]
) -> BoundaryImport:
    """Create or update the areas of one level of one country, all or nothing.

    An admin-1 area's parent is the country's level-0 area (the one its parent code names,
    or the only one); an admin-2 area's parent is the admin-1 area its parent code names."""
    if level not in AreaLevel.values:
        raise BoundaryImportError(_("level must be 0, 1 or 2, not %(level)s") % {"level": level})
    codes = [f.code for f in features]
    if len(set(codes)) != len(codes):
        duplicate = next(c for c in codes if codes.count(c) > 1)
        raise BoundaryImportError(_("code %(code)s appears twice") % {"code": duplicate})
    with transaction.atomic():
        parents = _parents(country, level, features)
        existing = {
            a.code: a
            for a in AdminArea.objects.filter(country=country, level=level, code__in=codes)
        }
        created = updated = unchanged = 0
        audit: list[AuditRow] = []
        for feature in features:
            values = _values(feature, parents.get(feature.code))
            area = existing.get(feature.code)
            if area is None:
                area = AdminArea.objects.create(country=country, level=level, **values)
                created += 1
                action = AuditAction.CREATED
            elif any(getattr(area, k) != v for k, v in values.items()):
                for key, value in values.items():
                    setattr(area, key, value)
                area.save()
                updated += 1
                action = AuditAction.UPDATED
            else:
                unchanged += 1
                continue
            audit.append(
                AuditRow(
                    action,
                    object_type=AdminArea._meta.label_lower,
                    object_id=str(area.pk),
                    object_repr=f"{country.iso3} {level} {area.code} {area.name}",
                    after={"code": area.code, "name": area.name, "level": level},
                    reason="boundary import",
                )
            )
        record_audit_many(actor, audit)
        # Now for this transaction's own lookups, and again once others can see the rows.
        forget_cached_areas(country.pk)
        transaction.on_commit(lambda: forget_cached_areas(country.pk))
    return BoundaryImport(created, updated, unchanged)


def _parents(
    country: Country, level: int, features: Sequence[AreaFeature]
) -> dict[str, AdminArea | None]:
    if level == AreaLevel.COUNTRY:
        return {}
    above = {a.code: a for a in AdminArea.objects.filter(country=country, level=level - 1)}
    only = next(iter(above.values())) if level == AreaLevel.ADMIN1 and len(above) == 1 else None
    parents: dict[str, AdminArea | None] = {}
    for feature in features:
        if feature.parent_code:
            parent = above.get(feature.parent_code)
            if parent is None:
                raise BoundaryImportError(
                    _(
                        "area %(code)s: its parent %(parent)s is not a level-%(level)s "
                        "area of %(country)s"
                    )
                    % {
                        "code": feature.code,
                        "parent": feature.parent_code,
                        "level": level - 1,
                        "country": country.iso3,
                    }
                )
            parents[feature.code] = parent
        else:
            parents[feature.code] = only
    return parents


def _values(feature: AreaFeature, parent: AdminArea | None) -> dict[str, object]:
    min_lon, min_lat, max_lon, max_lat = feature.geometry.bounds
    return {
        "code": feature.code,
        "name": feature.name,
        "parent": parent,
        "boundary": shapely.to_geojson(feature.geometry),
        "min_longitude": min_lon,
        "min_latitude": min_lat,
        "max_longitude": max_lon,
        "max_latitude": max_lat,
    }


# Point in polygon ------------------------------------------------------------------


@dataclass(frozen=True)
class _Shape:
    area_id: int
    level: int
    geometry: shapely.Geometry  # prepared


_cache: dict[int, tuple[float, list[_Shape]]] = {}
_cache_lock = threading.Lock()


def forget_cached_areas(country_id: int | None = None) -> None:
    with _cache_lock:
        if country_id is None:
            _cache.clear()
        else:
            _cache.pop(country_id, None)


def _shapes(country: Country) -> list[_Shape]:
    with _cache_lock:
        cached = _cache.get(country.pk)
    if cached and time.monotonic() - cached[0] < CACHE_SECONDS:
        return cached[1]
    shapes = []
    rows = AdminArea.objects.filter(country=country).exclude(boundary="")
    for area_id, level, boundary in rows.values_list("id", "level", "boundary"):
        geometry = shapely.from_geojson(boundary)
        shapely.prepare(geometry)
        shapes.append(_Shape(area_id, level, geometry))
    shapes.sort(key=lambda s: (s.level, s.area_id))
    with _cache_lock:
        _cache[country.pk] = (time.monotonic(), shapes)
    return shapes


def areas_containing(country: Country, latitude: float, longitude: float) -> list[AdminArea]:
    """The country's areas with a boundary that contain the point (or have it on their
    edge), country first, then admin 1, then admin 2."""
    ids = [
        s.area_id
        for s in _shapes(country)
        if shapely.intersects_xy(s.geometry, longitude, latitude)
    ]
    by_id = AdminArea.objects.in_bulk(ids)
    return [by_id[i] for i in ids if i in by_id]


def area_ids_at(
    country: Country, level: int, latitudes: np.ndarray, longitudes: np.ndarray
) -> np.ndarray:
    """For many points at once: the id of the level's area holding each point (the first
    by id where areas overlap), 0 where none does."""
    found = np.zeros(len(latitudes), dtype=np.int64)
    for shape in _shapes(country):
        if shape.level == level:
            todo = found == 0
            hit = shapely.intersects_xy(shape.geometry, longitudes[todo], latitudes[todo])
            found[np.flatnonzero(todo)[hit]] = shape.area_id
    return found


def inside_country(
    country: Country, latitudes: np.ndarray, longitudes: np.ndarray
) -> np.ndarray | None:
    """Whether each point lies within the country's boundary (level 0; on the edge counts),
    or None when the country has no boundary to check against."""
    shapes = [s for s in _shapes(country) if s.level == AreaLevel.COUNTRY]
    if not shapes:
        return None
    return area_ids_at(country, AreaLevel.COUNTRY, latitudes, longitudes) != 0


def boundary_of(area: AdminArea) -> shapely.Geometry | None:
    return shapely.from_geojson(area.boundary) if area.boundary else None
