"""Behind a load balancer: the client's address comes from X-Forwarded-For only when the
connection comes from a listed proxy, so per-address limits fall on the right visitor."""

from ipaddress import ip_network

import pytest

from conftest import PASSWORD
from resilnet.core.middleware import client_address
from resilnet.core.models import LoginFailure

PROXIES = [ip_network("10.0.0.0/8"), ip_network("fd00::/8")]


@pytest.mark.parametrize(
    ("peer", "forwarded", "expected"),
    [
        ("10.0.0.5", "203.0.113.7", "203.0.113.7"),
        ("10.0.0.5", "198.51.100.1, 203.0.113.7", "203.0.113.7"),  # left of it: the client says
        ("10.0.0.5", "203.0.113.7, 10.0.0.9", "203.0.113.7"),  # two proxies in a row
        ("203.0.113.9", "198.51.100.1", "203.0.113.9"),  # not a proxy: the header is ignored
        ("10.0.0.5", "", "10.0.0.5"),
        ("10.0.0.5", "not-an-address", "10.0.0.5"),
        ("10.0.0.5", "10.0.0.6, 10.0.0.7", "10.0.0.5"),  # only proxies: the peer is all we know
        ("fd00::1", "2001:db8::1", "2001:db8::1"),
    ],
)
def test_client_address(peer, forwarded, expected):
    assert client_address(peer, forwarded, PROXIES) == expected


def test_without_trusted_proxies_the_header_counts_for_nothing():
    assert client_address("10.0.0.5", "203.0.113.7", []) == "10.0.0.5"


def failure_address(client, **headers):
    client.post("/accounts/login/", {"username": "carla", "password": "wrong"}, **headers)
    return LoginFailure.objects.order_by("-id").values_list("ip", flat=True).first()


def test_sign_in_failures_are_counted_for_the_forwarded_client(client, settings, contributor):
    settings.TRUSTED_PROXIES = PROXIES
    proxied = {"REMOTE_ADDR": "10.0.0.5", "HTTP_X_FORWARDED_FOR": "203.0.113.7"}
    assert failure_address(client, **proxied) == "203.0.113.7"
    spoofed = {"REMOTE_ADDR": "198.51.100.20", "HTTP_X_FORWARDED_FOR": "203.0.113.7"}
    assert failure_address(client, **spoofed) == "198.51.100.20"


def test_one_visitor_behind_the_proxy_does_not_lock_out_the_others(
    client, settings, contributor, make_user
):
    settings.TRUSTED_PROXIES = PROXIES
    make_user("dora")
    # Fifty failures (the per-address limit) from one visitor, on invented accounts.
    for n in range(50):
        client.post(
            "/accounts/login/",
            {"username": f"nobody{n}", "password": "wrong"},
            REMOTE_ADDR="10.0.0.5",
            HTTP_X_FORWARDED_FOR="203.0.113.7",
        )
    response = client.post(
        "/accounts/login/",
        {"username": "carla", "password": PASSWORD},
        REMOTE_ADDR="10.0.0.5",
        HTTP_X_FORWARDED_FOR="198.51.100.1",
    )
    assert response.status_code == 302
