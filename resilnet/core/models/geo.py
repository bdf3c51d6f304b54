from django.db import models
from django.utils.translation import gettext_lazy as _


class RegionKind(models.TextChoices):
    ITU = "itu", _("ITU region")
    M49_REGION = "m49_region", _("UN M49 region")
    M49_SUBREGION = "m49_subregion", _("UN M49 sub-region")
    M49_INTERMEDIATE = "m49_intermediate", _("UN M49 intermediate region")


class Region(models.Model):
    """A named group of countries: one of the six ITU regions or a UN M49 region."""

    kind = models.CharField(max_length=20, choices=RegionKind.choices)
    code = models.CharField(
        max_length=20, help_text=_("ITU region slug, or the three-digit M49 code.")
    )
    name = models.CharField(max_length=100)
    parent = models.ForeignKey(
        "self", null=True, blank=True, on_delete=models.PROTECT, related_name="children"
    )

    class Meta:
        ordering = ["kind", "name"]
        constraints = [models.UniqueConstraint(fields=["kind", "code"], name="region_kind_code")]

    def __str__(self) -> str:
        return self.name


class Country(models.Model):
    """An ISO 3166-1 country or area with its regional groupings and UN development flags."""

    iso3 = models.CharField(max_length=3, unique=True)
    iso2 = models.CharField(max_length=2, unique=True)
    m49 = models.CharField(max_length=3, unique=True)
    name = models.CharField(max_length=100)
    itu_region = models.ForeignKey(
        Region, null=True, blank=True, on_delete=models.PROTECT, related_name="itu_countries"
    )
    m49_region = models.ForeignKey(
        Region, null=True, blank=True, on_delete=models.PROTECT, related_name="m49_region_countries"
    )
    m49_subregion = models.ForeignKey(
        Region,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="m49_subregion_countries",
    )
    m49_intermediate_region = models.ForeignKey(
        Region,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="m49_intermediate_countries",
    )
    ldc = models.BooleanField(_("least developed country"), default=False)
    lldc = models.BooleanField(_("landlocked developing country"), default=False)
    sids = models.BooleanField(_("small island developing state"), default=False)

    class Meta:
        ordering = ["name"]
        verbose_name_plural = _("countries")

    def __str__(self) -> str:
        return self.name
