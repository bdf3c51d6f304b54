"""Writing the planned demo records through the catalog's services."""

from __future__ import annotations

from collections import Counter

from django.db import transaction
from django.db.models import QuerySet

from resilnet.catalog import permissions, services
from resilnet.catalog.demo.content import EDIT_NOTE
from resilnet.catalog.demo.generate import EXTERNAL_PREFIX, PENDING_EDIT, Plan, plan_record
from resilnet.catalog.demo.places import Gazetteer
from resilnet.catalog.models import Record
from resilnet.catalog.taxonomy import Status
from resilnet.core.models import User

OWNER_USERNAME = "contributor"
MODERATOR_USERNAME = "moderator"
CHUNK = 25  # records per transaction: fast on SQLite, short locks for other writers


def _user(username: str) -> User:
    user = User.objects.filter(username=username).first()
    if user is None:
        raise RuntimeError(
            f"The demo user {username!r} does not exist: load the core demo data first "
            "(resilnet.core.demo.load_demo_data)."
        )
    return user


def _load(plan: Plan, owner: User, moderator: User) -> None:
    record = services.do_create_record(
        owner, plan.content, external_id=plan.external_id, submit=plan.status != Status.DRAFT
    )
    if plan.status == Status.CHANGES_REQUESTED:
        services.do_request_changes(moderator, record, plan.reason)
    elif plan.status in (Status.PUBLISHED, PENDING_EDIT):
        services.do_publish(moderator, record)
        if plan.status == PENDING_EDIT:
            services.do_update_record(owner, record, plan.edit, EDIT_NOTE)
            services.do_submit(owner, record)


def demo_records() -> QuerySet[Record]:
    return Record.objects.filter(external_id__startswith=EXTERNAL_PREFIX)


def load_demo_catalog(*, size: int = 300, seed: int = 2020) -> dict[str, int]:
    """Create records demo:0 … demo:{size-1} that do not exist yet, owned by the demo
    'contributor' and moderated by the demo 'moderator'.

    Returns the number of demo records in each status (all of them, not only this run's),
    `pending_edit`: published ones with a submitted edit, and `created`: records this run
    added. Notification emails go out as for any record (to the demo users' addresses).
    """
    owner = _user(OWNER_USERNAME)
    moderator = _user(MODERATOR_USERNAME)
    if not permissions.is_moderator(moderator):
        raise RuntimeError(f"The demo user {MODERATOR_USERNAME!r} is not a moderator.")
    existing = set(demo_records().values_list("external_id", flat=True))
    missing = [n for n in range(size) if f"{EXTERNAL_PREFIX}{n}" not in existing]
    if missing:
        atlas = Gazetteer()
        for start in range(0, len(missing), CHUNK):
            with transaction.atomic():
                for n in missing[start : start + CHUNK]:
                    _load(plan_record(seed, n, atlas), owner, moderator)
    counts: dict[str, int] = dict.fromkeys(Status.values, 0)
    counts.update(Counter(demo_records().values_list("status", flat=True)))
    counts[PENDING_EDIT] = (
        demo_records()
        .filter(status=Status.PUBLISHED, pending_revision__state=Status.SUBMITTED)
        .count()
    )
    counts["created"] = len(missing)
    return counts
