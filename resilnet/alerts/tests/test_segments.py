"""Segments: an area includes the areas below it, live and test audiences never mix,
recipients walked by id in chunks; masked numbers."""

from __future__ import annotations

import io

import pytest

from resilnet.alerts import selectors
from resilnet.alerts.numbers import mask_msisdn
from resilnet.alerts.selectors import Segment
from resilnet.alerts.services import audiences
from resilnet.schools.models import AdminArea

pytestmark = pytest.mark.django_db


def load(text, **options):
    stream = io.BytesIO(text.encode())
    return audiences.do_import_subscribers(None, stream, "csv", operator="Safaricom", **options)


@pytest.fixture
def audience(operator, kenya):
    load(
        "msisdn,area,language\n"
        "+254712000001,KE-30,en\n+254712000002,KE-30,fr\n+254712000003,KE-01,ar\n"
        "+254712000004,,en\n+254712000005,KEN,sw-not-used\n".replace(",sw-not-used", ",es")
    )
    load("msisdn,area,language\n+254712000009,KE-30,en\n", test=True)


def test_an_area_includes_its_descendants(audience):
    kenya_id = AdminArea.objects.get(code="KEN").pk
    nairobi_id = AdminArea.objects.get(code="KE-30").pk
    assert selectors.recipient_count(Segment(area_ids=(kenya_id,))) == 4
    assert selectors.recipient_count(Segment(area_ids=(nairobi_id,))) == 2
    assert selectors.recipient_count(Segment()) == 5


def test_live_and_test_audiences_never_mix(audience):
    assert selectors.recipient_count(Segment(test=True)) == 1
    walked = [r.msisdn for chunk in selectors.iter_recipients(Segment(test=True)) for r in chunk]
    assert walked == ["+254712000009"]


def test_stopped_subscribers_and_disabled_operators_are_not_recipients(audience, operator):
    audiences.do_stop_subscriber(None, "+254712000001", "STOP")
    assert selectors.recipient_count(Segment(languages=("en",))) == 1
    audiences.do_update_operator(None, operator, enabled=False)
    assert selectors.recipient_count(Segment()) == 0


def test_recipients_come_in_keyset_chunks_each_once(audience):
    chunks = list(selectors.iter_recipients(Segment(), chunk=2))
    assert [len(c) for c in chunks] == [2, 2, 1]
    ids = [r.id for c in chunks for r in c]
    assert ids == sorted(ids)
    assert len(set(ids)) == 5


def test_counts_per_language_operator_and_area(audience):
    by_language = {r["key"]: r["count"] for r in selectors.counts_by(Segment(), "language")}
    assert by_language == {"en": 2, "fr": 1, "ar": 1, "es": 1}
    assert selectors.counts_by(Segment(), "operator") == [
        {"key": audience_operator_id(), "label": "Safaricom", "count": 5}
    ]
    areas = {r["label"]: r["count"] for r in selectors.counts_by(Segment(), "area")}
    assert areas["Kenya › Nairobi"] == 2


def audience_operator_id():
    return selectors.operator_by_name("Safaricom").pk


@pytest.mark.parametrize(
    ("number", "masked"),
    [("+254712345678", "+2547•••••678"), ("+8613812345678", "+8613••••••678"), ("123", "•••")],
)
def test_masking_hides_the_middle(number, masked):
    assert mask_msisdn(number) == masked
    assert len(mask_msisdn(number)) == len(number)
