"""The school registry (Giga's school master schema), measurements and status roll-ups.

Field names follow Giga's school master schema where it has one, so its files import
unchanged. Speeds are integers in bits per second; coordinates WGS84; times UTC.
"""

from __future__ import annotations

import uuid

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from resilnet.core.models import Country
from resilnet.schools.status import GLOBAL_BENCHMARK_BPS, CellularCoverage, Connectivity, Coverage


class AreaLevel(models.IntegerChoices):
    COUNTRY = 0, _("Country")
    ADMIN1 = 1, _("Province or region (admin 1)")
    ADMIN2 = 2, _("District (admin 2)")


class AdminArea(models.Model):
    """A country, or one of its first- or second-level administrative areas."""

    country = models.ForeignKey(Country, on_delete=models.PROTECT, related_name="school_areas")
    level = models.PositiveSmallIntegerField(choices=AreaLevel.choices)
    code = models.CharField(max_length=64)
    name = models.CharField(max_length=200)
    parent = models.ForeignKey(
        "self", null=True, blank=True, on_delete=models.CASCADE, related_name="children"
    )
    # GeoJSON geometry (Polygon or MultiPolygon) as text, and its bounding box for quick
    # rejection before the exact point-in-polygon test.
    boundary = models.TextField(blank=True)
    min_longitude = models.FloatField(null=True, blank=True)
    min_latitude = models.FloatField(null=True, blank=True)
    max_longitude = models.FloatField(null=True, blank=True)
    max_latitude = models.FloatField(null=True, blank=True)

    class Meta:
        ordering = ["country", "level", "name"]
        constraints = [
            models.UniqueConstraint(fields=["country", "level", "code"], name="area_code")
        ]

    def __str__(self) -> str:
        return self.name


class CountrySettings(models.Model):
    """Per-country choices an analyst makes: the national download benchmark."""

    country = models.OneToOneField(
        Country, on_delete=models.CASCADE, related_name="school_settings"
    )
    national_benchmark_bps = models.BigIntegerField(default=GLOBAL_BENCHMARK_BPS)
    updated_at = models.DateTimeField(default=timezone.now)
    updated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        verbose_name_plural = _("country settings")

    def __str__(self) -> str:
        return f"{self.country_id}: {self.national_benchmark_bps} bit/s"


class AreaType(models.TextChoices):
    URBAN = "urban", _("Urban")
    RURAL = "rural", _("Rural")


