"""The planning pages: datasets, scenarios, their results, comparisons and exports.

Planners, analysts and administrators read; planners and administrators change. A visitor
is sent to sign in; a signed-in user without the role gets 403.
"""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404, HttpRequest, HttpResponse, StreamingHttpResponse
from django.http.response import HttpResponseBase
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.text import slugify
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST

from resilnet.core import selectors as core_selectors
from resilnet.core.models import AuditAction
from resilnet.core.services import record_audit
from resilnet.core.views import apply_validation_error, guarded_by, paginate
from resilnet.planning import charts, exports, permissions, selectors
from resilnet.planning.forms import DatasetForm, ResultFilterForm, ScenarioForm
from resilnet.planning.models import Dataset, Scenario, ScenarioState
from resilnet.planning.services import datasets as dataset_services
from resilnet.planning.services import scenarios as scenario_services

MAX_COMPARED = 4


REFUSAL = gettext_lazy("Plans are open to planners, analysts and administrators.")
readers = guarded_by(permissions.can_view, REFUSAL)
editors = guarded_by(permissions.can_edit, REFUSAL)


def _scenario(scenario_id: int) -> Scenario:
    found = selectors.scenario(scenario_id)
    if found is None:
        raise Http404(_("No such scenario."))
    return found


@readers
def index(request: HttpRequest) -> HttpResponse:
    return render(
        request,
        "planning/index.html",
        {
            **paginate(request, selectors.scenarios(), per_page=25),
            "can_edit": permissions.can_edit(request.user),
            "dataset_count": selectors.datasets().count(),
        },
    )


# Datasets ------------------------------------------------------------------------------


@readers
def dataset_list(request: HttpRequest) -> HttpResponse:
    can_edit = permissions.can_edit(request.user)
    form = DatasetForm(request.POST or None, request.FILES or None)
    if request.method == "POST":
        if not can_edit:
            raise PermissionDenied
        if form.is_valid():
            data = form.cleaned_data
            upload = data["file"]
            try:
                dataset = dataset_services.do_upload_dataset(
                    request.user,  # type: ignore[arg-type]
                    kind=data["kind"],
                    name=data["name"],
                    file_name=upload.name,
                    data=upload.read(),
                    country=core_selectors.country_by_iso3(data["country"])
                    if data["country"]
                    else None,
                )
            except ValidationError as exc:
                apply_validation_error(form, exc)
            except ValueError as exc:  # the reader's InputError: file, row and field
                form.add_error("file", str(exc))
            else:
                messages.success(
                    request,
                    _("%(name)s kept: %(rows)d rows.")
                    % {"name": dataset.name, "rows": dataset.rows},
                )
                return redirect("planning:datasets")
    return render(
        request,
        "planning/datasets.html",
        {
            "form": form,
            "can_edit": can_edit,
            **paginate(request, selectors.datasets(), per_page=50),
        },
    )


@require_POST
@editors
def dataset_delete(request: HttpRequest, dataset_id: int) -> HttpResponse:
    dataset = get_object_or_404(Dataset.objects.defer("content"), pk=dataset_id)
    try:
        dataset_services.do_delete_dataset(request.user, dataset)  # type: ignore[arg-type]
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
    else:
        messages.success(request, _("%(name)s deleted.") % {"name": dataset.name})
    return redirect("planning:datasets")


# Scenarios -----------------------------------------------------------------------------


def _initial(scenario: Scenario | None) -> dict[str, Any]:
    import json

    if scenario is None:
        return {"costs": scenario_services.default_costs_json()}
    return {
        "name": scenario.name,
        "country": scenario.country.iso3,
        "sites_source": scenario.sites_source,
        "sites": scenario.sites_id,
        "fibre": scenario.fibre_id,
        "towers": scenario.towers_id,
        "roads": scenario.roads_id,
        "budget": scenario.budget,
        "objective": scenario.objective,
        "costs": json.dumps(scenario.costs, indent=2),
    }


def _scenario_form(request: HttpRequest, scenario: Scenario | None) -> HttpResponse:
    form = ScenarioForm(request.POST or None, initial=_initial(scenario))
    if request.method == "POST" and form.is_valid():
        try:
            if scenario is None:
                saved = scenario_services.do_create_scenario(
                    request.user,  # type: ignore[arg-type]
                    **form.service_fields(),
                )
            else:
                saved = scenario_services.do_update_scenario(
                    request.user,  # type: ignore[arg-type]
                    scenario,
                    **form.service_fields(),
                )
        except ValidationError as exc:
            apply_validation_error(form, exc)
        else:
            if "run" in request.POST:
                scenario_services.do_run_scenario(request.user, saved)  # type: ignore[arg-type]
            return redirect("planning:scenario", scenario_id=saved.pk)
    return render(request, "planning/scenario_form.html", {"form": form, "scenario": scenario})


@editors
def scenario_new(request: HttpRequest) -> HttpResponse:
    return _scenario_form(request, None)


@editors
def scenario_edit(request: HttpRequest, scenario_id: int) -> HttpResponse:
    return _scenario_form(request, _scenario(scenario_id))


@readers
def scenario_detail(request: HttpRequest, scenario_id: int) -> HttpResponse:
    scenario = _scenario(scenario_id)
    running = scenario.state in (ScenarioState.QUEUED, ScenarioState.RUNNING)
    if request.headers.get("HX-Request"):
        if running:
            return render(
                request, "planning/_progress.html", {"scenario": scenario, "job": scenario.job}
            )
        response = HttpResponse(status=204)
        response["HX-Refresh"] = "true"  # done: the whole page, with its results
        return response
    rows = selectors.technology_rows(scenario.totals)
    return render(
        request,
        "planning/scenario.html",
        {
            "scenario": scenario,
            "running": running,
            "rows": rows,
            "all_rows": selectors.technology_rows(scenario.connect_all_totals),
            "total": (scenario.totals or {}).get("total"),
            "connect_all": (scenario.connect_all_totals or {}).get("total"),
            "chart": charts.technology_bars(rows) if rows else "",
            "notes": [charts.note_text(code) for code in scenario.notes],
            "can_edit": permissions.can_edit(request.user),
            "map_url": _map_url(scenario) if scenario.computed else "",
        },
    )


