"""The module contract: a module plugs itself in from its own folder plus one line in
INSTALLED_APPS, and the platform runs with core and that module alone (core names no
module). The sample module is the worked example of docs/architecture.md."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import textwrap
from datetime import timedelta
from pathlib import Path

import pytest
from django.utils import timezone
from django_tasks_db.models import DBTaskResult

from resilnet.core import modules, services
from resilnet.core.models import PeriodicRun

SAMPLE_MODULE = {
    "__init__.py": "",
    "apps.py": """
        from django.apps import AppConfig


        class HelloConfig(AppConfig):
            name = "hello"
        """,
    "module.py": """
        from datetime import timedelta

        from django.utils.translation import gettext_lazy as _

        from resilnet.core.modules import Module, PeriodicTask

        MODULE = Module(
            slug="hello",
            title=_("Hello"),
            summary=_("A module that says hello."),
            urls="hello.urls",
            api_router="hello.api.router",
            cli="hello.cli.register",
            demo="hello.demo.load",
            periodic_tasks=(PeriodicTask("hello.tasks.tick", timedelta(minutes=5)),),
            health_checks=("hello.health.greeter",),
        )
        """,
    "urls.py": """
        from django.urls import path

        from hello import views

        app_name = "hello"
        urlpatterns = [path("", views.index, name="index")]
        """,
    "views.py": """
        from django.shortcuts import render


        def index(request):
            return render(request, "hello/index.html")
        """,
    "templates/hello/index.html": """
        {% extends "base.html" %}
        {% block content %}<h1>Hello page</h1>{% endblock %}
        """,
    "api.py": """
        from ninja import Router

        router = Router(tags=["hello"])


        @router.get("/ping")
        def ping(request):
            return {"pong": True}
        """,
    "cli.py": """
        def greet(args):
            print(f"hello, {args.name}")
            return 0


        def register(sub):
            hello = sub.add_parser("hello", help="Greetings.")
            commands = hello.add_subparsers(dest="hello_command", required=True)
            p = commands.add_parser("greet", help="Say hello.")
            p.add_argument("--name", default="world")
            p.set_defaults(handler=greet)
        """,
    "demo.py": """
        def load():
            return "3 greetings"
        """,
    "tasks.py": """
        from django_tasks import task


        @task()
        def tick():
            return 1
        """,
    "health.py": """
        def greeter():
            return {"ok": True, "greetings": 3}
        """,
}

SETTINGS = """
from resilnet.settings import *  # noqa: F403

