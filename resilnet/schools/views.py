"""The schools pages."""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse

from resilnet.core.views import module_placeholder


def index(request: HttpRequest) -> HttpResponse:
    return module_placeholder(request, "schools")


def country(request: HttpRequest, iso3: str) -> HttpResponse:
    return module_placeholder(request, "schools")
