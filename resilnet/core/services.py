"""Every change of core state goes through these functions.

Each validates its input, writes, and appends to the audit log in one transaction
(Zulip's `do_*` actions are the model). Views, the API, the CLI and tasks call them.
"""

from __future__ import annotations

import hashlib
import os
import secrets
import socket
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any, NamedTuple, cast

from django.conf import settings
from django.contrib.auth.models import Group
from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError
from django.db import connection, models, transaction
from django.utils import timezone

from resilnet.core.bulk import insert_rows
from resilnet.core.models import (
    APIToken,
    AuditAction,
    AuditEvent,
    Job,
    JobState,
    LoginFailure,
    PeriodicRun,
    Role,
    User,
    WorkerHeartbeat,
)
from resilnet.core.modules import PeriodicTask
from resilnet.core.request_context import current_ip, current_request_id

TOKEN_PREFIX = "rn"  # noqa: S105 (the marker before every token, not a secret)


def describe(obj: models.Model | None) -> dict[str, str]:
    if obj is None:
        return {}
    return {
        "object_type": obj._meta.label_lower,
        "object_id": str(obj.pk),
        "object_repr": str(obj)[:200],
    }


def record_audit(
    actor: User | None,
    action: AuditAction,
    obj: models.Model | None = None,
    *,
    before: Any = None,
    after: Any = None,
    reason: str = "",
    actor_label: str = "",
    **target: str,
) -> AuditEvent:
    """Append one event; `target` may name object_type/object_id/object_repr directly."""
    fields = describe(obj) | target
    authenticated = _authenticated(actor)
    return AuditEvent.objects.create(
        actor=authenticated,
        actor_label=actor_label or _actor_label(authenticated),
        action=action,
        before=before,
        after=after,
        reason=reason,
        ip=current_ip(),
        request_id=current_request_id(),
        **fields,
    )


def _authenticated(actor: User | None) -> User | None:
    return actor if actor is not None and actor.pk else None


def _actor_label(authenticated: User | None) -> str:
    return authenticated.get_username() if authenticated else "system"


class AuditRow(NamedTuple):
    """One event for `record_audit_many`: what `record_audit` takes besides the actor,
    the object named directly (bulk writers hold ids and titles, not model instances)."""

    action: AuditAction
    object_type: str = ""
    object_id: str = ""
    object_repr: str = ""
    before: Any = None
    after: Any = None
    reason: str = ""


# The columns record_audit_many writes, in order (a test checks they cover the model).
AUDIT_COLUMNS = (
    "at",
    "actor_id",
    "actor_label",
    "action",
    "object_type",
    "object_id",
    "object_repr",
    "before",
    "after",
    "reason",
    "ip",
    "request_id",
)


def record_audit_many(
    actor: User | None,
    rows: Iterable[AuditRow],
    *,
    at: datetime | None = None,
    actor_label: str = "",
) -> int:
    """Append one event per row, each as `record_audit` would write it (actor and label,
    request id and ip of the request being served), all at `at` (now by default), with
    one executemany: the bulk import appends one per record it writes, where an ORM save
    per row would cost more than the records themselves. Returns the number of events."""
    authenticated = _authenticated(actor)
    actor_id = authenticated.pk if authenticated else None
    label = actor_label or _actor_label(authenticated)
    field = {f.name: f for f in AuditEvent._meta.concrete_fields}
    # Each value as the ORM prepares it; those every row shares, once.
    at_value = field["at"].get_db_prep_save(at or timezone.now(), connection)
    ip = field["ip"].get_db_prep_save(current_ip(), connection)
    request_id = current_request_id()
    before, after = (cast(models.JSONField, field[name]) for name in ("before", "after"))
    adapt_json = connection.ops.adapt_json_value  # as JSONField does it; None is SQL NULL
    values = [
        (
            at_value,
            actor_id,
            label,
            row.action,
            row.object_type,
            row.object_id,
            row.object_repr[:200],
            None if row.before is None else adapt_json(row.before, before.encoder),
            None if row.after is None else adapt_json(row.after, after.encoder),
            row.reason,
            ip,
            request_id,
        )
        for row in rows
    ]
    insert_rows(AuditEvent._meta.db_table, AUDIT_COLUMNS, values)
    return len(values)


# Users and roles -------------------------------------------------------------------


def _role_names(roles: Iterable[str]) -> list[str]:
    names = sorted(set(roles))
    unknown = [name for name in names if name not in Role.values]
    if unknown:
        raise ValidationError(
            {"roles": f"Unknown role {unknown[0]!r}; expected one of: {', '.join(Role.values)}"}
        )
    return names


def _role_groups(names: list[str]) -> list[Group]:
    # Roles are an enum; their groups are created by a migration, and again here should a
    # flushed or hand-made database lack one, so a role is never silently dropped.
    return [Group.objects.get_or_create(name=name)[0] for name in names]


