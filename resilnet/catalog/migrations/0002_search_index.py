"""The full-text index table: FTS5 on SQLite, tsvector + GIN on PostgreSQL."""

from django.db import migrations


def create(apps, schema_editor):
    from resilnet.catalog.search.engines import engine

    engine().create()


def drop(apps, schema_editor):
    from resilnet.catalog.search.engines import engine

    engine().drop()


class Migration(migrations.Migration):
    dependencies = [("catalog", "0001_initial")]

    operations = [migrations.RunPython(create, drop)]
