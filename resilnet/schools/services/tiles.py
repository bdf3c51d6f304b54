"""Keeping the map's pre-aggregated cells in step with the schools (ADR 0010)."""

from __future__ import annotations

from collections.abc import Iterable

from django.db import transaction
from django.db.models import F
from django.utils import timezone

from resilnet.schools.models import GridVersion
from resilnet.schools.tiles.backends import backend


def refresh_grid(country_ids: Iterable[int] | None = None) -> int:
    """Recount the map's grid cells of these countries (every country when None) from their
    live schools and current statuses, one transaction per country, and bump the data
    version the tiles' ETags carry. Idempotent. Call it after schools or their statuses
    change (imports, roll-ups, deletions); returns how many cells were written."""
    written = backend().refresh_grid(None if country_ids is None else list(country_ids))
    bump_data_version()
    return written


def bump_data_version() -> None:
    """Tiles change: a new ETag for every tile (their statuses or positions changed)."""
    with transaction.atomic():
        updated = GridVersion.objects.filter(pk=1).update(
            version=F("version") + 1, refreshed_at=timezone.now()
        )
        if not updated:
            GridVersion.objects.get_or_create(pk=1, defaults={"version": 1})


def data_version() -> int:
    return GridVersion.objects.filter(pk=1).values_list("version", flat=True).first() or 0