def _map_url(scenario: Scenario) -> str:
    from resilnet.planning.map_views import map_url  # it imports this module's guards

    return map_url(scenario)


@require_POST
@editors
def scenario_run(request: HttpRequest, scenario_id: int) -> HttpResponse:
    scenario = _scenario(scenario_id)
    try:
        scenario_services.do_run_scenario(request.user, scenario)  # type: ignore[arg-type]
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
    return redirect("planning:scenario", scenario_id=scenario.pk)


@require_POST
@editors
def scenario_copy(request: HttpRequest, scenario_id: int) -> HttpResponse:
    copy = scenario_services.do_copy_scenario(request.user, _scenario(scenario_id))  # type: ignore[arg-type]
    messages.success(request, _("Copied: change what you want to try, then compute it."))
    return redirect("planning:scenario_edit", scenario_id=copy.pk)


@require_POST
@editors
def scenario_delete(request: HttpRequest, scenario_id: int) -> HttpResponse:
    scenario = _scenario(scenario_id)
    scenario_services.do_delete_scenario(request.user, scenario)  # type: ignore[arg-type]
    messages.success(request, _("%(name)s deleted.") % {"name": scenario.name})
    return redirect("planning:index")


def _result_filters(request: HttpRequest) -> tuple[ResultFilterForm, Any]:
    form = ResultFilterForm(request.GET or None)
    if form.is_bound and not form.is_valid():
        return form, None
    return form, form.filters() if form.is_bound else selectors.ResultFilters()


@readers
def scenario_sites(request: HttpRequest, scenario_id: int) -> HttpResponse:
    scenario = _scenario(scenario_id)
    form, filters = _result_filters(request)
    rows = (
        selectors.results(scenario, filters)
        if filters is not None
        else selectors.results(scenario).none()
    )
    pages = paginate(request, rows, per_page=100)
    for result in pages["page"]:
        result.why = charts.reason_text(result.reason)
    return render(
        request,
        "planning/sites.html",
        {"scenario": scenario, "form": form, "export_query": pages["query"], **pages},
    )


@readers
def scenario_export(request: HttpRequest, scenario_id: int, fmt: str) -> HttpResponseBase:
    scenario = _scenario(scenario_id)
    if fmt not in ("csv", "geojson"):
        raise Http404
    if not scenario.computed:
        raise Http404(_("This scenario has not been computed yet."))
    _form, filters = _result_filters(request)
    if filters is None:
        return HttpResponse(_("Fix the filters before exporting."), status=400)
    record_audit(
        request.user,  # type: ignore[arg-type]
        AuditAction.EXPORTED,
        scenario,
        after={"format": fmt, "filters": filters.as_dict()},
    )
    name = f"plan-{scenario.pk}-{slugify(scenario.name)[:50] or 'scenario'}.{fmt}"
    if fmt == "csv":
        response = StreamingHttpResponse(
            exports.csv_chunks(scenario, filters), content_type="text/csv; charset=utf-8"
        )
    else:
        response = StreamingHttpResponse(
            exports.geojson_chunks(scenario, filters), content_type="application/geo+json"
        )
    response["Content-Disposition"] = f'attachment; filename="{name}"'
    return response


@readers
def compare(request: HttpRequest) -> HttpResponse:
    """2 to 4 scenarios side by side (?s=1&s=2…); fewer chosen: the list to choose from."""
    ids = []
    for value in request.GET.getlist("s")[: MAX_COMPARED + 1]:
        if value.isdigit() and int(value) not in ids:
            ids.append(int(value))
    error = ""
    if len(ids) > MAX_COMPARED:
        error = _("Compare at most %(n)d scenarios at once.") % {"n": MAX_COMPARED}
        ids = ids[:MAX_COMPARED]
    chosen = list(selectors.scenarios().filter(pk__in=ids))
    chosen.sort(key=lambda item: ids.index(item.pk))
    columns = selectors.comparison(chosen) if len(chosen) >= 2 else []
    return render(
        request,
        "planning/compare.html",
        {
            "columns": columns,
            "chosen": [item.pk for item in chosen],
            "candidates": selectors.scenarios().filter(state=ScenarioState.DONE)[:100],
            "error": error,
            "technologies": [(name, selectors.LABELS[name]) for name in selectors.SHOWN],
            "colours": selectors.COLOURS,
            "chart": charts.comparison_bars(columns) if columns else "",
        },
    )


@readers
def scenario_report(request: HttpRequest, scenario_id: int) -> HttpResponse:
    scenario = _scenario(scenario_id)
    if not scenario.computed:
        raise Http404(_("This scenario has not been computed yet."))
    rows = selectors.technology_rows(scenario.totals)
    return render(
        request,
        "planning/report.html",
        {
            "scenario": scenario,
            "rows": rows,
            "all_rows": selectors.technology_rows(scenario.connect_all_totals),
            "total": scenario.totals["total"],  # type: ignore[index]
            "connect_all": (scenario.connect_all_totals or {}).get("total"),
            "chart": charts.technology_bars(rows),
            "cost_chart": charts.cost_bars(rows),
            "areas": selectors.totals_by_admin1(scenario),
            "notes": [charts.note_text(code) for code in scenario.notes],
            "reasons": charts.reason_texts(),
        },
    )
