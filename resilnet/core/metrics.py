"""Prometheus metrics at /metrics: request counts and latencies, queue and worker state.

Request metrics live in this process (`resilnet serve` runs one process with threads, so
the counts are complete); queue and worker gauges are read from the database at scrape
time, so they are right whichever process answers.
"""

from __future__ import annotations

import hmac
import time
from collections.abc import Callable, Iterator

from django.conf import settings
from django.db.models import Count
from django.http import HttpRequest, HttpResponse
from prometheus_client import (
    CONTENT_TYPE_LATEST,
    CollectorRegistry,
    Counter,
    Histogram,
    generate_latest,
)
from prometheus_client.core import GaugeMetricFamily
from prometheus_client.registry import Collector

REGISTRY = CollectorRegistry()
REQUESTS = Counter(
    "resilnet_http_requests",
    "HTTP requests answered, by method, route and status code.",
    ["method", "route", "status"],
    registry=REGISTRY,
)
LATENCY = Histogram(
    "resilnet_http_request_duration_seconds",
    "Time to answer an HTTP request, by route.",
    ["route"],
    registry=REGISTRY,
    buckets=(0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10),
)


METHODS = frozenset({"GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"})


def route_of(request: HttpRequest) -> str:
    # The URL pattern, not the path: label values must not grow with every country code.
    match = getattr(request, "resolver_match", None)
    if match is None:
        return "unmatched"
    return match.route or "/"  # the home page's pattern is the empty string


def method_of(request: HttpRequest) -> str:
    # Any word is a method to HTTP: invented ones share one label instead of a series each.
    return request.method if request.method in METHODS else "other"


class MetricsMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        started = time.perf_counter()
        response = self.get_response(request)
        route = route_of(request)
        REQUESTS.labels(method_of(request), route, str(response.status_code)).inc()
        LATENCY.labels(route).observe(time.perf_counter() - started)
        return response


class DatabaseCollector(Collector):
    def collect(self) -> Iterator[GaugeMetricFamily]:
        from django_tasks_db.models import DBTaskResult

        from resilnet.core import selectors

        tasks = GaugeMetricFamily(
            "resilnet_tasks", "Background tasks in the database, by status.", labels=["status"]
        )
        rows = DBTaskResult.objects.values("status").annotate(n=Count("id")).order_by()
        for row in rows:
            tasks.add_metric([row["status"]], row["n"])
        yield tasks
        age = selectors.worker_heartbeat_age()
        heartbeat = GaugeMetricFamily(
            "resilnet_worker_heartbeat_age_seconds",
            "Seconds since a background worker last reported; -1 if none ever did.",
        )
        heartbeat.add_metric([], -1 if age is None else age)
        yield heartbeat


REGISTRY.register(DatabaseCollector())


def metrics_view(request: HttpRequest) -> HttpResponse:
    token = settings.METRICS_TOKEN
    if token:
        presented = request.headers.get("Authorization", "").removeprefix("Bearer ")
        if not hmac.compare_digest(presented.encode(), token.encode()):
            return HttpResponse("metrics token required\n", status=401, content_type="text/plain")
    return HttpResponse(generate_latest(REGISTRY), content_type=CONTENT_TYPE_LATEST)
