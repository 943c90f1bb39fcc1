from django.db import migrations


def load_severities(apps, schema_editor):
    from incidents.runbook import SEVERITY_DEFAULTS

    SeverityPolicy = apps.get_model("incidents", "SeverityPolicy")
    for row in SEVERITY_DEFAULTS:
        # get_or_create: values an operator has since edited are left alone.
        SeverityPolicy.objects.get_or_create(level=row["level"], defaults=row)


class Migration(migrations.Migration):
    dependencies = [("incidents", "0001_initial")]

    operations = [migrations.RunPython(load_severities, migrations.RunPython.noop)]
