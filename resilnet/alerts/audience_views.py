"""The audiences' pages: operators, the subscriber list (numbers masked for everyone
but administrators, permissions.can_see_numbers) and the number of recipients per
segment. Server-rendered; no JavaScript needed."""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils.translation import gettext_lazy

from resilnet.alerts import permissions, selectors
from resilnet.alerts.models import SubscriberLanguage, SubscriberStatus
from resilnet.alerts.numbers import mask_msisdn
from resilnet.alerts.selectors import Segment


def _allowed(request: HttpRequest) -> None:
    if not permissions.can_view_audiences(request.user):
        raise PermissionDenied


def _operator_choices() -> list[tuple[str, Any]]:
    return [("", gettext_lazy("Any operator"))] + [
        (str(pk), name) for pk, name in selectors.operator_names()
    ]


def _area_choices() -> list[tuple[str, Any]]:
    return [("", gettext_lazy("Any area"))] + [
        (str(pk), name) for pk, name in selectors.area_names().items()
    ]


class AudienceFilter(forms.Form):
    area = forms.ChoiceField(label=gettext_lazy("Area"), choices=_area_choices, required=False)
    language = forms.ChoiceField(
        label=gettext_lazy("Language"),
        choices=[("", gettext_lazy("Any language")), *SubscriberLanguage.choices],
        required=False,
    )
    operator = forms.ChoiceField(
        label=gettext_lazy("Operator"), choices=_operator_choices, required=False
    )
    test = forms.BooleanField(label=gettext_lazy("Test audience"), required=False)


class SubscriberFilter(AudienceFilter):
    status = forms.ChoiceField(
        label=gettext_lazy("Status"),
        choices=[("", gettext_lazy("Any status")), *SubscriberStatus.choices],
        required=False,
    )
    number = forms.CharField(label=gettext_lazy("Number ends with"), max_length=16, required=False)


@login_required
def operators(request: HttpRequest) -> HttpResponse:
    _allowed(request)
    return render(
        request,
        "alerts/operators.html",
        {
            "operators": selectors.operators(),
            "can_manage": permissions.can_manage_operators(request.user),
        },
    )


@login_required
def subscribers(request: HttpRequest) -> HttpResponse:
    from resilnet.core.views import paginate

    _allowed(request)
    full = permissions.can_see_numbers(request.user)
    form = SubscriberFilter(request.GET or None)
    if not full:
        del form.fields["number"]  # matching on digits would reveal numbers bit by bit
    data = form.cleaned_data if form.is_valid() else {}
    qs = selectors.subscriber_list(
        number="".join(c for c in data.get("number", "") if c.isdigit()),
        status=data.get("status", ""),
        test=True if data.get("test") else None,
        operator_id=int(data["operator"]) if data.get("operator") else None,
        language=data.get("language", ""),
        area_ids=(int(data["area"]),) if data.get("area") else (),
    )
    context = paginate(request, qs, per_page=50)
    page = context["page"]
    names = selectors.area_names([s.area_id for s in page if s.area_id])
    rows = [
        {
            "number": s.msisdn if full else mask_msisdn(s.msisdn),
            "subscriber": s,
            "area": names.get(s.area_id, "") if s.area_id else "",
        }
        for s in page
    ]
    return render(
        request,
        "alerts/subscribers.html",
        {
            **context,
            "form": form,
            "rows": rows,
            "full_numbers": full,
            "can_import": permissions.can_manage_subscribers(request.user),
        },
    )


@login_required
def segments(request: HttpRequest) -> HttpResponse:
    """How many active subscribers a segment reaches, per operator, area and language."""
    _allowed(request)
    form = AudienceFilter(request.GET or None)
    data = form.cleaned_data if form.is_valid() else {}
    segment = Segment(
        area_ids=(int(data["area"]),) if data.get("area") else (),
        languages=(data["language"],) if data.get("language") else (),
        operator_ids=(int(data["operator"]),) if data.get("operator") else (),
        test=bool(data.get("test")),
    )
    return render(
        request,
        "alerts/segments.html",
        {
            "form": form,
            "total": selectors.recipient_count(segment),
            "tables": [
                (gettext_lazy("By operator"), selectors.counts_by(segment, "operator")),
                (gettext_lazy("By area"), selectors.counts_by(segment, "area")),
                (gettext_lazy("By language"), selectors.counts_by(segment, "language")),
            ],
        },
    )
