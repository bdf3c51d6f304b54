"""A scenario from the form to its answer: saved with its inputs and assumptions, computed
as a background job with progress, its per-site results and totals stored, and under a
budget set beside what connecting everyone would cost."""

from __future__ import annotations

import json
from decimal import Decimal

import pytest
from django.db.models import Sum
from django.urls import reverse

from resilnet.core.models import AuditEvent, Job
from resilnet.planning.engine import costs as engine_costs
from resilnet.planning.models import Scenario, SiteResult
from resilnet.planning.services import scenarios as scenario_services
from resilnet.planning.tests.conftest import scenario_fields

pytestmark = pytest.mark.django_db


def form_data(inputs, **changes):
    data = {
        "name": "Ten million",
        "country": "KEN",
        "sites_source": "dataset",
        "sites": inputs["sites"].pk,
        "fibre": inputs["fibre"].pk,
        "towers": inputs["towers"].pk,
        "roads": "",
        "budget": "",
        "objective": "schools",
        "costs": scenario_services.default_costs_json(),
    }
    return data | changes


def test_a_planner_saves_and_computes_a_budget_and_sees_it_beside_connecting_all(
    client, planner, inputs, immediate_tasks
):
    client.force_login(planner)
    # First what connecting everyone costs, so the budget is a real constraint.
    everyone = scenario_services.do_create_scenario(planner, **scenario_fields(inputs))
    scenario_services.do_run_scenario(planner, everyone)
    everyone.refresh_from_db()
    all_npv = everyone.totals["total"]["npv"]
    budget = Decimal(f"{all_npv / 2:.2f}")

    response = client.post(
        reverse("planning:scenario_new"), form_data(inputs, budget=str(budget), run="1")
    )
    assert response.status_code == 302
    scenario = Scenario.objects.exclude(pk=everyone.pk).get()
    assert scenario.state == "done"
    job = Job.objects.get(pk=scenario.job_id)
    assert (job.state, job.done, job.total) == ("succeeded", 1000, 1000)

    results = SiteResult.objects.filter(scenario=scenario)
    assert results.count() == 30
    total = scenario.totals["total"]
    assert 0 < total["sites"] < 30  # half the money connects some, not all
    assert total["npv"] <= float(budget)
    sums = results.filter(connected=True).aggregate(npv=Sum("npv"), students=Sum("num_students"))
    assert float(sums["npv"]) == pytest.approx(total["npv"], abs=0.01 * total["sites"])
    assert sums["students"] == total["students"]
    assert scenario.connect_all_totals["total"]["sites"] == everyone.totals["total"]["sites"]

    page = client.get(response["Location"]).content.decode()
    assert "Within the budget" in page
    assert "Connecting every site would cost" in page
    assert f"{everyone.totals['total']['sites']} sites" in page
    assert "<svg" in page
    assert AuditEvent.objects.filter(object_type="planning.scenario", action="created").count() == 2


def test_the_scenario_keeps_its_assumptions_and_an_edit_discards_the_stale_answer(
    client, planner, inputs, immediate_tasks
):
    scenario = scenario_services.do_create_scenario(planner, **scenario_fields(inputs))
    scenario_services.do_run_scenario(planner, scenario)
    assert SiteResult.objects.filter(scenario=scenario).count() == 30
    costs = json.loads(scenario_services.default_costs_json())
    costs["horizon_years"] = 5
    client.force_login(planner)
    response = client.post(
        reverse("planning:scenario_edit", args=[scenario.pk]),
        form_data(inputs, costs=json.dumps(costs)),
    )
    assert response.status_code == 302
    scenario.refresh_from_db()
    assert scenario.costs["horizon_years"] == 5
    assert scenario.state == "draft"
    assert scenario.totals is None
    assert not SiteResult.objects.filter(scenario=scenario).exists()
    assert engine_costs.costs_from_json(scenario.costs).horizon_years == 5
    event = AuditEvent.objects.get(object_type="planning.scenario", action="updated")
    assert event.actor == planner


@pytest.mark.parametrize(
    ("changes", "field", "message"),
    [
        ({"budget": "0"}, "budget", "more than 0"),
        ({"budget": "-5"}, "budget", "more than 0"),
        ({"budget": "1e15"}, "budget", ""),
        ({"name": "   "}, "name", ""),
        ({"costs": "{not json"}, "costs", "Not valid JSON: line 1"),
        ({"costs": "[1, 2]"}, "costs", "JSON object"),
        ({"costs": '{"version": "1"}'}, "costs", "costs.json"),
        ({"objective": "votes"}, "objective", ""),
        ({"sites": ""}, "sites", "Choose a sites file"),
        ({"country": "XYZ"}, "country", ""),
    ],
)
def test_bad_form_input_is_refused_naming_the_field(
    client, planner, inputs, changes, field, message
):
    client.force_login(planner)
    response = client.post(reverse("planning:scenario_new"), form_data(inputs, **changes))
    assert response.status_code == 200
    page = response.content.decode()
    assert f'id="id_{field}_error"' in page or 'class="error"' in page
    assert message in page
    assert not Scenario.objects.exists()


def test_a_missing_cost_key_is_named(client, planner, inputs):
    costs = json.loads(scenario_services.default_costs_json())
    del costs["discount_rate"]
    client.force_login(planner)
    response = client.post(
        reverse("planning:scenario_new"), form_data(inputs, costs=json.dumps(costs))
    )
    assert "discount_rate" in response.content.decode()
    assert not Scenario.objects.exists()


