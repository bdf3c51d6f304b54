import time

from django.db import connection
from django.http import HttpRequest, JsonResponse

from resilnet.core import selectors

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
    age = selectors.worker_heartbeat_age()
    worker_ok = age is not None and age < WORKER_STALE_SECONDS
    return JsonResponse(
        {
            "status": "ok" if worker_ok else "degraded",
            "database": {"ok": True, "vendor": connection.vendor, "latency_ms": latency_ms},
            "worker": {
                "ok": worker_ok,
                "heartbeat_age_seconds": None if age is None else round(age, 1),
            },
        }
    )
