import ipaddress
import re
import uuid
from collections.abc import Callable
from typing import Any

from django.conf import settings
from django.http import HttpRequest, HttpResponse

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
