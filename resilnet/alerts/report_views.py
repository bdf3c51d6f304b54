"""The campaign report of an alert (figures, a timeline drawn on the server, the kill
switch) and its CSV export with masked numbers. Usable without JavaScript."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404, HttpRequest, HttpResponse, StreamingHttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_POST

from resilnet.alerts import charts, permissions, reports, selectors
from resilnet.alerts.models import Campaign
from resilnet.alerts.services import delivery
from resilnet.core.exports import safe_cell


def _allowed(request: HttpRequest) -> None:
    if not permissions.can_view_audiences(request.user):
        raise PermissionDenied


def _campaign(alert_id: int) -> Campaign:
    campaign = reports.campaign_of(alert_id)
    if campaign is None:
        raise Http404
    return campaign


@login_required
def report(request: HttpRequest, alert_id: int) -> HttpResponse:
    _allowed(request)
    alert = selectors.alert(alert_id)
    if alert is None:
        raise Http404
    campaign = reports.campaign_of(alert_id)
    figures = reports.campaign_report(campaign) if campaign else None
    return render(
        request,
        "alerts/report.html",
        {
            "alert": alert,
            "campaign": campaign,
            "report": figures,
            "chart": charts.timeline_chart(figures.timeline) if figures else "",
            "can_halt": delivery.may_halt(request.user),  # type: ignore[arg-type]
        },
    )


class _Echo:
    def write(self, value: str) -> str:
        return value


@login_required
def report_csv(request: HttpRequest, alert_id: int) -> StreamingHttpResponse:
    import csv

    _allowed(request)
    campaign = _campaign(alert_id)
    writer = csv.writer(_Echo())

    def lines() -> Any:
        yield writer.writerow(reports.CSV_HEADER)
        for row in reports.csv_rows(campaign):
            yield writer.writerow([safe_cell(cell) for cell in row])

    response = StreamingHttpResponse(lines(), content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="campaign-{campaign.pk}.csv"'
    return response


@require_POST
@login_required
def switch(request: HttpRequest, alert_id: int, action: str) -> HttpResponse:
    campaign = _campaign(alert_id)
    user: Any = request.user
    try:
        if action == "halt":
            delivery.do_halt_campaign(user, campaign, request.POST.get("reason", ""))
        elif action == "resume":
            delivery.do_resume_campaign(user, campaign)
        else:
            raise Http404
    except ValidationError as exc:
        for problem in exc.messages:
            messages.error(request, problem)
    return redirect("alerts:report", alert_id)
