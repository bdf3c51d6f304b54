"""The module contract: what each app adds to the platform, declared in one place it owns.

An app listed in INSTALLED_APPS is a module when it has a `module.py` defining
`MODULE = Module(...)`. The project reads these declarations to mount the module's pages
(`/<slug>/`), map tiles (`/tiles/<slug>/`) and API router (`/api/v1/<slug>/`), to add its
command group to `resilnet`, its entry to the navigation, its card and search box to the
home page and its link to each country's page, to load its demo data, to schedule its
periodic tasks and to run its health checks.
Core declares its own tasks and checks the same way but has no navigation entry.

Everything is named by dotted path, imported only when used: reading the declarations
costs no import of a module's views, API or command line.
"""

from __future__ import annotations

import importlib
import importlib.util
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import timedelta
from functools import cache
from typing import Any

from django.utils.functional import Promise
from django.utils.module_loading import import_string


@dataclass(frozen=True)
class PeriodicTask:
    """A django-tasks task (dotted path) that the workers enqueue once per `every`."""

    task: str
    every: timedelta


@dataclass(frozen=True)
class OverlayCategory:
    """One kind of feature of a map overlay: its colour, and a shape so colour is not the
    only cue (`circle`, `square`, `triangle`, `diamond`, `ring`, `cross`); its lines are
    dashed when `dashed`."""

    value: str
    label: str
    colour: str
    shape: str = "circle"
    dashed: bool = False


@dataclass(frozen=True)
class MapOverlay:
    """A layer another module offers to draw over the schools map.

    `data_url` answers a GeoJSON FeatureCollection: points with properties `id` and
    `category` (one of `categories`' values), and lines with `category`. `detail_url`,
    with `{id}` replaced by a point's id, answers `{"title": str, "rows": [[label, value]]}`
    already translated, shown when the point is clicked.
    """

    key: str  # unique among overlays, kept in the map's address (?overlay=)
    title: str
    group: str  # the offering module's title, grouping the map's choices
    data_url: str
    detail_url: str
    categories: tuple[OverlayCategory, ...]
    page_url: str = ""  # the overlay's own page, linked from the map


@dataclass(frozen=True)
class Module:
    slug: str  # URL prefix, CLI group name and URL namespace
    title: Promise
    summary: Promise  # one line for the navigation's home-page card
    coming: Promise | str = ""  # while the module is not built: what it will do
    urls: str = ""  # URLconf (with app_name == slug) mounted at /<slug>/
    tiles: str = ""  # URLconf of map tiles mounted at /tiles/<slug>/ (namespace <slug>-tiles)
    api_router: str = ""  # django-ninja Router mounted at /api/v1/<slug>/
    cli: str = ""  # register(subparsers): adds `resilnet <slug> COMMAND`
    demo: str = ""  # load() -> str: loads demo data, returns one line to print
    # services() -> {name: argv}: processes the demo runs beside the web server and worker
    demo_services: str = ""
    periodic_tasks: tuple[PeriodicTask, ...] = ()
    health_checks: tuple[str, ...] = ()  # check() -> dict with at least {"ok": bool}
    # map_overlays(user) -> list[MapOverlay]: layers this user may draw on the schools map
    map_overlays: str = ""
    country_url_name: str = ""  # its page about one country, reversed with the ISO3 code
    search_url_name: str = ""  # its search page, answering ?q=: the home page offers a box
    in_navigation: bool = True

    @property
    def url_name(self) -> str:
        """The module's start page; every module's URLconf names it `index`."""
        return f"{self.slug}:index"

    def load(self, what: str) -> Any:
        return import_string(getattr(self, what))


def declared_by(app_names: Iterable[str]) -> tuple[Module, ...]:
    """The modules of these apps, in their order (INSTALLED_APPS' order)."""
    found = []
    for app in app_names:
        if importlib.util.find_spec(f"{app}.module") is not None:
            declared = importlib.import_module(f"{app}.module").MODULE
            if not isinstance(declared, Module):
                raise TypeError(f"{app}.module.MODULE is not a Module")
            found.append(declared)
    slugs = [m.slug for m in found]
    if len(slugs) != len(set(slugs)):
        raise ValueError(f"two modules share a slug: {slugs}")
    return tuple(found)


@cache
def installed() -> tuple[Module, ...]:
    from django.apps import apps

    return declared_by(config.name for config in apps.get_app_configs())


def navigation() -> tuple[Module, ...]:
    return tuple(m for m in installed() if m.in_navigation)


def map_overlays(user: Any) -> list[MapOverlay]:
    """Every module's map overlays open to this user, in the modules' order."""
    found: list[MapOverlay] = []
    for module in installed():
        if module.map_overlays:
            found.extend(module.load("map_overlays")(user))
    return found


def by_slug(slug: str) -> Module:
    return next(m for m in installed() if m.slug == slug)
