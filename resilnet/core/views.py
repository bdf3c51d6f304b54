from __future__ import annotations

import csv
from collections.abc import Callable
from functools import wraps
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.contrib.auth.views import redirect_to_login
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.db import transaction
from django.http import FileResponse, Http404, HttpRequest, HttpResponse, HttpResponseBase
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.functional import Promise
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST
from ninja import NinjaAPI

from resilnet.core import api_docs, modules, selectors, services, tasks
from resilnet.core.forms import AuditFilterForm, NewUserForm, TokenForm, UserRolesForm
from resilnet.core.models import Job


def paginate(request: HttpRequest, items: Any, per_page: int = 50) -> dict[str, Any]:
    """The page asked for (out-of-range or malformed numbers give the nearest page) and
    the query string without `page`, for the links of the pagination template."""
    query = request.GET.copy()
    query.pop("page", None)
    return {
        "page": Paginator(items, per_page).get_page(request.GET.get("page")),
        "query": query.urlencode(),
    }


def home(request: HttpRequest) -> HttpResponse:
    return render(
        request,
        "core/home.html",
        {
            "summary": selectors.reference_summary(),
            "itu_regions": selectors.itu_regions(),
        },
    )


def api_reference(request: HttpRequest, api: NinjaAPI) -> HttpResponse:
    return render(
        request,
        "core/api_docs.html",
        {"reference": api_docs.current_page(api), "openapi_url": reverse("api:openapi-json")},
    )


def module_placeholder(request: HttpRequest, slug: str) -> HttpResponse:
    module = modules.by_slug(slug)
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
    return render(
        request,
        "core/country_list.html",
        {
            **paginate(request, countries),
            "q": q,
            "itu_region": itu_region,
            "flag": flag,
            "itu_regions": selectors.itu_regions(),
        },
    )


def country_detail(request: HttpRequest, iso3: str) -> HttpResponse:
    country = selectors.country_by_iso3(iso3)
    if country is None:
        raise Http404(_("No country has the code %(code)s.") % {"code": iso3[:20]})
    return render(request, "core/country_detail.html", {"country": country})


def is_administrator(user: Any) -> bool:
    return user.is_authenticated and user.is_administrator


def guarded_by(
    check: Callable[[Any], bool], refusal: Promise
) -> Callable[[Callable[..., HttpResponseBase]], Callable[..., HttpResponseBase]]:
    """A view decorator: visitors are sent to sign in; signed-in users for whom `check`
    fails get 403 with `refusal` (sending them to the sign-in page they just passed
    would loop)."""

    def decorate(view: Callable[..., HttpResponseBase]) -> Callable[..., HttpResponseBase]:
        @wraps(view)
        def guarded(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponseBase:
            if not request.user.is_authenticated:
                return redirect_to_login(request.get_full_path())
            if not check(request.user):
                raise PermissionDenied(str(refusal))
            return view(request, *args, **kwargs)

        return guarded

    return decorate


administrators_only = guarded_by(
    is_administrator, gettext_lazy("Only administrators may open this page.")
)


@administrators_only
def audit_log(request: HttpRequest) -> HttpResponse:
    form = AuditFilterForm(request.GET or None)
    filters = form.filters() if form.is_valid() else {}
    if request.GET and not form.is_valid():
        events = selectors.audit_events().none()
    else:
        events = selectors.audit_events(**filters).select_related("actor")
    return render(request, "core/audit_log.html", {"form": form, **paginate(request, events)})


@require_POST
@administrators_only
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


def own_job(request: HttpRequest, job_id: int) -> Job:
    """The job, if the person asking started it or is an administrator (404 otherwise)."""
    job = get_object_or_404(Job, pk=job_id)
    if job.requested_by_id != request.user.pk and not request.user.is_administrator:  # type: ignore[union-attr]
        raise Http404
    return job


def job_report_rows(request: HttpRequest, job_id: int) -> tuple[Job, list[dict[str, str]] | None]:
    """The job (see own_job) and the rows of the CSV file it wrote; None while it runs,
    or when it failed without one (its page then shows its progress and message)."""
    job = own_job(request, job_id)
    path = tasks.export_path(job)
    if not job.finished or path is None or not path.exists():
        return job, None
    with path.open(encoding="utf-8", newline="") as f:
        return job, list(csv.DictReader(f))


@login_required
def job_detail(request: HttpRequest, job_id: int) -> HttpResponse:
    job = own_job(request, job_id)
    template = "core/job_progress.html" if request.headers.get("HX-Request") else "core/job.html"
    return render(request, template, {"job": job})


@login_required
def job_download(request: HttpRequest, job_id: int) -> FileResponse:
    job = own_job(request, job_id)
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
            apply_validation_error(form, exc)
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


def apply_validation_error(form: Any, error: ValidationError) -> None:
    """Show a service's ValidationError on the form fields it names."""
    for field, messages_ in error.message_dict.items():
        form.add_error(field if field in form.fields else None, messages_)


@administrators_only
def user_list(request: HttpRequest) -> HttpResponse:
    q = request.GET.get("q", "")[:150]
    users = selectors.users(q=q)
    return render(request, "core/user_list.html", {**paginate(request, users), "q": q})


@administrators_only
def user_create(request: HttpRequest) -> HttpResponse:
    form = NewUserForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            user = services.do_create_user(
                request.user,  # type: ignore[arg-type]
                username=data["username"],
                password=data["password"],
                email=data["email"],
                organisation=data["organisation"],
                roles=data["roles"],
            )
        except ValidationError as exc:
            apply_validation_error(form, exc)
        else:
            messages.success(request, _("User %(name)s created.") % {"name": user.username})
            return redirect("user_detail", user_id=user.pk)
    return render(request, "core/user_create.html", {"form": form})


@administrators_only
def user_detail(request: HttpRequest, user_id: int) -> HttpResponse:
    account = get_object_or_404(selectors.users(), pk=user_id)
    actor = request.user
    form = UserRolesForm(
        request.POST or None,
        initial={"roles": sorted(account.roles()), "is_active": account.is_active},
    )
    if request.method == "POST" and form.is_valid():
        try:
            with transaction.atomic():
                services.do_set_roles(actor, account, form.cleaned_data["roles"])  # type: ignore[arg-type]
                services.do_set_active(actor, account, form.cleaned_data["is_active"])  # type: ignore[arg-type]
        except ValidationError as exc:
            apply_validation_error(form, exc)
        else:
            messages.success(request, _("Saved."))
            return redirect("user_detail", user_id=account.pk)
    history = selectors.audit_events(object_type="core.user", object_id=str(account.pk))[:20]
    return render(
        request, "core/user_detail.html", {"account": account, "form": form, "history": history}
    )


def csrf_failure(request: HttpRequest, reason: str = "") -> HttpResponse:
    return render(request, "core/csrf_failure.html", status=403)


def _message(exception: Exception | None) -> str:
    """The message a view gave its Http404 or PermissionDenied, if it gave one."""
    message = exception.args[0] if exception is not None and exception.args else ""
    return message if isinstance(message, str) else ""


def not_found(request: HttpRequest, exception: Exception | None = None) -> HttpResponse:
    return render(request, "404.html", {"message": _message(exception)}, status=404)


def forbidden(request: HttpRequest, exception: Exception | None = None) -> HttpResponse:
    return render(request, "403.html", {"message": _message(exception)}, status=403)
