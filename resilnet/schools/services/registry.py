"""The school registry: school master imports and soft deletion.

An import reads a file a block of rows at a time, checks each block
(`importers/checks.py`) and stages its valid rows (`SchoolStagedChunk`, read by no page),
so memory stays bounded at 2 million schools; once every row is read and the
data-quality report is complete, one short transaction marks the import `applying` (its
commit point) and the staged chunks are applied one short transaction each, each
deleting its chunk as it commits (docs/adr/0008-imports-in-bounded-transactions.md).
A failure before the commit point discards the staged rows: nothing was imported; after
it, `finish_school_imports` (the worker runs it) applies the rest.

Schools are matched per country by `school_id_giga`, or, for a row without one, by
`school_id_govt` (a new school known only by its government id gets a giga id derived
from it, the same on every import). Only the columns a file carries are written: a file
without `num_students` leaves the schools' numbers of students as they were.
"""

from __future__ import annotations

import json
import logging
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import timedelta
from itertools import islice
from typing import Any

import numpy as np
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import connection, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from resilnet.core import selectors as core_selectors
from resilnet.core import staged_imports
from resilnet.core.bulk import bulk_cache, copy_rows
from resilnet.core.models import AuditAction, Role, User
from resilnet.core.services import record_audit
from resilnet.schools import geo, status
from resilnet.schools.importers.base import SourceRows
from resilnet.schools.importers.checks import (
    ERROR,
    WARNING,
    Boundary,
    Checker,
    Context,
    Finding,
    derived_giga_id,
    findings_csv,
)
from resilnet.schools.models import (
    AdminArea,
    AreaLevel,
    CountrySettings,
    School,
    SchoolImport,
    SchoolStagedChunk,
)
from resilnet.schools.services import counts, rollups, tiles

ALL_OR_NOTHING = "all-or-nothing"
VALID_ROWS = "valid-rows"
MODES = (ALL_OR_NOTHING, VALID_ROWS)
CHUNK_ROWS = 2000  # rows staged, then applied, per transaction: well under a second
CHUNK_ATTEMPTS = 3
STALLED_AFTER = timedelta(minutes=2)
logger = logging.getLogger(__name__)


def after_schools_changed(country_ids: set[int]) -> None:
    """Once an import or a deletion is committed: the map's cells of those countries are
    recounted (their tiles' ETags change with them), and so are this week's counts per
    status, so the statistics show the new school list at once."""
    tiles.refresh_grid(country_ids)
    counts.refresh_counts(country_ids)
    monday = rollups.week_start(timezone.now().date())
    rollups.count_weeks(country_ids, monday)


def can_import(user: User | None) -> bool:
    return user is None or user.has_role(Role.ANALYST) or user.has_role(Role.ADMINISTRATOR)


@dataclass
class ImportReport:
    total: int = 0
    rejected: int = 0
    created: int = 0
    updated: int = 0
    unchanged: int = 0
    findings: list[Finding] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    dry_run: bool = False
    mode: str = ALL_OR_NOTHING
    batch_id: int | None = None
    near_duplicates: int = 0
    transactions: int = 0
    longest_transaction: float = 0.0

    @property
    def written(self) -> bool:
        return not self.dry_run and not (self.mode == ALL_OR_NOTHING and self.rejected)

    @property
    def errors(self) -> int:
        return sum(1 for f in self.findings if f.severity == ERROR)

    @property
    def warnings(self) -> int:
        return sum(1 for f in self.findings if f.severity == WARNING)

    def findings_csv(self) -> str:
        return findings_csv(self.findings)

    def summary(self) -> dict[str, Any]:
        return {
            "total": self.total,
            "rejected": self.rejected,
            "created": self.created,
            "updated": self.updated,
            "unchanged": self.unchanged,
            "errors": self.errors,
            "warnings": self.warnings,
            "written": self.written,
            "dry_run": self.dry_run,
            "mode": self.mode,
        }


class ImportIncomplete(Exception):
    """An import stopped after its commit point; `finish_school_imports` applies the rest."""


