from django.db import migrations, models

STATUS_COLUMNS = [
    f"{layer}_{status}"
    for layer, statuses in (
        ("global", ("good", "moderate", "bad", "no_internet", "unknown")),
        ("national", ("good", "moderate", "bad", "no_internet", "unknown")),
        ("coverage", ("good", "moderate", "bad", "unknown")),
    )
    for status in statuses
]


def roll_up(apps, schema_editor):
    """The rolled-up rows of the cells already counted: sums of their rows per combination,
    so unfiltered tiles keep every school before the next refresh."""
    names = ", ".join(STATUS_COLUMNS)
    sums = ", ".join(
        f"SUM({n})" for n in ("total", "sum_latitude", "sum_longitude", *STATUS_COLUMNS)
    )
    schema_editor.execute(
        "INSERT INTO schools_gridcell (level, cell, country_id, education_level, area_type, "  # noqa: S608 (fixed column names)
        f"realtime, rolled_up, total, sum_latitude, sum_longitude, {names}) "
        f"SELECT level, cell, country_id, %s, %s, realtime, %s, {sums} FROM schools_gridcell "
        "WHERE rolled_up = %s GROUP BY level, cell, country_id, realtime",
        ["", "", True, False],
    )


def unroll(apps, schema_editor):
    schema_editor.execute("DELETE FROM schools_gridcell WHERE rolled_up = %s", [True])


class Migration(migrations.Migration):
    dependencies = [("schools", "0006_measurement_no_received_at_index")]

    operations = [
        migrations.AddField(
            model_name="gridcell",
            name="rolled_up",
            field=models.BooleanField(default=False),
        ),
        migrations.RemoveIndex(model_name="gridcell", name="gridcell_level_cell"),
        migrations.AddIndex(
            model_name="gridcell",
            index=models.Index(fields=["level", "rolled_up", "cell"], name="gridcell_rollup_cell"),
        ),
        migrations.RunPython(roll_up, unroll),
    ]
