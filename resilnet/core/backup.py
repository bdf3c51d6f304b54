"""Whole-database backup and restore: SQLite's online backup API, pg_dump on PostgreSQL."""

from __future__ import annotations

import os
import shutil
import sqlite3
import subprocess
import tempfile
from pathlib import Path

from django.db import connection

SQLITE_MAGIC = b"SQLite format 3\x00"
PGDUMP_MAGIC = b"PGDMP"


class BackupError(Exception):
    pass


def _pg_env() -> tuple[list[str], dict[str, str]]:
    params = connection.settings_dict
    env = dict(os.environ)
    if params.get("PASSWORD"):
        env["PGPASSWORD"] = params["PASSWORD"]
    args = ["--dbname", params["NAME"]]
    if params.get("HOST"):
        args += ["--host", params["HOST"]]
    if params.get("PORT"):
        args += ["--port", str(params["PORT"])]
    if params.get("USER"):
        args += ["--username", params["USER"]]
    return args, env


def _extension_tables() -> list[str]:
    """'schema name' of every table that belongs to an extension, as pg_restore lists them."""
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT n.nspname || ' ' || c.relname FROM pg_depend d "
            "JOIN pg_class c ON c.oid = d.objid JOIN pg_namespace n ON n.oid = c.relnamespace "
            "WHERE d.deptype = 'e' AND d.classid = 'pg_class'::regclass"
        )
        return [row[0] for row in cursor.fetchall()]


def _tool(name: str) -> str:
    path = shutil.which(name)
    if path is None:
        raise BackupError(f"{name} is not installed; install the PostgreSQL client tools")
    return path


def _run(command: list[str], env: dict[str, str], what: str) -> str:
    result = subprocess.run(command, env=env, capture_output=True, text=True, check=False)
    if result.returncode != 0:
        lines = result.stderr.strip().splitlines() or ["no message"]
        raise BackupError(f"{what} failed: {lines[-1]}")
    return result.stdout


def backup(path: Path) -> int:
    """Write a consistent copy of the live database to `path`; return its size in bytes."""
    path.parent.mkdir(parents=True, exist_ok=True)
    partial = path.with_name(path.name + ".partial")
    if connection.vendor == "sqlite":
        connection.ensure_connection()
        target = sqlite3.connect(partial)
        try:
            # The online backup copies page by page while other connections keep writing.
            connection.connection.backup(target)
        finally:
            target.close()
    elif connection.vendor == "postgresql":
        args, env = _pg_env()
        try:
            _run(
                [_tool("pg_dump"), "--format=custom", "--no-owner", "--file", str(partial), *args],
                env,
                "pg_dump",
            )
        except BackupError:
            partial.unlink(missing_ok=True)
            raise
    else:
        raise BackupError(f"backup does not support the {connection.vendor} engine")
    partial.replace(path)
    return path.stat().st_size


def database_replaced(emptied: bool) -> None:
    """Tell the apps that the database's contents were replaced: `emptied` by flush, or
    restored; what they keep beside its tables (the search index) must follow."""
    from django.apps import apps

    for app in apps.get_app_configs():
        hook = getattr(app, "database_replaced", None)
        if hook is not None:
            hook(emptied)


def restore(path: Path) -> None:
    """Replace the live database's contents with the backup at `path`."""
    if not path.is_file():
        raise BackupError(f"{path} does not exist or is not a file")
    with path.open("rb") as handle:
        head = handle.read(16)
    if connection.vendor == "sqlite":
        if head != SQLITE_MAGIC:
            raise BackupError(f"{path} is not an SQLite database backup")
        source = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
        try:
            if source.execute("PRAGMA integrity_check").fetchone()[0] != "ok":
                raise BackupError(f"{path} fails SQLite's integrity check")
            tables = {row[0] for row in source.execute("SELECT name FROM sqlite_master")}
            if "django_migrations" not in tables:
                raise BackupError(f"{path} is not a resilnet database")
            connection.ensure_connection()
            source.backup(connection.connection)
        finally:
            source.close()
    elif connection.vendor == "postgresql":
        if not head.startswith(PGDUMP_MAGIC):
            raise BackupError(f"{path} is not a pg_dump custom-format backup")
        args, env = _pg_env()
        owned = _extension_tables()
        connection.close()
        listing = _run([_tool("pg_restore"), "--list", str(path)], env, "pg_restore --list")
        # Extensions (PostGIS) and their tables belong to the server's administrator, not to
        # the application's role: they are left in place rather than dropped and re-created.
        entries = [
            line
            for line in listing.splitlines()
            if " EXTENSION " not in line
            and not any(f" TABLE DATA {table} " in line for table in owned)
        ]
        with tempfile.NamedTemporaryFile("w", suffix=".list", delete=False) as listing_file:
            listing_file.write("\n".join(entries) + "\n")
        try:
            _run(
                [
                    _tool("pg_restore"),
                    "--clean",
                    "--if-exists",
                    "--no-owner",
                    "--single-transaction",
                    "--use-list",
                    listing_file.name,
                    *args,
                    str(path),
                ],
                env,
                "pg_restore",
            )
        finally:
            os.unlink(listing_file.name)
    else:
        raise BackupError(f"restore does not support the {connection.vendor} engine")
    database_replaced(emptied=False)
