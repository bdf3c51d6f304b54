"""The public, read-only part of the schools API: countries with statistics, admin areas,
schools (filtered, paginated), a school's profile, measurements and weekly series, and
CSV/GeoJSON exports of any filtered selection.

`GET /countries/{iso3}/stats` is a stable interface: counts per connectivity status for
both benchmarks, this week and last, in the shape of `CountryStatsOut`.
"""

import datetime as dt
from typing import Any
from uuid import UUID

from django.http import HttpRequest
from django.urls import reverse
from ninja import Field, Query, Router, Schema
from ninja.pagination import paginate

from resilnet.core.api import Page, Problem, errors
from resilnet.schools import exports, selectors
from resilnet.schools.models import (
    AreaType,
    Benchmark,
    MeasurementSource,
    School,
    SchoolWeeklyStatus,
)
from resilnet.schools.services.exports import do_export_schools
from resilnet.schools.status import Connectivity, Coverage

router = Router(tags=["schools"])

ISO3 = r"^[A-Za-z]{3}$"
WEEK = r"^(\d{4}-W\d{2}|\d{4}-\d{2}-\d{2})$"
ID_MAX = 2**63 - 1


# Errors ---------------------------------------------------------------------------


def _country(iso3: str) -> Any:
    country = selectors.country_by_iso3(iso3)
    if country is None:
        code = iso3[:20]
        raise Problem(
            404,
            "Country not found",
            f"No country has the ISO 3166-1 alpha-3 code {code!r}.",
            code=code,
        )
    return country


def _school(school_id: int) -> School:
    # An id past the database's integers is no school (PostgreSQL would refuse the query).
    found = selectors.school(school_id) if 0 < school_id <= ID_MAX else None
    if found is None:
        raise Problem(404, "School not found", f"No school has the id {school_id}.")
    return found


def _invalid(location: str, message: str) -> Problem:
    return Problem(
        422,
        "Invalid request",
        f"{location}: {message}",
        errors=[{"location": location, "message": message}],
    )


def _week(value: str | None, location: str = "query.week") -> dt.date | None:
    if not value:
        return None
    try:
        return selectors.parse_week(value)
    except ValueError as exc:
        raise _invalid(location, str(exc)) from None


# Schemas --------------------------------------------------------------------------


class StatusCounts(Schema):
    """Schools in each connectivity status."""

    good: int
    moderate: int
    bad: int
    no_internet: int
    unknown: int


class CoverageCounts(Schema):
    good: int
    moderate: int
    bad: int
    unknown: int


class WeekStats(Schema):
    """One ISO week's counts on both benchmarks. `source`: `rollup` (the weekly roll-up),
    `current` (no roll-up yet this week: the schools' current status) or `none` (no
    data for that week: both counts null)."""

    week: str = Field(..., description="ISO week, YYYY-Www.", examples=["2025-W01"])
    start: dt.date = Field(..., description="The week's Monday.")
    iso_year: int
    iso_week: int
    source: str
    global_: StatusCounts | None = Field(..., alias="global")
    national: StatusCounts | None


class Benchmarks(Schema):
    global_bps: int = Field(..., description="Global download benchmark, bits per second.")
    national_bps: int = Field(..., description="This country's benchmark, bits per second.")


class CountryStatsOut(Schema):
    country: str = Field(..., description="ISO 3166-1 alpha-3 code.")
    name: str
    benchmarks: Benchmarks
    schools: int = Field(..., description="Schools in the registry now.")
    realtime: int = Field(..., description="Schools registered for real-time measurements.")
    coverage: CoverageCounts
    this_week: WeekStats
    last_week: WeekStats


class AreaStatsOut(Schema):
    id: int
    code: str
    name: str
    level: int = Field(..., description="1: province or region; 2: district.")
    parent_id: int | None
    schools: int
    realtime: int
    coverage: CoverageCounts
    this_week: WeekStats
    last_week: WeekStats


