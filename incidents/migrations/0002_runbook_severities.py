from django.db import migrations


def load_severities(apps, schema_editor):
    from incidents.runbook import ensure_severity_policies

    ensure_severity_policies(apps.get_model("incidents", "SeverityPolicy"))


class Migration(migrations.Migration):
    dependencies = [("incidents", "0001_initial")]

    operations = [migrations.RunPython(load_severities, migrations.RunPython.noop)]
