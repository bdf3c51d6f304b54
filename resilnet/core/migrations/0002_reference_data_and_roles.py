from django.db import migrations

from resilnet.core.reference_data import load_reference_data

ROLES = [
    "Contributor",
    "Moderator",
    "Alert author",
    "Alert approver",
    "Analyst",
    "Administrator",
]


def forwards(apps, schema_editor):
    load_reference_data(apps.get_model("core", "Region"), apps.get_model("core", "Country"))
    Group = apps.get_model("auth", "Group")
    for name in ROLES:
        Group.objects.get_or_create(name=name)


class Migration(migrations.Migration):
    dependencies = [("core", "0001_initial"), ("auth", "0012_alter_user_first_name_max_length")]

    operations = [migrations.RunPython(forwards, migrations.RunPython.noop)]