@transaction.atomic
def do_create_user(
    actor: User | None,
    *,
    username: str,
    password: str,
    email: str = "",
    roles: Iterable[str] = (),
    organisation: str = "",
    is_superuser: bool = False,
) -> User:
    role_names = _role_names(roles)
    if User.objects.filter(username__iexact=username).exists():
        raise ValidationError({"username": f"A user named {username!r} already exists."})
    user = User(
        username=username,
        email=email,
        organisation=organisation,
        is_superuser=is_superuser,
        is_staff=is_superuser or Role.ADMINISTRATOR in role_names,
    )
    user.full_clean(exclude=["password"])
    try:
        validate_password(password, user)
    except ValidationError as exc:
        raise ValidationError({"password": exc.messages}) from None
    user.set_password(password)
    user.save()
    user.groups.set(_role_groups(role_names))
    record_audit(
        actor,
        AuditAction.CREATED,
        user,
        after={"username": username, "email": email, "roles": role_names},
    )
    return user


@transaction.atomic
def do_set_roles(actor: User | None, user: User, roles: Iterable[str]) -> None:
    role_names = _role_names(roles)
    before = sorted(user.roles())
    if actor is not None and actor.pk == user.pk and not user.is_superuser:
        if Role.ADMINISTRATOR in before and Role.ADMINISTRATOR not in role_names:
            raise ValidationError(
                {"roles": "You cannot remove your own Administrator role; ask another one."}
            )
    user.groups.set(_role_groups(role_names))
    is_staff = user.is_superuser or Role.ADMINISTRATOR in role_names
    if user.is_staff != is_staff:
        user.is_staff = is_staff
        user.save(update_fields=["is_staff"])
    record_audit(
        actor,
        AuditAction.ROLES_CHANGED,
        user,
        before={"roles": before},
        after={"roles": role_names},
    )


@transaction.atomic
def do_set_active(actor: User | None, user: User, active: bool) -> None:
    """Enable or disable an account (accounts are disabled, never deleted: the audit log
    keeps pointing at them). Disabling also revokes the account's API tokens."""
    if actor is not None and actor.pk == user.pk and not active:
        raise ValidationError({"is_active": "You cannot disable your own account."})
    if user.is_active == active:
        return
    user.is_active = active
    user.save(update_fields=["is_active"])
    if not active:
        user.api_tokens.filter(revoked_at=None).update(revoked_at=timezone.now())
    record_audit(
        actor,
        AuditAction.UPDATED,
        user,
        before={"is_active": not active},
        after={"is_active": active},
    )


# Sign-in ---------------------------------------------------------------------------


def record_login(user: User) -> None:
    LoginFailure.objects.filter(username__iexact=user.get_username()).delete()
    record_audit(user, AuditAction.LOGGED_IN, user)


def record_logout(user: User | None) -> None:
    if user is not None and user.pk:
        record_audit(user, AuditAction.LOGGED_OUT, user)


def record_login_failure(username: str, *, throttled: bool = False) -> None:
    username = username[:150]
    if not throttled:
        LoginFailure.objects.create(username=username.lower(), ip=current_ip())
    record_audit(
        None,
        AuditAction.LOGIN_THROTTLED if throttled else AuditAction.LOGIN_FAILED,
        actor_label=username,
        object_type="core.user",
        object_repr=username,
    )


def prune_login_failures(now: datetime | None = None) -> int:
    cutoff = (now or timezone.now()) - timedelta(minutes=settings.LOGIN_LOCKOUT_MINUTES)
    deleted, _ = LoginFailure.objects.filter(at__lt=cutoff).delete()
    return deleted


# API tokens ------------------------------------------------------------------------


def token_digest(secret: str) -> str:
    # Tokens carry 256 bits of randomness, so a fast hash is enough (unlike passwords).
    return hashlib.sha256(secret.encode()).hexdigest()


@dataclass(frozen=True)
class IssuedToken:
    token: APIToken
    plaintext: str


@transaction.atomic
def do_create_api_token(
    actor: User,
    user: User,
    *,
    name: str,
    role: str,
    expires_at: datetime | None = None,
) -> IssuedToken:
    name = name.strip()
    if not name or len(name) > 100:
        raise ValidationError({"name": "Give the token a name of 1 to 100 characters."})
    if role not in Role.values:
        raise ValidationError({"role": f"Unknown role {role!r}."})
    if not user.has_role(role):
        raise ValidationError({"role": f"{user.get_username()} does not hold the role {role!r}."})
    if actor.pk != user.pk and not actor.is_administrator:
        raise ValidationError({"user": "Only administrators create tokens for other users."})
    if expires_at is not None and expires_at <= timezone.now():
        raise ValidationError({"expires_at": "The expiry must be in the future."})
    prefix = secrets.token_hex(4)
    secret = secrets.token_urlsafe(32)
    token = APIToken.objects.create(
        user=user,
        name=name,
        prefix=prefix,
        digest=token_digest(secret),
        role=role,
        expires_at=expires_at,
    )
    record_audit(
        actor,
        AuditAction.TOKEN_CREATED,
        token,
        after={"user": user.get_username(), "role": role, "expires_at": _iso(expires_at)},
    )
    return IssuedToken(token, f"{TOKEN_PREFIX}_{prefix}_{secret}")


