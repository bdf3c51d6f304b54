import pytest
from django.test import Client

from conftest import PASSWORD
from resilnet.core import services
from resilnet.core.models import AuditAction, AuditEvent, Role, User


@pytest.fixture
def admin_client(client, admin_user):
    client.force_login(admin_user)
    return client


def test_only_administrators_see_users(client, contributor):
    assert client.get("/users/").url == "/accounts/login/?next=/users/"
    client.force_login(contributor)
    # Signed in without the role: refused, not sent back to the sign-in page.
    assert client.get("/users/").status_code == 403
    assert client.get("/users/new").status_code == 403


def test_create_a_user_with_roles(admin_client):
    response = admin_client.post(
        "/users/new",
        {
            "username": "dana",
            "email": "dana@example.org",
            "organisation": "Ministry of Health",
            "roles": ["Alert author", "Analyst"],
            "password": PASSWORD,
            "password_again": PASSWORD,
        },
    )
    dana = User.objects.get(username="dana")
    assert response.url == f"/users/{dana.pk}/"
    assert dana.roles() == {"Alert author", "Analyst"}
    assert dana.password.startswith("argon2$")
    assert Client().login(username="dana", password=PASSWORD)


@pytest.mark.parametrize(
    ("data", "error"),
    [
        ({"username": "ada"}, "already exists"),
        ({"password_again": "other"}, "The two passwords differ."),
        ({"password": "123", "password_again": "123"}, "too short"),
        ({"roles": ["Emperor"]}, "Select a valid choice"),
        ({"username": "x" * 200}, "at most 150 characters"),
        ({"email": "not-an-email"}, "Enter a valid email address."),
    ],
)
def test_bad_new_user_input_names_the_problem_and_writes_nothing(admin_client, data, error):
    count = User.objects.count()
    form = {"username": "dana", "password": PASSWORD, "password_again": PASSWORD} | data
    response = admin_client.post("/users/new", form)
    assert response.status_code == 200
    assert error in response.content.decode()
    assert User.objects.count() == count


def test_change_roles_and_disable(admin_client, admin_user, analyst):
    issued = services.do_create_api_token(analyst, analyst, name="etl", role=Role.ANALYST)
    response = admin_client.post(f"/users/{analyst.pk}/", {"roles": ["Moderator"]})
    assert response.status_code == 302
    analyst.refresh_from_db()
    assert analyst.roles() == {"Moderator"}
    assert analyst.is_active is False
    issued.token.refresh_from_db()
    assert issued.token.revoked_at is not None
    page = admin_client.get(f"/users/{analyst.pk}/").content.decode()
    assert "changed roles" in page
    assert AuditEvent.objects.filter(action=AuditAction.ROLES_CHANGED, actor=admin_user).exists()


def test_an_administrator_cannot_lock_themselves_out(admin_client, admin_user):
    response = admin_client.post(f"/users/{admin_user.pk}/", {"roles": [], "is_active": "on"})
    assert "cannot remove your own Administrator role" in response.content.decode()
    response = admin_client.post(
        f"/users/{admin_user.pk}/", {"roles": ["Administrator"], "is_active": ""}
    )
    assert "cannot disable your own account" in response.content.decode()
    admin_user.refresh_from_db()
    assert admin_user.is_active
    assert Role.ADMINISTRATOR in admin_user.roles()


def test_user_search_and_pagination(admin_client, make_user):
    for n in range(60):
        make_user(f"user{n:02d}")
    page = admin_client.get("/users/?q=user0").content.decode()
    assert "user05" in page
    assert "user15" not in page
    assert "Page 2 of 2" in admin_client.get("/users/?page=2").content.decode()
