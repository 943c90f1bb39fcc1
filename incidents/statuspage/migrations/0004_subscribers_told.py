from django.db import migrations, models


def updates_before_now_were_told(apps, schema_editor):
    """What was published before the sweep existed had its fan-out (maintenance updates told nobody then):
    the sweep must not send it now."""
    for name in ("StatusUpdate", "MaintenanceUpdate"):
        model = apps.get_model("statuspage", name)
        model.objects.filter(subscribers_told_at__isnull=True).update(subscribers_told_at=models.F("created_at"))
    changes = apps.get_model("statuspage", "ComponentStatusChange")
    changes.objects.filter(subscribers_told_at__isnull=True).update(subscribers_told_at=models.F("at"))


class Migration(migrations.Migration):
    dependencies = [
        ("statuspage", "0003_subscribers"),
    ]

    operations = [
        migrations.AddField(
            model_name="statusupdate",
            name="subscribers_told_at",
            field=models.DateTimeField(blank=True, editable=False, null=True),
        ),
        migrations.AddField(
            model_name="maintenanceupdate",
            name="deliver_notifications",
            field=models.BooleanField(
                default=True,
                help_text="Tell the page's subscribers (of the affected components) about this update.",
            ),
        ),
        migrations.AddField(
            model_name="maintenanceupdate",
            name="subscribers_told_at",
            field=models.DateTimeField(blank=True, editable=False, null=True),
        ),
        migrations.AddField(
            model_name="componentstatuschange",
            name="subscribers_told_at",
            field=models.DateTimeField(blank=True, editable=False, null=True),
        ),
        migrations.RunPython(updates_before_now_were_told, migrations.RunPython.noop, elidable=True),
    ]
