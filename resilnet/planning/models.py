"""Planning: the input files a planner uploads once, the scenarios built on them, and each
scenario's answer per site.

A dataset keeps the uploaded file itself (gzip-compressed, in the database so a backup
holds it) and is read again by the engine's readers at each run: one validation path for
the web, the command line and the engine. Money is US dollars as Decimal (cents).
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from resilnet.core.models import Country, Job


class DatasetKind(models.TextChoices):
    SITES = "sites", _("Sites (schools)")
    FIBRE = "fibre", _("Fibre nodes")
    TOWERS = "towers", _("Cell towers")
    ROADS = "roads", _("Road network")


class Technology(models.TextChoices):
    """What the plan chose for a site (engine/data.py names them)."""

    FIBRE = "fibre", _("Fibre")
    CELLULAR = "cellular", _("Cellular")
    MICROWAVE = "microwave", _("Microwave")
    SATELLITE = "satellite", _("Satellite")
    EXISTING = "existing", _("Already connected")
    NONE = "none", _("Not connected")


class Dataset(models.Model):
    kind = models.CharField(_("kind"), max_length=8, choices=DatasetKind.choices)
    name = models.CharField(_("name"), max_length=200)
    country = models.ForeignKey(
        Country, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    file_name = models.CharField(max_length=200)  # as uploaded: its extension names the format
    content = models.BinaryField()  # gzip of the uploaded bytes
    size_bytes = models.PositiveBigIntegerField()  # uncompressed
    sha256 = models.CharField(max_length=64)
    rows = models.PositiveIntegerField()  # sites, nodes, towers or road edges read
    notes = models.JSONField(default=list, blank=True)  # warnings the readers gave
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["-created_at", "-id"]

    def __str__(self) -> str:
        return f"{self.name} ({self.get_kind_display()})"


class Objective(models.TextChoices):
    SCHOOLS = "schools", _("Most schools connected")
    STUDENTS = "students", _("Most students connected")


class SitesSource(models.TextChoices):
    SCHOOLS = "schools", _("The country's schools in the registry")
    DATASET = "dataset", _("An uploaded sites file")


class ScenarioState(models.TextChoices):
    DRAFT = "draft", _("not computed")
    QUEUED = "queued", _("queued")
    RUNNING = "running", _("computing")
    DONE = "done", _("computed")
    FAILED = "failed", _("failed")


class Scenario(models.Model):
    """A question asked of the planner: these inputs, these cost assumptions, this budget."""

    name = models.CharField(_("name"), max_length=200)
    country = models.ForeignKey(Country, on_delete=models.PROTECT, related_name="+")
    sites_source = models.CharField(max_length=8, choices=SitesSource.choices)
    sites = models.ForeignKey(
        Dataset, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    fibre = models.ForeignKey(Dataset, on_delete=models.PROTECT, related_name="+")
    towers = models.ForeignKey(Dataset, on_delete=models.PROTECT, related_name="+")
    roads = models.ForeignKey(
        Dataset, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    costs = models.JSONField()  # the cost assumptions as costs_to_json writes them
    budget = models.DecimalField(max_digits=16, decimal_places=2, null=True, blank=True)
    objective = models.CharField(max_length=8, choices=Objective.choices)
    state = models.CharField(
        max_length=8, choices=ScenarioState.choices, default=ScenarioState.DRAFT
    )
    job = models.ForeignKey(Job, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    # Filled by a run: totals by technology (plan_totals), the same for connecting every
    # site (to compare a budget with), the engine's notes, and when.
    totals = models.JSONField(null=True, blank=True)
    connect_all_totals = models.JSONField(null=True, blank=True)
    notes = models.JSONField(default=list, blank=True)
    error = models.CharField(max_length=300, blank=True)
    computed_at = models.DateTimeField(null=True, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now)
    updated_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["-updated_at", "-id"]

    def __str__(self) -> str:
        return self.name

    @property
    def computed(self) -> bool:
        return self.state == ScenarioState.DONE and self.totals is not None


class SiteResult(models.Model):
    """One site's answer in a scenario's last run (written in bulk, replaced by each run)."""

    scenario = models.ForeignKey(Scenario, on_delete=models.CASCADE, related_name="results")
    site_id = models.CharField(max_length=100)
    name = models.CharField(max_length=500, blank=True)
    admin1 = models.CharField(max_length=200, blank=True)
    latitude = models.FloatField()
    longitude = models.FloatField()
    num_students = models.PositiveIntegerField()
    technology = models.CharField(max_length=12, choices=Technology.choices)
    connected = models.BooleanField()
    capex = models.DecimalField(max_digits=16, decimal_places=2)
    opex_per_year = models.DecimalField(max_digits=16, decimal_places=2)
    npv = models.DecimalField(max_digits=16, decimal_places=2)
    demand_mbps = models.FloatField()
    reason = models.CharField(max_length=40)
    via_kind = models.CharField(max_length=8, blank=True)
    via_id = models.CharField(max_length=100, blank=True)
    via_latitude = models.FloatField(null=True, blank=True)
    via_longitude = models.FloatField(null=True, blank=True)
    link_km = models.FloatField()

    class Meta:
        ordering = ["id"]
        indexes = [models.Index(fields=["scenario", "technology"])]

    def __str__(self) -> str:
        return f"{self.site_id}: {self.technology}"
