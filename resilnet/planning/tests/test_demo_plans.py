"""The demo: synthetic infrastructure around Kenya's schools and two computed plans
(USD 10 million, and everyone), loaded once."""

from __future__ import annotations

from io import BytesIO

import pytest

from resilnet.planning.models import Dataset, Scenario, SiteResult

pytestmark = pytest.mark.django_db


def test_the_demo_computes_a_budget_plan_and_connect_all_on_kenyas_schools(kenya):
    from resilnet.planning.demo import load
    from resilnet.schools.importers import read
    from resilnet.schools.services import registry

    lines = ["school_id_giga,school_name,latitude,longitude,education_level,num_students"]
    for i in range(60):
        lines.append(
            f"d-{i},School {i},{-1.3 + 0.01 * (i % 8)},{36.8 + 0.01 * (i // 8)},Primary,300"
        )
    registry.import_schools(None, read(BytesIO("\n".join(lines).encode()), "csv"), country="KEN")

    assert load().startswith("2 demo plans for Kenya on 60 schools")
    budget, everyone = Scenario.objects.order_by("id")
    assert (budget.state, everyone.state) == ("done", "done")
    assert float(budget.budget) == 10_000_000
    assert budget.connect_all_totals["total"] == everyone.totals["total"]
    assert SiteResult.objects.filter(scenario=budget).count() == 60
    assert Dataset.objects.count() == 2
    assert load() == "demo plans already loaded"
    assert Scenario.objects.count() == 2