def test_a_file_of_the_wrong_kind_is_refused_by_the_service(planner, inputs):
    from django.core.exceptions import ValidationError

    with pytest.raises(ValidationError) as caught:
        scenario_services.do_create_scenario(
            planner, **scenario_fields(inputs, fibre=inputs["towers"])
        )
    assert "fibre" in caught.value.message_dict


@pytest.mark.parametrize(
    ("budget", "refused"),
    [(10_000_000, False), (2.5e6, False), ("nonsense", True), (float("nan"), True), (-1, True)],
)
def test_the_service_takes_a_budget_as_python_gives_it(planner, inputs, budget, refused):
    """The form gives a Decimal; a script calling the service may give an int, a float or
    worse: a number is kept to the cent, anything else is a clear error, never a crash."""
    from django.core.exceptions import ValidationError

    fields = scenario_fields(inputs, budget=budget)
    if refused:
        with pytest.raises(ValidationError) as caught:
            scenario_services.do_create_scenario(planner, **fields)
        assert "budget" in caught.value.message_dict
    else:
        scenario = scenario_services.do_create_scenario(planner, **fields)
        assert Scenario.objects.get(pk=scenario.pk).budget == Decimal(str(budget))


def test_copy_and_delete(client, planner, inputs):
    scenario = scenario_services.do_create_scenario(planner, **scenario_fields(inputs))
    client.force_login(planner)
    response = client.post(reverse("planning:scenario_copy", args=[scenario.pk]))
    copy = Scenario.objects.exclude(pk=scenario.pk).get()
    assert response["Location"] == reverse("planning:scenario_edit", args=[copy.pk])
    assert copy.name == "Ten million (copy)"
    assert copy.costs == scenario.costs
    client.post(reverse("planning:scenario_delete", args=[scenario.pk]))
    assert list(Scenario.objects.values_list("pk", flat=True)) == [copy.pk]
    assert AuditEvent.objects.filter(object_type="planning.scenario", action="deleted").exists()


def test_the_progress_is_shown_while_the_job_waits_for_a_worker(client, planner, inputs):
    scenario = scenario_services.do_create_scenario(planner, **scenario_fields(inputs))
    client.force_login(planner)
    client.post(reverse("planning:scenario_run", args=[scenario.pk]))  # queued, no worker
    scenario.refresh_from_db()
    assert scenario.state == "queued"
    page = client.get(reverse("planning:scenario", args=[scenario.pk])).content.decode()
    assert 'id="plan-progress"' in page
    partial = client.get(reverse("planning:scenario", args=[scenario.pk]), HTTP_HX_REQUEST="true")
    assert partial.content.decode().lstrip().startswith("<section")
    again = client.post(reverse("planning:scenario_run", args=[scenario.pk]), follow=True)
    assert "being computed already" in again.content.decode()
    # The worker picks it up: the page then asks the browser for the whole page again.
    from resilnet.planning import tasks

    tasks.run_scenario.call(scenario.job_id, scenario.pk)
    done = client.get(reverse("planning:scenario", args=[scenario.pk]), HTTP_HX_REQUEST="true")
    assert done["HX-Refresh"] == "true"


def test_bad_input_found_at_run_time_fails_the_scenario_with_its_message(
    planner, inputs, immediate_tasks
):
    from resilnet.planning.services import datasets

    # A file that was accepted once, then changed under it (a restore, a hand edit).
    fibre = inputs["fibre"]
    import gzip

    type(fibre).objects.filter(pk=fibre.pk).update(
        content=gzip.compress(b"node_id,latitude,longitude\nF1,95,37\n")
    )
    scenario = scenario_services.do_create_scenario(planner, **scenario_fields(inputs))
    scenario_services.do_run_scenario(planner, scenario)
    scenario.refresh_from_db()
    assert scenario.state == "failed"
    assert "latitude" in scenario.error
    assert Job.objects.get(pk=scenario.job_id).state == "failed"
    assert datasets.MAX_UPLOAD_BYTES > 0


def test_sites_from_the_schools_registry(planner, kenya, inputs, immediate_tasks):
    from io import BytesIO

    from resilnet.schools.importers import read
    from resilnet.schools.services import registry

    csv = (
        b"school_id_giga,school_name,latitude,longitude,education_level,num_students,"
        b"electricity_availability,connectivity_govt\n"
        b"g-1,Kibera Primary,-1.0,37.0,Primary,450,yes,no\n"
        b"g-2,Ruiru Secondary,-1.01,37.01,Secondary,,no,no\n"
        b"g-3,Online Primary,-1.02,37.02,Primary,200,yes,yes\n"
    )
    registry.import_schools(None, read(BytesIO(csv), "csv"), country="KEN")
    scenario = scenario_services.do_create_scenario(
        planner, **scenario_fields(inputs, sites_source="schools", sites=None)
    )
    scenario_services.do_run_scenario(planner, scenario)
    scenario.refresh_from_db()
    assert scenario.state == "done", scenario.error
    by_id = {r.site_id: r for r in SiteResult.objects.filter(scenario=scenario)}
    assert set(by_id) == {"g-1", "g-2", "g-3"}
    assert by_id["g-3"].technology == "existing"  # the government reports it connected
    assert by_id["g-2"].num_students == 0  # unknown counts as none
    assert by_id["g-1"].connected
    assert by_id["g-2"].connected


def test_the_services_refusals_speak_the_planners_language(planner, inputs):
    from django.core.exceptions import ValidationError
    from django.utils import translation

    with translation.override("fr"), pytest.raises(ValidationError) as caught:
        scenario_services.do_create_scenario(planner, **scenario_fields(inputs, budget=-1))
    assert caught.value.message_dict["budget"] == [
        "Un budget doit dépasser 0 dollar américain ; "
        "laissez-le vide pour connecter tous les sites."
    ]
