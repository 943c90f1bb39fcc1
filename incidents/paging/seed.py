"""The runbook's escalation path (2.3) as default policies per severity, and the primary rotation; loaded
by the data migration `paging.0002_seed` and by the test fixtures after a flush."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

# Runbook 2.3, the escalation path: 0-15 min on-call engineer, 15-30 senior engineer, 30-60 engineering
# manager, 60+ VP Engineering / CTO. Groups start empty; add people in the admin (Users → Groups).
PRIMARY_ROTATION = "Primary on-call"
ESCALATION_GROUPS = {
    "senior": "Senior Engineers",
    "manager": "Engineering Managers",
    "executive": "VP Engineering / CTO",
}
# (minutes, tier, who, stop condition)
ESCALATION_PATH = [
    (0, "On-call Engineer", "on_call", "acknowledged"),
    (15, "Senior Engineer", "senior", "acknowledged"),
    (30, "Engineering Manager", "manager", "acknowledged"),
    (60, "VP Engineering / CTO", "executive", "resolved"),
]
# P1 and P2 follow the whole path; P3 and P4 page the on-call engineer only.
ESCALATION_TIERS_BY_SEVERITY = {"P1": 4, "P2": 4, "P3": 1, "P4": 1}


def seed(apps: Any) -> None:
    """One policy per severity that has none; an operator's policy is left alone."""
    group_model = apps.get_model("auth", "Group")
    severity_policy = apps.get_model("incidents", "SeverityPolicy")
    escalation_policy = apps.get_model("paging", "EscalationPolicy")
    escalation_step = apps.get_model("paging", "EscalationStep")
    rotation_model = apps.get_model("paging", "Rotation")

    rotation, _ = rotation_model.objects.get_or_create(name=PRIMARY_ROTATION)
    groups = {key: group_model.objects.get_or_create(name=name)[0] for key, name in ESCALATION_GROUPS.items()}
    for severity in severity_policy.objects.all():
        policy, created = escalation_policy.objects.get_or_create(
            severity=severity, defaults={"name": f"{severity.level} escalation (runbook 2.3)"}
        )
        if not created:
            continue
        for minutes, tier, who, stop in ESCALATION_PATH[: ESCALATION_TIERS_BY_SEVERITY.get(severity.level, 1)]:
            step = escalation_step.objects.create(
                policy=policy,
                offset=timedelta(minutes=minutes),
                tier=tier,
                stop_condition=stop,
                on_call_rotation=rotation if who == "on_call" else None,
            )
            if who in groups:
                step.groups.add(groups[who])
