from datetime import timedelta

import pytest
from django.test import Client
from django.utils import timezone

from conftest import PASSWORD
from resilnet.core import services
from resilnet.core.models import APIToken, Role


def bearer(token: str) -> dict[str, str]:
    return {"HTTP_AUTHORIZATION": f"Bearer {token}"}


@pytest.fixture
def issued(analyst):
    return services.do_create_api_token(analyst, analyst, name="etl", role=Role.ANALYST)


def test_me_requires_authentication(client, db):
    response = client.get("/api/v1/me")
    assert response.status_code == 401
    assert response["Content-Type"] == "application/problem+json"
    assert response["WWW-Authenticate"].startswith("Bearer")


def test_me_with_a_token(client, issued):
    body = client.get("/api/v1/me", **bearer(issued.plaintext)).json()
    assert body["username"] == "anan"
    assert body["authenticated_by"] == "token"
    assert body["token_role"] == "Analyst"


def test_token_is_stored_as_a_digest_only(issued):
    token = APIToken.objects.get(pk=issued.token.pk)
    secret = issued.plaintext.split("_", 2)[2]
    assert secret not in token.digest
    assert token.digest == services.token_digest(secret)


@pytest.mark.parametrize(
    ("mangle", "reason"),
    [
        (lambda t: t[:-1] + ("A" if t[-1] != "A" else "B"), "Unknown API token."),
        (lambda t: "garbage", "Malformed API token."),
        (lambda t: "rn_" + "x" * 500, "Malformed API token."),
    ],
)
def test_a_wrong_token_is_401(client, issued, mangle, reason):
    response = client.get("/api/v1/me", **bearer(mangle(issued.plaintext)))
    assert response.status_code == 401
    assert response.json()["detail"] == reason


def test_a_revoked_token_is_401(client, issued, analyst):
    services.do_revoke_api_token(analyst, issued.token)
    response = client.get("/api/v1/me", **bearer(issued.plaintext))
    assert response.status_code == 401
    assert response.json()["detail"] == "This API token has been revoked."


def test_an_expired_token_is_401(client, analyst):
    issued = services.do_create_api_token(
        analyst,
        analyst,
        name="short",
        role=Role.ANALYST,
        expires_at=timezone.now() + timedelta(minutes=1),
    )
    APIToken.objects.filter(pk=issued.token.pk).update(
        expires_at=timezone.now() - timedelta(seconds=1)
    )
    response = client.get("/api/v1/me", **bearer(issued.plaintext))
    assert response.status_code == 401
    assert response.json()["detail"] == "This API token has expired."


def test_a_token_cannot_hold_a_role_its_user_lacks(analyst):
    from django.core.exceptions import ValidationError

    with pytest.raises(ValidationError, match="does not hold the role"):
        services.do_create_api_token(analyst, analyst, name="x", role=Role.MODERATOR)


def test_a_token_cannot_mint_tokens(client, issued):
    response = client.post(
        "/api/v1/me/tokens",
        {"name": "more", "role": "Analyst"},
        content_type="application/json",
        **bearer(issued.plaintext),
    )
    assert response.status_code == 403


def session_client(user) -> Client:
    browser = Client(enforce_csrf_checks=True)
    assert browser.login(username=user.username, password=PASSWORD)
    browser.get("/accounts/tokens/")  # sets the csrftoken cookie
    return browser


def test_session_creates_a_token_with_the_csrf_header(analyst):
    browser = session_client(analyst)
    csrf = browser.cookies["csrftoken"].value
    response = browser.post(
        "/api/v1/me/tokens",
        {"name": "dashboard", "role": "Analyst"},
        content_type="application/json",
        HTTP_X_CSRFTOKEN=csrf,
    )
    assert response.status_code == 201, response.content
    token = response.json()["token"]
    assert token.startswith("rn_")
    assert Client().get("/api/v1/me", **bearer(token)).status_code == 200


def test_a_forged_csrf_token_is_403(analyst):
    browser = session_client(analyst)
    response = browser.post(
        "/api/v1/me/tokens",
        {"name": "dashboard", "role": "Analyst"},
        content_type="application/json",
        HTTP_X_CSRFTOKEN="forged" * 8,
    )
    assert response.status_code == 403
    assert response["Content-Type"] == "application/problem+json"
    assert response.json()["title"] == "CSRF check failed"
    assert not APIToken.objects.exists()


def test_a_forged_csrf_token_on_a_form_is_403(analyst):
    browser = session_client(analyst)
    response = browser.post("/accounts/tokens/", {"name": "x", "role": "Analyst"})
    assert response.status_code == 403
    assert b"has expired or was not sent from this site" in response.content


def test_malformed_json_is_400_with_the_position(analyst):
    browser = session_client(analyst)
    response = browser.post(
        "/api/v1/me/tokens",
        '{"name": "x",\n "role": }',
        content_type="application/json",
        HTTP_X_CSRFTOKEN=browser.cookies["csrftoken"].value,
    )
    assert response.status_code == 400
    problem = response.json()
    assert problem["title"] == "Malformed JSON"
    assert (problem["line"], problem["column"]) == (2, 10)
    assert "line 2, column 10" in problem["detail"]


def test_invalid_body_is_422_naming_the_field(analyst):
    browser = session_client(analyst)
    response = browser.post(
        "/api/v1/me/tokens",
        {"name": "", "role": "Emperor"},
        content_type="application/json",
        HTTP_X_CSRFTOKEN=browser.cookies["csrftoken"].value,
    )
    assert response.status_code == 422
    locations = {error["location"] for error in response.json()["errors"]}
    assert {"body.payload.name", "body.payload.role"} <= locations


def test_oversized_body_is_refused(analyst):
    browser = session_client(analyst)
    response = browser.post(
        "/api/v1/me/tokens",
        '{"name": "' + "x" * 3_000_000 + '"}',
        content_type="application/json",
        HTTP_X_CSRFTOKEN=browser.cookies["csrftoken"].value,
    )
    assert response.status_code in (400, 413)
    assert not APIToken.objects.exists()


def test_revoke_through_the_api(analyst, issued):
    browser = session_client(analyst)
    response = browser.delete(
        f"/api/v1/me/tokens/{issued.token.pk}", HTTP_X_CSRFTOKEN=browser.cookies["csrftoken"].value
    )
    assert response.status_code == 204
    assert Client().get("/api/v1/me", **bearer(issued.plaintext)).status_code == 401


def test_a_body_over_the_limit_is_a_413_problem(client, contributor, settings):
    settings.DATA_UPLOAD_MAX_MEMORY_SIZE = 1000
    client.force_login(contributor)
    response = client.post(
        "/api/v1/catalog/records",
        {"content": {"title": {"en": "x" * 5000}}},
        content_type="application/json",
    )
    assert response.status_code == 413
    assert response["Content-Type"] == "application/problem+json"
    assert response.json()["limit"] == 1000
