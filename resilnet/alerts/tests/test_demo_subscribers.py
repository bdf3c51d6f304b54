"""The demo audiences: deterministic, idempotent, through the services."""

from __future__ import annotations

import pytest

from resilnet.alerts.demo import subscribers
from resilnet.alerts.models import Subscriber

pytestmark = pytest.mark.django_db


def test_the_demo_loads_the_same_subscribers_once(reference_data):
    first = subscribers.load()
    numbers = sorted(Subscriber.objects.values_list("msisdn", flat=True))
    assert len(numbers) == sum(c[2] for c in subscribers.COUNTRIES)
    assert "4,000 subscribers created" in first
    assert "0 subscribers created" in subscribers.load()
    assert sorted(Subscriber.objects.values_list("msisdn", flat=True)) == numbers
    assert {n[:4] for n in numbers} >= {"+254", "+250", "+573", "+880", "+227"}