class School(models.Model):
    country = models.ForeignKey(
        Country, on_delete=models.PROTECT, related_name="schools", db_index=False
    )
    school_id_giga = models.CharField(max_length=64)
    school_id_govt = models.CharField(max_length=100, blank=True)
    school_name = models.CharField(max_length=500)
    latitude = models.FloatField()
    longitude = models.FloatField()
    education_level = models.CharField(max_length=64)
    education_level_govt = models.CharField(max_length=200, blank=True)
    school_establishment_year = models.PositiveSmallIntegerField(null=True, blank=True)
    admin1 = models.CharField(max_length=200, blank=True)
    admin2 = models.CharField(max_length=200, blank=True)
    admin1_area = models.ForeignKey(
        AdminArea, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    admin2_area = models.ForeignKey(
        AdminArea, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    school_area_type = models.CharField(max_length=8, choices=AreaType.choices, blank=True)
    school_funding_type = models.CharField(max_length=64, blank=True)
    num_students = models.PositiveIntegerField(null=True, blank=True)
    num_teachers = models.PositiveIntegerField(null=True, blank=True)
    num_computers = models.PositiveIntegerField(null=True, blank=True)
    electricity_availability = models.BooleanField(null=True, blank=True)
    connectivity_govt = models.BooleanField(null=True, blank=True)
    connectivity_type_govt = models.CharField(max_length=64, blank=True)
    download_speed_contracted = models.BigIntegerField(
        null=True, blank=True, help_text=_("Bits per second.")
    )
    cellular_coverage_type = models.CharField(
        max_length=16, choices=CellularCoverage.choices, blank=True
    )
    fiber_node_distance = models.FloatField(null=True, blank=True, help_text=_("Kilometres."))
    nearest_NR_distance = models.FloatField(null=True, blank=True)  # Giga's capitals
    nearest_LTE_distance = models.FloatField(null=True, blank=True)
    nearest_UMTS_distance = models.FloatField(null=True, blank=True)
    nearest_GSM_distance = models.FloatField(null=True, blank=True)
    pop_within_1km = models.PositiveIntegerField(null=True, blank=True)
    pop_within_2km = models.PositiveIntegerField(null=True, blank=True)
    pop_within_3km = models.PositiveIntegerField(null=True, blank=True)
    schools_within_1km = models.PositiveIntegerField(null=True, blank=True)
    schools_within_2km = models.PositiveIntegerField(null=True, blank=True)
    schools_within_3km = models.PositiveIntegerField(null=True, blank=True)
    disputed_region = models.BooleanField(default=False)

    # Kept by services, never by hand: the position's Z-order key (geo.py) for tiles, and
    # the current status on both benchmarks and coverage, for the map and the counts.
    tile_key = models.BigIntegerField(db_index=True)
    realtime = models.BooleanField(
        default=False, help_text=_("Registered for real-time measurements.")
    )
    connectivity_global = models.CharField(
        max_length=12, choices=Connectivity.choices, default=Connectivity.UNKNOWN
    )
    connectivity_national = models.CharField(
        max_length=12, choices=Connectivity.choices, default=Connectivity.UNKNOWN
    )
    coverage = models.CharField(max_length=8, choices=Coverage.choices, default=Coverage.UNKNOWN)
    created_at = models.DateTimeField(default=timezone.now)
    updated_at = models.DateTimeField(default=timezone.now)
    deleted_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["country", "school_name", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["country", "school_id_giga"],
                condition=Q(deleted_at__isnull=True),
                name="school_giga_id_live",
            )
        ]
        # Every index here is paid for by each school an import writes: none repeats
        # another (the foreign keys' own indexes serve the admin areas, and the country's
        # lookups use the leading column of the first one).
        indexes = [
            models.Index(fields=["country", "school_id_govt"]),
            # Covers the statistics of a country and its areas (selectors._static_counts):
            # one index-only GROUP BY, no table reads.
            models.Index(
                fields=[
                    "country",
                    "admin1_area",
                    "admin2_area",
                    "coverage",
                    "realtime",
                    "connectivity_global",
                    "connectivity_national",
                ],
                condition=Q(deleted_at__isnull=True),
                name="school_static_counts",
            ),
            # The real-time schools of a country (a roll-up reads them, a few per cent of
            # all schools): only they have an entry, so an import of schools without
            # real-time data does not pay for it.
            models.Index(
                fields=["country"],
                condition=Q(realtime=True, deleted_at__isnull=True),
                name="school_realtime",
            ),
            # The few deleted schools, which a roll-up leaves out of the measurements it
            # reads: without it, finding them read all 2.1 million schools.
            models.Index(
                fields=["id"], condition=Q(deleted_at__isnull=False), name="school_deleted"
            ),
        ]

    def __str__(self) -> str:
        return self.school_name


class DeviceKey(models.Model):
    """A speed-test client's key for one school: only its digest is stored."""

    school = models.ForeignKey(School, on_delete=models.CASCADE, related_name="device_keys")
    digest = models.CharField(max_length=64, unique=True)
    label = models.CharField(max_length=100, blank=True)
    created_at = models.DateTimeField(default=timezone.now)
    last_used_at = models.DateTimeField(null=True, blank=True)
    revoked_at = models.DateTimeField(null=True, blank=True)
    # The key's request count in the current minute (the upload's rate limit), kept in
    # the database so every web process counts the same requests.
    window_start = models.DateTimeField(null=True, blank=True)
    window_requests = models.PositiveIntegerField(default=0)

    def __str__(self) -> str:
        return self.label or f"key {self.pk}"


class MeasurementSource(models.TextChoices):
    NDT = "ndt", _("Speed test app (M-Lab NDT)")
    QOS = "qos", _("Operator QoS feed")
    OTHER = "other", _("Other")


class Measurement(models.Model):
    uuid = models.UUIDField(default=uuid.uuid4, unique=True)
    # No index of its own: the (school, timestamp) index below serves every lookup by
    # school, and one index fewer is less work for each row of a bulk import. No database
    # constraint either (docs/adr/0014): on PostgreSQL its check, a lookup and a row lock
    # of the school per inserted row, was half the server's work of an import. Every
    # writer looks its live school up first; the ORM still deletes a school's rows with it.
    school = models.ForeignKey(
        School,
        on_delete=models.CASCADE,
        related_name="measurements",
        db_index=False,
        db_constraint=False,
    )
    timestamp = models.DateTimeField()
    download_bps = models.BigIntegerField()
    upload_bps = models.BigIntegerField(null=True, blank=True)
    latency_ms = models.FloatField(null=True, blank=True)
    jitter_ms = models.FloatField(null=True, blank=True)
    packet_loss = models.FloatField(null=True, blank=True, help_text=_("Percent, 0 to 100."))
    source = models.CharField(max_length=8, choices=MeasurementSource.choices)
    client_info = models.JSONField(default=dict, blank=True)
    server_info = models.JSONField(default=dict, blank=True)
    location_mismatch = models.BooleanField(default=False)
    received_at = models.DateTimeField(default=timezone.now)

    class Meta:
        indexes = [
            models.Index(fields=["school", "timestamp"]),
            models.Index(fields=["timestamp"]),
        ]  # no index on received_at: nothing looks it up, and each index slows the ingest

    def __str__(self) -> str:
        return str(self.uuid)


class SchoolDailyStatus(models.Model):
    school = models.ForeignKey(School, on_delete=models.CASCADE, related_name="daily_statuses")
    date = models.DateField()
    download_bps = models.BigIntegerField(help_text=_("Median of the day's measurements."))
    upload_bps = models.BigIntegerField(null=True, blank=True)
    latency_ms = models.FloatField(null=True, blank=True)
    num_measurements = models.PositiveIntegerField()

    class Meta:
        constraints = [models.UniqueConstraint(fields=["school", "date"], name="school_day")]
        indexes = [models.Index(fields=["date"])]

    def __str__(self) -> str:
        return f"{self.school_id} {self.date}"


class SchoolWeeklyStatus(models.Model):
    """One school's ISO week: `week_start` is that week's Monday (ISO 8601)."""

    school = models.ForeignKey(School, on_delete=models.CASCADE, related_name="weekly_statuses")
    week_start = models.DateField()
    iso_year = models.PositiveSmallIntegerField()
    iso_week = models.PositiveSmallIntegerField()
    download_bps = models.BigIntegerField(null=True, blank=True)
    upload_bps = models.BigIntegerField(null=True, blank=True)
    latency_ms = models.FloatField(null=True, blank=True)
    num_measurements = models.PositiveIntegerField(default=0)
    connectivity_global = models.CharField(max_length=12, choices=Connectivity.choices)
    connectivity_national = models.CharField(max_length=12, choices=Connectivity.choices)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["school", "week_start"], name="school_week")]
        indexes = [models.Index(fields=["week_start"])]

    def __str__(self) -> str:
        return f"{self.school_id} {self.iso_year}-W{self.iso_week:02d}"


