"""The full-text index table: FTS5 on SQLite, tsvector + GIN on PostgreSQL."""

from django.db import migrations


def create(apps, schema_editor):
    from resilnet.catalog.search.backends import database_backend

    database_backend().create_table()


def drop(apps, schema_editor):
    from resilnet.catalog.search.backends import database_backend

    database_backend().drop_table()


class Migration(migrations.Migration):
    dependencies = [("catalog", "0001_initial")]

    operations = [migrations.RunPython(create, drop)]
