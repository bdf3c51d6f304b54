"""The map of every school: one page, MapLibre GL JS over the app's own vector tiles.

The page carries no data of its own but the filter choices and the week range: the
schools come from `/tiles/schools/{z}/{x}/{y}.mvt`, a school's profile from the API, the
base map from the Natural Earth boundaries of the `world-atlas` package served by the site.
"""

from __future__ import annotations

import datetime
from dataclasses import asdict
from typing import Any

from django.conf import settings
from django.db.models import Exists, Min, OuterRef
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.templatetags.static import static
from django.urls import get_script_prefix, reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, pgettext

from resilnet.core import modules
from resilnet.core.models import Country
from resilnet.schools.models import AreaType, MeasurementSource, School, SchoolWeeklyStatus
from resilnet.schools.status import Connectivity

# Giga's school master schema spells the levels this way; a file with other words maps
# them on import, so the filter offers these.
EDUCATION_LEVELS = (
    ("Pre-Primary", gettext_lazy("Pre-primary")),
    ("Primary", gettext_lazy("Primary")),
    ("Secondary", gettext_lazy("Secondary")),
    ("Post-Secondary", gettext_lazy("Post-secondary")),
)
LAYERS = ("global", "national", "coverage")
# How far back the time player reaches when no week has been rolled up yet.
DEFAULT_WEEKS = 12


def _monday(day: datetime.date) -> datetime.date:
    return day - datetime.timedelta(days=day.weekday())


def _chosen(request: HttpRequest, name: str, allowed: tuple[str, ...]) -> str:
    """A filter's value from the query string, or "" when it is not one of the choices."""
    value = request.GET.get(name, "")
    return value if value in allowed else ""


def _strings() -> dict[str, Any]:
    """Everything the script writes on the page, translated here (json_script)."""
    return {
        "status": dict(Connectivity.choices),
        "layer": {
            "global": _("Connectivity, global benchmark"),
            "national": _("Connectivity, national benchmark"),
            "coverage": _("Mobile coverage"),
        },
        "latest": _("Latest"),
        "play": _("Play"),
        "pause": _("Pause"),
        "loading": _("Loading…"),
        "profile_failed": _("Could not load this school."),
        "chart_title": _("Weekly download speed (Mbps)"),
        "chart_empty": _("No measurements yet."),
        "benchmark": _("Global benchmark"),
        "full_profile": _("Full profile"),
        "in_view": _("Schools in view"),
        "total": pgettext("sum of schools", "Total"),
        "no_boundary": _("This country is not on the base map."),
        "attribution": _("Boundaries: Natural Earth"),
        "overlay_in_view": _("In view"),
        "overlay_failed": _("Could not load this layer."),
        "overlay_page": _("Open its page"),
        "mbps": _("Mbps"),
        "yes": _("Yes"),
        "no": _("No"),
        "fields": {
            "school_id_giga": _("Giga ID"),
            "school_id_govt": _("Government ID"),
            "country": _("Country"),
            "admin1": _("Province"),
            "admin2": _("District"),
            "education_level": _("Education level"),
            "school_area_type": _("Environment"),
            "num_students": _("Students"),
            "num_teachers": _("Teachers"),
            "num_computers": _("Computers"),
            "electricity_availability": _("Electricity"),
            "connectivity_type_govt": _("Connection type"),
            "cellular_coverage_type": _("Mobile coverage"),
            "connectivity_global": _("Connectivity, global benchmark"),
            "connectivity_national": _("Connectivity, national benchmark"),
        },
    }


def _grouped(overlays: list[modules.MapOverlay]) -> list[tuple[str, list[modules.MapOverlay]]]:
    groups: dict[str, list[modules.MapOverlay]] = {}
    for item in overlays:
        groups.setdefault(item.group, []).append(item)
    return list(groups.items())


def map_page(request: HttpRequest) -> HttpResponse:
    this_week = _monday(timezone.now().date())
    first = SchoolWeeklyStatus.objects.aggregate(first=Min("week_start"))["first"]
    first_week = min(first or this_week, this_week - datetime.timedelta(weeks=DEFAULT_WEEKS))
    # One index probe per country (School.country is indexed), not a scan of the schools.
    live = School.objects.filter(country=OuterRef("pk"), deleted_at__isnull=True)
    countries = list(
        Country.objects.filter(Exists(live)).order_by("name").values("iso3", "m49", "name")
    )
    prefix = get_script_prefix()
    # Layers other modules offer this user (a plan, …), drawn over the schools: the
    # module contract lists them, so this page imports none of those modules.
    overlays = modules.map_overlays(request.user)
    overlay = request.GET.get("overlay", "")
    if overlay not in {item.key for item in overlays}:
        overlay = ""
    config = {
        "tiles": f"{prefix}tiles/schools/{{z}}/{{x}}/{{y}}.mvt",
        "api": f"{prefix}api/v1/schools/",
        "profile": reverse("schools:index") + "{id}/",
        "worker": static("vendor/maplibre-gl/maplibre-gl-csp-worker.js"),
        "atlas": static("vendor/world-atlas/countries-110m.json"),
        # Small countries missing at 1:110m are looked up here, only when chosen.
        "atlas_detail": static("vendor/world-atlas/countries-50m.json"),
        "basemap": settings.BASEMAP_URL,
        "first_week": first_week.isoformat(),
        "last_week": this_week.isoformat(),
        "countries": {country["iso3"]: country["m49"] for country in countries},
        "overlays": {item.key: asdict(item) for item in overlays},
        "overlay": overlay,
    }
    chosen = {
        "layer": _chosen(request, "layer", LAYERS) or "global",
        "education_level": _chosen(
            request, "education_level", tuple(value for value, _label in EDUCATION_LEVELS)
        ),
        "area_type": _chosen(request, "area_type", tuple(AreaType.values)),
        "status": _chosen(request, "status", tuple(Connectivity.values)),
        "source": _chosen(request, "source", tuple(MeasurementSource.values)),
    }
    strings = _strings()
    return render(
        request,
        "schools/map.html",
        {
            "config": config,
            "strings": strings,
            "chosen": chosen,
            "layers": [(value, strings["layer"][value]) for value in LAYERS],
            "education_levels": EDUCATION_LEVELS,
            "area_types": AreaType.choices,
            "statuses": Connectivity.choices,
            "sources": MeasurementSource.choices,
            "countries": countries,
            "overlay_groups": _grouped(overlays),
            "overlay": overlay,
        },
    )
