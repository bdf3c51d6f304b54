"""Controlled vocabularies of the catalog, with their sources.

Values are stable slugs (stored, exported, used in URLs); labels are translated.
"""

from django.db import models
from django.utils.translation import gettext_lazy as _


class Collection(models.TextChoices):
    MEASURE = "measure", _("Policy and regulatory measure")
    CASE = "case", _("ICT case")
    RESOURCE = "resource", _("Cybersecurity resource")
    NEWS = "news", _("News")
    PODCAST = "podcast", _("Podcast episode")
    VIDEO = "video", _("Video")
    REPORT = "report", _("Report")


class Status(models.TextChoices):
    DRAFT = "draft", _("draft")
    SUBMITTED = "submitted", _("submitted")
    CHANGES_REQUESTED = "changes_requested", _("changes requested")
    PUBLISHED = "published", _("published")
    ARCHIVED = "archived", _("archived")
    REJECTED = "rejected", _("rejected")


class AttachmentState(models.TextChoices):
    LIVE = "live", _("live")
    PENDING = "pending", _("awaiting approval")


class AuthorityType(models.TextChoices):
    REGULATOR = "regulator", _("Regulator")
    MINISTRY = "ministry", _("Ministry")
    OPERATOR = "operator", _("Operator")
    INDUSTRY_BODY = "industry_body", _("Industry body")
    INTERNATIONAL = "international_organisation", _("International organisation")
    OTHER = "other", _("Other")


class MeasureCategory(models.TextChoices):
    NETWORK_RESILIENCE = "network_resilience", _("Network resilience and traffic management")
    BROADBAND_QUALITY = "broadband_quality", _("Broadband availability and quality of service")
    CONSUMER_PROTECTION = "consumer_protection", _("Consumer protection and affordability")
    UNIVERSAL_SERVICE = "universal_service", _("Universal service")
    SPECTRUM = "spectrum", _("Spectrum")
    EMERGENCY_TELECOM = "emergency_telecom", _("Emergency telecommunications")
    INFRASTRUCTURE = "infrastructure", _("Infrastructure deployment and permits")
    CYBERSECURITY = "cybersecurity", _("Cybersecurity")
    DIGITAL_INCLUSION = "digital_inclusion", _("Digital inclusion")
    OTHER = "other", _("Other")


class Phase(models.TextChoices):
    EMERGENCY = "emergency", _("Emergency")
    RECOVERY = "recovery", _("Recovery")
    NEW_NORMAL = "new_normal", _("New normal")


class Binding(models.TextChoices):
    MANDATORY = "mandatory", _("Mandatory")
    VOLUNTARY = "voluntary", _("Voluntary")


class MeasureStatus(models.TextChoices):
    ANNOUNCED = "announced", _("Announced")
    IN_FORCE = "in_force", _("In force")
    EXPIRED = "expired", _("Expired")
    REVOKED = "revoked", _("Revoked")


class StakeholderType(models.TextChoices):
    GOVERNMENT = "government", _("Government")
    INTERNATIONAL = "international_organisation", _("International organisation")
    BUSINESS = "business", _("Business sector")
    CIVIL_SOCIETY = "civil_society", _("Civil society")
    ACADEMIA = "academia", _("Academia")


class Scope(models.TextChoices):
    LOCAL = "local", _("Local")
    NATIONAL = "national", _("National")
    REGIONAL = "regional", _("Regional")
    INTERNATIONAL = "international", _("International")


class ProjectStatus(models.TextChoices):
    PLANNED = "planned", _("Planned")
    ONGOING = "ongoing", _("Ongoing")
    COMPLETED = "completed", _("Completed")


class ResourceType(models.TextChoices):
    GUIDANCE = "guidance", _("Guidance")
    TOOL = "tool", _("Tool")
    ADVISORY = "advisory", _("Advisory")
    TRAINING = "training", _("Training")
    CIRT_SERVICE = "cirt_service", _("CIRT service")
    CAMPAIGN = "campaign", _("Campaign")


