"""Background work of the planning module (django-tasks)."""

from __future__ import annotations

from typing import Any

from django_tasks import task

from resilnet.core import services as core_services

PHASES = {
    "reading": "Reading the inputs",
    "options": "Pricing each technology",
    "fibre": "Extending the fibre network",
    "budget": "Choosing within the budget",
    "writing": "Writing the results",
    "done": "Done",
}


@task()
def run_scenario(job_id: int, scenario_id: int) -> dict[str, Any]:
    """Compute a scenario, its progress in per mille on the job (updated only when it moves)."""
    from resilnet.planning.models import Scenario
    from resilnet.planning.services import scenarios

    last = [-1]

    def progress(phase: str, fraction: float) -> None:
        done = max(0, min(1000, round(fraction * 1000)))
        if done != last[0]:
            last[0] = done
            core_services.report_progress(job_id, done, 1000, PHASES.get(phase, phase))

    try:
        scenario = Scenario.objects.select_related(
            "country", "sites", "fibre", "towers", "roads"
        ).get(pk=scenario_id)
        totals = scenarios.compute_scenario(scenario, progress)
    except Exception as exc:
        message = str(exc) if isinstance(exc, ValueError) else f"{exc.__class__.__name__}: {exc}"
        scenarios.fail_scenario(scenario_id, message)
        core_services.fail_job(job_id, message)
        if isinstance(exc, ValueError):  # bad input, told on the page: not a crash
            return {"error": message}
        raise
    total = totals["total"]
    result = {"scenario_id": scenario_id, "sites": total["sites"], "npv": total["npv"]}
    core_services.finish_job(job_id, result, f"{total['sites']} sites connected")
    return result
