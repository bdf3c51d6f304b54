"""The subscriber import page (administrators: permissions.can_manage_subscribers). A
file is uploaded and its header read at once, so a file that cannot be imported at all is
refused on the form; the rows are checked and written by a background job with its
progress, then the report: rows read, added, updated, duplicates and the rejected rows
with their reasons, downloadable as CSV."""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from resilnet.alerts import importers, permissions, selectors
from resilnet.alerts.models import SubscriberLanguage
from resilnet.alerts.numbers import is_region
from resilnet.alerts.services import audiences

MAX_UPLOAD_BYTES = 100 * 1024 * 1024  # some three million rows; larger files: the command line


def _operators() -> list[tuple[str, Any]]:
    return [("", gettext_lazy("From the file's operator column"))] + [
        (name, name) for _pk, name in selectors.operator_names()
    ]


class SubscriberImportForm(forms.Form):
    file = forms.FileField(label=gettext_lazy("Subscriber file (CSV or XLSX)"))
    region = forms.CharField(
        label=gettext_lazy("Country of the numbers"),
        max_length=2,
        required=False,
        help_text=gettext_lazy(
            "ISO 3166-1 alpha-2 code, e.g. KE: numbers written the national way are read as "
            "this country's, numbers of other countries are rejected."
        ),
    )
    operator = forms.ChoiceField(
        label=gettext_lazy("Operator of rows without one"), choices=_operators, required=False
    )
    language = forms.ChoiceField(
        label=gettext_lazy("Language of rows without one"),
        choices=SubscriberLanguage.choices,
        initial=SubscriberLanguage.ENGLISH,
    )
    consent_source = forms.CharField(
        label=gettext_lazy("Consent source of rows without one"),
        max_length=200,
        required=False,
        help_text=gettext_lazy("Where the subscribers' consent was given, e.g. a campaign."),
    )
    mode = forms.ChoiceField(
        label=gettext_lazy("When some rows are rejected"),
        choices=[
            (audiences.ALL_OR_NOTHING, gettext_lazy("import nothing")),
            (audiences.VALID_ROWS, gettext_lazy("import the valid rows")),
        ],
    )
    test = forms.BooleanField(label=gettext_lazy("The rows are a test audience"), required=False)

    def clean_file(self) -> Any:
        upload = self.cleaned_data["file"]
        if upload.size and upload.size > MAX_UPLOAD_BYTES:
            raise forms.ValidationError(
                _("The file is larger than %(mb)d MB: import it with the command line.")
                % {"mb": MAX_UPLOAD_BYTES // 2**20}
            )
        try:
            self.file_format = importers.format_of(upload.name)
            # The header only: a file without a number column, or not a CSV or XLSX file
            # at all, is refused here rather than by a job.
            self.columns = importers.read(upload, self.file_format).columns
        except importers.SubscriberFileError as exc:
            raise forms.ValidationError(str(exc)) from None
        finally:
            upload.seek(0)
        return upload

    def clean_region(self) -> str:
        region = self.cleaned_data["region"].strip().upper()
        if region and not is_region(region):
            raise forms.ValidationError(_("Not a region code (ISO 3166-1 alpha-2, e.g. KE)."))
        return region

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        columns = getattr(self, "columns", None)
        if columns is not None and "operator" not in columns and not data.get("operator"):
            self.add_error(
                "operator", _("The file has no operator column: choose the rows' operator.")
            )
        return data


def _allowed(request: HttpRequest) -> None:
    if not permissions.can_manage_subscribers(request.user):
        raise PermissionDenied


@login_required
def import_upload(request: HttpRequest) -> HttpResponse:
    from resilnet.alerts import tasks
    from resilnet.core import services as core_services
    from resilnet.core.tasks import save_upload

    _allowed(request)
    form = SubscriberImportForm(request.POST or None, request.FILES or None)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        path = save_upload(data["file"])
        job = core_services.start_job(
            request.user,  # type: ignore[arg-type]
            tasks.import_subscriber_file,
            _("Import of subscribers from %(name)s") % {"name": data["file"].name[:100]},
            path=str(path),
            name=data["file"].name[:200],
            file_format=form.file_format,
            region=data["region"] or None,
            operator=data["operator"] or None,
            language=data["language"],
            consent_source=data["consent_source"].strip(),
            mode=data["mode"],
            test=data["test"],
        )
        return redirect("alerts:import_report", job_id=job.pk)
    return render(request, "alerts/import.html", {"form": form})


@login_required
def import_report(request: HttpRequest, job_id: int) -> HttpResponse:
    """The job's progress while it runs; then its counts and rejected rows, paginated."""
    from resilnet.core.views import job_report_rows, paginate

    _allowed(request)
    job, rejected = job_report_rows(request, job_id)
    if rejected is None:
        return render(request, "alerts/import_report.html", {"job": job, "running": True})
    return render(
        request,
        "alerts/import_report.html",
        {"job": job, "summary": job.result or {}, **paginate(request, rejected, per_page=100)},
    )
