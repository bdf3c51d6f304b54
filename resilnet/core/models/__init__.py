"""Core models, one domain per module."""

from resilnet.core.models.audit import AuditAction, AuditEvent
from resilnet.core.models.geo import Country, Region, RegionKind
from resilnet.core.models.jobs import Job, JobState, PeriodicRun, WorkerHeartbeat
from resilnet.core.models.users import APIToken, LoginFailure, Role, User

__all__ = [
    "APIToken",
    "AuditAction",
    "AuditEvent",
    "Country",
    "Job",
    "JobState",
    "LoginFailure",
    "PeriodicRun",
    "Region",
    "RegionKind",
    "Role",
    "User",
    "WorkerHeartbeat",
]
