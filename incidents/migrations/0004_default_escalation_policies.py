from datetime import timedelta

from django.db import migrations


def create_defaults(apps, schema_editor):
    from incidents.runbook import (
        ESCALATION_GROUPS,
        ESCALATION_PATH,
        ESCALATION_TIERS_BY_SEVERITY,
        PRIMARY_ROTATION,
    )

    Group = apps.get_model("auth", "Group")
    SeverityPolicy = apps.get_model("incidents", "SeverityPolicy")
    EscalationPolicy = apps.get_model("incidents", "EscalationPolicy")
    EscalationStep = apps.get_model("incidents", "EscalationStep")
    Rotation = apps.get_model("incidents", "Rotation")

    rotation, _ = Rotation.objects.get_or_create(name=PRIMARY_ROTATION)
    groups = {key: Group.objects.get_or_create(name=name)[0] for key, name in ESCALATION_GROUPS.items()}
    for severity in SeverityPolicy.objects.all():
        policy, created = EscalationPolicy.objects.get_or_create(
            severity=severity, defaults={"name": f"{severity.level} escalation (runbook 2.3)"}
        )
        if not created:
            continue  # an operator's policy is left alone
        for minutes, tier, who, stop in ESCALATION_PATH[: ESCALATION_TIERS_BY_SEVERITY.get(severity.level, 1)]:
            step = EscalationStep.objects.create(
                policy=policy,
                offset=timedelta(minutes=minutes),
                tier=tier,
                stop_condition=stop,
                on_call_rotation=rotation if who == "on_call" else None,
            )
            if who in groups:
                step.groups.add(groups[who])


class Migration(migrations.Migration):
    dependencies = [("incidents", "0003_timer_engine")]

    operations = [migrations.RunPython(create_defaults, migrations.RunPython.noop)]
