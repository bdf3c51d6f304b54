"""The planning pages' forms: each validates its input before a service sees it."""

from __future__ import annotations

import json
from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from resilnet.core import selectors as core_selectors
from resilnet.planning.models import DatasetKind, Objective, SitesSource
from resilnet.planning.selectors import LABELS, SHOWN, datasets
from resilnet.planning.services.datasets import MAX_UPLOAD_BYTES

COSTS_MAX_CHARS = 100_000


def _countries(blank: str = "") -> list[tuple[str, Any]]:
    choices = [
        (iso3, name) for iso3, name in core_selectors.countries().values_list("iso3", "name")
    ]
    return [("", blank), *choices] if blank else choices


class DatasetForm(forms.Form):
    kind = forms.ChoiceField(label=_("Kind of file"), choices=DatasetKind.choices)
    name = forms.CharField(label=_("Name"), max_length=200)
    country = forms.ChoiceField(
        label=_("Country"), required=False, choices=lambda: _countries(str(_("Any country")))
    )
    file = forms.FileField(
        label=_("File (CSV, or GeoJSON; roads are GeoJSON lines)"),
        help_text=_(
            "Sites: site_id, latitude, longitude, num_students, has_electricity. "
            "Fibre nodes: node_id, latitude, longitude. Towers: tower_id, latitude, "
            "longitude, technology (2G to 5G), range_km."
        ),
    )

    def clean_file(self) -> Any:
        upload = self.cleaned_data["file"]
        if upload.size and upload.size > MAX_UPLOAD_BYTES:
            raise forms.ValidationError(
                _("The file is larger than %(mb)d MB: plan with the command line instead.")
                % {"mb": MAX_UPLOAD_BYTES // 2**20}
            )
        return upload


class DatasetChoice(forms.ModelChoiceField):
    def label_from_instance(self, obj: Any) -> str:
        return f"{obj.name} — {obj.file_name} ({obj.rows})"


class ScenarioForm(forms.Form):
    name = forms.CharField(label=_("Name"), max_length=200)
    country = forms.ChoiceField(label=_("Country"), choices=_countries)
    sites_source = forms.ChoiceField(
        label=_("Sites to connect"),
        choices=SitesSource.choices,
        widget=forms.RadioSelect,
        initial=SitesSource.SCHOOLS,
    )
    sites = DatasetChoice(
        label=_("Sites file"), queryset=datasets(DatasetKind.SITES), required=False
    )
    fibre = DatasetChoice(label=_("Fibre nodes"), queryset=datasets(DatasetKind.FIBRE))
    towers = DatasetChoice(label=_("Cell towers"), queryset=datasets(DatasetKind.TOWERS))
    roads = DatasetChoice(
        label=_("Road network (optional)"), queryset=datasets(DatasetKind.ROADS), required=False
    )
    budget = forms.DecimalField(
        label=_("Budget (US dollars, over the horizon)"),
        required=False,
        max_digits=16,
        decimal_places=2,
        help_text=_("Leave empty to connect every site at the least total cost."),
    )
    objective = forms.ChoiceField(
        label=_("Under a budget, connect"), choices=Objective.choices, initial=Objective.SCHOOLS
    )
    costs = forms.CharField(
        label=_("Cost assumptions (JSON)"),
        widget=forms.Textarea(attrs={"rows": 16, "spellcheck": "false"}),
        max_length=COSTS_MAX_CHARS,
        help_text=_("The documented defaults; edit a figure to try another assumption."),
    )

    def clean_costs(self) -> Any:
        try:
            data = json.loads(self.cleaned_data["costs"])
        except json.JSONDecodeError as exc:
            raise forms.ValidationError(
                _("Not valid JSON: line %(line)d, column %(column)d: %(msg)s")
                % {"line": exc.lineno, "column": exc.colno, "msg": exc.msg}
            ) from None
        if not isinstance(data, dict):
            raise forms.ValidationError(_("The cost assumptions must be a JSON object."))
        return data

    def service_fields(self) -> dict[str, Any]:
        data = dict(self.cleaned_data)
        data["country"] = core_selectors.country_by_iso3(data["country"])
        return data


class ResultFilterForm(forms.Form):
    technology = forms.ChoiceField(
        label=_("Technology"),
        required=False,
        choices=[("", _("Any"))] + [(name, LABELS[name]) for name in SHOWN],
    )
    connected = forms.ChoiceField(
        label=_("Connected by the plan"),
        required=False,
        choices=[("", _("Either")), ("yes", _("Yes")), ("no", _("No"))],
    )
    admin1 = forms.CharField(label=_("Region"), required=False, max_length=200)
    q = forms.CharField(label=_("Site id or name"), required=False, max_length=100)

    def filters(self) -> Any:
        from resilnet.planning.selectors import ResultFilters

        data = self.cleaned_data
        connected = {"yes": True, "no": False}.get(data.get("connected") or "")
        return ResultFilters(
            technology=data.get("technology") or "",
            connected=connected,
            admin1=data.get("admin1") or "",
            q=data.get("q") or "",
        )
