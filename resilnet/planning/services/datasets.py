"""Input files a planner uploads once and reuses across scenarios.

A file is read by the engine's own readers before it is kept, so a bad one is refused with
their message (file, row, field) and nothing is written; the readers read it again at each
run, which costs less than keeping the arrays and keeps one validation path.
"""

from __future__ import annotations

import gzip
import hashlib
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Q
from django.utils.translation import gettext as _

from resilnet.core.models import AuditAction, Country, User
from resilnet.core.services import record_audit
from resilnet.planning.engine import inputs
from resilnet.planning.models import Dataset, DatasetKind, Scenario

# Larger files go through `resilnet plan run`: a web upload is held in memory once.
MAX_UPLOAD_BYTES = 50 * 1024 * 1024

READERS = {
    DatasetKind.SITES: inputs.read_sites,
    DatasetKind.FIBRE: inputs.read_fibre_nodes,
    DatasetKind.TOWERS: inputs.read_towers,
    DatasetKind.ROADS: inputs.read_roads,
}


def read_file(kind: str, data: bytes, file_name: str) -> Any:
    """The engine's table for these bytes; InputError names the file, row and field."""
    return READERS[DatasetKind(kind)](data, name=file_name)


def row_count(kind: str, table: Any) -> int:
    return len(table.edge_from) if kind == DatasetKind.ROADS else len(table)


def load(dataset: Dataset) -> Any:
    return read_file(dataset.kind, gzip.decompress(bytes(dataset.content)), dataset.file_name)


@transaction.atomic
def do_upload_dataset(
    actor: User | None,
    *,
    kind: str,
    name: str,
    file_name: str,
    data: bytes,
    country: Country | None = None,
) -> Dataset:
    """Check the file with the engine's reader, then keep it. Raises ValidationError for
    the form's fields and InputError (a ValueError) for what is wrong inside the file."""
    if kind not in DatasetKind.values:
        raise ValidationError({"kind": _("Unknown kind of file %(kind)r.") % {"kind": kind[:20]}})
    name = name.strip()
    if not name or len(name) > 200:
        raise ValidationError({"name": _("Give the file a name of 1 to 200 characters.")})
    if len(data) > MAX_UPLOAD_BYTES:
        limit = MAX_UPLOAD_BYTES // 2**20
        raise ValidationError(
            {
                "file": _("The file is larger than %(limit)d MB: use the command line.")
                % {"limit": limit}
            }
        )
    file_name = file_name.rsplit("/", 1)[-1].rsplit("\\", 1)[-1][:200] or "upload"
    table = read_file(kind, data, file_name)
    notes = []
    if kind == DatasetKind.ROADS:
        parts = inputs.road_components(table)
        if parts > 1:
            notes.append(f"The road network has {parts} disconnected parts.")
    dataset = Dataset.objects.create(
        kind=kind,
        name=name,
        country=country,
        file_name=file_name,
        content=gzip.compress(data, compresslevel=6),
        size_bytes=len(data),
        sha256=hashlib.sha256(data).hexdigest(),
        rows=row_count(kind, table),
        notes=notes,
        uploaded_by=actor if actor is not None and actor.pk else None,
    )
    record_audit(
        actor,
        AuditAction.CREATED,
        dataset,
        after={"kind": kind, "file": file_name, "rows": dataset.rows, "sha256": dataset.sha256},
    )
    return dataset


def used_by(dataset: Dataset) -> list[str]:
    scenarios = Scenario.objects.filter(
        Q(sites=dataset) | Q(fibre=dataset) | Q(towers=dataset) | Q(roads=dataset)
    )
    return list(scenarios.values_list("name", flat=True)[:5])


@transaction.atomic
def do_delete_dataset(actor: User | None, dataset: Dataset) -> None:
    users = used_by(dataset)
    if users:
        raise ValidationError(
            {
                "dataset": _("Scenarios use this file (%(names)s): delete them first.")
                % {"names": ", ".join(users)}
            }
        )
    record_audit(
        actor, AuditAction.DELETED, dataset, before={"kind": dataset.kind, "rows": dataset.rows}
    )
    dataset.delete()
