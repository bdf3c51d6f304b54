"""The request being served, for audit records and log lines written deep in services."""

from contextvars import ContextVar

request_id_var: ContextVar[str] = ContextVar("request_id", default="")
ip_var: ContextVar[str | None] = ContextVar("ip", default=None)


def current_request_id() -> str:
    return request_id_var.get()


def current_ip() -> str | None:
    return ip_var.get()