class CountryListOut(Schema):
    country: str
    name: str
    schools: int = Field(..., description="Schools counted in that week.")
    benchmarks: Benchmarks
    week: str
    source: str
    global_: StatusCounts = Field(..., alias="global")
    national: StatusCounts


class WeekCountsOut(Schema):
    week: str
    start: dt.date
    iso_year: int
    iso_week: int
    global_: StatusCounts = Field(..., alias="global")
    national: StatusCounts


class SchoolOut(Schema):
    id: int
    url: str = Field(..., description="The school's page.")
    country: str
    school_id_giga: str
    school_id_govt: str
    school_name: str
    latitude: float
    longitude: float
    education_level: str
    school_area_type: str
    admin1: str
    admin2: str
    admin1_area_id: int | None
    admin2_area_id: int | None
    realtime: bool
    connectivity_global: str
    connectivity_national: str
    coverage: str


class WeeklyOut(Schema):
    week: str
    start: dt.date
    download_bps: int | None
    upload_bps: int | None
    latency_ms: float | None
    num_measurements: int
    connectivity_global: str
    connectivity_national: str


class SchoolProfileOut(SchoolOut):
    benchmarks: Benchmarks
    fields: dict[str, dict[str, Any]] = Field(
        ..., description="Giga's school master fields, grouped (identity, location, …)."
    )
    latest_week: WeeklyOut | None


class MeasurementOut(Schema):
    uuid: UUID
    timestamp: dt.datetime
    download_bps: int
    upload_bps: int | None
    latency_ms: float | None
    jitter_ms: float | None
    packet_loss: float | None
    source: str
    location_mismatch: bool


class SchoolFilterParams(Schema):
    country: str | None = Field(None, pattern=ISO3, description="ISO 3166-1 alpha-3 code.")
    area: int | None = Field(None, ge=1, le=ID_MAX, description="Admin area id (level 1 or 2).")
    education_level: str = Field("", max_length=64)
    school_area_type: AreaType | None = None
    status: Connectivity | None = Field(None, description="Connectivity status now.")
    benchmark: Benchmark = Field(Benchmark.GLOBAL, description="Which status `status` reads.")
    coverage: Coverage | None = None
    realtime: bool | None = None
    source: MeasurementSource | None = Field(None, description="Has measurements from it.")
    q: str = Field("", max_length=100, description="Part of the name, or a Giga or govt id.")

    def selection(self) -> selectors.SchoolFilters:
        return selectors.SchoolFilters(
            country=_country(self.country) if self.country else None,
            area=self.area,
            education_level=self.education_level,
            school_area_type=self.school_area_type or "",
            status=self.status or "",
            benchmark=self.benchmark,
            coverage=self.coverage or "",
            realtime=self.realtime,
            source=self.source or "",
            q=self.q.strip(),
        )


# Converters -----------------------------------------------------------------------


def _week_stats(week: dict[str, Any]) -> dict[str, Any]:
    return {
        "week": week["label"],
        "start": week["start"],
        "iso_year": week["iso_year"],
        "iso_week": week["iso_week"],
        "source": week["source"],
        "global": week["global"],
        "national": week["national"],
    }


def _benchmarks(stats: dict[str, Any]) -> dict[str, int]:
    return {
        "global_bps": stats["global_benchmark_bps"],
        "national_bps": stats["national_benchmark_bps"],
    }


def school_out(request: HttpRequest, school: School) -> dict[str, Any]:
    return {
        "id": school.pk,
        "url": request.build_absolute_uri(reverse("schools:school", args=[school.pk])),
        "country": school.country.iso3,
        **{
            name: getattr(school, name)
            for name in SchoolOut.model_fields
            if name not in ("id", "url", "country")
        },
    }