class _Boundaries(dict[int, Boundary | None]):
    """Country boundaries (AdminArea level 0), loaded when a country's first row comes."""

    def get(self, country_id: int, default: Any = None) -> Boundary | None:
        if country_id not in self:
            text = (
                AdminArea.objects.filter(country_id=country_id, level=AreaLevel.COUNTRY)
                .exclude(boundary="")
                .values_list("boundary", flat=True)
                .first()
            )
            self[country_id] = Boundary(text) if text else None
        return self[country_id]


class _Clock:
    """Counts an import's transactions and times the longest (what other writers wait)."""

    def __init__(self) -> None:
        self.count = 0
        self.longest = 0.0

    @contextmanager
    def transaction(self) -> Iterator[None]:
        started = time.monotonic()
        with transaction.atomic():
            yield
        self.count += 1
        self.longest = max(self.longest, time.monotonic() - started)


@bulk_cache()
def import_schools(
    actor: User | None,
    source: SourceRows,
    *,
    country: str | None = None,
    mode: str = ALL_OR_NOTHING,
    dry_run: bool = False,
    progress: Callable[[int, int | None, str], None] | None = None,
    source_name: str = "",
) -> ImportReport:
    """Check every row of `source` into a data-quality report and (unless a dry run, or
    all-or-nothing with a rejected row) create or update the schools. `country` (ISO3) is
    the country of rows without a country column. `progress(done, total, phase)`."""
    if not can_import(actor):
        raise PermissionDenied(_("Only analysts and administrators import schools."))
    if mode not in MODES:
        raise ValidationError({"mode": _("Unknown mode %(mode)r.") % {"mode": mode}})
    countries = dict(core_selectors.countries().values_list("iso3", "id"))
    if country and country.upper() not in countries:
        raise ValidationError({"country": _("Unknown country %(code)r.") % {"code": country}})
    context = Context(
        countries, _Boundaries(), (country or "").upper() or None, timezone.now().year
    )
    checker = Checker(context, source.columns)
    report = ImportReport(dry_run=dry_run, mode=mode)
    report.notes += [f"column ignored: {name}" for name in source.ignored]
    clock = _Clock()
    batch_id = None
    if not dry_run:
        with clock.transaction():
            batch_id = SchoolImport.objects.create(
                actor=actor if actor is not None and actor.pk else None,
                source=source_name[:200],
                mode=mode,
            ).pk
    staged = 0
    try:
        while block := list(islice(source.rows, CHUNK_ROWS)):
            valid = checker.check_block(block)
            stage = not (mode == ALL_OR_NOTHING and checker.rejected_rows)
            if batch_id is not None and stage and valid:
                with clock.transaction():
                    SchoolStagedChunk.objects.create(batch_id=batch_id, data=_pack(valid))
                    _beat(batch_id)
                staged += len(valid)
            if progress:
                progress(checker.rows_read, source.estimated_rows, "checking")
        touched = sorted(set(checker._country))
        report.near_duplicates = checker.near_duplicates(_live_positions(touched))
        report.notes += checker.no_boundary_warnings()
        report.findings = sorted(checker.findings, key=lambda f: (f.row, f.severity, f.column))
        report.total, report.rejected = checker.rows_read, checker.rejected_rows
        if batch_id is None:
            return report
        if not report.written:
            _discard(batch_id)
            return report
        with clock.transaction():
            SchoolImport.objects.filter(pk=batch_id).update(
                state=SchoolImport.State.APPLYING,
                total=report.total,
                rejected=report.rejected,
                countries=touched,
                heartbeat_at=timezone.now(),
            )
    except BaseException:
        if batch_id is not None:
            _discard_quietly(batch_id)
        raise
    report.batch_id = batch_id
    try:
        batch = _apply_batch(batch_id, staged, progress, clock)
    except Exception as exc:
        raise ImportIncomplete(
            f"import {batch_id} stopped after its commit point ({exc.__class__.__name__}: {exc}); "
            "the worker applies the rest within minutes (or run `resilnet schools finish-imports`)"
        ) from exc
    report.created, report.updated, report.unchanged = batch.created, batch.updated, batch.unchanged
    report.transactions, report.longest_transaction = clock.count, clock.longest
    return report


