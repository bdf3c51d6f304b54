import time
from typing import Any

from django.db import connection
from django.http import HttpRequest, JsonResponse
from django.utils.module_loading import import_string

from resilnet.core import modules, selectors

# A worker reports every few seconds; silence for longer than this means it is gone.
WORKER_STALE_SECONDS = 60


def healthz(request: HttpRequest) -> JsonResponse:
    """Liveness for load balancers: 503 only when the database is unreachable.

    A missing worker degrades the service (jobs wait) but the site still answers, so it
    reports `degraded` with status 200.
    """
    started = time.perf_counter()
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
            cursor.fetchone()
    except Exception as exc:
        return JsonResponse(
            {"status": "fail", "database": {"ok": False, "error": exc.__class__.__name__}},
            status=503,
        )
    latency_ms = round((time.perf_counter() - started) * 1000, 2)
    latest = selectors.latest_worker_heartbeat()
    age = selectors.worker_heartbeat_age()
    worker_ok = age is not None and age < WORKER_STALE_SECONDS
    checks = module_checks()
    healthy = worker_ok and all(check.get("ok") for check in checks.values())
    return JsonResponse(
        {
            "status": "ok" if healthy else "degraded",
            "database": {"ok": True, "vendor": connection.vendor, "latency_ms": latency_ms},
            "worker": {
                "ok": worker_ok,
                "heartbeat_age_seconds": None if age is None else round(age, 1),
                "pid": latest.pid if latest else None,
            },
            "checks": checks,
        }
    )


def module_checks() -> dict[str, dict[str, Any]]:
    """Each module's health checks by `<slug>.<name>`; a check that raises is not ok."""
    results: dict[str, dict[str, Any]] = {}
    for module in modules.installed():
        for path in module.health_checks:
            name = f"{module.slug}.{path.rsplit('.', 1)[-1]}"
            try:
                results[name] = dict(import_string(path)())
            except Exception as exc:
                results[name] = {"ok": False, "error": exc.__class__.__name__}
    return results