def _weekly_out(row: SchoolWeeklyStatus) -> dict[str, Any]:
    return {
        "week": f"{row.iso_year}-W{row.iso_week:02d}",
        "start": row.week_start,
        "download_bps": row.download_bps,
        "upload_bps": row.upload_bps,
        "latency_ms": row.latency_ms,
        "num_measurements": row.num_measurements,
        "connectivity_global": row.connectivity_global,
        "connectivity_national": row.connectivity_national,
    }


# Countries (before /{school_id}: the paths must not be read as ids) ---------------


@router.get(
    "/countries",
    response={200: list[CountryListOut]},
    by_alias=True,
    summary="Countries with schools, with their latest week's counts per status",
)
def list_countries(request: HttpRequest) -> Any:
    return [
        {
            "country": row["iso3"],
            "name": row["name"],
            "schools": row["schools"],
            "benchmarks": _benchmarks(row),
            "week": row["week"]["label"],
            "source": row["source"],
            "global": row["connectivity"]["global"],
            "national": row["connectivity"]["national"],
        }
        for row in selectors.countries_with_stats()
    ]


class WeekParam(Schema):
    week: str | None = Field(
        None,
        pattern=WEEK,
        description="ISO week (YYYY-Www) or a date in it; default: the current week, or the "
        "latest rolled-up week.",
    )


@router.get(
    "/countries/{iso3}/stats",
    response={200: CountryStatsOut, **errors(404, 422)},
    by_alias=True,
    summary="A country's counts per connectivity status on both benchmarks, this week and last",
)
def country_stats(request: HttpRequest, iso3: str, params: Query[WeekParam]) -> Any:
    country = _country(iso3)
    stats = selectors.country_stats(country, _week(params.week))
    return {
        "country": country.iso3,
        "name": country.name,
        "benchmarks": _benchmarks(stats),
        "schools": stats["schools"],
        "realtime": stats["realtime"],
        "coverage": stats["coverage"],
        "this_week": _week_stats(stats["this_week"]),
        "last_week": _week_stats(stats["last_week"]),
    }


class AreaParams(WeekParam):
    level: int | None = Field(None, ge=1, le=2, description="1 or 2; both when absent.")


@router.get(
    "/countries/{iso3}/areas",
    response={200: list[AreaStatsOut], **errors(404, 422)},
    by_alias=True,
    summary="A country's admin areas, each with its counts this week and last",
)
def country_areas(request: HttpRequest, iso3: str, params: Query[AreaParams]) -> Any:
    country = _country(iso3)
    levels = (params.level,) if params.level else (1, 2)
    stats = selectors.area_stats(country, _week(params.week), levels)
    return [
        {
            **{key: area[key] for key in ("id", "code", "name", "level", "parent_id")},
            "schools": area["schools"],
            "realtime": area["realtime"],
            "coverage": area["coverage"],
            "this_week": _week_stats(area["this_week"]),
            "last_week": _week_stats(area["last_week"]),
        }
        for area in stats["areas"]
    ]


class SeriesParams(Schema):
    since: dt.date | None = Field(None, description="First day (its week included).")
    until: dt.date | None = Field(None, description="Last day (its week included).")


class AreaSeriesParams(SeriesParams):
    area: int | None = Field(None, ge=1, le=ID_MAX, description="An admin area of the country.")


def _series_bounds(params: SeriesParams) -> None:
    if params.since and params.until and params.since > params.until:
        raise _invalid("query.since", "must not be after until")


@router.get(
    "/countries/{iso3}/weekly",
    response={200: list[WeekCountsOut], **errors(404, 422)},
    by_alias=True,
    summary="A country's (or one area's) counts per status, week by week",
)
def country_weekly(request: HttpRequest, iso3: str, params: Query[AreaSeriesParams]) -> Any:
    country = _country(iso3)
    _series_bounds(params)
    area = None
    if params.area is not None:
        area = selectors.area(country, params.area)
        if area is None:
            raise Problem(404, "Area not found", f"{country.iso3} has no area {params.area}.")
    return [
        {**week, "week": week["label"]}
        for week in selectors.area_weekly(country, area, params.since, params.until)
    ]


