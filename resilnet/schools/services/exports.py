"""Exports of schools: each one is recorded in the audit log before it streams."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from resilnet.core.models import AuditAction
from resilnet.core.services import record_audit
from resilnet.schools import exports, selectors

FORMATS = ("csv", "geojson")


def do_export_schools(
    actor: Any, filters: selectors.SchoolFilters, fmt: str, *, bom: bool = False
) -> Iterator[str]:
    """Record who exported which selection, then return the export's text chunks."""
    if fmt not in FORMATS:
        raise ValueError(f"format: one of {', '.join(FORMATS)}")
    user = actor if actor is not None and actor.is_authenticated else None
    record_audit(
        user,
        AuditAction.EXPORTED,
        object_type="schools.school",
        object_repr=f"schools ({fmt})",
        after={"format": fmt, "filters": filters.as_dict()},
    )
    if fmt == "csv":
        return exports.csv_chunks(filters, bom=bom)
    return exports.geojson_chunks(filters)
