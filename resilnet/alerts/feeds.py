"""The public outputs: each published alert's CAP 1.2 document and the Atom feed of the
active ones. No sign-in: alert feeds are read by machines (aggregators, cell-broadcast
centres) that hold no account."""

from __future__ import annotations

from django.http import Http404, HttpRequest, HttpResponse
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET

from resilnet.alerts import cap, selectors


@require_GET
def cap_xml(request: HttpRequest, identifier: str) -> HttpResponse:
    alert = selectors.public_alert(identifier)
    if alert is None:
        raise Http404
    response = HttpResponse(
        cap.cap_document(alert), content_type="application/cap+xml; charset=utf-8"
    )
    response["Cache-Control"] = "public, max-age=60"
    return response


@require_GET
def feed_atom(request: HttpRequest) -> HttpResponse:
    alerts = selectors.active_alerts()
    body = cap.atom_feed(
        alerts,
        feed_url=request.build_absolute_uri(reverse("alerts:feed")),
        cap_url=lambda a: request.build_absolute_uri(reverse("alerts:cap", args=[a.identifier])),
        title=_("Health alerts"),
        updated=max((a.sent for a in alerts if a.sent), default=timezone.now()),
    )
    response = HttpResponse(body, content_type="application/atom+xml; charset=utf-8")
    response["Cache-Control"] = "public, max-age=60"
    return response
