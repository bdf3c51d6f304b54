"""The search terms of Arabic text changed (text_analysis: diacritics, letter variants and
proclitics normalised): the index inside the database is rebuilt with them. The segment
index rebuilds itself (its FORMAT changed)."""

from django.conf import settings
from django.db import migrations


def rebuild(apps, schema_editor):
    from resilnet.catalog.search.backends import database_backend

    if settings.SEARCH_ENGINE != "segments":  # otherwise the table is unused and empty
        database_backend().rebuild()


class Migration(migrations.Migration):
    dependencies = [("catalog", "0008_attachment_state")]

    operations = [migrations.RunPython(rebuild, migrations.RunPython.noop)]
