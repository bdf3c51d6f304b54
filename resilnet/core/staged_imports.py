"""The bookkeeping every staged import shares (docs/adr/0008-imports-in-bounded-transactions.md).

A module's import batch model has `state` (staging → applying → done, or discarded),
`heartbeat_at` and `finished_at`; its staged model points to the batch by `batch_id`.
What differs between modules (how rows are checked, staged and applied) stays with them;
what is the same is here: forgetting a batch that never reached its commit point, a
chunk applied in a transaction of its own and tried again on a lock or a concurrent
insert, and finding the batches whose import stopped.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from contextlib import AbstractContextManager
from datetime import timedelta
from typing import Any, TypeVar

from django.db import IntegrityError, OperationalError, transaction
from django.utils import timezone

STAGING, APPLYING, DISCARDED = "staging", "applying", "discarded"
logger = logging.getLogger(__name__)
T = TypeVar("T")


def beat(batch_model: Any, batch_id: int) -> None:
    """The import is alive: `finish_stalled` leaves its batch alone."""
    batch_model.objects.filter(pk=batch_id).update(heartbeat_at=timezone.now())


def discard(batch_model: Any, staged_model: Any, batch_id: int, *, step: int = 20) -> None:
    """Forget a batch that never reached its commit point, `step` staged rows (or chunks)
    a transaction. A batch already applying is left alone: it is finished, not dropped."""
    with transaction.atomic():
        batch_model.objects.filter(pk=batch_id, state=STAGING).update(
            state=DISCARDED, finished_at=timezone.now()
        )
    if not batch_model.objects.filter(pk=batch_id, state=DISCARDED).exists():
        return
    while True:
        with transaction.atomic():
            ids = list(
                staged_model.objects.filter(batch_id=batch_id).values_list("id", flat=True)[:step]
            )
            if not ids:
                return
            staged_model.objects.filter(id__in=ids).delete()


def discard_quietly(batch_model: Any, staged_model: Any, batch_id: int, label: str) -> None:
    """`discard` on the way out of a failed import: its own failure is logged, not raised
    over the one that stopped the import (the stalled batch is discarded later)."""
    try:
        discard(batch_model, staged_model, batch_id)
    except Exception:
        logger.exception("%s %s: staged rows not discarded yet", label, batch_id)


def retried_chunk(
    apply: Callable[[], T],
    *,
    label: str,
    attempts: int,
    atomic: Callable[[], AbstractContextManager[Any]] = transaction.atomic,
) -> T:
    """`apply()` in a transaction of its own, tried again (up to `attempts` in all) when it
    fails on a lock held past the timeout or on a row inserted meanwhile by another
    writer: the chunk rolled back whole and is read afresh."""
    for attempt in range(1, attempts + 1):
        try:
            with atomic():
                return apply()
        except (OperationalError, IntegrityError) as exc:
            if attempt == attempts:
                raise
            logger.warning("%s: chunk failed (%s); trying it again", label, exc)
            time.sleep(attempt)
    raise AssertionError("attempts must be at least 1")


def stalled(batch_model: Any, quiet_for: timedelta) -> tuple[list[int], list[int]]:
    """The batches whose import has been quiet for `quiet_for`: those stopped before
    their commit point (to discard) and those stopped after it (to finish)."""
    quiet = batch_model.objects.filter(heartbeat_at__lt=timezone.now() - quiet_for)
    before = list(quiet.filter(state=STAGING).values_list("id", flat=True))
    after = list(quiet.filter(state=APPLYING).values_list("id", flat=True))
    return before, after
