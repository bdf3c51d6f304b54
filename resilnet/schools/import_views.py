"""The school master import page (Analysts and Administrators): upload a file, the import
runs as a background job with its progress on the job page, then the data-quality report."""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from resilnet.core import selectors as core_selectors
from resilnet.schools import importers
from resilnet.schools.services import registry

MAX_UPLOAD_BYTES = 200 * 1024 * 1024  # larger files: the command line


def _countries() -> list[tuple[str, Any]]:
    return [("", gettext_lazy("From the file's country column"))] + [
        (iso3, name) for iso3, name in core_selectors.countries().values_list("iso3", "name")
    ]


class SchoolImportForm(forms.Form):
    file = forms.FileField(label=gettext_lazy("School master file (CSV, XLSX, GeoJSON, Parquet)"))
    country = forms.ChoiceField(label=gettext_lazy("Country"), choices=_countries, required=False)
    mode = forms.ChoiceField(
        label=gettext_lazy("When some rows are rejected"),
        choices=[
            (registry.ALL_OR_NOTHING, gettext_lazy("import nothing")),
            (registry.VALID_ROWS, gettext_lazy("import the valid rows")),
        ],
    )
    dry_run = forms.BooleanField(
        label=gettext_lazy("Only check the file (dry run)"), required=False, initial=True
    )
    mapping = forms.CharField(
        label=gettext_lazy("Column mapping"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=gettext_lazy(
            "One per line: column in your file = column of the school master schema."
        ),
    )

    def clean_file(self) -> Any:
        upload = self.cleaned_data["file"]
        try:
            self.file_format = importers.format_of(upload.name)
        except importers.ImportFormatError as exc:
            raise forms.ValidationError(str(exc)) from None
        if upload.size and upload.size > MAX_UPLOAD_BYTES:
            raise forms.ValidationError(
                _("The file is larger than %(mb)d MB: import it with the command line.")
                % {"mb": MAX_UPLOAD_BYTES // 2**20}
            )
        return upload

    def clean_mapping(self) -> dict[str, str]:
        from resilnet.schools.importers.base import parse_mapping

        lines = [line for line in self.cleaned_data["mapping"].splitlines() if line.strip()]
        try:
            return parse_mapping(lines)
        except importers.ImportFormatError as exc:
            raise forms.ValidationError(str(exc)) from None


def _allowed(request: HttpRequest) -> None:
    if not registry.can_import(request.user):  # type: ignore[arg-type]
        raise PermissionDenied


@login_required
def import_upload(request: HttpRequest) -> HttpResponse:
    from resilnet.core import services as core_services
    from resilnet.core.tasks import save_upload
    from resilnet.schools import import_tasks

    _allowed(request)
    form = SchoolImportForm(request.POST or None, request.FILES or None)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        path = save_upload(data["file"])
        job = core_services.start_job(
            request.user,  # type: ignore[arg-type]
            import_tasks.import_school_file,
            _("Import of schools from %(name)s") % {"name": data["file"].name[:100]},
            path=str(path),
            name=data["file"].name[:200],
            file_format=form.file_format,
            country=data["country"] or None,
            mode=data["mode"],
            dry_run=data["dry_run"],
            mapping=data["mapping"],
        )
        return redirect("schools:import_report", job_id=job.pk)
    return render(request, "schools/import.html", {"form": form})


@login_required
def import_report(request: HttpRequest, job_id: int) -> HttpResponse:
    """The data-quality report of an import job: its counts and findings, paginated."""
    from resilnet.core.views import job_report_rows, paginate

    _allowed(request)
    job, findings = job_report_rows(request, job_id)
    if findings is None:
        # Still running (or failed): the job's progress, refreshed until it is done.
        return render(request, "schools/import_report.html", {"job": job, "running": True})
    return render(
        request,
        "schools/import_report.html",
        {"job": job, "summary": job.result or {}, **paginate(request, findings, per_page=100)},
    )
