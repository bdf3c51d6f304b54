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
