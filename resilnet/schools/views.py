"""The schools pages: server-rendered, usable without JavaScript (filters are GET forms),
statistics from selectors, status colours from palette.py."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.http.response import HttpResponseBase
from django.shortcuts import redirect, render
from django.urls import NoReverseMatch, reverse
from django.utils.http import urlencode
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from resilnet.core.models import Role, User
from resilnet.core.views import paginate
from resilnet.schools import charts, exports, palette, selectors
from resilnet.schools.forms import BenchmarkForm, SchoolFilterForm
from resilnet.schools.services import benchmark
from resilnet.schools.services.exports import FORMATS, do_export_schools
from resilnet.schools.status import Connectivity, Coverage

STATUSES = list(Connectivity.values)


def _url(name: str, fallback: str) -> str:
    """A page another part of the module serves, by name once it exists."""
    try:
        return reverse(name)
    except NoReverseMatch:
        return fallback


def _can_import(user: Any) -> bool:
    return bool(
        user.is_authenticated and (user.has_role(Role.ANALYST) or user.has_role(Role.ADMINISTRATOR))
    )


def _shares(counts: dict[str, int] | None) -> dict[str, Any]:
    """Counts and percentages of each status, and the bar drawing them."""
    total = sum((counts or {}).values())
    return {
        "bar": charts.share_bar(counts, STATUSES),
        "total": total,
        "items": [
            {
                "status": status,
                "label": palette.CONNECTIVITY_LABELS[status],
                "count": (counts or {}).get(status, 0),
                "percent": round(100 * (counts or {}).get(status, 0) / total) if total else 0,
            }
            for status in STATUSES
        ],
    }


def index(request: HttpRequest) -> HttpResponse:
    rows = [
        {
            **row,
            "global_shares": _shares(row["connectivity"]["global"]),
            "national_shares": _shares(row["connectivity"]["national"]),
        }
        for row in selectors.countries_with_stats()
    ]
    return render(
        request,
        "schools/index.html",
        {
            "countries": rows,
            "map_url": _url("schools:map", "/schools/map/"),
            "import_url": _url("schools:import", "/schools/import/")
            if _can_import(request.user)
            else None,
            "legend": palette.connectivity_legend(),
        },
    )


def _country_or_404(iso3: str) -> Any:
    country = selectors.country_by_iso3(iso3)
    if country is None:
        raise Http404(_("No such country."))
    return country


def _change(now: int | None, before: int | None) -> int | None:
    return None if now is None or before is None else now - before


def country(request: HttpRequest, iso3: str) -> HttpResponse:
    country = _country_or_404(iso3)
    week = None
    if request.GET.get("week"):
        try:
            week = selectors.parse_week(request.GET["week"][:40])
        except ValueError as exc:
            messages.error(request, str(exc))
    stats = selectors.area_stats(country, week, levels=(1,))
    weeks = []
    for key in ("this_week", "last_week"):
        info = stats[key]
        weeks.append(
            {
                **info,
                "benchmarks": [
                    {
                        "name": _("Global benchmark"),
                        "bps": stats["global_benchmark_bps"],
                        "shares": _shares(info["global"]),
                    },
                    {
                        "name": _("National benchmark"),
                        "bps": stats["national_benchmark_bps"],
                        "shares": _shares(info["national"]),
                    },
                ],
            }
        )
    provinces = []
    for area in stats["areas"]:
        now = selectors.below_benchmark(area["this_week"]["national"])
        before = selectors.below_benchmark(area["last_week"]["national"])
        provinces.append(
            {
                **area,
                "below_now": now,
                "below_before": before,
                "change": _change(now, before),
                "list_url": reverse("schools:list")
                + "?"
                + urlencode({"country": country.iso3, "area": area["id"]}),
            }
        )
    query = urlencode({"country": country.iso3})
    national_mbps = charts.mbps(stats["national_benchmark_bps"])
    return render(
        request,
        "schools/country.html",
        {
            "country": country,
            "stats": stats,
            "weeks": weeks,
            "provinces": provinces,
            "coverage": [
                {"status": value, "label": label, "count": stats["coverage"].get(value, 0)}
                for value, label in Coverage.choices
            ],
            "national_mbps": national_mbps,
            "global_mbps": charts.mbps(stats["global_benchmark_bps"]),
            "query": query,
            "below_query": urlencode(
                {"country": country.iso3, "benchmark": "national", "status": "bad"}
            ),
            "map_url": _url("schools:map", "/schools/map/"),
            "can_import": _can_import(request.user),
            "benchmark_form": BenchmarkForm(initial={"mbps": national_mbps})
            if benchmark.may_set_benchmark(_user(request))
            else None,
        },
    )


@login_required
@require_POST
def country_benchmark(request: HttpRequest, iso3: str) -> HttpResponse:
    """An analyst sets the national benchmark; a large country is recomputed in the
    background and the person follows the job."""
    country = _country_or_404(iso3)
    user = _user(request)
    if user is None or not benchmark.may_set_benchmark(user):
        raise PermissionDenied
    form = BenchmarkForm(request.POST)
    if not form.is_valid():
        for error in form.errors.get("mbps", []):
            messages.error(request, str(error))
        return redirect("schools:country", iso3=country.iso3)
    try:
        job = benchmark.do_set_national_benchmark(user, country, float(form.cleaned_data["mbps"]))
    except ValidationError as exc:
        for error in exc.messages:
            messages.error(request, error)
        return redirect("schools:country", iso3=country.iso3)
    if job is not None:
        return redirect("job_detail", job_id=job.pk)
    messages.success(request, _("National benchmark saved; statuses recomputed."))
    return redirect("schools:country", iso3=country.iso3)


def _user(request: HttpRequest) -> User | None:
    return request.user if isinstance(request.user, User) else None


def school_list(request: HttpRequest) -> HttpResponse:
    form = SchoolFilterForm(request.GET or None)
    schools: Any = []
    if form.is_bound and form.is_valid():
        schools = selectors.schools(form.selection()).select_related("country")
    elif not form.is_bound:
        form = SchoolFilterForm({})
        form.is_valid()
        schools = selectors.schools().select_related("country")
    context = paginate(request, schools, per_page=50)
    context.update(form=form, export_query=context["query"])
    return render(request, "schools/list.html", context)


def school_detail(request: HttpRequest, school_id: int) -> HttpResponse:
    school = selectors.school(school_id)
    if school is None:
        raise Http404(_("No such school."))
    profile = selectors.school_profile(school)
    weekly = selectors.school_weekly(school.pk)
    series: list[tuple[Any, int | None]]
    rows: list[dict[str, Any]]
    if len(weekly) >= 2:
        series = [(row.week_start, row.download_bps) for row in weekly]
        rows = [
            {"when": f"{row.iso_year}-W{row.iso_week:02d}", "bps": row.download_bps}
            for row in weekly
        ]
        title = _("Weekly median download speed of %(school)s")
    else:
        daily = selectors.school_daily(school.pk)
        series = [(row.date, row.download_bps) for row in daily]
        rows = [{"when": row.date.isoformat(), "bps": row.download_bps} for row in daily]
        title = _("Daily median download speed of %(school)s")
    benchmark = profile["national_benchmark_bps"]
    chart = charts.speed_chart(series, benchmark, title=title % {"school": school.school_name})
    return render(
        request,
        "schools/school.html",
        {
            "school": school,
            "profile": profile,
            "groups": _field_groups(profile["groups"]),
            "chart": chart,
            "rows": [
                {**row, "mbps": charts.mbps(row["bps"]) if row["bps"] is not None else ""}
                for row in rows
            ],
            "measurements": list(selectors.measurements(school.pk)[:20]),
            "global_mbps": charts.mbps(profile["global_benchmark_bps"]),
            "national_mbps": charts.mbps(benchmark),
            "connectivity_labels": palette.CONNECTIVITY_LABELS,
            "coverage_labels": palette.COVERAGE_LABELS,
        },
    )


GROUP_TITLES = {
    "identity": _("Identity"),
    "location": _("Location"),
    "facilities": _("Facilities"),
    "connectivity": _("Connectivity (government data)"),
    "coverage": _("Mobile coverage"),
    "surroundings": _("Surroundings"),
}


def _field_groups(groups: dict[str, dict[str, Any]]) -> list[dict[str, Any]]:
    from resilnet.schools.models import School

    def label(name: str) -> str:
        field = School._meta.get_field(name)
        return str(getattr(field, "verbose_name", name))

    def shown(value: Any) -> str:
        if value is None or value == "":
            return "—"
        if value is True:
            return _("Yes")
        if value is False:
            return _("No")
        return str(value)

    return [
        {
            "title": GROUP_TITLES.get(group, group),
            "fields": [
                {"name": name, "label": label(name), "value": shown(v)} for name, v in f.items()
            ],
        }
        for group, f in groups.items()
    ]


def export(request: HttpRequest, fmt: str) -> HttpResponseBase:
    if fmt not in FORMATS:
        raise Http404(_("No such export format."))
    form = SchoolFilterForm(request.GET)
    if not form.is_valid():
        return render(
            request, "schools/list.html", {"form": form, **paginate(request, [])}, status=400
        )
    bom = request.GET.get("bom") in ("1", "true", "on")
    chunks = do_export_schools(request.user, form.selection(), fmt, bom=bom)
    return exports.streaming_response(chunks, fmt)
