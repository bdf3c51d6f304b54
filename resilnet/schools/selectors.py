"""Reads of the schools module for its pages, its API, its exports and other modules
(the planner reads schools through these functions, never through the models).

Statistics of a country are read from two places, each answering in milliseconds at
Giga's scale (bench/schools_stats.py):
- connectivity per ISO week and per benchmark from `AreaWeeklyCount`, the roll-up's
  pre-aggregated counts (one row per area, week, benchmark and status);
- what does not change week to week (schools, real-time schools, coverage) and the
  current statuses from `AreaSchoolCount`, a row per area recounted whenever schools or
  statuses change (services/counts.py).
When the roll-up has no rows for the current week (nothing rolled up yet, or a registry
without measurements), the current week's connectivity is counted from the schools'
current status (`School.connectivity_*`, from the same rows) and marked `source="current"`;
an earlier week without rows has no counts (`source="none"`), since a school's status
then is not known any more.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from typing import Any

from django.db.models import Exists, OuterRef, Q, QuerySet
from django.utils import timezone

from resilnet.core.models import Country
from resilnet.schools.models import (
    AdminArea,
    AreaLevel,
    AreaSchoolCount,
    AreaWeeklyCount,
    Benchmark,
    CountrySettings,
    Measurement,
    School,
    SchoolWeeklyStatus,
)
from resilnet.schools.status import GLOBAL_BENCHMARK_BPS, Connectivity, Coverage

BENCHMARKS = tuple(Benchmark.values)  # ("global", "national")
STATUSES = tuple(Connectivity.values)
COVERAGES = tuple(Coverage.values)
MAX_WEEKS = 520  # a time series never reads more than ten years of weeks


# ISO weeks ------------------------------------------------------------------------


def week_start(day: dt.date) -> dt.date:
    """The Monday of the ISO week holding `day` (ISO 8601: weeks start on Monday)."""
    return day - dt.timedelta(days=day.weekday())


def current_week() -> dt.date:
    return week_start(timezone.now().date())


def week_info(monday: dt.date) -> dict[str, Any]:
    iso = monday.isocalendar()
    return {
        "start": monday,
        "iso_year": iso.year,
        "iso_week": iso.week,
        "label": f"{iso.year}-W{iso.week:02d}",
    }


def parse_week(text: str) -> dt.date:
    """`2025-W01` or any date of the week (`2024-12-30`) → that week's Monday.
    Raises ValueError naming what is wrong."""
    text = text.strip()
    if "-W" in text.upper():
        year, _, week = text.upper().partition("-W")
        try:
            return dt.date.fromisocalendar(int(year), int(week), 1)
        except ValueError:
            raise ValueError(f"{text[:20]!r} is not an ISO week (YYYY-Www)") from None
    try:
        return week_start(dt.date.fromisoformat(text))
    except ValueError:
        raise ValueError(f"{text[:20]!r} is neither an ISO week (YYYY-Www) nor a date") from None


# Countries ------------------------------------------------------------------------


def national_benchmark_bps(country: Country) -> int:
    value = (
        CountrySettings.objects.filter(country=country)
        .values_list("national_benchmark_bps", flat=True)
        .first()
    )
    return value or GLOBAL_BENCHMARK_BPS


def country_by_iso3(iso3: str) -> Country | None:
    """A country by its ISO 3166-1 alpha-3 code; None for anything that is not three letters
    (a NUL character or SQL in a path never reaches the database)."""
    if not (len(iso3) == 3 and iso3.isascii() and iso3.isalpha()):
        return None
    return Country.objects.filter(iso3=iso3.upper()).first()


def _live_schools() -> QuerySet[School]:
    return School.objects.filter(deleted_at__isnull=True)


def countries_with_schools() -> QuerySet[Country]:
    """Countries holding at least one live school (one index probe per country)."""
    return Country.objects.filter(Exists(_live_schools().filter(country=OuterRef("pk")))).order_by(
        "name"
    )


def _empty_counts() -> dict[str, int]:
    return dict.fromkeys(STATUSES, 0)


def _latest_weeks(countries: list[Country], until: dt.date) -> dict[int, dt.date]:
    """Per country, its latest week with roll-up rows up to `until` (one probe each)."""
    latest: dict[int, dt.date] = {}
    for country in countries:
        value = (
            AreaWeeklyCount.objects.filter(country=country, week_start__lte=until)
            .order_by("-week_start")
            .values_list("week_start", flat=True)
            .first()
        )
        if value is not None:
            latest[country.pk] = value
    return latest


def countries_with_stats() -> list[dict[str, Any]]:
    """Every country with schools, each with its latest rolled-up week's counts per status
    on both benchmarks (its schools' current status when it has no roll-up yet).

    `schools` is the number of schools counted in that week (the sum of one benchmark's
    counts), so the list reads a few rows per country however many schools there are."""
    countries = list(countries_with_schools())
    latest = _latest_weeks(countries, current_week())
    counts: dict[int, dict[str, dict[str, int]]] = {
        c.pk: {b: _empty_counts() for b in BENCHMARKS} for c in countries
    }
    if latest:
        where = Q()
        for country_id, monday in latest.items():
            where |= Q(country_id=country_id, week_start=monday)
        rows = (
            AreaWeeklyCount.objects.filter(where, area__isnull=True)
            .values_list("country_id", "benchmark", "status", "schools")
            .order_by()
        )
        for country_id, benchmark, status, n in rows:
            if benchmark in BENCHMARKS and status in STATUSES:
                counts[country_id][benchmark][status] += n
    missing = [c.pk for c in countries if c.pk not in latest]
    if missing:
        for row in AreaSchoolCount.objects.filter(country_id__in=missing, area__isnull=True):
            counts[row.country_id] = _Static.of(row).current
    benchmarks = dict(
        CountrySettings.objects.filter(country__in=countries).values_list(
            "country_id", "national_benchmark_bps"
        )
    )
    result = []
    for country in countries:
        found = latest.get(country.pk)
        result.append(
            {
                "country": country,
                "iso3": country.iso3,
                "name": country.name,
                "week": week_info(found or current_week()),
                "source": "rollup" if found else "current",
                "schools": sum(counts[country.pk]["national"].values()),
                "global_benchmark_bps": GLOBAL_BENCHMARK_BPS,
                "national_benchmark_bps": benchmarks.get(country.pk, GLOBAL_BENCHMARK_BPS),
                "connectivity": counts[country.pk],
            }
        )
    return result


# Statistics of one country and its areas -----------------------------------------


@dataclass
class _Static:
    schools: int = 0
    realtime: int = 0
    coverage: dict[str, int] = field(default_factory=lambda: dict.fromkeys(COVERAGES, 0))
    current: dict[str, dict[str, int]] = field(
        default_factory=lambda: {b: _empty_counts() for b in BENCHMARKS}
    )

    @classmethod
    def of(cls, row: AreaSchoolCount) -> _Static:
        return cls(
            schools=row.schools,
            realtime=row.realtime,
            coverage={c: getattr(row, f"coverage_{c}") for c in COVERAGES},
            current={b: {s: getattr(row, f"{b}_{s}") for s in STATUSES} for b in BENCHMARKS},
        )


def _static_counts(country: Country, levels: tuple[int, ...]) -> dict[int | None, _Static]:
    """The country's live schools (key None) and those of its areas of `levels`: total,
    real-time, coverage and current status, one row each from `AreaSchoolCount`."""
    rows = AreaSchoolCount.objects.filter(country=country).filter(
        Q(area__isnull=True) | Q(area__level__in=levels)
    )
    return {row.area_id: _Static.of(row) for row in rows}


def _weekly_counts(
    country: Country, weeks: list[dt.date], levels: tuple[int, ...]
) -> dict[tuple[int | None, dt.date], dict[str, dict[str, int]]]:
    """Roll-up counts keyed by (area id or None for the country, week), of the country
    and its areas of `levels`."""
    rows = AreaWeeklyCount.objects.filter(country=country, week_start__in=weeks).filter(
        Q(area__isnull=True) | Q(area__level__in=levels)
    )
    result: dict[tuple[int | None, dt.date], dict[str, dict[str, int]]] = {}
    for area_id, monday, benchmark, status, n in rows.values_list(
        "area_id", "week_start", "benchmark", "status", "schools"
    ).order_by():
        counts = result.setdefault((area_id, monday), {b: _empty_counts() for b in BENCHMARKS})
        if benchmark in counts and status in counts[benchmark]:
            counts[benchmark][status] += n
    return result


def default_week(country: Country) -> dt.date:
    """The current week when it has been rolled up (or has nothing rolled up before it);
    otherwise the latest week with roll-up rows."""
    today = current_week()
    return _latest_weeks([country], today).get(country.pk) or today


def _week_counts(
    weekly: dict[tuple[int | None, dt.date], dict[str, dict[str, int]]],
    static: _Static | None,
    area_id: int | None,
    monday: dt.date,
    country_has_rows: bool,
) -> dict[str, Any]:
    counts = weekly.get((area_id, monday))
    if counts is not None:
        return {**week_info(monday), "source": "rollup", **counts}
    if monday == current_week() and not country_has_rows:
        current = static.current if static else {b: _empty_counts() for b in BENCHMARKS}
        return {**week_info(monday), "source": "current", **current}
    return {**week_info(monday), "source": "none", "global": None, "national": None}


def _area_row(area: AdminArea | None, static: _Static | None) -> dict[str, Any]:
    static = static or _Static()
    row: dict[str, Any] = {
        "schools": static.schools,
        "realtime": static.realtime,
        "coverage": dict(static.coverage),
    }
    if area is not None:
        row.update(
            id=area.pk,
            code=area.code,
            name=area.name,
            level=area.level,
            parent_id=area.parent_id,
        )
    return row


def _stats(country: Country, week: dt.date | None, levels: tuple[int, ...]) -> dict[str, Any]:
    monday = week_start(week) if week else default_week(country)
    previous = monday - dt.timedelta(days=7)
    by_area = bool(levels)
    static = _static_counts(country, levels)
    weekly = _weekly_counts(country, [monday, previous], levels)
    has_rows = {key[1] for key in weekly if key[0] is None}
    result: dict[str, Any] = {
        "country": country,
        "iso3": country.iso3,
        "name": country.name,
        "global_benchmark_bps": GLOBAL_BENCHMARK_BPS,
        "national_benchmark_bps": national_benchmark_bps(country),
        **_area_row(None, static.get(None)),
    }
    country_has_rows = bool(has_rows) or AreaWeeklyCount.objects.filter(country=country).exists()
    for key, day in (("this_week", monday), ("last_week", previous)):
        result[key] = _week_counts(weekly, static.get(None), None, day, country_has_rows)
    if by_area:
        areas = AdminArea.objects.filter(country=country, level__in=levels).order_by(
            "level", "name", "id"
        )
        result["areas"] = [
            {
                **_area_row(area, static.get(area.pk)),
                **{
                    key: _week_counts(weekly, static.get(area.pk), area.pk, day, country_has_rows)
                    for key, day in (("this_week", monday), ("last_week", previous))
                },
            }
            for area in areas
        ]
    return result


def country_stats(country: Country, week: dt.date | None = None) -> dict[str, Any]:
    """Counts per connectivity status on both benchmarks (with their values) for one ISO
    week (`this_week`, default `default_week`) and the week before (`last_week`), plus the
    country's schools, real-time schools and coverage counts. Each week says where its
    counts come from: `rollup`, `current` (schools' current status) or `none`."""
    return _stats(country, week, ())


def area_stats(
    country: Country, week: dt.date | None = None, levels: tuple[int, ...] = (1, 2)
) -> dict[str, Any]:
    """`country_stats` plus `areas`: the same figures for each admin area of `levels`
    (admin1 and admin2 by default), e.g. schools below the national benchmark per
    province this week and last in one call."""
    if not levels:
        raise ValueError("levels: at least one admin level")
    return _stats(country, week, tuple(levels))


def below_benchmark(counts: dict[str, int] | None) -> int | None:
    """Schools whose measured speed is under the benchmark (moderate, bad, no internet)."""
    if counts is None:
        return None
    return counts["moderate"] + counts["bad"] + counts["no_internet"]


# Schools --------------------------------------------------------------------------


@dataclass
class SchoolFilters:
    """What a list or an export of schools can be narrowed by; every value comes from a
    validated form or schema, and reaches the database only as a query parameter."""

    country: Country | None = None
    area: int | None = None
    education_level: str = ""
    school_area_type: str = ""
    status: str = ""
    benchmark: str = "global"
    coverage: str = ""
    realtime: bool | None = None
    source: str = ""
    q: str = ""

    def as_dict(self) -> dict[str, Any]:
        """For audit rows and links: what was asked, without empty values."""
        data = {
            "country": self.country.iso3 if self.country else None,
            "area": self.area,
            "education_level": self.education_level,
            "school_area_type": self.school_area_type,
            "status": self.status,
            "benchmark": self.benchmark if self.status else "",
            "coverage": self.coverage,
            "realtime": self.realtime,
            "source": self.source,
            "q": self.q,
        }
        return {key: value for key, value in data.items() if value not in (None, "")}


def schools(filters: SchoolFilters | None = None) -> QuerySet[School]:
    """Live schools matching `filters`, by id (stable pages and keyset chunks)."""
    f = filters or SchoolFilters()
    qs = _live_schools()
    if f.country is not None:
        qs = qs.filter(country=f.country)
    if f.area is not None:
        qs = qs.filter(Q(admin1_area_id=f.area) | Q(admin2_area_id=f.area))
    if f.education_level:
        qs = qs.filter(education_level__iexact=f.education_level)
    if f.school_area_type:
        qs = qs.filter(school_area_type=f.school_area_type)
    if f.status:
        field = "connectivity_national" if f.benchmark == "national" else "connectivity_global"
        qs = qs.filter(**{field: f.status})
    if f.coverage:
        qs = qs.filter(coverage=f.coverage)
    if f.realtime is not None:
        qs = qs.filter(realtime=f.realtime)
    if f.source:
        qs = qs.filter(Exists(Measurement.objects.filter(school=OuterRef("pk"), source=f.source)))
    if f.q:
        qs = qs.filter(
            Q(school_name__icontains=f.q) | Q(school_id_giga=f.q) | Q(school_id_govt=f.q)
        )
    return qs.order_by("id")


def iter_schools(
    filters: SchoolFilters | None, fields: list[str], chunk: int = 2000
) -> Iterator[tuple[Any, ...]]:
    """Rows of `fields` (id first) of every matching school, read in keyset chunks of
    `chunk` ids: memory stays flat and no query skips past an offset."""
    qs = schools(filters)
    last = 0
    while True:
        rows = list(qs.filter(id__gt=last).values_list("id", *fields)[:chunk])
        if not rows:
            return
        yield from rows
        last = rows[-1][0]


def education_levels(country: Country | None = None) -> list[str]:
    """The education levels in use (for a filter's choices)."""
    qs = _live_schools()
    if country is not None:
        qs = qs.filter(country=country)
    return list(
        qs.values_list("education_level", flat=True).distinct().order_by("education_level")[:100]
    )


# A school's fields as its profile groups them (Giga's school master names).
PROFILE_GROUPS: dict[str, list[str]] = {
    "identity": [
        "school_id_giga",
        "school_id_govt",
        "school_name",
        "education_level",
        "education_level_govt",
        "school_establishment_year",
        "school_funding_type",
    ],
    "location": [
        "latitude",
        "longitude",
        "admin1",
        "admin2",
        "school_area_type",
        "disputed_region",
    ],
    "facilities": [
        "num_students",
        "num_teachers",
        "num_computers",
        "electricity_availability",
    ],
    "connectivity": [
        "connectivity_govt",
        "connectivity_type_govt",
        "download_speed_contracted",
        "fiber_node_distance",
    ],
    "coverage": [
        "cellular_coverage_type",
        "nearest_NR_distance",
        "nearest_LTE_distance",
        "nearest_UMTS_distance",
        "nearest_GSM_distance",
    ],
    "surroundings": [
        "pop_within_1km",
        "pop_within_2km",
        "pop_within_3km",
        "schools_within_1km",
        "schools_within_2km",
        "schools_within_3km",
    ],
}


def school(school_id: int) -> School | None:
    """A live school with its country and areas, or None."""
    return (
        _live_schools()
        .select_related("country", "admin1_area", "admin2_area")
        .filter(pk=school_id)
        .first()
    )


def school_profile(found: School) -> dict[str, Any]:
    """A school's fields grouped as its page and the API show them, its status on both
    benchmarks (with their values) and its latest week."""
    latest = found.weekly_statuses.order_by("-week_start").first()
    return {
        "groups": {
            group: {name: getattr(found, name) for name in names}
            for group, names in PROFILE_GROUPS.items()
        },
        "global_benchmark_bps": GLOBAL_BENCHMARK_BPS,
        "national_benchmark_bps": national_benchmark_bps(found.country),
        "latest_week": latest,
    }


def measurements(
    school_id: int,
    *,
    since: dt.datetime | None = None,
    until: dt.datetime | None = None,
    source: str = "",
) -> QuerySet[Measurement]:
    """A school's measurements, newest first (the (school, timestamp) index)."""
    qs = Measurement.objects.filter(school_id=school_id)
    if since is not None:
        qs = qs.filter(timestamp__gte=since)
    if until is not None:
        qs = qs.filter(timestamp__lt=until)
    if source:
        qs = qs.filter(source=source)
    return qs.order_by("-timestamp", "-id")


def _week_range(since: dt.date | None, until: dt.date | None) -> tuple[dt.date, dt.date]:
    last = week_start(until) if until else current_week()
    first = week_start(since) if since else last - dt.timedelta(weeks=52)
    return max(first, last - dt.timedelta(weeks=MAX_WEEKS)), last


def school_weekly(
    school_id: int, since: dt.date | None = None, until: dt.date | None = None
) -> list[SchoolWeeklyStatus]:
    """A school's ISO weeks from `since` to `until` (default: the last 52 weeks)."""
    first, last = _week_range(since, until)
    return list(
        SchoolWeeklyStatus.objects.filter(
            school_id=school_id, week_start__gte=first, week_start__lte=last
        ).order_by("week_start")
    )


def area_weekly(
    country: Country,
    area: AdminArea | None = None,
    since: dt.date | None = None,
    until: dt.date | None = None,
) -> list[dict[str, Any]]:
    """Counts per status on both benchmarks, week by week, of a country (area None) or
    one of its areas; weeks without roll-up rows are left out."""
    first, last = _week_range(since, until)
    rows = AreaWeeklyCount.objects.filter(
        country=country, week_start__gte=first, week_start__lte=last
    )
    rows = rows.filter(area=area) if area is not None else rows.filter(area__isnull=True)
    weeks: dict[dt.date, dict[str, dict[str, int]]] = {}
    for monday, benchmark, status, n in rows.values_list(
        "week_start", "benchmark", "status", "schools"
    ).order_by("week_start"):
        counts = weeks.setdefault(monday, {b: _empty_counts() for b in BENCHMARKS})
        if benchmark in counts and status in counts[benchmark]:
            counts[benchmark][status] += n
    return [{**week_info(monday), **counts} for monday, counts in sorted(weeks.items())]


def area(country: Country, area_id: int) -> AdminArea | None:
    return AdminArea.objects.filter(country=country, pk=area_id).first()


def areas(country: Country, level: int | None = None) -> QuerySet[AdminArea]:
    qs = AdminArea.objects.filter(country=country).exclude(level=AreaLevel.COUNTRY)
    if level is not None:
        qs = qs.filter(level=level)
    return qs.order_by("level", "name", "id")


@dataclass(frozen=True)
class AreaRef:
    """An admin area as other modules see it (alerts name areas by these)."""

    id: int
    country_iso3: str
    level: int
    code: str
    name: str


def areas_by_id(ids: list[int]) -> dict[int, AreaRef]:
    """The admin areas among `ids` (missing ids are absent from the answer)."""
    rows = AdminArea.objects.filter(pk__in=[int(i) for i in ids]).values_list(
        "id", "country__iso3", "level", "code", "name"
    )
    return {row[0]: AreaRef(*row) for row in rows}


def school_daily(school_id: int, days: int = 90) -> list[Any]:
    """A school's last `days` daily roll-ups, oldest first."""
    from resilnet.schools.models import SchoolDailyStatus

    since = timezone.now().date() - dt.timedelta(days=days)
    return list(
        SchoolDailyStatus.objects.filter(school_id=school_id, date__gte=since).order_by("date")
    )


# Admin areas for other modules (the alerts module's audiences) -----------------------


def area_ids_by_code() -> dict[str, int | None]:
    """Each admin area's code with its id; None for a code several areas share (which
    one a file means cannot be told)."""
    found: dict[str, int | None] = {}
    for area_id, code in AdminArea.objects.values_list("id", "code").iterator(chunk_size=5000):
        found[code] = None if code in found else area_id
    return found


def area_names(area_ids: Iterable[int] | None = None) -> dict[int, str]:
    """Areas' names ("Kenya › Region 1 (synthetic)"), all of them or those of `area_ids`."""
    # Three columns, not whole rows: an area's row carries its boundary (GeoJSON text,
    # often megabytes), and its parent's would come along too.
    areas = AdminArea.objects.order_by("country_id", "level", "name")
    if area_ids is not None:
        areas = areas.filter(pk__in=list(area_ids))
    return {
        pk: f"{parent} › {name}" if parent else name
        for pk, name, parent in areas.values_list("id", "name", "parent__name")
    }


def descendant_area_ids(area_ids: Iterable[int]) -> set[int]:
    """The areas and every area below them (an area includes its descendants), a level of
    the tree per query."""
    found: set[int] = set()
    frontier = set(AdminArea.objects.filter(pk__in=list(area_ids)).values_list("id", flat=True))
    while frontier:
        found |= frontier
        frontier = (
            set(AdminArea.objects.filter(parent_id__in=frontier).values_list("id", flat=True))
            - found
        )
    return found
