import pytest
from django.db import DatabaseError, connection, transaction

from resilnet.core import services
from resilnet.core.models import AuditAction, AuditEvent, Role
from resilnet.core.models.audit import AppendOnlyError


def test_services_record_actor_object_and_before_after(admin_user, make_user):
    user = make_user("bea", Role.CONTRIBUTOR)
    services.do_set_roles(admin_user, user, [Role.MODERATOR])
    event = AuditEvent.objects.filter(action=AuditAction.ROLES_CHANGED).get()
    assert event.actor == admin_user
    assert (event.object_type, event.object_id) == ("core.user", str(user.pk))
    assert event.before == {"roles": ["Contributor"]}
    assert event.after == {"roles": ["Moderator"]}


def test_unknown_roles_are_refused_and_nothing_is_written(admin_user, make_user):
    from django.core.exceptions import ValidationError

    user = make_user("bea", Role.CONTRIBUTOR)
    count = AuditEvent.objects.count()
    with pytest.raises(ValidationError, match="Unknown role 'Emperor'"):
        services.do_set_roles(admin_user, user, ["Emperor"])
    assert AuditEvent.objects.count() == count
    assert user.roles() == {"Contributor"}


def test_the_model_refuses_changes(admin_user):
    event = AuditEvent.objects.first()
    event.reason = "tampered"
    with pytest.raises(AppendOnlyError):
        event.save()
    with pytest.raises(AppendOnlyError):
        event.delete()


@pytest.mark.parametrize(
    "statement",
    ["UPDATE core_auditevent SET reason = 'tampered'", "DELETE FROM core_auditevent"],
)
def test_the_database_refuses_changes(admin_user, statement):
    with pytest.raises(DatabaseError, match="append-only"), transaction.atomic():
        with connection.cursor() as cursor:
            cursor.execute(statement)
    assert not AuditEvent.objects.filter(reason="tampered").exists()


def test_the_queryset_update_is_refused_too(admin_user):
    with pytest.raises(DatabaseError), transaction.atomic():
        AuditEvent.objects.update(reason="tampered")


def test_audit_page_is_for_administrators_only(client, contributor, admin_user):
    assert client.get("/audit/").url == "/accounts/login/?next=/audit/"
    client.force_login(contributor)
    forbidden = client.get("/audit/")
    assert forbidden.status_code == 403
    assert "Only administrators may open this page." in forbidden.content.decode()
    client.force_login(admin_user)
    assert client.get("/audit/").status_code == 200


def test_audit_page_filters_per_object(client, admin_user, make_user):
    bea = make_user("bea", Role.CONTRIBUTOR)
    make_user("cai", Role.CONTRIBUTOR)
    client.force_login(admin_user)
    page = client.get(f"/audit/?object_type=core.user&object_id={bea.pk}").content.decode()
    assert "bea" in page
    assert "cai" not in page
    assert "1 event" in page


def test_audit_page_rejects_bad_filters_without_error(client, admin_user):
    client.force_login(admin_user)
    response = client.get("/audit/?since=not-a-date&action=nonsense&page=99999")
    assert response.status_code == 200
    assert "Enter a valid date." in response.content.decode()


# Many events at once, for bulk writers -------------------------------------------------


@pytest.fixture
def in_a_request():
    """The request context middleware sets: its id and the client's address."""
    from resilnet.core.request_context import ip_var, request_id_var

    id_token = request_id_var.set("req-42")
    ip_token = ip_var.set("2001:DB8:0::1")  # stored as the ORM stores it: 2001:db8::1
    yield
    request_id_var.reset(id_token)
    ip_var.reset(ip_token)


def _stored(event):
    from django.forms.models import model_to_dict

    return model_to_dict(event, exclude=["id", "at"])


def test_a_bulk_event_is_stored_as_record_audit_stores_it(admin_user, make_user, in_a_request):
    bea = make_user("bea", Role.CONTRIBUTOR)
    change = {"before": {"roles": []}, "after": {"roles": ["Moderator"], "n": 1}, "reason": "why"}
    one = services.record_audit(admin_user, AuditAction.ROLES_CHANGED, bea, **change)
    row = services.AuditRow(AuditAction.ROLES_CHANGED, **services.describe(bea), **change)
    assert services.record_audit_many(admin_user, [row]) == 1
    many = AuditEvent.objects.exclude(pk=one.pk).get(action=AuditAction.ROLES_CHANGED)
    one.refresh_from_db()
    assert _stored(many) == _stored(one)
    assert _stored(many) == {
        "actor": admin_user.pk,
        "actor_label": "ada",
        "action": "roles_changed",
        "object_type": "core.user",
        "object_id": str(bea.pk),
        "object_repr": "bea",
        "before": {"roles": []},
        "after": {"roles": ["Moderator"], "n": 1},
        "reason": "why",
        "ip": "2001:db8::1",
        "request_id": "req-42",
    }


def test_bulk_events_of_the_system_share_one_time(db):
    from datetime import UTC, datetime

    at = datetime(2024, 5, 1, 12, 30, tzinfo=UTC)
    rows = [
        services.AuditRow(AuditAction.CREATED, "catalog.record", str(n), f"Record {n}", after=None)
        for n in range(3)
    ]
    assert services.record_audit_many(None, iter(rows), at=at) == 3
    events = AuditEvent.objects.filter(object_type="catalog.record").order_by("id")
    assert [(e.object_id, e.object_repr, e.at) for e in events] == [
        ("0", "Record 0", at),
        ("1", "Record 1", at),
        ("2", "Record 2", at),
    ]
    assert {(e.actor_id, e.actor_label, e.after, e.ip, e.request_id) for e in events} == {
        (None, "system", None, None, "")
    }
    assert services.record_audit_many(None, []) == 0


def test_bulk_events_fill_every_column_of_the_audit_log():
    concrete = {f.column for f in AuditEvent._meta.concrete_fields}
    assert set(services.AUDIT_COLUMNS) | {"id"} == concrete  # the database numbers events
    assert len(services.AUDIT_COLUMNS) == len(set(services.AUDIT_COLUMNS))
