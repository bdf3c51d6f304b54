"""Database triggers that make the audit log append-only, on SQLite and PostgreSQL."""

from typing import Any

INSTALL = {
    "sqlite": [
        "CREATE TRIGGER IF NOT EXISTS core_auditevent_no_update BEFORE UPDATE ON core_auditevent "
        "BEGIN SELECT RAISE(ABORT, 'audit events are append-only'); END",
        "CREATE TRIGGER IF NOT EXISTS core_auditevent_no_delete BEFORE DELETE ON core_auditevent "
        "BEGIN SELECT RAISE(ABORT, 'audit events are append-only'); END",
    ],
    "postgresql": [
        "CREATE OR REPLACE FUNCTION core_auditevent_append_only() RETURNS trigger "
        "LANGUAGE plpgsql AS $$ BEGIN RAISE EXCEPTION 'audit events are append-only'; END $$",
        "DROP TRIGGER IF EXISTS core_auditevent_append_only ON core_auditevent",
        "CREATE TRIGGER core_auditevent_append_only BEFORE UPDATE OR DELETE OR TRUNCATE "
        "ON core_auditevent FOR EACH STATEMENT EXECUTE FUNCTION core_auditevent_append_only()",
    ],
}
UNINSTALL = {
    "sqlite": [
        "DROP TRIGGER IF EXISTS core_auditevent_no_update",
        "DROP TRIGGER IF EXISTS core_auditevent_no_delete",
    ],
    "postgresql": [
        "DROP TRIGGER IF EXISTS core_auditevent_append_only ON core_auditevent",
        "DROP FUNCTION IF EXISTS core_auditevent_append_only()",
    ],
}


def _run(connection: Any, statements: dict[str, list[str]]) -> None:
    with connection.cursor() as cursor:
        for sql in statements.get(connection.vendor, []):
            cursor.execute(sql)


def install(connection: Any) -> None:
    _run(connection, INSTALL)


def uninstall(connection: Any) -> None:
    _run(connection, UNINSTALL)
