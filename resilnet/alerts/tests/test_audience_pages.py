"""The audiences' pages: full numbers for administrators only, masked for the others,
nothing for visitors; filters and segment counts."""

from __future__ import annotations

import io

import pytest

from resilnet.alerts.services import audiences
from resilnet.core.models import Role

pytestmark = pytest.mark.django_db


@pytest.fixture
def registry(operator):
    stream = io.BytesIO(b"msisdn,language\n+254712345678,fr\n+254712345679,en\n")
    audiences.do_import_subscribers(None, stream, "csv", operator="Safaricom")


def page(client, user, url):
    client.force_login(user)
    return client.get(url)


def test_administrators_see_full_numbers_and_filter_by_them(client, admin_user, registry):
    html = page(client, admin_user, "/alerts/subscribers/?number=679").content.decode()
    assert "+254712345679" in html
    assert "+254712345678" not in html


def test_approvers_see_masked_numbers_only(client, make_user, registry):
    approver = make_user("bo", Role.ALERT_APPROVER)
    html = page(client, approver, "/alerts/subscribers/?number=678").content.decode()
    assert "+2547•••••678" in html
    assert "+2547•••••679" in html  # the number filter is not offered to them
    assert "712345678" not in html
    assert "pw123" not in page(client, approver, "/alerts/operators/").content.decode()


def test_visitors_and_contributors_are_kept_out(client, make_user, registry):
    assert client.get("/alerts/subscribers/").status_code == 302
    contributor = make_user("cy", Role.CONTRIBUTOR)
    assert page(client, contributor, "/alerts/subscribers/").status_code == 403


def test_segment_counts(client, admin_user, registry):
    response = page(client, admin_user, "/alerts/subscribers/segments/?language=fr")
    assert response.status_code == 200
    assert "1 recipient" in response.content.decode()


def test_the_subscriber_list_costs_the_same_queries_for_a_longer_page(
    client, admin_user, operator, reference_data
):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from resilnet.core.models import Country
    from resilnet.schools.models import AdminArea, AreaLevel

    area = AdminArea.objects.create(
        country=Country.objects.get(iso3="KEN"),
        level=AreaLevel.ADMIN1,
        code="KE-30",
        name="Nairobi",
    )
    client.force_login(admin_user)

    def queries_for(count):
        lines = "".join(f"+2547123{i:05d},KE-30\n" for i in range(count))
        stream = io.BytesIO(f"msisdn,area\n{lines}".encode())
        audiences.do_import_subscribers(None, stream, "csv", operator="Safaricom")
        with CaptureQueriesContext(connection) as captured:
            html = client.get("/alerts/subscribers/").content.decode()
        assert html.count(area.name) >= min(count, 50)
        return len(captured)

    assert queries_for(2) == queries_for(40)  # no query per row (operator, area)


def test_the_operators_page_shows_each_operators_bind_mode(client, admin_user, operator):
    audiences.do_add_operator(
        None,
        name="Pairs",
        host="127.0.0.1",
        port=2775,
        system_id="demo",
        password="pw",
        bind_mode="tx+rx",
    )
    html = page(client, admin_user, "/alerts/operators/").content.decode()
    assert "Transmitter and receiver (two binds)" in html
    assert "Transceiver (one bind sends and receives)" in html  # the fixture's operator
