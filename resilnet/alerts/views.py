"""The alerts pages for authors and approvers: list, compose, review, detail. Server
rendered and usable without JavaScript; every change goes through services.authoring."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from resilnet.alerts import gsm, reports, selectors
from resilnet.alerts.forms import ComposeForms
from resilnet.alerts.models import Alert, AlertState
from resilnet.alerts.models.alerts import EDITABLE_STATES
from resilnet.alerts.services import authoring
from resilnet.core.models import Role


def _check_role(request: HttpRequest) -> None:
    user: Any = request.user
    if not (user.has_role(Role.ALERT_AUTHOR) or user.has_role(Role.ALERT_APPROVER)):
        raise PermissionDenied


def _alert(alert_id: int) -> Alert:
    alert = selectors.alert(alert_id)
    if alert is None:
        raise Http404
    return alert


def sms_figures(text: str) -> dict[str, Any]:
    try:
        measured = gsm.measure(text)
    except gsm.UnencodableText as exc:
        return {"error": authoring.unsendable(exc)}
    return {
        "encoding": measured.encoding,
        "characters": measured.characters,
        "units": measured.units,
        "segments": measured.segments,
    }


def _content(alert: Alert) -> dict[str, Any]:
    infos = [(info, sms_figures(info.sms_text)) for info in alert.infos.all()]
    return {"alert": alert, "infos": infos, "areas": list(alert.areas.all())}


@login_required
def index(request: HttpRequest) -> HttpResponse:
    _check_role(request)
    state = request.GET.get("state", "")
    return render(
        request,
        "alerts/index.html",
        {"alerts": selectors.alerts(state)[:200], "state": state, "states": AlertState.choices},
    )


@login_required
def compose(request: HttpRequest, alert_id: int | None = None) -> HttpResponse:
    user: Any = request.user
    if not user.has_role(Role.ALERT_AUTHOR):
        raise PermissionDenied
    alert = _alert(alert_id) if alert_id is not None else None
    if alert is not None and alert.state not in EDITABLE_STATES:
        raise PermissionDenied
    forms = ComposeForms(request.POST if request.method == "POST" else None, alert)
    problems: dict[str, list[str]] = {}
    if request.method == "POST" and forms.is_valid():
        try:
            data = forms.to_input()
            if alert is None:
                alert = authoring.do_create_alert(user, data)
            else:
                authoring.do_edit_alert(user, alert, data)
            if "submit" in request.POST:
                authoring.do_submit_alert(user, alert)
                messages.success(request, _("Submitted for approval."))
                return redirect("alerts:detail", alert.pk)
            messages.success(request, _("Draft saved."))
            return redirect("alerts:edit", alert.pk)
        except authoring.AlertInvalid as exc:
            problems = exc.message_dict
    figures = (
        {info.language: sms_figures(info.sms_text) for info in alert.infos.all()} if alert else {}
    )
    return render(
        request,
        "alerts/compose.html",
        {"forms": forms, "alert": alert, "problems": problems, "figures": figures},
        status=400 if request.method == "POST" else 200,
    )


@login_required
def detail(request: HttpRequest, alert_id: int) -> HttpResponse:
    _check_role(request)
    alert = _alert(alert_id)
    return render(
        request,
        "alerts/detail.html",
        _content(alert)
        | {"history": selectors.history(alert), "editable": alert.state in EDITABLE_STATES},
    )


@login_required
def review(request: HttpRequest, alert_id: int) -> HttpResponse:
    user: Any = request.user
    if not user.has_role(Role.ALERT_APPROVER):
        raise PermissionDenied
    alert = _alert(alert_id)
    return render(
        request,
        "alerts/review.html",
        _content(alert)
        | {
            "fingerprint": authoring.fingerprint(alert),
            "audience": reports.audience_preview(alert),
        },
    )


@require_POST
@login_required
def transition(request: HttpRequest, alert_id: int, action: str) -> HttpResponse:
    _check_role(request)
    user: Any = request.user
    alert = _alert(alert_id)
    try:
        if action == "submit":
            authoring.do_submit_alert(user, alert)
        elif action == "approve":
            authoring.do_approve_alert(user, alert, request.POST.get("fingerprint", ""))
        elif action == "reject":
            authoring.do_reject_alert(user, alert, request.POST.get("reason", ""))
        elif action == "withdraw":
            authoring.do_withdraw_alert(user, alert, request.POST.get("reason", ""))
        elif action in ("update", "cancel"):
            follow_up = authoring.do_create_follow_up(user, alert, action.capitalize())
            return redirect("alerts:edit", follow_up.pk)
        else:
            raise Http404
    except authoring.AlertInvalid as exc:
        for field, problems in exc.message_dict.items():
            for problem in problems:
                messages.error(request, f"{field}: {problem}")
    return redirect("alerts:detail", alert.pk)
