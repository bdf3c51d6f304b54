"""What the demo records are about: measures, projects, resources and stories.

Each item names its phrases by a key; the texts are in `phrases/<language>.json`, so editing
a text changes only that text. Records draw items by position, so adding, removing or
reordering items changes what a given seed plans.
"""

from __future__ import annotations

from dataclasses import dataclass

from resilnet.catalog.demo.phrases import Text, phrase
from resilnet.catalog.taxonomy import (
    Audience,
    AuthorityType,
    MeasureCategory,
    ResourceType,
    StakeholderType,
)

# The closing sentences of a record's body, in the order records draw them.
CLOSINGS = ("closing.compiled", "closing.details", "closing.update")
# What the interviewee says in a video's transcript.
GUEST_LINES = (
    "video.guest_line.first_week",
    "video.guest_line.simple_tools",
    "video.guest_line.prepare",
)


@dataclass(frozen=True)
class Action:
    """A measure an authority takes; `stakeholder` is a `stakeholder.*` phrase."""

    key: str
    category: str
    authorities: tuple[str, ...]
    stakeholder: str
    tags: tuple[str, ...]
    voluntary: bool = False  # voluntary even when a regulator or ministry acts

    @property
    def title(self) -> Text:  # a noun phrase: "Suspension of disconnections for unpaid bills"
        return phrase(f"action.{self.key}.title")

    @property
    def verb(self) -> Text:  # what the authority does: "suspends disconnections of …"
        return phrase(f"action.{self.key}.verb")


@dataclass(frozen=True)
class Project:
    key: str
    stakeholder_type: str
    action_lines: tuple[str, ...]
    sdgs: tuple[int, ...]
    tags: tuple[str, ...]

    @property
    def title(self) -> Text:
        return phrase(f"project.{self.key}.title")

    @property
    def summary(self) -> Text:
        return phrase(f"project.{self.key}.summary")

    @property
    def organisation(self) -> Text:
        return phrase(f"project.{self.key}.organisation")


@dataclass(frozen=True)
class Story:
    """A resource, news item, podcast episode, video or report: `group.key.title|summary`."""

    group: str
    key: str
    tags: tuple[str, ...] = ()

    @property
    def title(self) -> Text:
        return phrase(f"{self.group}.{self.key}.title")

    @property
    def summary(self) -> Text:
        return phrase(f"{self.group}.{self.key}.summary")


@dataclass(frozen=True, kw_only=True)
class Resource(Story):
    """A cybersecurity resource; its tags are its topics."""

    resource_type: str
    audiences: tuple[str, ...]


# Measures ------------------------------------------------------------------------------

REG, MIN, OPR, IND, INTL, OTH = (
    AuthorityType.REGULATOR,
    AuthorityType.MINISTRY,
    AuthorityType.OPERATOR,
    AuthorityType.INDUSTRY_BODY,
    AuthorityType.INTERNATIONAL,
    AuthorityType.OTHER,
)
# Key, category, who may take it, whom it is for (a `stakeholder.*` phrase), tags.
ACTIONS = (
    Action(
        "disconnections",
        MeasureCategory.CONSUMER_PROTECTION,
        (REG, MIN, OPR, IND, OTH),
        "consumers",
        ("disconnections", "affordability"),
    ),
    Action(
        "health_zero_rating",
        MeasureCategory.CONSUMER_PROTECTION,
        (REG, MIN, OPR, IND, OTH),
        "public",
        ("zero-rating", "health"),
    ),
    Action(
        "spectrum_700", MeasureCategory.SPECTRUM, (REG, MIN), "operators", ("spectrum", "700 mhz")
    ),
    Action(
        "telemedicine_data_caps",
        MeasureCategory.CONSUMER_PROTECTION,
        (REG, OPR, IND),
        "health",
        ("data caps", "telemedicine"),
    ),
    Action(
        "traffic_reporting",
        MeasureCategory.NETWORK_RESILIENCE,
        (REG, MIN),
        "operators",
        ("traffic", "monitoring"),
    ),
    Action(
        "traffic_management",
        MeasureCategory.NETWORK_RESILIENCE,
        (REG, INTL),
        "operators",
        ("traffic management", "net neutrality"),
        voluntary=True,
    ),
    Action(
        "speed_upgrades",
        MeasureCategory.BROADBAND_QUALITY,
        (OPR, IND),
        "consumers",
        ("broadband", "speed"),
    ),
    Action(
        "universal_service",
        MeasureCategory.UNIVERSAL_SERVICE,
        (REG, MIN),
        "health",
        ("universal service", "schools", "hospitals"),
    ),
    Action(
        "permits", MeasureCategory.INFRASTRUCTURE, (REG, MIN), "operators", ("permits", "fibre")
    ),
    Action(
        "sms_alerts",
        MeasureCategory.EMERGENCY_TELECOM,
        (REG, MIN, OTH),
        "public",
        ("sms", "public warning"),
    ),
    Action(
        "scam_hotline",
        MeasureCategory.CYBERSECURITY,
        (REG, MIN, INTL),
        "public",
        ("scams", "cybersecurity"),
        voluntary=True,
    ),
    Action(
        "remote_learning",
        MeasureCategory.DIGITAL_INCLUSION,
        (MIN, OPR, IND),
        "students",
        ("zero-rating", "education"),
    ),
    Action(
        "smartphones",
        MeasureCategory.DIGITAL_INCLUSION,
        (MIN, OPR),
        "consumers",
        ("devices", "affordability"),
    ),
    Action(
        "speed_measurements",
        MeasureCategory.BROADBAND_QUALITY,
        (REG,),
        "operators",
        ("quality of service", "broadband"),
    ),
    Action(
        "tower_sharing",
        MeasureCategory.INFRASTRUCTURE,
        (REG,),
        "operators",
        ("infrastructure sharing",),
        voluntary=True,
    ),
)

