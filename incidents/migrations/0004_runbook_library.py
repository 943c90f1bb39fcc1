from django.db import migrations


def load_library(apps, schema_editor):
    from incidents.runbook import ensure_runbook_library

    ensure_runbook_library(
        apps.get_model("incidents", "Playbook"),
        apps.get_model("incidents", "CommunicationTemplate"),
        apps.get_model("incidents", "QuickReferenceLink"),
    )


class Migration(migrations.Migration):
    dependencies = [("incidents", "0003_playbooks_communications")]

    operations = [migrations.RunPython(load_library, migrations.RunPython.noop)]