@transaction.atomic
def do_revoke_api_token(actor: User, token: APIToken) -> None:
    if actor.pk != token.user_id and not actor.is_administrator:
        raise ValidationError(
            {"token": "Only the token's owner or an administrator may revoke it."}
        )
    if token.revoked_at is not None:
        return
    token.revoked_at = timezone.now()
    token.save(update_fields=["revoked_at"])
    record_audit(actor, AuditAction.TOKEN_REVOKED, token)


def touch_api_token(token: APIToken) -> None:
    """Note the token's use, at most once a minute so reads do not turn into writes."""
    now = timezone.now()
    if token.last_used_at is None or now - token.last_used_at > timedelta(minutes=1):
        APIToken.objects.filter(pk=token.pk).update(last_used_at=now)
        token.last_used_at = now


def _iso(value: datetime | None) -> str | None:
    return value.isoformat() if value else None


# Background jobs -------------------------------------------------------------------


@transaction.atomic
def start_job(
    actor: User | None, task: Any, label: str, *, enqueue: bool = True, **kwargs: Any
) -> Job:
    """Track the progress of `task` (which takes `job_id` as its first argument) and
    enqueue it for a worker; with enqueue=False the caller runs it (the CLI does)."""
    job = Job.objects.create(task_id=secrets.token_hex(16), label=label[:200], requested_by=actor)
    if enqueue:
        result = task.enqueue(job.pk, **kwargs)
        Job.objects.filter(pk=job.pk).update(task_id=str(result.id))
        job.refresh_from_db()
    record_audit(actor, AuditAction.JOB_STARTED, job, after={"task": task.name, "args": kwargs})
    return job


def report_progress(job_id: int, done: int, total: int | None = None, message: str = "") -> None:
    fields: dict[str, Any] = {
        "done": done,
        "state": JobState.RUNNING,
        "updated_at": timezone.now(),
        "message": message[:300],
    }
    if total is not None:
        fields["total"] = total
    Job.objects.filter(pk=job_id).update(**fields)


def finish_job(job_id: int, result: dict[str, Any] | None = None, message: str = "") -> None:
    Job.objects.filter(pk=job_id).update(
        state=JobState.SUCCEEDED, result=result, message=message[:300], updated_at=timezone.now()
    )


def fail_job(job_id: int, message: str) -> None:
    Job.objects.filter(pk=job_id).update(
        state=JobState.FAILED, message=message[:300], updated_at=timezone.now()
    )


def record_worker_heartbeat(worker_id: str) -> None:
    now = timezone.now()
    updated = WorkerHeartbeat.objects.filter(worker_id=worker_id).update(last_seen=now)
    if not updated:
        WorkerHeartbeat.objects.create(
            worker_id=worker_id,
            hostname=socket.gethostname()[:255],
            pid=os.getpid(),
            started_at=now,
            last_seen=now,
        )


def remove_worker_heartbeat(worker_id: str) -> None:
    WorkerHeartbeat.objects.filter(worker_id=worker_id).delete()


def retry_task_later(task_id: Any, delay: timedelta) -> None:
    """Put a task that failed on a busy database back in the queue, to run after `delay`."""
    from django_tasks.base import TaskResultStatus
    from django_tasks_db.models import DBTaskResult

    DBTaskResult.objects.filter(pk=task_id).update(
        status=TaskResultStatus.READY,
        run_after=timezone.now() + delay,
        started_at=None,
        finished_at=None,
        exception_class_path="",
        traceback="",
    )


def forget_worker_heartbeats() -> None:
    """After a restore: the heartbeats in the backup are of workers long gone; running
    workers report again within seconds."""
    WorkerHeartbeat.objects.all().delete()


def enqueue_due_periodic_tasks(
    periodic: Iterable[PeriodicTask], now: datetime | None = None
) -> list[str]:
    """Enqueue each periodic task that is due, and set when it is next due. The schedule
    row is locked while it is read and moved on, so of many workers one enqueues it."""
    from django.utils.module_loading import import_string

    now = now or timezone.now()
    enqueued = []
    for item in periodic:
        with transaction.atomic():
            PeriodicRun.objects.get_or_create(task=item.task, defaults={"next_at": now})
            run = PeriodicRun.objects.select_for_update().get(task=item.task)
            if run.next_at > now:
                continue
            run.next_at = now + item.every
            run.save(update_fields=["next_at"])
            import_string(item.task).enqueue()
        enqueued.append(item.task)
    return enqueued


def record_operation(actor: User | None, action: AuditAction, *, what: str, detail: Any) -> None:
    """Audit an operation on the installation as a whole (backup, restore, export)."""
    record_audit(actor, action, object_type="installation", object_repr=what, after=detail)