class Benchmark(models.TextChoices):
    GLOBAL = "global", _("Global benchmark")
    NATIONAL = "national", _("National benchmark")


class ConnectivityCounts(models.Model):
    """Schools counted per connectivity status on both benchmarks (the columns a grid cell,
    a week's cell and an area's counts share)."""

    global_good = models.PositiveIntegerField()
    global_moderate = models.PositiveIntegerField()
    global_bad = models.PositiveIntegerField()
    global_no_internet = models.PositiveIntegerField()
    global_unknown = models.PositiveIntegerField()
    national_good = models.PositiveIntegerField()
    national_moderate = models.PositiveIntegerField()
    national_bad = models.PositiveIntegerField()
    national_no_internet = models.PositiveIntegerField()
    national_unknown = models.PositiveIntegerField()

    class Meta:
        abstract = True


class CoverageCounts(models.Model):
    """Schools counted per cellular coverage status."""

    coverage_good = models.PositiveIntegerField()
    coverage_moderate = models.PositiveIntegerField()
    coverage_bad = models.PositiveIntegerField()
    coverage_unknown = models.PositiveIntegerField()

    class Meta:
        abstract = True


class AreaWeeklyCount(models.Model):
    """How many schools of an area (or of the whole country, `area` empty) were in each
    connectivity status during one ISO week, against one benchmark."""

    country = models.ForeignKey(Country, on_delete=models.CASCADE, related_name="+")
    area = models.ForeignKey(AdminArea, null=True, blank=True, on_delete=models.CASCADE)
    week_start = models.DateField()
    benchmark = models.CharField(max_length=8, choices=Benchmark.choices)
    status = models.CharField(max_length=12, choices=Connectivity.choices)
    schools = models.PositiveIntegerField()

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["country", "area", "week_start", "benchmark", "status"],
                name="area_week_count",
                nulls_distinct=False,
            )
        ]
        indexes = [models.Index(fields=["country", "week_start"])]

    def __str__(self) -> str:
        return f"{self.area_id or self.country_id} {self.week_start} {self.status}"


