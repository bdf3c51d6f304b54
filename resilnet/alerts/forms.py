"""The compose form: the alert's fields, one fieldset per language, a few areas. It turns
what a person typed into the services' input (authoring.AlertInput); the services validate
the content itself."""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from resilnet.alerts.models import (
    Alert,
    Audience,
    Category,
    Certainty,
    Language,
    Scope,
    Severity,
    Status,
    Urgency,
)
from resilnet.alerts.services.authoring import (
    AREA_DESC_LIMIT,
    AREA_FIELDS,
    INFO_FIELDS,
    MAX_SEGMENT_CAP,
    NOTE_LIMIT,
    TEXT_LIMITS,
    AlertInput,
    AreaInput,
    InfoInput,
)

AREA_FORMS = 3
WHEN = forms.DateTimeInput(attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M")


class AlertForm(forms.Form):
    status = forms.ChoiceField(label=gettext_lazy("Status"), choices=Status.choices)
    audience = forms.ChoiceField(label=gettext_lazy("Audience"), choices=Audience.choices)
    scope = forms.ChoiceField(label=gettext_lazy("Scope"), choices=Scope.choices)
    restriction = forms.CharField(
        label=gettext_lazy("Restriction"), required=False, max_length=NOTE_LIMIT
    )
    addresses = forms.CharField(
        label=gettext_lazy("Addresses"), required=False, max_length=NOTE_LIMIT
    )
    note = forms.CharField(
        label=gettext_lazy("Note"),
        required=False,
        max_length=NOTE_LIMIT,
        widget=forms.Textarea(attrs={"rows": 2}),
    )
    publish_at = forms.DateTimeField(
        label=gettext_lazy("Publish at (UTC, empty: at approval)"), required=False, widget=WHEN
    )
    sms_segment_cap = forms.IntegerField(
        label=gettext_lazy("SMS segment cap"), min_value=1, max_value=MAX_SEGMENT_CAP, initial=3
    )


class InfoForm(forms.Form):
    include = forms.BooleanField(label=gettext_lazy("Include this language"), required=False)
    category = forms.ChoiceField(
        label=gettext_lazy("Category"), choices=Category.choices, initial=Category.HEALTH
    )
    event = forms.CharField(
        label=gettext_lazy("Event"), required=False, max_length=TEXT_LIMITS["event"]
    )
    urgency = forms.ChoiceField(label=gettext_lazy("Urgency"), choices=Urgency.choices)
    severity = forms.ChoiceField(label=gettext_lazy("Severity"), choices=Severity.choices)
    certainty = forms.ChoiceField(label=gettext_lazy("Certainty"), choices=Certainty.choices)
    effective = forms.DateTimeField(
        label=gettext_lazy("Effective (UTC)"), required=False, widget=WHEN
    )
    onset = forms.DateTimeField(label=gettext_lazy("Onset (UTC)"), required=False, widget=WHEN)
    expires = forms.DateTimeField(label=gettext_lazy("Expires (UTC)"), required=False, widget=WHEN)
    sender_name = forms.CharField(
        label=gettext_lazy("Sender name"), required=False, max_length=TEXT_LIMITS["sender_name"]
    )
    headline = forms.CharField(
        label=gettext_lazy("Headline"), required=False, max_length=TEXT_LIMITS["headline"]
    )
    description = forms.CharField(
        label=gettext_lazy("Description"),
        required=False,
        max_length=TEXT_LIMITS["description"],
        widget=forms.Textarea(attrs={"rows": 4}),
    )
    instruction = forms.CharField(
        label=gettext_lazy("Instruction"),
        required=False,
        max_length=TEXT_LIMITS["instruction"],
        widget=forms.Textarea(attrs={"rows": 3}),
    )
    web = forms.CharField(label=gettext_lazy("Web"), required=False, max_length=TEXT_LIMITS["web"])
    contact = forms.CharField(
        label=gettext_lazy("Contact"), required=False, max_length=TEXT_LIMITS["contact"]
    )
    sms_text = forms.CharField(
        label=gettext_lazy("SMS text"),
        required=False,
        max_length=TEXT_LIMITS["sms_text"],
        # The live counter (static/alerts/sms-counter.js) fills these translated patterns.
        widget=forms.Textarea(
            attrs={
                "rows": 4,
                "data-sms-counter": gettext_lazy(
                    "%(characters)s characters · %(encoding)s · %(units)s units · %(segments)s SMS"
                ),
                "data-sms-counter-error": gettext_lazy(
                    "Character %(position)s cannot be sent by SMS."
                ),
            }
        ),
    )


def _numbers(text: str, what: str) -> list[float]:
    try:
        return [float(n) for n in text.replace(",", " ").split()]
    except ValueError:
        raise forms.ValidationError(
            _("%(what)s: numbers expected.") % {"what": what[:80]}
        ) from None


class AreaForm(forms.Form):
    area_desc = forms.CharField(
        label=gettext_lazy("Area description"), required=False, max_length=AREA_DESC_LIMIT
    )
    polygons = forms.CharField(
        label=gettext_lazy(
            "Polygons: one per line, “lat,lon lat,lon …”, the last point equal to the first"
        ),
        required=False,
        max_length=200_000,
        widget=forms.Textarea(attrs={"rows": 2}),
    )
    circles = forms.CharField(
        label=gettext_lazy("Circles: one per line, “lat,lon radius-km”"),
        required=False,
        max_length=5000,
        widget=forms.Textarea(attrs={"rows": 2}),
    )
    geocodes = forms.CharField(
        label=gettext_lazy("Geocodes: one per line, “name=value”"),
        required=False,
        max_length=5000,
        widget=forms.Textarea(attrs={"rows": 2}),
    )
    admin_area_ids = forms.CharField(
        label=gettext_lazy("Admin area ids, separated by commas"), required=False, max_length=5000
    )

    def clean_polygons(self) -> list[list[list[float]]]:
        rings = []
        for line in self.cleaned_data["polygons"].splitlines():
            if line.strip():
                points = [_numbers(p, line) for p in line.split()]
                if any(len(p) != 2 for p in points):
                    raise forms.ValidationError(_("Each point is “lat,lon”."))
                rings.append(points)
        return rings

    def clean_circles(self) -> list[list[float]]:
        return [
            _numbers(line, line)
            for line in self.cleaned_data["circles"].splitlines()
            if line.strip()
        ]

    def clean_geocodes(self) -> list[list[str]]:
        codes = []
        for line in self.cleaned_data["geocodes"].splitlines():
            if line.strip():
                name, sep, value = line.partition("=")
                if not sep:
                    raise forms.ValidationError(
                        _("“%(line)s” is not “name=value”.") % {"line": line[:80]}
                    )
                codes.append([name.strip(), value.strip()])
        return codes

    def clean_admin_area_ids(self) -> list[int]:
        text = self.cleaned_data["admin_area_ids"]
        try:
            return [int(i) for i in text.split(",") if i.strip()]
        except ValueError:
            raise forms.ValidationError(_("Admin areas are named by their numeric ids.")) from None


class ComposeForms:
    """The alert form, one InfoForm per UN language, AREA_FORMS AreaForms."""

    def __init__(self, data: Any = None, alert: Alert | None = None) -> None:
        infos = {i.language: i for i in alert.infos.all()} if alert else {}
        areas = list(alert.areas.all()) if alert else []
        self.alert = AlertForm(data, initial=_alert_initial(alert))
        self.infos = [
            (code, label, InfoForm(data, prefix=code, initial=_info_initial(infos.get(code))))
            for code, label in Language.choices
        ]
        self.areas = [
            AreaForm(
                data, prefix=f"area{n}", initial=_area_initial(areas[n] if n < len(areas) else None)
            )
            for n in range(max(AREA_FORMS, len(areas)))
        ]

    def is_valid(self) -> bool:
        forms_ = [self.alert, *(f for _c, _l, f in self.infos), *self.areas]
        return all([f.is_valid() for f in forms_])

    def to_input(self) -> AlertInput:
        top = self.alert.cleaned_data
        infos = [
            InfoInput(
                language=code, **{n: f.cleaned_data[n] for n in INFO_FIELDS if n != "language"}
            )
            for code, _label, f in self.infos
            if f.cleaned_data["include"]
        ]
        areas = [
            AreaInput(**{n: f.cleaned_data[n] for n in AREA_FIELDS})
            for f in self.areas
            if any(f.cleaned_data[n] for n in AREA_FIELDS)
        ]
        return AlertInput(
            status=top["status"],
            audience=top["audience"],
            scope=top["scope"],
            restriction=top["restriction"],
            addresses=top["addresses"],
            note=top["note"],
            publish_at=top["publish_at"],
            sms_segment_cap=top["sms_segment_cap"],
            infos=infos,
            areas=areas,
        )


def _alert_initial(alert: Alert | None) -> dict[str, Any]:
    if alert is None:
        return {"status": Status.TEST, "audience": Audience.TEST, "sms_segment_cap": 3}
    names = (
        "status",
        "audience",
        "scope",
        "restriction",
        "addresses",
        "note",
        "publish_at",
        "sms_segment_cap",
    )
    return {n: getattr(alert, n) for n in names}


def _info_initial(info: Any) -> dict[str, Any]:
    if info is None:
        return {}
    return {"include": True} | {n: getattr(info, n) for n in INFO_FIELDS if n != "language"}


def _area_initial(area: Any) -> dict[str, Any]:
    if area is None:
        return {}
    return {
        "area_desc": area.area_desc,
        "polygons": "\n".join(" ".join(f"{a},{o}" for a, o in ring) for ring in area.polygons),
        "circles": "\n".join(f"{a},{o} {r}" for a, o, r in area.circles),
        "geocodes": "\n".join(f"{n}={v}" for n, v in area.geocodes),
        "admin_area_ids": ", ".join(map(str, area.admin_area_ids)),
    }