class Audience(models.TextChoices):
    PUBLIC = "public", _("General public")
    HEALTH = "health_sector", _("Health sector")
    SMES = "smes", _("SMEs")
    CRITICAL_INFRASTRUCTURE = "critical_infrastructure", _("Critical infrastructure")
    GOVERNMENT = "government", _("Government")


# WSIS action lines (Geneva Plan of Action, 2003), C7 with its eight ICT applications.
ACTION_LINES = {
    "C1": _("The role of public governance authorities and all stakeholders"),
    "C2": _("Information and communication infrastructure"),
    "C3": _("Access to information and knowledge"),
    "C4": _("Capacity building"),
    "C5": _("Building confidence and security in the use of ICTs"),
    "C6": _("Enabling environment"),
    "C7": _("ICT applications"),
    "C7.1": _("E-government"),
    "C7.2": _("E-business"),
    "C7.3": _("E-learning"),
    "C7.4": _("E-health"),
    "C7.5": _("E-employment"),
    "C7.6": _("E-environment"),
    "C7.7": _("E-agriculture"),
    "C7.8": _("E-science"),
    "C8": _("Cultural diversity and identity, linguistic diversity and local content"),
    "C9": _("Media"),
    "C10": _("Ethical dimensions of the information society"),
    "C11": _("International and regional cooperation"),
}
SDGS = range(1, 18)
# The goals' short names (United Nations, Transforming our world: the 2030 Agenda, 2015).
SDG_NAMES = {
    1: _("No poverty"),
    2: _("Zero hunger"),
    3: _("Good health and well-being"),
    4: _("Quality education"),
    5: _("Gender equality"),
    6: _("Clean water and sanitation"),
    7: _("Affordable and clean energy"),
    8: _("Decent work and economic growth"),
    9: _("Industry, innovation and infrastructure"),
    10: _("Reduced inequalities"),
    11: _("Sustainable cities and communities"),
    12: _("Responsible consumption and production"),
    13: _("Climate action"),
    14: _("Life below water"),
    15: _("Life on land"),
    16: _("Peace, justice and strong institutions"),
    17: _("Partnerships for the goals"),
}


# Labels of the collections' own fields, as pages show them.
FIELD_LABELS = {
    "authority": _("Issuing authority"),
    "authority_type": _("Authority type"),
    "stakeholder": _("Stakeholders targeted"),
    "category": _("Category"),
    "phase": _("Phase"),
    "binding": _("Binding"),
    "measure_status": _("Status of the measure"),
    "announced_on": _("Announced"),
    "effective_on": _("In force from"),
    "ends_on": _("Ends"),
    "sources": _("Sources"),
    "outcome": _("Outcome"),
    "lessons": _("Lessons"),
    "code": _("External code"),
    "organisation": _("Organisation"),
    "stakeholder_type": _("Stakeholder type"),
    "action_lines": _("WSIS action lines"),
    "sdgs": _("Sustainable Development Goals"),
    "scope": _("Scope"),
    "project_status": _("Project status"),
    "started_on": _("Started"),
    "ended_on": _("Ended"),
    "impact": _("Impact"),
    "partners": _("Partners"),
    "challenges": _("Challenges"),
    "resource_type": _("Type"),
    "audiences": _("Audiences"),
    "topics": _("Topics"),
    "source": _("Source"),
    "audio_url": _("Audio"),
    "audio_type": _("Audio format"),
    "audio_bytes": _("Audio size (bytes)"),
    "duration_seconds": _("Duration (seconds)"),
    "episode": _("Episode"),
    "video_url": _("Video"),
    "transcript": _("Transcript"),
    "publication_url": _("Publication"),
    "publisher": _("Publisher"),
    "isbn": _("ISBN"),
    "doi": _("DOI"),
    "pages": _("Pages"),
}
