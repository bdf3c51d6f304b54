"""What one map tile asks for: its address and the map's layer and filters, validated."""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Mapping
from dataclasses import dataclass

from django.utils.translation import gettext as _

from resilnet.schools.models import AreaType, MeasurementSource
from resilnet.schools.status import Connectivity, Coverage

MAX_ZOOM = 22
LAYERS = ("global", "national", "coverage")
_INTEGER = re.compile(r"^[0-9]{1,8}$")
_WEEK = re.compile(r"^([0-9]{4})-W([0-9]{2})$")
_ISO3 = re.compile(r"^[A-Z]{3}$")
MAX_FILTER_LENGTH = 64  # School.education_level's length


class TileError(ValueError):
    """A bad tile address (404) or parameter (400), with the field it names."""

    def __init__(self, status: int, field: str, detail: str) -> None:
        super().__init__(detail)
        self.status, self.field, self.detail = status, field, detail


def statuses(layer: str) -> tuple[str, ...]:
    """The statuses a layer colours schools by, in the order counts are listed."""
    choices = Coverage if layer == "coverage" else Connectivity
    return tuple(choice.value for choice in choices)


@dataclass(frozen=True)
class TileQuery:
    z: int
    x: int
    y: int
    layer: str = "global"
    education_level: str | None = None
    area_type: str | None = None
    status: str | None = None
    realtime: bool | None = None  # the `source` filter (see parse)
    country_id: int | None = None
    week_start: dt.date | None = None

    def __post_init__(self) -> None:
        if not (0 <= self.z <= MAX_ZOOM):
            raise TileError(404, "z", _("The zoom must be between 0 and %d.") % MAX_ZOOM)
        for name, value in (("x", self.x), ("y", self.y)):
            if not (0 <= value < 1 << self.z):
                raise TileError(404, name, _("%s is outside the tiles of this zoom.") % name)
        if self.layer not in LAYERS:
            raise TileError(400, "layer", _("The layer must be one of %s.") % ", ".join(LAYERS))


def _integer(field: str, text: str) -> int:
    if not _INTEGER.match(text):
        raise TileError(400, field, _("%s must be a non-negative integer.") % field)
    return int(text)


def parse(z: str, x: str, y: str, params: Mapping[str, list[str]]) -> TileQuery:
    """The tile of a URL: `params` is the query string as lists of values (a QueryDict's
    lists()); parameters other than the map's are ignored (cache-busting suffixes)."""
    tz, tx, ty = _integer("z", z), _integer("x", x), _integer("y", y)
    if tz > MAX_ZOOM:
        raise TileError(404, "z", _("The zoom must be between 0 and %d.") % MAX_ZOOM)
    one: dict[str, str] = {}
    for name in ("layer", "education_level", "area_type", "status", "source", "country", "week"):
        values = params.get(name, [])
        if len(values) > 1:
            raise TileError(400, name, _("%s is given more than once.") % name)
        if values:
            if not values[0] or len(values[0]) > MAX_FILTER_LENGTH or "\x00" in values[0]:
                raise TileError(400, name, _("%s is empty, too long or not text.") % name)
            one[name] = values[0]
    layer = one.get("layer", "global")
    if layer not in LAYERS:
        raise TileError(400, "layer", _("The layer must be one of %s.") % ", ".join(LAYERS))
    area_type = one.get("area_type")
    if area_type is not None and area_type not in AreaType.values:
        raise TileError(400, "area_type", _("area_type must be urban or rural."))
    status = one.get("status")
    if status is not None and status not in statuses(layer):
        raise TileError(400, "status", _("status must be one of %s.") % ", ".join(statuses(layer)))
    # Which sources measured a school is not kept per school: any source means a school
    # registered for real-time measurements (ADR 0010).
    source = one.get("source")
    if source is not None and source not in MeasurementSource.values:
        raise TileError(
            400, "source", _("source must be one of %s.") % ", ".join(MeasurementSource.values)
        )
    return TileQuery(
        tz,
        tx,
        ty,
        layer=layer,
        education_level=one.get("education_level"),
        area_type=area_type,
        status=status,
        realtime=True if source else None,
        country_id=_country(one.get("country")),
        week_start=_week(one.get("week")),
    )


def _country(iso3: str | None) -> int | None:
    if iso3 is None:
        return None
    from resilnet.core.models import Country

    country_id = (
        Country.objects.filter(iso3=iso3).values_list("id", flat=True).first()
        if _ISO3.match(iso3)
        else None
    )
    if country_id is None:
        raise TileError(400, "country", _("country must be the ISO3 code of a known country."))
    return country_id


def _week(text: str | None) -> dt.date | None:
    if text is None:
        return None
    match = _WEEK.match(text)
    try:
        if not match:
            raise ValueError(text)
        return dt.date.fromisocalendar(int(match[1]), int(match[2]), 1)
    except ValueError:
        raise TileError(400, "week", _("week must be an ISO week, YYYY-Www.")) from None