# Core (with its static files' app) and the sample module alone: no other module is
# needed for the platform to run.
INSTALLED_APPS = [
    app
    for app in INSTALLED_APPS
    if not app.startswith("resilnet.") or app.startswith("resilnet.core")
] + ["hello"]
"""

PROBE = """
import json, os, django
django.setup()
from django.test import Client
from resilnet.cli import prepare_database
prepare_database()  # migrate and collect the static files, as `resilnet serve` does
client = Client(HTTP_HOST="localhost")
page = client.get("/hello/")
home = client.get("/")
api = client.get("/api/v1/hello/ping")
schema = client.get("/api/v1/openapi.json").json()
health = client.get("/healthz").json()
print(json.dumps({
    "page": [page.status_code, "Hello page" in page.content.decode()],
    "nav": 'href="/hello/"' in page.content.decode(),
    "home_card": "A module that says hello." in home.content.decode(),
    "api": [api.status_code, api.json()],
    "openapi": "/api/v1/hello/ping" in schema["paths"],
    "checks": health["checks"],
}))
"""


@pytest.fixture
def sample_env(tmp_path):
    for name, text in SAMPLE_MODULE.items():
        path = tmp_path / "hello" / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(textwrap.dedent(text).lstrip())
    (tmp_path / "hello_settings.py").write_text(SETTINGS)
    env = {k: v for k, v in os.environ.items() if not k.startswith("RESILNET_")}
    env.update(
        {
            "PYTHONPATH": str(tmp_path),
            "DJANGO_SETTINGS_MODULE": "hello_settings",
            "RESILNET_VAR_DIR": str(tmp_path / "var"),
        }
    )
    return env


def run(env: dict[str, str], *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, *args], env=env, capture_output=True, text=True, timeout=180, check=False
    )


def test_a_module_plugs_in_its_page_api_health_check_cli_and_demo(sample_env):
    probe = run(sample_env, "-c", PROBE)
    assert probe.returncode == 0, probe.stderr
    seen = json.loads(probe.stdout.strip().splitlines()[-1])
    assert seen["page"] == [200, True]
    assert seen["nav"]
    assert seen["home_card"]
    assert seen["api"] == [200, {"pong": True}]
    assert seen["openapi"]
    assert seen["checks"] == {"hello.greeter": {"ok": True, "greetings": 3}}

    greet = run(sample_env, "-m", "resilnet.cli", "hello", "greet", "--name", "Ada")
    assert (greet.returncode, greet.stdout) == (0, "hello, Ada\n"), greet.stderr

    demo = run(sample_env, "-m", "resilnet.cli", "demo", "--no-serve")
    assert demo.returncode == 0, demo.stderr
    assert "hello: 3 greetings" in demo.stdout
    assert "catalog" not in demo.stdout


def test_the_installed_modules_are_read_from_installed_apps():
    slugs = [module.slug for module in modules.installed()]
    assert slugs == ["core", "catalog", "schools", "alerts", "planning"]
    assert [m.slug for m in modules.navigation()] == ["catalog", "schools", "alerts", "planning"]


def test_a_module_file_must_declare_a_module(tmp_path, monkeypatch):
    package = tmp_path / "broken_module"
    package.mkdir()
    (package / "__init__.py").write_text("")
    (package / "module.py").write_text("MODULE = {'slug': 'broken'}\n")
    monkeypatch.syspath_prepend(str(tmp_path))
    with pytest.raises(TypeError, match=r"broken_module\.module\.MODULE is not a Module"):
        modules.declared_by(["broken_module"])


def test_apps_without_a_module_file_are_not_modules():
    assert modules.declared_by(["django.contrib.auth", "resilnet.catalog"]) == (
        modules.by_slug("catalog"),
    )


@pytest.mark.django_db
def test_periodic_tasks_are_enqueued_once_per_period():
    periodic = [task for module in modules.installed() for task in module.periodic_tasks]
    names = sorted(task.task for task in periodic)
    assert names == [
        "resilnet.alerts.tasks.finish_campaigns",
        "resilnet.alerts.tasks.finish_subscriber_imports",
        "resilnet.alerts.tasks.publish_due_alerts",
        "resilnet.catalog.tasks.collect_attachment_files",
        "resilnet.catalog.tasks.finish_imports",
        "resilnet.catalog.tasks.prune_search_index",
        "resilnet.core.tasks.prune_login_failures",
        "resilnet.schools.import_tasks.finish_school_imports",
        "resilnet.schools.tasks.roll_up_marked_days",
    ]
    # The hourly and the daily one pin the schedule.
    periodic = [task for task in periodic if task.every >= timedelta(hours=1)]
    names = sorted(task.task for task in periodic)
    now = timezone.now()
    assert sorted(services.enqueue_due_periodic_tasks(periodic, now)) == names
    assert services.enqueue_due_periodic_tasks(periodic, now + timedelta(minutes=30)) == []
    # An hour on, the hourly task is due again; the daily one is not.
    assert services.enqueue_due_periodic_tasks(periodic, now + timedelta(hours=1)) == [
        "resilnet.core.tasks.prune_login_failures"
    ]
    queued = sorted(DBTaskResult.objects.values_list("task_path", flat=True))
    assert queued == sorted([*names, "resilnet.core.tasks.prune_login_failures"])
    hourly = PeriodicRun.objects.get(task="resilnet.core.tasks.prune_login_failures")
    assert hourly.next_at == now + timedelta(hours=2)


def test_core_imports_no_module():
    core = Path(__file__).resolve().parents[1]
    offenders = [
        str(path.relative_to(core))
        for path in core.rglob("*.py")
        if "tests" not in path.parts
        and any(
            f"resilnet.{slug}" in path.read_text()
            for slug in ("catalog", "schools", "alerts", "planning")
        )
    ]
    assert offenders == []