# Filled in only on records written in English, so written in English only.
OUTCOMES = (
    "Operators reported that no customer was disconnected while the measure applied.",
    "Traffic peaks were absorbed without major outages.",
    "About {k} subscribers benefited, according to the operators' filings.",
    "The authority reviewed the measure every month with the operators.",
)
LESSONS = (
    "Clear end dates made it easier for operators to plan.",
    "Daily coordination calls between the authority and operators proved essential.",
    "Measures announced without consulting operators took longer to apply.",
    "Publishing data on take-up helped to justify extending the measure.",
)

# Cases ---------------------------------------------------------------------------------

GOV, BIZ, CIV, ACA = (
    StakeholderType.GOVERNMENT,
    StakeholderType.BUSINESS,
    StakeholderType.CIVIL_SOCIETY,
    StakeholderType.ACADEMIA,
)
# Key, who runs it, WSIS action lines, SDGs, tags.
PROJECTS = (
    Project("telemedicine", GOV, ("C7.4", "C2"), (3, 9, 10), ("telemedicine", "e-health")),
    Project(
        "radio_learning", GOV, ("C7.3", "C3", "C8"), (4, 10), ("remote learning", "radio", "sms")
    ),
    Project(
        "contact_tracing",
        GOV,
        ("C5", "C10", "C7.4"),
        (3, 16),
        ("contact tracing", "data protection", "privacy"),
    ),
    Project(
        "school_broadband",
        ACA,
        ("C2", "C7.3", "C4"),
        (4, 9, 17),
        ("school connectivity", "education"),
    ),
    Project("mobile_money", GOV, ("C7.1", "C7.2"), (1, 10), ("mobile money", "social protection")),
    Project("farmer_prices", CIV, ("C7.7", "C3"), (2, 8), ("agriculture", "sms")),
    Project("telework", BIZ, ("C7.5", "C7.2", "C4"), (8, 9), ("telework", "smes")),
    Project(
        "community_network", CIV, ("C2", "C3", "C6"), (7, 9, 10), ("community networks", "rural")
    ),
    Project("chatbot", GOV, ("C7.4", "C3", "C9"), (3, 16), ("chatbot", "health information")),
    Project("online_services", GOV, ("C7.1", "C1"), (9, 16), ("e-government", "digital identity")),
    Project("cell_broadcast", GOV, ("C7.6", "C2"), (11, 13), ("early warning", "floods")),
    Project("women_skills", ACA, ("C4", "C7.2"), (5, 8), ("digital skills", "gender")),
)

