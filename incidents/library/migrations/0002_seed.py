"""The runbook's defaults, from the seed module (which works on this migration's historical models)."""

from django.db import migrations


def seed(apps, schema_editor):
    from incidents.library.seed import seed as load

    load(apps)


class Migration(migrations.Migration):
    dependencies = [("library", "0001_initial"), ("incidents", "0002_seed")]

    operations = [migrations.RunPython(seed, migrations.RunPython.noop)]
