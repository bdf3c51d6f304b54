"""The `resilnet` command: everything a person runs, with --help everywhere.

Failures exit non-zero with one line on standard error; long work shows a progress bar.
"""

from __future__ import annotations

import argparse
import os
import signal
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from resilnet.config import ConfigError
from resilnet.core import modules
from resilnet.core.cli import (
    CommandFailed,
    call_command,
    run_beside_progress_bar,
    setup_django,
    watch_job,
)


def prepare_database() -> None:
    """Migrate and collect static files: what every way of starting the site needs first."""
    from django.conf import settings

    from resilnet.core.staticfiles import collect_static

    call_command("migrate", "--no-input", "--verbosity", "0")
    if not settings.DEBUG:
        collect_static()  # only when a static file changed since the last start


# Process supervision -------------------------------------------------------------


def child_env() -> dict[str, str]:
    env = dict(os.environ)
    env.setdefault("DJANGO_SETTINGS_MODULE", "resilnet.settings")
    return env


MAX_REQUEST_LINE = 8190  # bytes; the API document's 414 says it


def server_command(host: str, port: int, dev: bool) -> list[str]:
    if dev:
        return [sys.executable, "-m", "django", "runserver", f"{host}:{port}"]
    return [
        sys.executable,
        "-m",
        "gunicorn",
        "resilnet.wsgi:application",
        "--bind",
        f"[{host}]:{port}" if ":" in host else f"{host}:{port}",
        "--worker-class",
        "gthread",
        "--workers",
        "1",
        "--threads",
        "8",
        "--access-logfile",
        "-",
        "--graceful-timeout",
        "10",
        # Its most: a search for 500 Chinese characters is a 4,500-byte URL, over the default.
        "--limit-request-line",
        str(MAX_REQUEST_LINE),
        # Its default control socket is one file in the user's home for every instance:
        # stopping one would delete another's. resilnet does not use it.
        "--no-control-socket",
    ]


def worker_command() -> list[str]:
    return [sys.executable, "-m", "django", "run_worker"]


def supervise(commands: dict[str, list[str]], restart: frozenset[str] = frozenset()) -> int:
    """Run the commands together; stop them all on Ctrl-C or when one of them exits,
    except those in `restart`, which are started again (after a pause that grows while
    they keep failing) so that a crashed worker never takes the site down."""

    started_at: dict[str, float] = {}

    def start(name: str) -> subprocess.Popen[bytes]:
        child = subprocess.Popen(commands[name], env=child_env(), start_new_session=True)
        started_at[name] = time.monotonic()
        print(f"resilnet: {name} started (pid {child.pid})", file=sys.stderr, flush=True)
        return child

    children = {name: start(name) for name in commands}
    pauses = dict.fromkeys(commands, 1.0)
    stopping = False

    def stop(signum: int, frame: Any) -> None:
        nonlocal stopping
        stopping = True

    previous = {sig: signal.signal(sig, stop) for sig in (signal.SIGINT, signal.SIGTERM)}
    status = 0
    try:
        while not stopping and not status:
            for name, child in list(children.items()):
                if child.poll() is None:
                    continue
                code = child.returncode
                if name not in restart:
                    status = code or 1
                    print(
                        f"resilnet: {name} stopped (exit {code}); stopping the rest",
                        file=sys.stderr,
                    )
                    break
                if time.monotonic() - started_at[name] > 60:
                    pauses[name] = 1.0  # it ran a good while: not a crash loop
                print(
                    f"resilnet: {name} exited (exit {code}); starting it again in "
                    f"{pauses[name]:.0f} s",
                    file=sys.stderr,
                )
                deadline = time.monotonic() + pauses[name]
                while not stopping and time.monotonic() < deadline:
                    time.sleep(0.2)
                if stopping:
                    break
                children[name] = start(name)
                pauses[name] = min(pauses[name] * 2, 60)
            time.sleep(0.2)
    finally:
        for child in children.values():
            if child.poll() is None:
                child.send_signal(signal.SIGTERM)
        deadline = time.monotonic() + 15
        for child in children.values():
            try:
                child.wait(timeout=max(0.1, deadline - time.monotonic()))
            except subprocess.TimeoutExpired:
                child.kill()
                child.wait()
        for sig, handler in previous.items():
            signal.signal(sig, handler)
    return 0 if stopping else status


# Commands ------------------------------------------------------------------------


