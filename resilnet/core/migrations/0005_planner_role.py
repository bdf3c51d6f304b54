from django.db import migrations, models


def add_group(apps, schema_editor):
    # Each role is a group of the same name (0002 made the first six).
    apps.get_model("auth", "Group").objects.get_or_create(name="Planner")


class Migration(migrations.Migration):
    dependencies = [("core", "0004_periodic_runs")]

    operations = [
        migrations.AlterField(
            model_name="apitoken",
            name="role",
            field=models.CharField(
                choices=[
                    ("Contributor", "Contributor"),
                    ("Moderator", "Moderator"),
                    ("Alert author", "Alert author"),
                    ("Alert approver", "Alert approver"),
                    ("Analyst", "Analyst"),
                    ("Planner", "Planner"),
                    ("Administrator", "Administrator"),
                ],
                max_length=32,
                verbose_name="role",
            ),
        ),
        migrations.RunPython(add_group, migrations.RunPython.noop),
    ]
