"""Make the audit log append-only in the database itself, on both engines."""

from django.db import migrations

SQLITE = [
    "CREATE TRIGGER core_auditevent_no_update BEFORE UPDATE ON core_auditevent "
    "BEGIN SELECT RAISE(ABORT, 'audit events are append-only'); END",
    "CREATE TRIGGER core_auditevent_no_delete BEFORE DELETE ON core_auditevent "
    "BEGIN SELECT RAISE(ABORT, 'audit events are append-only'); END",
]
POSTGRESQL = [
    "CREATE FUNCTION core_auditevent_append_only() RETURNS trigger LANGUAGE plpgsql AS $$ "
    "BEGIN RAISE EXCEPTION 'audit events are append-only'; END $$",
    "CREATE TRIGGER core_auditevent_append_only BEFORE UPDATE OR DELETE OR TRUNCATE "
    "ON core_auditevent FOR EACH STATEMENT EXECUTE FUNCTION core_auditevent_append_only()",
]
DROP = {
    "sqlite": [
        "DROP TRIGGER core_auditevent_no_update",
        "DROP TRIGGER core_auditevent_no_delete",
    ],
    "postgresql": [
        "DROP TRIGGER core_auditevent_append_only ON core_auditevent",
        "DROP FUNCTION core_auditevent_append_only()",
    ],
}


def run(statements):
    def apply(apps, schema_editor):
        vendor = schema_editor.connection.vendor
        for sql in statements.get(vendor, []):
            schema_editor.execute(sql)

    return apply


class Migration(migrations.Migration):
    dependencies = [("core", "0002_reference_data_and_roles")]

    operations = [
        migrations.RunPython(run({"sqlite": SQLITE, "postgresql": POSTGRESQL}), run(DROP))
    ]