def _live_positions(country_ids: list[int]) -> dict[int, list[tuple[float, float, str, str]]]:
    """The live schools of these countries: latitude, longitude, giga id, govt id."""
    found: dict[int, list[tuple[float, float, str, str]]] = {}
    for country_id in country_ids:
        live = School.objects.filter(country_id=country_id, deleted_at__isnull=True)
        schools = list(
            live.values_list("latitude", "longitude", "school_id_giga", "school_id_govt")
        )
        if schools:
            found[country_id] = schools
    return found


def _pack(rows: list[dict[str, Any]]) -> bytes:
    """A chunk's rows as one Arrow IPC stream, column by column (typed, no text to parse:
    a tenth of the JSON's cost to write and to read back)."""
    import pyarrow as pa

    columns = sorted({name for row in rows for name in row if name != "iso3"})
    table = pa.table({c: [row.get(c) for row in rows] for c in columns})
    sink = pa.BufferOutputStream()
    with pa.ipc.new_stream(sink, table.schema) as writer:
        writer.write_table(table)
    return sink.getvalue().to_pybytes()


def _unpack(chunk: SchoolStagedChunk) -> dict[str, list[Any]]:
    """A staged chunk's columns; a chunk staged as JSON (before the Arrow form) too."""
    if chunk.rows:
        packed = json.loads(chunk.rows)
        return {
            name: [values[i] for values in packed["rows"]]
            for i, name in enumerate(packed["columns"])
        }
    import pyarrow as pa

    table = pa.ipc.open_stream(bytes(chunk.data)).read_all()
    return {name: table.column(name).to_pylist() for name in table.column_names}


def _beat(batch_id: int) -> None:
    staged_imports.beat(SchoolImport, batch_id)


def _discard_quietly(batch_id: int) -> None:
    staged_imports.discard_quietly(SchoolImport, SchoolStagedChunk, batch_id, "school import")


def _discard(batch_id: int) -> None:
    """Forget an import that never reached its commit point, a few chunks at a time."""
    staged_imports.discard(SchoolImport, SchoolStagedChunk, batch_id)


@bulk_cache()
def finish_school_imports(*, quiet_for: timedelta = STALLED_AFTER) -> dict[str, int]:
    """Finish imports that stopped after their commit point, discard those that stopped
    before it (the worker runs it every few minutes)."""
    discarded, finished = staged_imports.stalled(SchoolImport, quiet_for)
    for batch_id in discarded:
        _discard(batch_id)
    for batch_id in finished:
        _apply_batch(batch_id, None, None, _Clock())
    return {"finished": len(finished), "discarded": len(discarded)}


def _apply_batch(
    batch_id: int,
    total: int | None,
    progress: Callable[[int, int | None, str], None] | None,
    clock: _Clock,
) -> SchoolImport:
    applier = _Applier()
    done = 0
    while True:
        batch, applied = staged_imports.retried_chunk(
            lambda: applier.apply_chunk(batch_id),
            label=f"school import {batch_id}",
            attempts=CHUNK_ATTEMPTS,
            atomic=clock.transaction,
        )
        if batch.state != SchoolImport.State.APPLYING:
            if batch.state == SchoolImport.State.DONE and applier.closed_now:
                after_schools_changed(set(batch.countries))
            return batch
        done += applied
        if progress:
            progress(done, total, "writing")


# Every column of School an import writes, in the order of the INSERT.
SCHOOL_FIELDS = (
    "school_id_giga",
    "school_id_govt",
    "school_name",
    "latitude",
    "longitude",
    "education_level",
    "education_level_govt",
    "school_establishment_year",
    "admin1",
    "admin2",
    "school_area_type",
    "school_funding_type",
    "num_students",
    "num_teachers",
    "num_computers",
    "electricity_availability",
    "connectivity_govt",
    "connectivity_type_govt",
    "download_speed_contracted",
    "cellular_coverage_type",
    "fiber_node_distance",
    "nearest_NR_distance",
    "nearest_LTE_distance",
    "nearest_UMTS_distance",
    "nearest_GSM_distance",
    "pop_within_1km",
    "pop_within_2km",
    "pop_within_3km",
    "schools_within_1km",
    "schools_within_2km",
    "schools_within_3km",
    "disputed_region",
)
BOOLEANS = {"electricity_availability", "connectivity_govt", "disputed_region", "realtime"}
DERIVED = (
    "tile_key",
    "admin1_area_id",
    "admin2_area_id",
    "connectivity_global",
    "connectivity_national",
    "coverage",
)
FIELDS = ("id", *SCHOOL_FIELDS, *DERIVED, "realtime", "country_id")  # read back to compare
BLANK_TEXT = {
    "school_id_govt",
    "education_level_govt",
    "admin1",
    "admin2",
    "school_area_type",
    "school_funding_type",
    "connectivity_type_govt",
    "cellular_coverage_type",
}


