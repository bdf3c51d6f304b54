"""A plan on the schools map: the overlay the planning module offers (module contract,
`map_overlays`), its GeoJSON and one site's recommendation with its cost breakdown.

The schools map knows nothing of plans: it draws any module's `MapOverlay`, points
coloured and shaped by category, lines between them, and shows a point's details.

Why one GeoJSON per plan rather than vector tiles or a view-limited endpoint: points
carry only their id and technology (a site's figures come on click), and the answer is
gzipped as it streams, so a synthetic plan of 200,000 sites is 3.7 MB on the wire (36.9 MB
raw) built in 6 s on SQLite, a third of the bytes of the full GeoJSON export
(bench/planning_overlay.py, docs/benchmarks.md). A planner opens a plan once and pans
without asking again, and MapLibre tiles it in its worker. Tiles would pay off for many
visitors on slow links, the schools map's public case, which plans (working documents
of a few planners) are not; they are the step to take if plans grow past a country.
"""

from __future__ import annotations

import json
import zlib
from collections.abc import Iterable, Iterator
from typing import Any

from django.http import Http404, HttpRequest, HttpResponse, JsonResponse, StreamingHttpResponse
from django.urls import NoReverseMatch, reverse
from django.utils.cache import patch_vary_headers
from django.utils.formats import number_format
from django.utils.translation import gettext as _
from django.views.decorators.http import require_safe

from resilnet.core.modules import MapOverlay, OverlayCategory
from resilnet.planning import charts, permissions, selectors
from resilnet.planning.exports import LINKED
from resilnet.planning.models import Scenario, ScenarioState
from resilnet.planning.views import _scenario, readers

# Shapes beside the colours, so a reader who cannot tell two colours apart still can
# tell the technologies; microwave links are dashed, fibre routes solid.
SHAPES = {
    "fibre": "circle",
    "cellular": "square",
    "microwave": "triangle",
    "satellite": "diamond",
    "existing": "ring",
    "none": "cross",
}
MAX_LISTED = 100  # scenarios offered on the map, most recently changed first
CHUNK = 5000


def overlay_key(scenario_id: int) -> str:
    return f"planning-{scenario_id}"


def map_url(scenario: Scenario) -> str:
    """The schools map with this plan drawn over it ("" without a schools map)."""
    try:
        return reverse("schools:map") + "?overlay=" + overlay_key(scenario.pk)
    except NoReverseMatch:
        return ""


def categories() -> tuple[OverlayCategory, ...]:
    return tuple(
        OverlayCategory(
            value=name,
            label=str(selectors.LABELS[name]),
            colour=selectors.COLOURS[name],
            shape=SHAPES[name],
            dashed=name == "microwave",
        )
        for name in selectors.SHOWN
    )


def map_overlays(user: Any) -> list[MapOverlay]:
    """The computed plans this user may read, as overlays of the schools map."""
    if not permissions.can_view(user):
        return []
    shown = categories()
    group = str(_("Plans"))
    return [
        MapOverlay(
            key=overlay_key(scenario.pk),
            title=f"{scenario.name} ({scenario.country.name})",
            group=group,
            data_url=reverse("planning:map_data", args=[scenario.pk]),
            detail_url=reverse("planning:map_site", args=[scenario.pk, 0]).replace(
                "/0.json", "/{id}.json"
            ),
            categories=shown,
            page_url=reverse("planning:scenario", args=[scenario.pk]),
        )
        for scenario in selectors.scenarios().filter(state=ScenarioState.DONE)[:MAX_LISTED]
    ]


def _computed(scenario_id: int) -> Scenario:
    scenario = _scenario(scenario_id)
    if not scenario.computed:
        raise Http404(_("This scenario has not been computed yet."))
    return scenario


def _geojson(scenario: Scenario) -> Iterator[str]:
    """Points (id, category) then links, keyset-read so 200,000 sites stay flat in memory."""
    rows = selectors.results(scenario).values_list(
        "id", "technology", "connected", "latitude", "longitude", "via_latitude", "via_longitude"
    )
    yield '{"type":"FeatureCollection","features":['
    first = True
    last = 0
    while chunk := list(rows.filter(id__gt=last)[:CHUNK]):
        last = chunk[-1][0]
        parts = []
        for pk, technology, connected, lat, lon, via_lat, via_lon in chunk:
            here = [round(lon, 5), round(lat, 5)]
            parts.append(
                {
                    "type": "Feature",
                    "geometry": {"type": "Point", "coordinates": here},
                    "properties": {"id": pk, "category": technology},
                }
            )
            if connected and technology in LINKED and via_lat is not None and via_lon is not None:
                there = [round(via_lon, 5), round(via_lat, 5)]
                parts.append(
                    {
                        "type": "Feature",
                        "geometry": {"type": "LineString", "coordinates": [there, here]},
                        "properties": {"category": technology},
                    }
                )
        text = ",".join(json.dumps(part, separators=(",", ":")) for part in parts)
        yield text if first else "," + text
        first = False
    yield "]}"


def _gzipped(chunks: Iterable[str]) -> Iterator[bytes]:
    """One gzip stream over the chunks, as they come (a tenth of the bytes)."""
    packer = zlib.compressobj(6, zlib.DEFLATED, 31)  # 31: with gzip's header and trailer
    for chunk in chunks:
        if packed := packer.compress(chunk.encode()):
            yield packed
    yield packer.flush()


@require_safe
@readers
def map_data(request: HttpRequest, scenario_id: int) -> StreamingHttpResponse:
    scenario = _computed(scenario_id)
    if "gzip" in request.headers.get("Accept-Encoding", ""):
        response = StreamingHttpResponse(
            _gzipped(_geojson(scenario)), content_type="application/geo+json"
        )
        response["Content-Encoding"] = "gzip"
    else:
        response = StreamingHttpResponse(_geojson(scenario), content_type="application/geo+json")
    patch_vary_headers(response, ["Accept-Encoding"])
    # A working document: kept by no shared cache; a new run changes it.
    response["Cache-Control"] = "private, no-cache"
    return response


def _money(value: Any) -> str:
    return "USD " + number_format(value, decimal_pos=0, force_grouping=True)


@require_safe
@readers
def map_site(request: HttpRequest, scenario_id: int, result_id: int) -> HttpResponse:
    scenario = _computed(scenario_id)
    result = selectors.results(scenario).filter(pk=result_id).first()
    if result is None:
        raise Http404(_("No such site in this plan."))
    technology = str(selectors.LABELS.get(result.technology, result.technology))
    rows = [
        [_("Site"), result.site_id],
        [_("Recommendation"), technology],
        [_("Why"), charts.reason_text(result.reason)],
        [_("Capital cost"), _money(result.capex)],
        [_("Running cost per year"), _money(result.opex_per_year)],
        [
            _("Cost over %(years)s years") % {"years": scenario.costs.get("horizon_years", "?")},
            _money(result.npv),
        ],
        [_("Students"), number_format(result.num_students, force_grouping=True)],
        [_("Demand"), _("%(mbps)s Mbps") % {"mbps": number_format(result.demand_mbps, 1)}],
    ]
    if result.via_id:
        rows.append([_("Linked from"), f"{result.via_id} ({result.link_km:.1f} km)"])
    if result.admin1:
        rows.append([_("Province"), result.admin1])
    return JsonResponse(
        {
            "title": result.name or result.site_id,
            "rows": rows,
            "connected": result.connected,
            "category": result.technology,
        }
    )
