"""`GET /tiles/schools/{z}/{x}/{y}.mvt`: the schools map's vector tiles (ADR 0010).

A Mapbox Vector Tile 2.1 with one layer, `schools`, extent 4096. Its features are points:

- **a school** (a tile with at most 1,000 schools that pass the filters, and every tile from
  zoom 15 on): feature id and property `id` = the school's id, `status` = its status on the
  layer, `education_level`, `area_type` (`urban`, `rural` or empty), `realtime` (bool:
  registered for real-time measurements);
- **a cell of schools** (busier tiles): drawn at the centre of its schools, property
  `count` = how many schools, and one count per status of the layer (`good`, `moderate`,
  `bad`, `no_internet`, `unknown`; coverage has no `no_internet`), or only the asked
  status when `status` filters. A tile never mixes both kinds, and never drops a school:
  the counts of a tile add up to the schools in it.

Query parameters (each at most once; others are ignored):
`layer` = `global` (default) | `national` | `coverage`: the status that colours and counts;
`education_level`; `area_type` = `urban` | `rural`; `status` (one of the layer's);
`source` = `ndt` | `qos` | `other`: schools registered for real-time measurements (any
source); `country` = ISO3; `week` = `YYYY-Www`: real-time schools take their status of that
ISO week (unknown without data), the others keep theirs.

Answers: 200 with the tile (gzip when accepted), 204 when the tile is empty, 304 to a
conditional GET whose ETag (the data version) still holds, 400 for a bad parameter and 404
for a tile outside 0 ≤ z ≤ 22, 0 ≤ x, y < 2^z, both as `application/problem+json` naming
the field.
"""

from __future__ import annotations

import gzip

from django.http import HttpRequest, HttpResponse
from django.utils.cache import patch_vary_headers
from django.utils.translation import gettext as _
from django.views.decorators.http import require_safe

from resilnet.core.api import problem_response
from resilnet.schools.services.tiles import data_version
from resilnet.schools.tiles.backends import backend
from resilnet.schools.tiles.query import TileError, parse

CONTENT_TYPE = "application/vnd.mapbox-vector-tile"
MAX_AGE = 60  # seconds: statuses change weekly, positions with each import


@require_safe
def tile(request: HttpRequest, z: str, x: str, y: str) -> HttpResponse:
    try:
        query = parse(z, x, y, dict(request.GET.lists()))
    except TileError as error:
        title = _("No such tile") if error.status == 404 else _("Bad tile parameter")
        return problem_response(request, error.status, title, error.detail, field=error.field)
    etag = f'W/"schools-{data_version()}"'
    if etag in request.headers.get("If-None-Match", ""):
        response = HttpResponse(status=304)
    else:
        data = backend().tile(query)
        if not data:
            response = HttpResponse(status=204)
        elif "gzip" in request.headers.get("Accept-Encoding", ""):
            response = HttpResponse(gzip.compress(data, 6), content_type=CONTENT_TYPE)
            response["Content-Encoding"] = "gzip"
        else:
            response = HttpResponse(data, content_type=CONTENT_TYPE)
    response["ETag"] = etag
    response["Cache-Control"] = f"public, max-age={MAX_AGE}"
    patch_vary_headers(response, ["Accept-Encoding"])
    return response
