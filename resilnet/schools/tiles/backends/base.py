"""The interface every tile engine implements (one class per engine beside this file)."""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Iterable
from datetime import date

from resilnet.schools.tiles.query import TileQuery

LAYER_NAME = "schools"


class TileBackend(ABC):
    name: str

    @abstractmethod
    def tile(self, query: TileQuery) -> bytes:
        """The tile's Mapbox Vector Tile bytes (layer `schools`); b"" when it is empty."""

    @abstractmethod
    def refresh_grid(self, country_ids: Iterable[int] | None = None) -> int:
        """Recount the pre-aggregated cells of these countries (all when None), one
        transaction per country; returns how many cells were written."""

    @abstractmethod
    def refresh_week_grid(
        self, country_ids: Iterable[int] | None, weeks: Iterable[date] | None = None
    ) -> int:
        """Recount the week cells of these countries (all when None), of `weeks` (every
        week when None), one transaction per country."""
