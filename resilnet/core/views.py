from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required, user_passes_test
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from resilnet.core import selectors, services, tasks
from resilnet.core.forms import AuditFilterForm, TokenForm
from resilnet.core.models import Job
from resilnet.core.modules import MODULES


def home(request: HttpRequest) -> HttpResponse:
    return render(
        request,
        "core/home.html",
        {
            "summary": selectors.reference_summary(),
            "itu_regions": selectors.itu_regions(),
        },
    )


def module_placeholder(request: HttpRequest, slug: str) -> HttpResponse:
    module = next(m for m in MODULES if m.slug == slug)
    return render(request, "core/module_placeholder.html", {"module": module})


def country_list(request: HttpRequest) -> HttpResponse:
    itu_region = request.GET.get("itu_region", "")[:20]
    q = request.GET.get("q", "")[:100]
    flag = request.GET.get("flag", "")
    countries = selectors.countries(
        q=q,
        itu_region=itu_region,
        ldc=True if flag == "ldc" else None,
        lldc=True if flag == "lldc" else None,
        sids=True if flag == "sids" else None,
    )
    page = Paginator(countries, 50).get_page(request.GET.get("page"))
    query = request.GET.copy()
    query.pop("page", None)
    return render(
        request,
        "core/country_list.html",
        {
            "page": page,
            "q": q,
            "itu_region": itu_region,
            "flag": flag,
            "itu_regions": selectors.itu_regions(),
            "query": query.urlencode(),
        },
    )


def country_detail(request: HttpRequest, iso3: str) -> HttpResponse:
    country = selectors.country_by_iso3(iso3)
    if country is None:
        raise Http404(_("No country has the code %(code)s.") % {"code": iso3[:20]})
    return render(request, "core/country_detail.html", {"country": country})


def is_administrator(user: Any) -> bool:
    return user.is_authenticated and user.is_administrator


@user_passes_test(is_administrator)
def audit_log(request: HttpRequest) -> HttpResponse:
    form = AuditFilterForm(request.GET or None)
    filters = form.filters() if form.is_valid() else {}
    if request.GET and not form.is_valid():
        events = selectors.audit_events().none()
    else:
        events = selectors.audit_events(**filters).select_related("actor")
    page = Paginator(events, 50).get_page(request.GET.get("page"))
    query = request.GET.copy()
    query.pop("page", None)
    return render(
        request,
        "core/audit_log.html",
        {
            "form": form,
            "page": page,
            "query": query.urlencode(),
            "object_types": selectors.audit_object_types(),
        },
    )


@require_POST
@user_passes_test(is_administrator)
def audit_export(request: HttpRequest) -> HttpResponse:
    form = AuditFilterForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("Fix the filters before exporting."))
        return redirect("audit_log")
    filters = {key: str(value) for key, value in form.filters().items()}
    job = services.start_job(
        request.user,  # type: ignore[arg-type]
        tasks.export_audit_log,
        _("Audit log export"),
        filters=filters,
    )
    return redirect("job_detail", job_id=job.pk)


@login_required
def job_detail(request: HttpRequest, job_id: int) -> HttpResponse:
    job = get_object_or_404(Job, pk=job_id)
    if job.requested_by_id != request.user.pk and not request.user.is_administrator:  # type: ignore[union-attr]
        raise Http404
    template = "core/job_progress.html" if request.headers.get("HX-Request") else "core/job.html"
    return render(request, template, {"job": job})


@login_required
def job_download(request: HttpRequest, job_id: int) -> FileResponse:
    job = get_object_or_404(Job, pk=job_id)
    if job.requested_by_id != request.user.pk and not request.user.is_administrator:  # type: ignore[union-attr]
        raise Http404
    path = tasks.export_path(job)
    if not job.finished or path is None or not path.exists():
        raise Http404(_("This job has no file to download."))
    return FileResponse(path.open("rb"), as_attachment=True, filename=path.name)


@login_required
def tokens(request: HttpRequest) -> HttpResponse:
    user = request.user
    issued = None
    form = TokenForm(request.POST or None, user=user)
    if request.method == "POST" and form.is_valid():
        try:
            issued = services.do_create_api_token(
                user,  # type: ignore[arg-type]
                user,  # type: ignore[arg-type]
                name=form.cleaned_data["name"],
                role=form.cleaned_data["role"],
                expires_at=form.expires_at(),
            )
        except ValidationError as exc:
            for field, errors in exc.message_dict.items():
                form.add_error(field if field in form.fields else None, errors)
        else:
            form = TokenForm(user=user)
    return render(
        request,
        "core/tokens.html",
        {"form": form, "issued": issued, "tokens": user.api_tokens.all()},  # type: ignore[union-attr]
    )


@require_POST
@login_required
def token_revoke(request: HttpRequest, token_id: int) -> HttpResponse:
    token = get_object_or_404(request.user.api_tokens, pk=token_id)  # type: ignore[union-attr]
    services.do_revoke_api_token(request.user, token)  # type: ignore[arg-type]
    messages.success(request, _("Token %(name)s revoked.") % {"name": token.name})
    return redirect("tokens")


def csrf_failure(request: HttpRequest, reason: str = "") -> HttpResponse:
    return render(request, "core/csrf_failure.html", status=403)
