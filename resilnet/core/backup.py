"""Whole-installation backup and restore: the database (SQLite's online backup API, or
pg_dump on PostgreSQL) and the uploaded files under MEDIA_ROOT, in one tar archive.

A backup is `manifest.json`, `database` and `media/…`. Restore also takes a bare database
file, as written before uploaded files were backed up too.
"""

from __future__ import annotations

import io
import json
import os
import shutil
import sqlite3
import subprocess
import tarfile
import tempfile
from pathlib import Path, PurePosixPath

from django.conf import settings
from django.db import connection
from django.utils import timezone

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


FORMAT = 1


def backup(path: Path) -> int:
    """Write the database and the uploaded files to `path`; return its size in bytes.

    The database is copied first, then the files: a file uploaded meanwhile is in the
    archive without its row (harmless: `catalog collect-files` removes such files), never
    a row without its file, since uploads write the file before the row commits."""
    path.parent.mkdir(parents=True, exist_ok=True)
    partial = path.with_name(path.name + ".partial")
    database = path.with_name(path.name + ".database.partial")
    try:
        _backup_database(database)
        with tarfile.open(partial, "w") as archive:
            manifest = json.dumps(
                {"format": FORMAT, "engine": connection.vendor, "at": timezone.now().isoformat()}
            ).encode()
            info = tarfile.TarInfo("manifest.json")
            info.size = len(manifest)
            archive.addfile(info, io.BytesIO(manifest))
            archive.add(database, arcname="database")
            media = Path(settings.MEDIA_ROOT)
            for file in sorted(media.rglob("*")) if media.is_dir() else []:
                if file.is_file() and not file.is_symlink():
                    archive.add(file, arcname=f"media/{file.relative_to(media).as_posix()}")
    except BaseException:
        partial.unlink(missing_ok=True)
        raise
    finally:
        database.unlink(missing_ok=True)
    partial.replace(path)
    return path.stat().st_size


def _backup_database(partial: Path) -> None:
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


def database_replaced(emptied: bool) -> None:
    """Tell the apps that the database's contents were replaced: `emptied` by flush, or
    restored; what they keep beside its tables (the search index) must follow."""
    from django.apps import apps

    for app in apps.get_app_configs():
        hook = getattr(app, "database_replaced", None)
        if hook is not None:
            hook(emptied)


def restore(path: Path) -> None:
    """Replace the live database's contents with the backup at `path`, and put back the
    uploaded files it holds."""
    if not path.is_file():
        raise BackupError(f"{path} does not exist or is not a file")
    if not tarfile.is_tarfile(path):
        _restore_database(path, path)
    else:
        _restore_archive(path)
    database_replaced(emptied=False)


def _restore_archive(path: Path) -> None:
    with tempfile.TemporaryDirectory(dir=path.parent) as work:
        database = Path(work) / "database"
        try:
            with tarfile.open(path) as archive:
                members = {m.name: m for m in archive.getmembers()}
                source = members.get("database")
                if "manifest.json" not in members or source is None or not source.isfile():
                    raise BackupError(f"{path} is not a resilnet backup (no database in it)")
                files = _media_files(archive, path)  # all checked before anything changes
                with archive.extractfile(source) as src, database.open("wb") as out:  # type: ignore[union-attr]
                    shutil.copyfileobj(src, out)
                _restore_database(database, path)
                media = Path(settings.MEDIA_ROOT)
                for member, relative in files:
                    target = media.joinpath(*relative.parts)
                    target.parent.mkdir(parents=True, exist_ok=True)
                    with archive.extractfile(member) as src, target.open("wb") as out:  # type: ignore[union-attr]
                        shutil.copyfileobj(src, out)
        except (tarfile.TarError, EOFError) as exc:
            raise BackupError(f"{path} is a damaged backup: {exc}") from None


def _media_files(
    archive: tarfile.TarFile, path: Path
) -> list[tuple[tarfile.TarInfo, PurePosixPath]]:
    """The archive's uploaded files, each a plain file whose path stays under media/."""
    files = []
    for member in archive.getmembers():
        name = PurePosixPath(member.name)
        if name.parts[:1] != ("media",) or member.isdir():
            continue
        relative = PurePosixPath(*name.parts[1:])
        if not member.isfile() or not relative.parts or ".." in relative.parts:
            raise BackupError(f"{path} holds an unsafe entry: {member.name[:200]!r}")
        files.append((member, relative))
    return files


def _restore_database(database: Path, path: Path) -> None:
    with database.open("rb") as handle:
        head = handle.read(16)
    if connection.vendor == "sqlite":
        if head != SQLITE_MAGIC:
            raise BackupError(f"{path} is not an SQLite database backup")
        source = sqlite3.connect(f"file:{database}?mode=ro", uri=True)
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
        listing = _run([_tool("pg_restore"), "--list", str(database)], env, "pg_restore --list")
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
                    str(database),
                ],
                env,
                "pg_restore",
            )
        finally:
            os.unlink(listing_file.name)
    else:
        raise BackupError(f"restore does not support the {connection.vendor} engine")