def cmd_demo(args: argparse.Namespace) -> int:
    setup_django()
    from django.test.utils import override_settings

    from resilnet.core import demo

    prepare_database()
    credentials = demo.load_demo_data()
    loaded = []
    # The demo's hundreds of workflow emails would bury the console; they are not sent.
    with override_settings(EMAIL_BACKEND="django.core.mail.backends.dummy.EmailBackend"):
        for module in modules.installed():
            if module.demo:
                loaded.append(f"{module.slug}: {module.load('demo')()}")
    print(f"resilnet demo data loaded ({'; '.join(loaded) or 'accounts only'}). Sign in with:")
    for username, password, roles in credentials:
        print(f"  {username:<12} {password:<24} {', '.join(roles)}")
    if args.no_serve:
        return 0
    print(f"Serving http://{args.host}:{args.port}/ with a background worker. Ctrl-C stops both.")
    commands = {"web": server_command(args.host, args.port, dev=False), "worker": worker_command()}
    for module in modules.installed():
        commands |= module.load("demo_services")() if module.demo_services else {}
    return supervise(commands, restart=frozenset(commands) - {"web"})


def cmd_serve(args: argparse.Namespace) -> int:
    setup_django()
    prepare_database()
    return supervise({"web": server_command(args.host, args.port, dev=args.dev)})


def cmd_worker(args: argparse.Namespace) -> int:
    setup_django()
    extra = ["--queue", args.queue] + (["--batch"] if args.batch else [])
    call_command("run_worker", *extra)
    return 0


def cmd_manage(args: argparse.Namespace) -> int:
    setup_django()
    from django.core.management import execute_from_command_line

    execute_from_command_line(["resilnet manage", *args.arguments])
    return 0


def read_password(args: argparse.Namespace) -> str:
    if args.password_stdin:
        return sys.stdin.readline().rstrip("\n")
    import getpass

    if not sys.stdin.isatty():
        raise CommandFailed(
            "no terminal to ask for the password: pass --password-stdin and send it on "
            "standard input",
            status=2,
        )
    first = getpass.getpass("Password: ")
    if first != getpass.getpass("Password (again): "):
        raise CommandFailed("the two passwords differ")
    return first


def cmd_createuser(args: argparse.Namespace) -> int:
    setup_django()
    from django.core.exceptions import ValidationError

    from resilnet.core import services

    password = read_password(args)
    try:
        user = services.do_create_user(
            None,
            username=args.username,
            password=password,
            email=args.email,
            roles=args.role,
            is_superuser=args.superuser,
        )
    except ValidationError as exc:
        raise CommandFailed(" ".join(exc.messages)) from None
    print(f"created {user.get_username()} with roles: {', '.join(sorted(user.roles())) or 'none'}")
    return 0


def cmd_backup(args: argparse.Namespace) -> int:
    setup_django()
    from resilnet.core import backup, services
    from resilnet.core.models import AuditAction

    path = Path(args.path)
    if path.exists() and not args.force:
        raise CommandFailed(f"{path} exists; pass --force to overwrite it")
    try:
        size = backup.backup(path)
    except backup.BackupError as exc:
        raise CommandFailed(str(exc)) from None
    services.record_operation(
        None, AuditAction.BACKED_UP, what="database", detail={"path": str(path), "bytes": size}
    )
    print(f"backed up to {path} ({size:,} bytes)")
    return 0


def cmd_restore(args: argparse.Namespace) -> int:
    setup_django()
    from resilnet.core import backup, services
    from resilnet.core.models import AuditAction

    if not args.yes:
        if not sys.stdin.isatty():
            raise CommandFailed("restore replaces all data; pass --yes to confirm")
        if input(f"Replace all data with {args.path}? [y/N] ").strip().lower() != "y":
            raise CommandFailed("restore cancelled")
    try:
        backup.restore(Path(args.path))
    except backup.BackupError as exc:
        raise CommandFailed(str(exc)) from None
    services.record_operation(
        None, AuditAction.RESTORED, what="database", detail={"path": args.path}
    )
    print(f"restored from {args.path}")
    return 0


def cmd_jobs_watch(args: argparse.Namespace) -> int:
    setup_django()
    return watch_job(args.job_id)


