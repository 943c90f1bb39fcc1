"""The runbook's defaults, from the seed module (which works on this migration's historical models)."""

from django.db import migrations


def seed(apps, schema_editor):
    from incidents.seed import seed as load

    load(apps)


class Migration(migrations.Migration):
    dependencies = [("incidents", "0001_initial")]

    operations = [migrations.RunPython(seed, migrations.RunPython.noop)]