def tile_keys(lat: np.ndarray, lon: np.ndarray) -> np.ndarray:
    """geo.tile_key for many points at once (numpy), the same keys."""
    size = 1 << geo.KEY_ZOOM
    la = np.clip(lat, -geo.MAX_LATITUDE, geo.MAX_LATITUDE)
    x = (lon + 180.0) / 360.0
    sin = np.sin(np.radians(la))
    y = 0.5 - np.log((1 + sin) / (1 - sin)) / (4 * np.pi)
    px = np.clip((x * size).astype(np.int64), 0, size - 1)
    py = np.clip((y * size).astype(np.int64), 0, size - 1)
    # geo.interleave's bit operations work on arrays as on ints.
    return geo.interleave(px, py)  # type: ignore[arg-type, return-value]


class _Areas:
    """A country's admin areas: by code or name (any case), and by boundary."""

    def __init__(self, country_id: int) -> None:
        self.by_label: dict[tuple[int, str], int] = {}
        self.shapes: dict[int, list[tuple[int, Any]]] = {1: [], 2: []}
        areas = AdminArea.objects.filter(country_id=country_id, level__in=(1, 2))
        for pk, level, code, name, boundary in areas.values_list(
            "id", "level", "code", "name", "boundary"
        ):
            self.by_label[(level, name.strip().lower())] = pk
            self.by_label.setdefault((level, code.strip().lower()), pk)
            if boundary:
                import shapely

                shape = shapely.from_geojson(boundary)
                shapely.prepare(shape)
                self.shapes[level].append((pk, shape))

    def link(
        self, level: int, labels: list[str], lat: np.ndarray, lon: np.ndarray
    ) -> list[int | None]:
        found: list[int | None] = [
            self.by_label.get((level, label.strip().lower())) if label else None for label in labels
        ]
        missing = [i for i, pk in enumerate(found) if pk is None]
        if missing and self.shapes[level]:
            import shapely

            idx = np.array(missing)
            for pk, shape in self.shapes[level]:
                inside = shapely.contains_xy(shape, lon[idx], lat[idx])
                for i in idx[inside]:
                    if found[i] is None:
                        found[i] = pk
        return found


