import ipaddress
import re
import uuid
from collections.abc import Callable
from typing import Any

from django.conf import settings
from django.http import FileResponse, HttpRequest, HttpResponse
from django.http.response import HttpResponseBase
from django.middleware.gzip import GZipMiddleware

from resilnet.core.request_context import ip_var, request_id_var

_SAFE_ID = re.compile(r"^[A-Za-z0-9._-]{1,64}$")


def client_address(peer: str, forwarded_for: str, trusted: list[Any]) -> str:
    """The client's address: the peer's, unless the peer is a trusted proxy; then the
    nearest address in X-Forwarded-For that is not itself a trusted proxy. Addresses
    left of it were written by the client and are not believed."""

    def is_trusted(address: str) -> bool:
        try:
            ip = ipaddress.ip_address(address)
        except ValueError:
            return False
        return any(ip in network for network in trusted)

    if not trusted or not is_trusted(peer):
        return peer
    hops = [hop.strip() for hop in forwarded_for.split(",") if hop.strip()]
    for hop in reversed(hops):
        if not is_trusted(hop):
            try:
                return str(ipaddress.ip_address(hop))
            except ValueError:
                return peer  # a malformed hop: the proxy's own address is what we know
    return peer


class RequestIdMiddleware:
    """Tag each request with an id (the caller's X-Request-ID if sane) and its client's
    address for logs and audit."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        incoming = request.headers.get("X-Request-ID", "")
        request_id = incoming if _SAFE_ID.match(incoming) else uuid.uuid4().hex
        id_token = request_id_var.set(request_id)
        # Every later reader of REMOTE_ADDR (throttles, audit) sees the client's address.
        request.META["REMOTE_ADDR"] = client_address(
            request.META.get("REMOTE_ADDR", ""),
            request.META.get("HTTP_X_FORWARDED_FOR", ""),
            settings.TRUSTED_PROXIES,
        )
        ip_token = ip_var.set(request.META["REMOTE_ADDR"] or None)
        try:
            response = self.get_response(request)
        finally:
            request_id_var.reset(id_token)
            ip_var.reset(ip_token)
        response["X-Request-ID"] = request_id
        return response


# What is worth compressing: text. Archives, spreadsheets, images, audio and video are
# compressed already; gzip would only cost the server time and the reader nothing.
_TEXT_TYPES = re.compile(
    r"^(text/|application/(json|problem\+json|javascript|xml|atom\+xml|rss\+xml|cap\+xml"
    r"|geo\+json|manifest\+json)|image/svg\+xml)"
)


class CompressionMiddleware(GZipMiddleware):
    """Gzip text responses (pages, API answers, feeds, CSV), never files: a FileResponse
    keeps its length and byte ranges (players seek in podcast episodes), and responses
    already compressed (tiles, XLSX, archives, media) pass as they are.

    BREACH: Django's GZipMiddleware pads each compressed body with random bytes
    (Heal The BREACH), and Django masks the CSRF token on every response; see
    docs/architecture.md, "Compression"."""

    def process_response(self, request: HttpRequest, response: HttpResponseBase) -> Any:
        if isinstance(response, FileResponse):
            return response
        if not _TEXT_TYPES.match(response.get("Content-Type", "")):
            return response
        return super().process_response(request, response)
