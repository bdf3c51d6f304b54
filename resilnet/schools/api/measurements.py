"""The keyed part of the schools API: measurement upload for speed-test clients, and the
national benchmark for analysts."""

from __future__ import annotations

import json
from datetime import datetime
from typing import Any
from uuid import UUID

import pydantic
from django.http import HttpRequest, HttpResponse
from ninja import Field, Router, Schema
from ninja.errors import ValidationError

from resilnet.core.api import AUTH, Problem, errors, problem_response, signed_in
from resilnet.core.models import Country
from resilnet.schools import selectors
from resilnet.schools.models import MeasurementSource
from resilnet.schools.services import benchmark, measurements

router = Router(tags=["schools"])

# A batch of MAX_BATCH measurements with their client and server info stays far below this.
MAX_BODY_BYTES = 256 * 1024


class MeasurementIn(Schema):
    uuid: UUID | None = Field(None, description="The client's id of the test; repeats are ignored.")
    timestamp: datetime = Field(..., description="When the test ran, with its offset (Z).")
    download_bps: int = Field(..., ge=0, le=measurements.MAX_BPS)
    upload_bps: int | None = Field(None, ge=0, le=measurements.MAX_BPS)
    latency_ms: float | None = Field(None, ge=0, le=measurements.MAX_MS)
    jitter_ms: float | None = Field(None, ge=0, le=measurements.MAX_MS)
    packet_loss: float | None = Field(None, ge=0, le=100)
    source: MeasurementSource = MeasurementSource.NDT
    client_latitude: float | None = Field(None, ge=-90, le=90)
    client_longitude: float | None = Field(None, ge=-180, le=180)
    client_info: dict[str, Any] | None = None
    server_info: dict[str, Any] | None = None


class MeasurementsIn(Schema):
    items: list[MeasurementIn] = Field(..., min_length=1, max_length=measurements.MAX_BATCH)


class MeasurementsOut(Schema):
    new: list[UUID]
    repeated: list[UUID]


class DeviceKeyAuth:
    """`Authorization: Device <key>` or `X-Device-Key: <key>`."""

    openapi_type = "apiKey"

    def __call__(self, request: HttpRequest) -> Any:
        header = request.headers.get("Authorization", "")
        scheme, _, value = header.partition(" ")
        presented = value.strip() if scheme.lower() == "device" else ""
        presented = presented or request.headers.get("X-Device-Key", "").strip()
        if not presented:
            raise Problem(
                401, "Device key required", "Send Authorization: Device KEY or X-Device-Key."
            )
        try:
            key = measurements.authenticate_device_key(presented)
        except measurements.DeviceKeyError as exc:
            raise Problem(401, "Invalid device key", str(exc)) from None
        request.device_key = key  # type: ignore[attr-defined]
        return key


def _too_many(request: HttpRequest, retry_after: int) -> HttpResponse:
    response = problem_response(
        request,
        429,
        "Too many requests",
        f"At most {measurements.REQUESTS_PER_MINUTE} requests a minute per device key.",
        retry_after=retry_after,
    )
    response["Retry-After"] = str(retry_after)
    return response


@router.post(
    "/measurements",
    response={200: MeasurementsOut, **errors(400, 401, 413, 422)},
    auth=DeviceKeyAuth(),
    summary="Upload a speed-test client's measurements",
    description=(
        "Authenticated by the school's device key. At most "
        f"{measurements.MAX_BATCH} items a request and "
        f"{measurements.REQUESTS_PER_MINUTE} requests a minute per key (429 with Retry-After "
        "beyond). Idempotent by `uuid`: the answer lists the new and the repeated ones."
    ),
)
def upload_measurements(request: HttpRequest) -> Any:
    key = request.device_key  # type: ignore[attr-defined]
    retry_after = measurements.take_device_request(key)
    if retry_after:
        return _too_many(request, retry_after)
    size = int(request.META.get("CONTENT_LENGTH") or 0)
    if size > MAX_BODY_BYTES or len(request.body) > MAX_BODY_BYTES:
        raise Problem(
            413,
            "Request body too large",
            f"The limit is {MAX_BODY_BYTES:,} bytes.",
            limit=MAX_BODY_BYTES,
        )
    try:
        data = json.loads(request.body)
    except (json.JSONDecodeError, UnicodeDecodeError) as exc:
        raise Problem(400, "Malformed JSON", str(exc)[:200]) from None
    try:
        payload = MeasurementsIn.model_validate(data)
    except pydantic.ValidationError as exc:
        raise ValidationError(
            [{**e, "loc": ("body", *e["loc"])} for e in exc.errors(include_url=False)]
        ) from None
    items = [item.model_dump(exclude_none=True) for item in payload.items]
    recorded = measurements.record_measurements(key, items)
    return {"new": recorded.new, "repeated": recorded.repeated}


class BenchmarkIn(Schema):
    mbps: float = Field(..., gt=0, le=benchmark.MAX_MBPS, description="Megabits per second.")


class BenchmarkOut(Schema):
    country: str
    national_benchmark_bps: int
    job: int | None = Field(None, description="The recomputation's job, for a large country.")


@router.put(
    "/countries/{iso3}/benchmark",
    response={200: BenchmarkOut, **errors(400, 401, 403, 404, 413, 422)},
    auth=AUTH,
    summary="Set a country's national download benchmark",
)
def set_benchmark(request: HttpRequest, iso3: str, payload: BenchmarkIn) -> Any:
    user = signed_in(request)
    code = len(iso3) == 3 and iso3.isascii() and iso3.isalpha()
    country = Country.objects.filter(iso3=iso3.upper()).first() if code else None
    if country is None:
        raise Problem(404, "Country not found", f"No country has the code {iso3[:20]!r}.")
    if not benchmark.may_set_benchmark(user):
        raise Problem(403, "Forbidden", "Only analysts and administrators set a benchmark.")
    job = benchmark.do_set_national_benchmark(user, country, payload.mbps)
    return {
        "country": country.iso3,
        "national_benchmark_bps": selectors.national_benchmark_bps(country),
        "job": job.pk if job else None,
    }