class _Applier:
    def __init__(self) -> None:
        self.areas: dict[int, _Areas] = {}
        self.benchmarks: dict[int, int] = {}
        self.iso3: dict[int, str] = {}
        self.closed_now = False

    def apply_chunk(self, batch_id: int) -> tuple[SchoolImport, int]:
        """One transaction: the next staged chunk applied and deleted, or the import
        closed when none is left."""
        batch = SchoolImport.objects.select_for_update().get(pk=batch_id)
        if batch.state != SchoolImport.State.APPLYING:
            return batch, 0
        chunk = SchoolStagedChunk.objects.filter(batch_id=batch_id).order_by("id").first()
        if chunk is None:
            self._close(batch)
            return batch, 0
        columns = _unpack(chunk)
        created, updated, unchanged = self._apply_rows(columns)
        chunk.delete()
        batch.created += created
        batch.updated += updated
        batch.unchanged += unchanged
        batch.heartbeat_at = timezone.now()
        batch.save(update_fields=["created", "updated", "unchanged", "heartbeat_at"])
        return batch, len(columns["country_id"])

    def _existing(
        self, column: str, wanted: list[tuple[int, str]]
    ) -> dict[tuple[int, str], tuple[Any, ...]]:
        """Live schools by (country, id): one plain query for the whole chunk, joining the
        wanted pairs to the (country, id) index (a query per country cost more than the
        writes at 141 countries a chunk)."""
        if not wanted:
            return {}
        ops = connection.ops
        names = ", ".join(f"s.{ops.quote_name(c)}" for c in FIELDS)
        index = FIELDS.index(column)
        booleans = [i for i, f in enumerate(FIELDS) if f in BOOLEANS]
        result: dict[tuple[int, str], tuple[Any, ...]] = {}
        pairs = sorted(set(wanted))
        with connection.cursor() as cursor:
            # Under SQLite's limit of 32,766 parameters a statement.
            for start in range(0, len(pairs), 10_000):
                part = pairs[start : start + 10_000]
                marks = ", ".join(["(%s, %s)"] * len(part))
                sql = (
                    f"WITH wanted (c, k) AS (VALUES {marks}) "  # noqa: S608
                    f"SELECT {names} FROM wanted "
                    f"JOIN {ops.quote_name(School._meta.db_table)} s "
                    f"ON s.country_id = wanted.c AND s.{ops.quote_name(column)} = wanted.k "
                    f"WHERE s.deleted_at IS NULL"
                )
                if connection.vendor == "postgresql":
                    sql += " FOR UPDATE OF s"
                cursor.execute(sql, [v for pair in part for v in pair])
                for values in cursor.fetchall():
                    old = list(values)
                    for i in booleans:  # SQLite answers 0 and 1
                        if old[i] is not None:
                            old[i] = bool(old[i])
                    result[(old[FIELDS.index("country_id")], old[index])] = tuple(old)
        return result

    def _country(self, country_id: int) -> tuple[str, _Areas, int]:
        if country_id not in self.areas:
            self.areas[country_id] = _Areas(country_id)
            self.benchmarks[country_id] = (
                CountrySettings.objects.filter(country_id=country_id)
                .values_list("national_benchmark_bps", flat=True)
                .first()
                or status.GLOBAL_BENCHMARK_BPS
            )
            self.iso3[country_id] = (
                core_selectors.countries()
                .filter(pk=country_id)
                .values_list("iso3", flat=True)
                .first()
                or ""
            )
        return self.iso3[country_id], self.areas[country_id], self.benchmarks[country_id]

    def _apply_rows(self, cols: dict[str, list[Any]]) -> tuple[int, int, int]:
        """A chunk's rows, column by column: the old rows looked up at once, each new
        row's values built by zipping columns (no dictionary per row)."""
        countries = cols["country_id"]
        n = len(countries)
        nothing: list[Any] = [None] * n
        giga, govt = cols.get("school_id_giga", nothing), cols.get("school_id_govt", nothing)
        by_giga = self._existing(
            "school_id_giga", [(c, g) for c, g in zip(countries, giga, strict=True) if g]
        )
        by_govt = self._existing(
            "school_id_govt",
            [(c, v) for c, g, v in zip(countries, giga, govt, strict=True) if not g],
        )
        olds = [
            by_giga.get((c, g)) if g else by_govt.get((c, v))
            for c, g, v in zip(countries, giga, govt, strict=True)
        ]
        lat = np.array(cols["latitude"], dtype=float)
        lon = np.array(cols["longitude"], dtype=float)
        keys = tile_keys(lat, lon).tolist()
        admin1: list[int | None] = [None] * n
        admin2: list[int | None] = [None] * n
        by_country: dict[int, list[int]] = {}
        for i, country_id in enumerate(countries):
            by_country.setdefault(country_id, []).append(i)
        iso3s, nationals = {}, {}
        for country_id, indexes in by_country.items():
            iso3s[country_id], areas, nationals[country_id] = self._country(country_id)
            if not areas.by_label and not areas.shapes[1] and not areas.shapes[2]:
                continue
            at = np.array(indexes)
            for level, found in ((1, admin1), (2, admin2)):
                labels = cols.get(f"admin{level}", nothing)
                chosen = [labels[i] or "" for i in indexes]
                for i, pk in zip(indexes, areas.link(level, chosen, lat[at], lon[at]), strict=True):
                    found[i] = pk
        # Each column of School: the file's (only the columns it has are written), else
        # the school's own, else empty.
        position = {name: i for i, name in enumerate(FIELDS)}
        merged: dict[str, list[Any]] = {}
        for c in SCHOOL_FIELDS:
            if c in cols and c != "school_id_giga":
                values = cols[c]
            else:
                p = position[c]
                values = [old[p] if old else None for old in olds]
            if c in BLANK_TEXT:
                values = ["" if v is None else v for v in values]
            merged[c] = values
        merged["school_id_giga"] = [
            g or (old[1] if old else derived_giga_id(iso3s[c], v))
            for g, v, c, old in zip(giga, govt, countries, olds, strict=True)
        ]
        merged["disputed_region"] = [bool(v) for v in merged["disputed_region"]]
        realtime = position["realtime"]
        statuses: dict[str, list[Any]] = {
            "connectivity_global": [],
            "connectivity_national": [],
            "coverage": [],
        }
        for old, c, speed, connected, cellular in zip(
            olds,
            countries,
            merged["download_speed_contracted"],
            merged["connectivity_govt"],
            merged["cellular_coverage_type"],
            strict=True,
        ):
            if old is None or not old[realtime]:
                statuses["connectivity_global"].append(
                    status.static_connectivity(connected, speed, status.GLOBAL_BENCHMARK_BPS).value
                )
                statuses["connectivity_national"].append(
                    status.static_connectivity(connected, speed, nationals[c]).value
                )
                statuses["coverage"].append(status.coverage(cellular or None).value)
            else:
                for name, values in statuses.items():
                    values.append(old[position[name]])
        derived = {"tile_key": keys, "admin1_area_id": admin1, "admin2_area_id": admin2}
        derived |= statuses
        ops = connection.ops
        now = ops.adapt_datetimefield_value(timezone.now())
        inserts, updates = [], []
        unchanged = 0
        width = len(SCHOOL_FIELDS) + len(DERIVED)
        rows = zip(*(merged[c] for c in SCHOOL_FIELDS), *(derived[c] for c in DERIVED), strict=True)
        for country_id, old, new in zip(countries, olds, rows, strict=True):
            if old is None:
                inserts.append((country_id, *new, False, now, now))
            elif new == old[1 : 1 + width]:
                unchanged += 1
            else:
                updates.append((*new, now, old[0]))
        copy_rows(
            School._meta.db_table,
            ("country_id", *SCHOOL_FIELDS, *DERIVED, "realtime", "created_at", "updated_at"),
            inserts,
        )
        if updates:
            assignments = ", ".join(
                f"{ops.quote_name(c)} = %s" for c in (*SCHOOL_FIELDS, *DERIVED, "updated_at")
            )
            table = ops.quote_name(School._meta.db_table)
            with connection.cursor() as cursor:
                cursor.executemany(
                    f"UPDATE {table} SET {assignments} WHERE id = %s",  # noqa: S608
                    updates,
                )
        return len(inserts), len(updates), unchanged

    def _close(self, batch: SchoolImport) -> None:
        batch.state = SchoolImport.State.DONE
        batch.finished_at = batch.heartbeat_at = timezone.now()
        batch.save(update_fields=["state", "finished_at", "heartbeat_at"])
        self.closed_now = True
        record_audit(
            batch.actor,
            AuditAction.CREATED,
            object_type="schools.import",
            object_id=str(batch.pk),
            object_repr=f"import of {batch.total} school rows"[:200],
            after={
                "source": batch.source,
                "created": batch.created,
                "updated": batch.updated,
                "unchanged": batch.unchanged,
                "rejected": batch.rejected,
                "mode": batch.mode,
            },
        )


def do_delete_school(actor: User | None, school: School, reason: str = "") -> None:
    """Soft deletion: the school leaves the registry, the map and the counts; its
    measurements stay. Its giga id may be registered again."""
    if not can_import(actor):
        raise PermissionDenied(_("Only analysts and administrators delete schools."))
    if school.deleted_at is not None:
        return
    with transaction.atomic():
        school.deleted_at = timezone.now()
        school.save(update_fields=["deleted_at"])
        record_audit(actor, AuditAction.DELETED, school, reason=reason)
    after_schools_changed({school.country_id})


__all__ = [
    "ALL_OR_NOTHING",
    "MODES",
    "VALID_ROWS",
    "ImportIncomplete",
    "ImportReport",
    "after_schools_changed",
    "do_delete_school",
    "finish_school_imports",
    "import_schools",
]
