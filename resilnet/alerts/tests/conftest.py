"""Small real data for the audiences tests: an operator and Kenya's areas (the schools
module's fixture: the country, Nairobi and Mombasa)."""

from __future__ import annotations

import pytest

from resilnet.alerts.services import audiences
from resilnet.schools.tests.conftest import kenya  # noqa: F401 (a fixture)


@pytest.fixture
def operator(db):
    return audiences.do_add_operator(
        None, name="Safaricom", host="127.0.0.1", port=2775, system_id="demo", password="pw123"
    )


def write_csv(tmp_path, text: str, name: str = "subscribers.csv"):
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path