# Filled in only on records written in English, so written in English only.
IMPACTS = (
    "About {k} people used the service in its first year.",
    "An evaluation found that most users would keep using the service after the crisis.",
    "The approach has since been adopted by two neighbouring districts.",
)
CHALLENGES = (
    "Patchy mobile coverage in rural areas.",
    "Training staff while the service was already running.",
    "Keeping the service funded after the emergency grants ended.",
)
PARTNERS = (
    "National telecom regulator",
    "A mobile network operator",
    "A local university",
    "A community radio network",
    "Ministry of Finance",
)

# Cybersecurity resources ---------------------------------------------------------------


def _resource(key: str, kind: str, audiences: tuple[str, ...], topics: tuple[str, ...]) -> Resource:
    return Resource("resource", key, topics, resource_type=kind, audiences=audiences)


RESOURCES = (
    _resource(
        "hospital_phishing", ResourceType.ADVISORY, (Audience.HEALTH,), ("phishing", "health")
    ),
    _resource(
        "ransomware",
        ResourceType.GUIDANCE,
        (Audience.CRITICAL_INFRASTRUCTURE, Audience.SMES),
        ("ransomware", "backups"),
    ),
    _resource(
        "telework_checklist",
        ResourceType.TOOL,
        (Audience.SMES, Audience.GOVERNMENT, Audience.PUBLIC),
        ("telework", "checklist"),
    ),
    _resource(
        "cirt_reporting",
        ResourceType.CIRT_SERVICE,
        (Audience.GOVERNMENT, Audience.CRITICAL_INFRASTRUCTURE),
        ("cirt", "incident response"),
    ),
    _resource("scam_campaign", ResourceType.CAMPAIGN, (Audience.PUBLIC,), ("scams", "awareness")),
    _resource(
        "video_conferencing",
        ResourceType.TRAINING,
        (Audience.GOVERNMENT, Audience.SMES),
        ("video conferencing", "training"),
    ),
    _resource(
        "medical_devices",
        ResourceType.GUIDANCE,
        (Audience.HEALTH, Audience.CRITICAL_INFRASTRUCTURE),
        ("medical devices", "health"),
    ),
    _resource(
        "parents_tips", ResourceType.GUIDANCE, (Audience.PUBLIC,), ("child online protection",)
    ),
)
# Services and campaigns run on; documents come out in editions.
EDITIONED_RESOURCES = {ResourceType.GUIDANCE, ResourceType.ADVISORY, ResourceType.TOOL}

# News, podcast episodes, videos and reports --------------------------------------------

NEWS = (
    Story("news", "regulators_lessons", ("regulation",)),
    Story("news", "traffic_stabilises", ("traffic",)),
    Story("news", "health_fund", ("health", "rural")),
    Story("news", "phishing_warning", ("phishing", "cybersecurity")),
    Story("news", "schools_reopen", ("education", "school connectivity")),
    Story("news", "offers_extended", ("zero-rating", "affordability")),
    Story("news", "cable_repair", ("submarine cables", "outage")),
    Story("news", "ett_workshop", ("emergency telecommunications",)),
)
EPISODES = (
    Story("podcast", "hospitals", ("health", "networks")),
    Story("podcast", "teaching", ("education", "radio")),
    Story("podcast", "spectrum", ("spectrum",)),
    Story("podcast", "scams", ("phishing", "scams")),
    Story("podcast", "community_networks", ("community networks",)),
    Story("podcast", "what_to_keep", ("policy", "recovery")),
)
VIDEOS = (
    Story("video", "traffic_surge", ("traffic", "regulation")),
    Story("video", "radio_school", ("education", "radio")),
    Story("video", "phishing_minute", ("phishing", "awareness")),
    Story("video", "solar_network", ("community networks", "solar")),
    Story("video", "patient_telemedicine", ("telemedicine",)),
)
REPORTS = (
    Story("report", "network_resilience", ("network resilience", "regulation")),
    Story("report", "schools_after_crisis", ("school connectivity",)),
    Story("report", "health_threats", ("cybersecurity", "health")),
    Story("report", "affordability", ("affordability", "digital inclusion")),
    Story("report", "ett_handbook", ("emergency telecommunications", "planning")),
)

# Moderation: what the demo moderator and contributor write, in English.
CHANGE_REQUESTS = (
    "Please add a link to the official announcement.",
    "Please say in the summary who the measure or project is for.",
    "Please add the end date if this has ended.",
    "Please split the two initiatives described here into separate records.",
)
EDIT_NOTE = "Adds a link to the follow-up announcement."