class AreaSchoolCount(ConnectivityCounts, CoverageCounts):
    """The live schools of an area (or of the whole country, `area` empty) counted by their
    current statuses, kept whenever schools or statuses change (`services.counts`): a
    country's statistics read one row per area instead of counting its schools, which
    takes seconds at hundreds of thousands of schools."""

    country = models.ForeignKey(Country, on_delete=models.CASCADE, related_name="+")
    area = models.ForeignKey(AdminArea, null=True, blank=True, on_delete=models.CASCADE)
    schools = models.PositiveIntegerField()
    realtime = models.PositiveIntegerField()

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["country", "area"], name="area_school_count", nulls_distinct=False
            )
        ]

    def __str__(self) -> str:
        return f"{self.area_id or self.country_id}: {self.schools}"


class RollupMark(models.Model):
    """Which days have measurements not yet rolled up (set on arrival, cleared by the
    roll-up task): the roll-up redoes exactly those days and their weeks."""

    date = models.DateField(unique=True)
    marked_at = models.DateTimeField(default=timezone.now)

    def __str__(self) -> str:
        return str(self.date)


class GridCell(ConnectivityCounts, CoverageCounts):
    """Schools counted ahead per map cell (tiles/backends): at `level`, the cell `cell` is the
    school's `tile_key` shifted right by 2 * (24 - level), one row per combination of the
    dimensions the map filters on, with counts per status of each layer. Kept by
    `services.tiles.refresh_grid`, never by hand.

    A `rolled_up` row sums its cell's rows of one country and real-time flag over every
    education level and area type (both left empty): an unfiltered tile, the map's default,
    reads one row per cell, country and flag instead of one per combination (ADR 0010)."""

    level = models.PositiveSmallIntegerField()
    cell = models.BigIntegerField()
    # Indexed by the indexes below, which lead with the country.
    country = models.ForeignKey(Country, on_delete=models.CASCADE, related_name="+", db_index=False)
    education_level = models.CharField(max_length=64)
    area_type = models.CharField(max_length=8)
    realtime = models.BooleanField()
    rolled_up = models.BooleanField(default=False)
    total = models.PositiveIntegerField()
    # Sums of the schools' coordinates: a cell is drawn at the centre of its schools.
    sum_latitude = models.FloatField()
    sum_longitude = models.FloatField()

    class Meta:
        indexes = [
            models.Index(fields=["level", "rolled_up", "cell"], name="gridcell_rollup_cell"),
            # A country's cells of one level, as the grid's refresh sums them into the level
            # above: with only (country, level) SQLite chose the index above and read every
            # country's cells of that level for each country.
            models.Index(fields=["country", "level", "rolled_up"], name="gridcell_country_level"),
        ]

    def __str__(self) -> str:
        return f"{self.level}/{self.cell}"


