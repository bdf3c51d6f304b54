"""Connectivity and coverage status: the rules, in one place (pure functions).

Connectivity against a download benchmark (Giga's categories): good at or above the
benchmark; moderate from 1 Mbps up to it; bad below 1 Mbps; no internet; unknown when a
school registered for real-time data sent none that week. The benchmark is global
(20 Mbps unless configured) or national (set per country by an analyst).
Coverage from the best mobile technology at the school: 5G/4G good, 3G/2G moderate,
none bad.
"""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _

MBPS = 1_000_000
GLOBAL_BENCHMARK_BPS = 20 * MBPS
MODERATE_FLOOR_BPS = 1 * MBPS


class Connectivity(models.TextChoices):
    GOOD = "good", _("Good")
    MODERATE = "moderate", _("Moderate")
    BAD = "bad", _("Bad")
    NO_INTERNET = "no_internet", _("No internet")
    UNKNOWN = "unknown", _("Unknown")


class Coverage(models.TextChoices):
    GOOD = "good", _("Good")
    MODERATE = "moderate", _("Moderate")
    BAD = "bad", _("Bad")
    UNKNOWN = "unknown", _("Unknown")


class CellularCoverage(models.TextChoices):
    NR = "5G", "5G"
    LTE = "4G", "4G"
    UMTS = "3G", "3G"
    GSM = "2G", "2G"
    NONE = "no coverage", _("No coverage")


def connectivity(download_bps: int | None, benchmark_bps: int) -> Connectivity:
    """The status of a measured (or contracted) download speed."""
    if download_bps is None:
        return Connectivity.UNKNOWN
    if download_bps <= 0:
        return Connectivity.NO_INTERNET
    if download_bps >= benchmark_bps:
        return Connectivity.GOOD
    if download_bps >= MODERATE_FLOOR_BPS:
        return Connectivity.MODERATE
    return Connectivity.BAD


def static_connectivity(
    connectivity_govt: bool | None, download_bps: int | None, benchmark_bps: int
) -> Connectivity:
    """A school without real-time data: what the government's file says."""
    if connectivity_govt is False:
        return Connectivity.NO_INTERNET
    if download_bps:
        return connectivity(download_bps, benchmark_bps)
    return Connectivity.UNKNOWN


def coverage(cellular_coverage_type: str | None) -> Coverage:
    match cellular_coverage_type:
        case CellularCoverage.NR | CellularCoverage.LTE:
            return Coverage.GOOD
        case CellularCoverage.UMTS | CellularCoverage.GSM:
            return Coverage.MODERATE
        case CellularCoverage.NONE:
            return Coverage.BAD
    return Coverage.UNKNOWN
