"""Measurement.school loses its own index: the (school, timestamp) index serves lookups by
school. Dropped by name rather than through AlterField, which on SQLite copies the whole
table (millions of rows) to change one index."""

import django.db.models.deletion
from django.db import migrations, models


def _name(schema_editor, model):
    table = model._meta.db_table
    return schema_editor._create_index_name(table, ["school_id"], suffix="")


def drop_index(apps, schema_editor):
    model = apps.get_model("schools", "Measurement")
    name = schema_editor.quote_name(_name(schema_editor, model))
    schema_editor.execute(f"DROP INDEX IF EXISTS {name}")


def create_index(apps, schema_editor):
    model = apps.get_model("schools", "Measurement")
    schema_editor.execute(
        f"CREATE INDEX {schema_editor.quote_name(_name(schema_editor, model))} "
        f"ON {schema_editor.quote_name(model._meta.db_table)} (school_id)"
    )


class Migration(migrations.Migration):
    dependencies = [("schools", "0008_staged_chunks_as_arrow")]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[
                migrations.AlterField(
                    model_name="measurement",
                    name="school",
                    field=models.ForeignKey(
                        db_index=False,
                        on_delete=django.db.models.deletion.CASCADE,
                        related_name="measurements",
                        to="schools.school",
                    ),
                )
            ],
            database_operations=[migrations.RunPython(drop_index, create_index)],
        )
    ]
