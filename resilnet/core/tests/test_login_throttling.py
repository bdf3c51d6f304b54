import pytest
from django.test import override_settings

from conftest import PASSWORD
from resilnet.core.models import AuditAction, AuditEvent, LoginFailure


def attempt(client, username, password, url="/accounts/login/"):
    return client.post(url, {"username": username, "password": password})


def test_a_correct_password_signs_in_and_is_audited(client, contributor):
    response = attempt(client, "carla", PASSWORD)
    assert response.status_code == 302
    assert AuditEvent.objects.filter(action=AuditAction.LOGGED_IN, actor=contributor).exists()


def test_ten_wrong_passwords_throttle_the_account_with_a_clear_message(client, contributor):
    for _ in range(10):
        response = attempt(client, "carla", "wrong")
        assert b"Please enter a correct username and password" in response.content
    response = attempt(client, "carla", PASSWORD)
    assert response.status_code == 200
    assert b"Too many failed sign-in attempts. Try again in 15 minutes." in response.content
    assert "_auth_user_id" not in client.session
    assert AuditEvent.objects.filter(action=AuditAction.LOGIN_THROTTLED).count() == 1
    assert AuditEvent.objects.filter(action=AuditAction.LOGIN_FAILED).count() == 10


def test_throttling_counts_the_username_case_insensitively(client, contributor):
    for name in ["carla", "CARLA", "Carla"] * 4:
        attempt(client, name, "wrong")
    assert b"Too many failed" in attempt(client, "carla", PASSWORD).content


def test_the_admin_sign_in_is_throttled_too(client, admin_user):
    for _ in range(10):
        attempt(client, "ada", "wrong", url="/admin/login/")
    response = attempt(client, "ada", PASSWORD, url="/admin/login/")
    assert b"Too many failed sign-in attempts" in response.content


def test_a_throttled_account_cannot_authenticate_by_any_path(contributor, rf):
    from django.contrib.auth import authenticate

    for _ in range(10):
        LoginFailure.objects.create(username="carla")
    assert authenticate(rf.get("/"), username="carla", password=PASSWORD) is None


@override_settings(LOGIN_LOCKOUT_MINUTES=15)
def test_the_throttle_lifts_when_failures_leave_the_window(client, contributor):
    from datetime import timedelta

    from django.utils import timezone

    old = timezone.now() - timedelta(minutes=16)
    for _ in range(10):
        LoginFailure.objects.create(username="carla", at=old)
    assert attempt(client, "carla", PASSWORD).status_code == 302


def test_a_successful_sign_in_clears_earlier_failures(client, contributor):
    for _ in range(5):
        attempt(client, "carla", "wrong")
    assert attempt(client, "carla", PASSWORD).status_code == 302
    assert not LoginFailure.objects.filter(username="carla").exists()


@pytest.mark.parametrize(
    "username", ["x" * 10_000, "'; DROP TABLE core_user; --", "\x00null", "ünïcødé"]
)
def test_hostile_usernames_are_refused_cleanly(client, contributor, username):
    response = attempt(client, username, "whatever")
    assert response.status_code == 200
    assert "_auth_user_id" not in client.session


@pytest.mark.django_db(transaction=True)
def test_failures_for_invented_names_are_pruned_by_the_worker_once_past_the_window():
    from datetime import timedelta

    from django.core.management import call_command
    from django.utils import timezone

    from resilnet.core import modules, services

    for n in range(30):  # a spray of names nobody has
        services.record_login_failure(f"nobody{n}")
    LoginFailure.objects.filter(username__in=["nobody0", "nobody1"]).update(
        at=timezone.now() - timedelta(minutes=16)
    )
    periodic = [task for module in modules.installed() for task in module.periodic_tasks]
    services.enqueue_due_periodic_tasks(periodic)
    call_command("run_worker", "--batch", "--interval", "0")
    assert LoginFailure.objects.count() == 28
    assert not LoginFailure.objects.filter(username="nobody0").exists()