# Schools --------------------------------------------------------------------------


@router.get(
    "",
    response={200: list[SchoolOut], **errors(404, 422)},
    summary="Schools, filtered and paginated",
)
@paginate(Page)
def list_schools(request: HttpRequest, filters: Query[SchoolFilterParams]) -> Any:
    return _SchoolPage(request, selectors.schools(filters.selection()))


class _SchoolPage:
    """A queryset the paginator slices and counts, turned into `SchoolOut` rows only for
    the page it shows."""

    def __init__(self, request: HttpRequest, queryset: Any) -> None:
        self.request, self.queryset = request, queryset.select_related("country")

    def count(self) -> int:
        return int(self.queryset.count())

    def __getitem__(self, item: slice) -> list[dict[str, Any]]:
        return [school_out(self.request, school) for school in self.queryset[item]]


def _download(media_type: str, schema: dict[str, Any]) -> dict[str, Any]:
    return {"responses": {200: {"content": {media_type: {"schema": schema}}}}}


class CsvParams(SchoolFilterParams):
    bom: bool = Field(False, description="Start with a UTF-8 byte-order mark (for Excel).")


@router.get(
    "/export.csv",
    response={200: None, **errors(404, 422)},
    summary="The filtered schools as CSV (streamed)",
    openapi_extra=_download("text/csv", {"type": "string"}),
)
def export_csv(request: HttpRequest, filters: Query[CsvParams]) -> Any:
    chunks = do_export_schools(request.user, filters.selection(), "csv", bom=filters.bom)
    return exports.streaming_response(chunks, "csv")


@router.get(
    "/export.geojson",
    response={200: None, **errors(404, 422)},
    summary="The filtered schools as a GeoJSON FeatureCollection (streamed)",
    openapi_extra=_download(
        "application/geo+json",
        {
            "type": "object",
            "properties": {
                "type": {"const": "FeatureCollection"},
                "features": {"type": "array", "items": {"type": "object"}},
            },
            "required": ["type", "features"],
        },
    ),
)
def export_geojson(request: HttpRequest, filters: Query[SchoolFilterParams]) -> Any:
    chunks = do_export_schools(request.user, filters.selection(), "geojson")
    return exports.streaming_response(chunks, "geojson")


@router.get(
    "/{school_id}",
    response={200: SchoolProfileOut, **errors(404, 422)},
    summary="One school's profile",
)
def school_profile(request: HttpRequest, school_id: int) -> Any:
    school = _school(school_id)
    profile = selectors.school_profile(school)
    latest = profile["latest_week"]
    return {
        **school_out(request, school),
        "benchmarks": _benchmarks(profile),
        "fields": profile["groups"],
        "latest_week": _weekly_out(latest) if latest else None,
    }


class MeasurementParams(Schema):
    since: dt.datetime | None = Field(None, description="From this time (included).")
    until: dt.datetime | None = Field(None, description="Up to this time (excluded).")
    source: MeasurementSource | None = None


@router.get(
    "/{school_id}/measurements",
    response={200: list[MeasurementOut], **errors(404, 422)},
    summary="A school's measurements, newest first",
)
@paginate(Page)
def school_measurements(
    request: HttpRequest, school_id: int, params: Query[MeasurementParams]
) -> Any:
    school = _school(school_id)
    if params.since and params.until and params.since > params.until:
        raise _invalid("query.since", "must not be after until")
    return selectors.measurements(
        school.pk, since=params.since, until=params.until, source=params.source or ""
    )


@router.get(
    "/{school_id}/weekly",
    response={200: list[WeeklyOut], **errors(404, 422)},
    summary="A school's ISO weeks: median speeds and status on both benchmarks",
)
def school_weekly(request: HttpRequest, school_id: int, params: Query[SeriesParams]) -> Any:
    school = _school(school_id)
    _series_bounds(params)
    return [
        _weekly_out(row) for row in selectors.school_weekly(school.pk, params.since, params.until)
    ]
