"""Make the audit log append-only in the database itself, on both engines."""

from django.db import migrations

from resilnet.core import append_only


def install(apps, schema_editor):
    append_only.install(schema_editor.connection)


def uninstall(apps, schema_editor):
    append_only.uninstall(schema_editor.connection)


class Migration(migrations.Migration):
    dependencies = [("core", "0002_reference_data_and_roles")]

    operations = [migrations.RunPython(install, uninstall)]
