"""Keeping the map's pre-aggregated cells in step with the schools (ADR 0010)."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date
from typing import Any

from django.db import transaction
from django.db.models import Count, F, Sum
from django.utils import timezone

from resilnet.schools.models import GridCell, GridVersion, School
from resilnet.schools.tiles.backends import backend
from resilnet.schools.tiles.backends.database import GRID_LEVELS, WeekMove
from resilnet.schools.tiles.backends.database import move_statuses as move_cell_statuses
from resilnet.schools.tiles.backends.database import (
    move_week_statuses as move_week_cell_statuses,
)


def refresh_grid(country_ids: Iterable[int] | None = None, *, weeks: bool = True) -> int:
    """Recount the map's grid cells of these countries (every country when None) from their
    live schools and current statuses, and with `weeks` their cells of every week too, one
    transaction per country, and bump the data version the tiles' ETags carry. Idempotent.
    Call it after schools or their statuses change (imports, roll-ups, deletions); returns
    how many cells were written."""
    engine = backend()
    ids = None if country_ids is None else list(country_ids)
    written = engine.refresh_grid(ids)
    if weeks:
        written += engine.refresh_week_grid(ids)
    bump_data_version()
    return written


def refresh_week_grid(country_ids: Iterable[int], weeks: Iterable[date]) -> int:
    """Recount the cells of these weeks of these countries from their schools' weekly rows
    (a roll-up wrote them), and bump the data version."""
    written = backend().refresh_week_grid(list(country_ids), list(weeks))
    bump_data_version()
    return written


def move_statuses(cursor: Any, moves: str) -> None:
    """Statuses that changed (a table of id, old and new on each benchmark), applied to the
    map's cells inside the caller's transaction; the caller bumps the data version."""
    move_cell_statuses(cursor, moves)


def move_week_statuses(cursor: Any, monday: date, moves: list[WeekMove]) -> None:
    """Schools' week rows whose status changed, appeared or went (tile key, country, old
    and new statuses), applied to the week's cells inside the caller's transaction; the
    caller bumps the data version."""
    move_week_cell_statuses(cursor, monday, moves)


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


def realtime_not_in_grid(country_ids: Iterable[int]) -> set[int]:
    """Countries whose grid counts fewer real-time schools than they have: schools turned
    real-time by their first measurements since the cells were counted (a school never
    turns back, and deletions refresh the grid). Compares one coarse level's rolled-up
    rows, a few per country, with a count of the schools."""
    wanted = sorted(set(country_ids))
    if not wanted:
        return set()
    in_grid = dict(
        GridCell.objects.filter(
            country_id__in=wanted, level=min(GRID_LEVELS), rolled_up=True, realtime=True
        )
        .values("country_id")
        .annotate(n=Sum("total"))
        .values_list("country_id", "n")
    )
    schools = (
        School.objects.filter(country_id__in=wanted, realtime=True, deleted_at=None)
        .values("country_id")
        .annotate(n=Count("pk"))
        .values_list("country_id", "n")
    )
    return {c for c, n in schools if in_grid.get(c, 0) != n}
