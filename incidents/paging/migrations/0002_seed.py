"""The runbook's defaults, from the seed module (which works on this migration's historical models)."""

from django.db import migrations


def seed(apps, schema_editor):
    from incidents.paging.seed import seed as load

    load(apps)


class Migration(migrations.Migration):
    dependencies = [("paging", "0001_initial"), ("incidents", "0002_seed"), ("auth", "0012_alter_user_first_name_max_length")]

    operations = [migrations.RunPython(seed, migrations.RunPython.noop)]
