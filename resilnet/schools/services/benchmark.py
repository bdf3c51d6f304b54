"""The national benchmark: set by an analyst, it recomputes the country's national
statuses (weekly rows, schools, area counts), in the background for a large country."""

from __future__ import annotations

import math
from datetime import date
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import connection, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from resilnet.core.models import AuditAction, Country, Job, Role, User
from resilnet.core.services import record_audit, start_job
from resilnet.schools import status
from resilnet.schools.models import AreaWeeklyCount, CountrySettings, School, SchoolWeeklyStatus
from resilnet.schools.services import rollups

MAX_MBPS = 100_000
# Above this many schools the recomputation runs as a background job.
BACKGROUND_FROM_SCHOOLS = 20_000


def may_set_benchmark(user: User | None) -> bool:
    return bool(
        user is not None
        and user.is_active
        and (user.is_administrator or user.has_role(Role.ANALYST))
    )


def do_set_national_benchmark(actor: User | None, country: Country, mbps: Any) -> Job | None:
    """Set `country`'s national download benchmark (Mbit/s) and recompute its national
    statuses: inline for a small country; for a large one, returns the job doing it.
    `actor` None is the platform itself (the demo), as for imports."""
    if actor is not None and not may_set_benchmark(actor):
        raise PermissionDenied(_("Only analysts and administrators set a national benchmark."))
    if isinstance(mbps, bool) or not isinstance(mbps, int | float) or not math.isfinite(mbps):
        raise ValidationError({"mbps": _("Expected a number of megabits per second.")})
    if not 0 < mbps <= MAX_MBPS:
        raise ValidationError(
            {"mbps": _("Must be above 0 and at most %(max)d.") % {"max": MAX_MBPS}}
        )
    bps = round(mbps * status.MBPS)
    with transaction.atomic():
        settings_row, _created = CountrySettings.objects.select_for_update().get_or_create(
            country=country
        )
        before = settings_row.national_benchmark_bps
        settings_row.national_benchmark_bps = bps
        settings_row.updated_at = timezone.now()
        settings_row.updated_by = actor
        settings_row.save()
        record_audit(
            actor,
            AuditAction.UPDATED,
            settings_row,
            before={"national_benchmark_bps": before},
            after={"national_benchmark_bps": bps},
        )
    if School.objects.filter(country=country, deleted_at=None).count() < BACKGROUND_FROM_SCHOOLS:
        recompute_national_statuses(country.pk)
        return None
    from resilnet.schools import tasks

    return start_job(
        actor,
        tasks.recompute_national_statuses,
        f"National statuses of {country.iso3}",
        country_id=country.pk,
    )


def _update(table: str, column: str, rows: list[tuple[str, int]]) -> None:
    quote = connection.ops.quote_name
    for start in range(0, len(rows), rollups.CHUNK):
        with transaction.atomic(), connection.cursor() as cursor:
            cursor.executemany(
                f"UPDATE {quote(table)} SET {quote(column)} = %s WHERE id = %s",  # noqa: S608
                rows[start : start + rollups.CHUNK],
            )


def recompute_national_statuses(country_id: int, progress: Any = None) -> None:
    bench = rollups.national_benchmarks().get(country_id, status.GLOBAL_BENCHMARK_BPS)
    weeks = sorted(
        set(
            SchoolWeeklyStatus.objects.filter(school__country_id=country_id)
            .values_list("week_start", flat=True)
            .distinct()
        )
        | set(
            AreaWeeklyCount.objects.filter(country_id=country_id)
            .values_list("week_start", flat=True)
            .distinct()
        )
    )
    total = len(weeks) + 2
    for done, monday in enumerate(weeks, start=1):
        _recompute_week(country_id, monday, bench)
        if progress:
            progress(done, total)
    # Schools without real-time data: their static status on the new benchmark.
    static = [
        (str(new), pk)
        for pk, govt, contracted, old in School.objects.filter(
            country_id=country_id, realtime=False, deleted_at=None
        ).values_list(
            "pk", "connectivity_govt", "download_speed_contracted", "connectivity_national"
        )
        if (new := status.static_connectivity(govt, contracted, bench)) != old
    ]
    _update(School._meta.db_table, "connectivity_national", static)
    rollups.update_current_statuses([country_id])
    rollups._statuses_changed([country_id])
    if progress:
        progress(total - 1, total)
    # The weeks' counts start from the counts per area, recounted just above.
    for monday in weeks:
        rollups.count_week(country_id, monday)
    if progress:
        progress(total, total)


def _recompute_week(country_id: int, monday: date, bench: int) -> None:
    rows = [
        (str(new), pk)
        for pk, download, old in SchoolWeeklyStatus.objects.filter(
            school__country_id=country_id, week_start=monday
        ).values_list("pk", "download_bps", "connectivity_national")
        if (new := status.connectivity(download, bench)) != old
    ]
    _update(SchoolWeeklyStatus._meta.db_table, "connectivity_national", rows)
