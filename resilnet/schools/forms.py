"""The GET forms of the schools pages: the same filters as the API's."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from resilnet.schools import selectors
from resilnet.schools.models import AreaType, Benchmark, MeasurementSource
from resilnet.schools.status import Connectivity, Coverage

ANY = [("", _("Any"))]


class SchoolFilterForm(forms.Form):
    country = forms.CharField(label=_("Country (ISO3)"), required=False, max_length=3)
    area = forms.IntegerField(
        label=_("Admin area id"), required=False, min_value=1, max_value=2**63 - 1
    )
    education_level = forms.CharField(label=_("Education level"), required=False, max_length=64)
    school_area_type = forms.ChoiceField(
        label=_("Environment"), required=False, choices=ANY + list(AreaType.choices)
    )
    status = forms.ChoiceField(
        label=_("Connectivity"), required=False, choices=ANY + list(Connectivity.choices)
    )
    benchmark = forms.ChoiceField(
        label=_("Benchmark"), required=False, choices=list(Benchmark.choices)
    )
    coverage = forms.ChoiceField(
        label=_("Coverage"), required=False, choices=ANY + list(Coverage.choices)
    )
    realtime = forms.ChoiceField(
        label=_("Real-time data"),
        required=False,
        choices=[*ANY, ("yes", _("Yes")), ("no", _("No"))],
    )
    source = forms.ChoiceField(
        label=_("Measurement source"),
        required=False,
        choices=ANY + list(MeasurementSource.choices),
    )
    q = forms.CharField(label=_("Name or id"), required=False, max_length=100)

    def clean_country(self) -> Any:
        code = self.cleaned_data["country"].strip()
        if not code:
            return None
        country = selectors.country_by_iso3(code)
        if country is None:
            raise forms.ValidationError(_("No country has this ISO 3166-1 alpha-3 code."))
        return country

    def selection(self) -> selectors.SchoolFilters:
        data = self.cleaned_data
        return selectors.SchoolFilters(
            country=data.get("country"),
            area=data.get("area"),
            education_level=(data.get("education_level") or "").strip(),
            school_area_type=data.get("school_area_type") or "",
            status=data.get("status") or "",
            benchmark=data.get("benchmark") or Benchmark.GLOBAL,
            coverage=data.get("coverage") or "",
            realtime={"yes": True, "no": False}.get(data.get("realtime") or ""),
            source=data.get("source") or "",
            q=(data.get("q") or "").strip(),
        )


class BenchmarkForm(forms.Form):
    """The national download benchmark an analyst sets for a country."""

    mbps = forms.DecimalField(
        label=_("National benchmark (Mbit/s)"),
        min_value=Decimal("0.001"),
        max_value=Decimal(100_000),
        max_digits=9,
        decimal_places=3,
    )
