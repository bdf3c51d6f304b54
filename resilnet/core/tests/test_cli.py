"""The `resilnet` command, run as a person runs it: in a subprocess, on a fresh database."""

import os
import sqlite3
import subprocess
import sys

import pytest

from resilnet.cli import build_parser


def run(args, tmp_path, *, stdin="", extra_env=None, timeout=120):
    # None of our settings, nor Django's (a browser test of the same process lifts the
    # async guard through the environment, which `check --deploy` rightly refuses).
    env = {k: v for k, v in os.environ.items() if not k.startswith(("RESILNET_", "DJANGO_"))}
    env["RESILNET_VAR_DIR"] = str(tmp_path / "var")
    env.update(extra_env or {})
    return subprocess.run(
        [sys.executable, "-m", "resilnet.cli", *args],
        env=env,
        input=stdin,
        capture_output=True,
        text=True,
        timeout=timeout,
        check=False,
    )


def subcommands():
    parser = build_parser()
    choices = parser._subparsers._group_actions[0].choices
    return sorted(choices)


@pytest.mark.parametrize("command", [[], *[[name] for name in subcommands()], ["audit", "export"]])
def test_help_everywhere(tmp_path, command):
    result = run([*command, "--help"], tmp_path)
    assert result.returncode == 0, result.stderr
    assert "usage: resilnet" in result.stdout


@pytest.fixture(scope="module")
def demo_dir(tmp_path_factory):
    """One fresh installation with demo data, shared by the tests below (the slow part)."""
    path = tmp_path_factory.mktemp("demo")
    result = run(["demo", "--no-serve"], path, timeout=600)  # every module's demo data
    assert result.returncode == 0, result.stderr
    assert "admin" in result.stdout
    return path


def test_demo_no_serve_builds_a_wal_sqlite_database_and_is_idempotent(demo_dir):
    database = demo_dir / "var" / "resilnet.sqlite3"
    with sqlite3.connect(database) as connection:
        assert connection.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
        assert connection.execute("SELECT count(*) FROM core_country").fetchone()[0] == 249
        users = connection.execute("SELECT count(*) FROM core_user").fetchone()[0]
    again = run(["demo", "--no-serve"], demo_dir, timeout=600)
    assert again.returncode == 0, again.stderr
    with sqlite3.connect(database) as connection:
        assert connection.execute("SELECT count(*) FROM core_user").fetchone()[0] == users
    assert (demo_dir / "var" / "secret_key").exists()


def test_createuser_with_an_unknown_role_fails_in_one_line(demo_dir):
    result = run(
        ["createuser", "zed", "--role", "Emperor", "--password-stdin"],
        demo_dir,
        stdin="a long enough password 42\n",
    )
    assert result.returncode == 1
    assert result.stderr.strip().splitlines() == [
        "resilnet: Unknown role 'Emperor'; expected one of: Contributor, Moderator, "
        "Alert author, Alert approver, Analyst, Planner, Administrator"
    ]


def test_createuser_without_a_terminal_asks_for_password_stdin(demo_dir):
    result = run(["createuser", "zed", "--role", "Analyst"], demo_dir)
    assert result.returncode == 2
    assert result.stderr.strip().splitlines() == [
        "resilnet: no terminal to ask for the password: pass --password-stdin and send it on "
        "standard input"
    ]


def test_output_into_a_closed_pipe_stops_quietly(demo_dir):
    env = {k: v for k, v in os.environ.items() if not k.startswith(("RESILNET_", "DJANGO_"))}
    env["RESILNET_VAR_DIR"] = str(demo_dir / "var")
    export = subprocess.Popen(
        [sys.executable, "-m", "resilnet.cli", "catalog", "export", "--format", "json"],
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
    )
    assert export.stdout is not None
    export.stdout.read(100)  # then go away, as `| head -c 100` does
    export.stdout.close()
    _, stderr = export.communicate(timeout=120)
    assert export.returncode == 141
    assert b"Traceback" not in stderr


def test_createuser_refuses_a_weak_password(demo_dir):
    result = run(
        ["createuser", "zed", "--role", "Analyst", "--password-stdin"], demo_dir, stdin="123\n"
    )
    assert result.returncode == 1
    assert "too short" in result.stderr


def test_createuser_then_backup_and_restore(demo_dir, tmp_path):
    created = run(
        ["createuser", "yan", "--role", "Analyst", "--password-stdin"],
        demo_dir,
        stdin="a long enough password 42\n",
    )
    assert created.returncode == 0, created.stderr
    backup = tmp_path / "backup.sqlite3"
    assert run(["backup", str(backup)], demo_dir).returncode == 0
    refused = run(["backup", str(backup)], demo_dir)
    assert refused.returncode == 1
    assert "pass --force" in refused.stderr
    run(
        ["createuser", "zoe", "--role", "Analyst", "--password-stdin"],
        demo_dir,
        stdin="a long enough password 42\n",
    )
    unconfirmed = run(["restore", str(backup)], demo_dir)
    assert unconfirmed.returncode == 1
    assert "--yes" in unconfirmed.stderr
    restored = run(["restore", str(backup), "--yes"], demo_dir)
    assert restored.returncode == 0, restored.stderr
    with sqlite3.connect(demo_dir / "var" / "resilnet.sqlite3") as connection:
        names = {row[0] for row in connection.execute("SELECT username FROM core_user")}
    assert "yan" in names
    assert "zoe" not in names


def test_restore_of_garbage_fails_in_one_line(demo_dir, tmp_path):
    garbage = tmp_path / "garbage"
    garbage.write_bytes(b"\x89PNG not a database")
    result = run(["restore", str(garbage), "--yes"], demo_dir)
    assert result.returncode == 1
    assert result.stderr.strip() == f"resilnet: {garbage} is not an SQLite database backup"


def test_unreachable_database_fails_in_one_line(tmp_path):
    result = run(
        ["manage", "migrate"],
        tmp_path,
        extra_env={"RESILNET_DATABASE_URL": "postgres://nobody:x@127.0.0.1:9/nothing"},
    )
    assert result.returncode == 1
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1
    assert lines[0].startswith("resilnet: database error:")


def test_production_settings_pass_the_deploy_check(tmp_path):
    result = run(
        ["manage", "check", "--deploy", "--fail-level", "WARNING"],
        tmp_path,
        extra_env={
            "RESILNET_HTTPS": "true",
            "RESILNET_DEBUG": "false",
            "RESILNET_SECRET_KEY": "k" * 20 + "-production-secret-key-with-variety-0123456789",
            "RESILNET_ALLOWED_HOSTS": "resilnet.example.org",
        },
    )
    assert result.returncode == 0, result.stderr + result.stdout
    assert "no issues" in result.stdout


def test_audit_export_runs_without_a_worker_and_writes_the_file(demo_dir, tmp_path):
    output = tmp_path / "audit.csv"
    result = run(["audit", "export", "--output", str(output)], demo_dir)
    assert result.returncode == 0, result.stderr
    header = output.read_text().splitlines()[0]
    assert header.startswith("id,at,actor,action")