class WeekGridCell(ConnectivityCounts):
    """The real-time schools of one ISO week counted ahead per map cell and country, by the
    status of their week's row (`SchoolWeeklyStatus`), at the grid's coarse levels only: a
    week's tile at a low zoom reads these few rows instead of every weekly row under it
    (ADR 0010). Schools without a row that week are not here: they count as unknown. Kept
    by `services.tiles`, never by hand."""

    week_start = models.DateField()
    level = models.PositiveSmallIntegerField()
    cell = models.BigIntegerField()
    # Indexed by the indexes below, which lead with the country.
    country = models.ForeignKey(Country, on_delete=models.CASCADE, related_name="+", db_index=False)
    total = models.PositiveIntegerField()

    class Meta:
        indexes = [
            models.Index(fields=["week_start", "level", "cell"], name="weekgridcell_cell"),
            models.Index(fields=["country", "week_start"], name="weekgridcell_country"),
        ]

    def __str__(self) -> str:
        return f"{self.week_start} {self.level}/{self.cell}"


class GridVersion(models.Model):
    """One row: bumped whenever the grid or the schools' statuses are refreshed, so a map
    tile's ETag changes with its data."""

    version = models.PositiveBigIntegerField(default=0)
    refreshed_at = models.DateTimeField(default=timezone.now)

    def __str__(self) -> str:
        return str(self.version)


class SchoolImport(models.Model):
    """One import of a school master file past its checks. Its rows are staged first
    (`SchoolStagedChunk`, read by no page), then applied a chunk per short transaction.
    Turning `staging` into `applying` is the commit point: an import that stops before it
    is discarded, one that stops after it is finished by `finish_school_imports`
    (services/registry.py, docs/adr/0008-imports-in-bounded-transactions.md)."""

    class State(models.TextChoices):
        STAGING = "staging"
        APPLYING = "applying"
        DONE = "done"
        DISCARDED = "discarded"

    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    source = models.CharField(max_length=200, blank=True)
    mode = models.CharField(max_length=20)
    state = models.CharField(
        max_length=10, choices=State.choices, default=State.STAGING, db_index=True
    )
    total = models.PositiveIntegerField(default=0)  # rows in the file
    rejected = models.PositiveIntegerField(default=0)
    created = models.PositiveIntegerField(default=0)
    updated = models.PositiveIntegerField(default=0)
    unchanged = models.PositiveIntegerField(default=0)
    countries = models.JSONField(default=list)  # ids of the countries it touched
    started_at = models.DateTimeField(default=timezone.now)
    heartbeat_at = models.DateTimeField(default=timezone.now)
    finished_at = models.DateTimeField(null=True, blank=True)

    def __str__(self) -> str:
        return f"school import {self.pk} ({self.state})"


class SchoolStagedChunk(models.Model):
    """Checked rows of an import waiting to be applied, a chunk of them as one Arrow IPC
    stream of columns (one row here per chunk, not per school: staging 2 million schools
    stays cheap). `rows` holds a chunk staged as JSON by an earlier version."""

    batch = models.ForeignKey(SchoolImport, on_delete=models.CASCADE, related_name="chunks")
    rows = models.TextField(blank=True, default="")
    data = models.BinaryField(default=b"")

    def __str__(self) -> str:
        return f"school import {self.batch_id} chunk {self.pk}"