def cmd_audit_export(args: argparse.Namespace) -> int:
    setup_django()
    import shutil

    from resilnet.core import services, tasks

    filters = {
        k: v
        for k, v in (
            ("action", args.action),
            ("actor", args.actor),
            ("object_type", args.object_type),
        )
        if v
    }
    job = services.start_job(
        None, tasks.export_audit_log, "Audit log export", enqueue=False, filters=filters
    )
    run_beside_progress_bar(lambda: tasks.export_audit_log.call(job.pk, filters=filters), job.pk)
    job.refresh_from_db()
    source = tasks.export_path(job)
    if args.output and source is not None:
        shutil.copyfile(source, args.output)
        print(f"wrote {args.output}")
    return 0


# Parser --------------------------------------------------------------------------


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="resilnet",
        description="resilnet: an open platform for digital resilience in health emergencies.",
    )
    sub = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")

    def command(
        name: str, handler: Callable[[argparse.Namespace], int], help: str
    ) -> argparse.ArgumentParser:
        p = sub.add_parser(name, help=help, description=help)
        p.set_defaults(handler=handler)
        return p

    def add_address(p: argparse.ArgumentParser) -> None:
        p.add_argument(
            "--host", default="127.0.0.1", help="address to listen on (default: %(default)s)"
        )
        p.add_argument(
            "--port", type=int, default=8000, help="port to listen on (default: %(default)s)"
        )

    p = command(
        "demo", cmd_demo, "Set up the database, load demo data, serve the site with a worker."
    )
    p.add_argument("--no-serve", action="store_true", help="load the demo data, then exit")
    add_address(p)

    p = command("serve", cmd_serve, "Migrate, then serve the web site.")
    add_address(p)
    p.add_argument("--dev", action="store_true", help="Django's auto-reloading development server")

    p = command("worker", cmd_worker, "Run background tasks until stopped.")
    p.add_argument("--queue", default="default", help="queues to run, comma-separated")
    p.add_argument("--batch", action="store_true", help="run what is queued, then exit")

    p = command("manage", cmd_manage, "Run any Django management command.")
    p.add_argument("arguments", nargs=argparse.REMAINDER, help="the command and its arguments")

    p = command("createuser", cmd_createuser, "Create a user with roles.")
    p.add_argument("username")
    p.add_argument("--email", default="")
    p.add_argument("--role", action="append", default=[], help="a role; repeat for several")
    p.add_argument("--superuser", action="store_true", help="grant every permission")
    p.add_argument("--password-stdin", action="store_true", help="read the password from stdin")

    p = command("backup", cmd_backup, "Write a consistent backup of the database to PATH.")
    p.add_argument("path")
    p.add_argument("--force", action="store_true", help="overwrite PATH if it exists")

    p = command("restore", cmd_restore, "Replace the database's contents with the backup at PATH.")
    p.add_argument("path")
    p.add_argument("--yes", action="store_true", help="do not ask for confirmation")

    p = command("jobs", cmd_jobs_watch, "Follow a background job's progress.")
    p.add_argument("job_id", type=int, metavar="JOB_ID")

    audit = sub.add_parser("audit", help="Audit log tools.", description="Audit log tools.")
    audit_sub = audit.add_subparsers(dest="audit_command", required=True, metavar="COMMAND")
    p = audit_sub.add_parser(
        "export",
        help="Export the audit log as CSV (runs on the worker).",
        description="Export the audit log as CSV (runs on the worker).",
    )
    p.set_defaults(handler=cmd_audit_export)
    p.add_argument("--output", help="copy the finished CSV to this path")
    p.add_argument("--action", default="")
    p.add_argument("--actor", default="")
    p.add_argument("--object-type", default="")

    # Each module's command group, `resilnet <slug> …` (the module contract).
    setup_django()
    for module in modules.installed():
        if module.cli:
            module.load("cli")(sub)
    return parser


def main(argv: list[str] | None = None) -> int:
    try:
        args = build_parser().parse_args(argv)
        return args.handler(args)
    except ConfigError as exc:
        print(f"resilnet: configuration error: {exc}", file=sys.stderr)
        return 2
    except CommandFailed as exc:
        print(f"resilnet: {exc}", file=sys.stderr)
        return exc.status
    except KeyboardInterrupt:
        print("resilnet: interrupted", file=sys.stderr)
        return 130
    except BrokenPipeError:
        # The reader went away (`resilnet catalog export | head`): stop quietly, as other
        # tools do, with the status of a process ended by SIGPIPE.
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
        return 141
    except Exception as exc:
        from django.db import Error as DatabaseError

        if isinstance(exc, DatabaseError):
            print(f"resilnet: database error: {str(exc).splitlines()[0]}", file=sys.stderr)
            return 1
        raise


if __name__ == "__main__":
    sys.exit(main())
