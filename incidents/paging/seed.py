"""The runbook's escalation path (2.3) as default policies per severity, and the primary rotation; loaded
by the data migration `paging.0002_seed` and by the test fixtures after a flush.

The names are seeded in the site's language (WARROOM_LANGUAGE) at seed time; rows that exist already are
not renamed. Code that looks a seeded row up goes through `primary_rotation()` / `escalation_group()`,
which accept the name in any language Warroom speaks (the site's language may have changed since)."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from django.conf import settings
from django.utils import translation
from django.utils.translation import gettext, gettext_noop

from incidents.languages import in_site_language

# Runbook 2.3, the escalation path: 0-15 min on-call engineer, 15-30 senior engineer, 30-60 engineering
# manager, 60+ VP Engineering / CTO. Groups start empty; add people in the admin (Users → Groups).
PRIMARY_ROTATION = gettext_noop("Primary on-call")
ESCALATION_GROUPS = {
    "senior": gettext_noop("Senior Engineers"),
    "manager": gettext_noop("Engineering Managers"),
    "executive": gettext_noop("VP Engineering / CTO"),
}
# (minutes, tier, who, stop condition)
ESCALATION_PATH = [
    (0, gettext_noop("On-call Engineer"), "on_call", "acknowledged"),
    (15, gettext_noop("Senior Engineer"), "senior", "acknowledged"),
    (30, gettext_noop("Engineering Manager"), "manager", "acknowledged"),
    (60, gettext_noop("VP Engineering / CTO"), "executive", "resolved"),
]
POLICY_NAME = gettext_noop("%(level)s escalation (runbook 2.3)")
# P1 and P2 follow the whole path; P3 and P4 page the on-call engineer only.
ESCALATION_TIERS_BY_SEVERITY = {"P1": 4, "P2": 4, "P3": 1, "P4": 1}


def names_of(english: str) -> list[str]:
    """A seeded name as it may be stored: in English or in any language Warroom speaks."""
    names = {english}
    for code, _name in settings.LANGUAGES:
        with translation.override(code):
            names.add(gettext(english))
    return sorted(names)


def _model(apps: Any, label: str, name: str) -> Any:
    if apps is not None:
        return apps.get_model(label, name)
    from django.apps import apps as live

    return live.get_model(label, name)


def primary_rotation(apps: Any = None) -> Any:
    """The seeded primary on-call rotation, whatever the language it was seeded in (None if removed)."""
    rotation_model = _model(apps, "paging", "Rotation")
    return rotation_model.objects.filter(name__in=names_of(PRIMARY_ROTATION)).order_by("id").first()


def escalation_group(key: str, apps: Any = None) -> Any:
    """The seeded group of an escalation tier ("senior", "manager", "executive"), in whichever language."""
    group_model = _model(apps, "auth", "Group")
    return group_model.objects.filter(name__in=names_of(ESCALATION_GROUPS[key])).order_by("id").first()


def seed(apps: Any) -> None:
    """One policy per severity that has none; an operator's policy is left alone. Names in the site's language."""
    group_model = apps.get_model("auth", "Group")
    severity_policy = apps.get_model("incidents", "SeverityPolicy")
    escalation_policy = apps.get_model("paging", "EscalationPolicy")
    escalation_step = apps.get_model("paging", "EscalationStep")
    rotation_model = apps.get_model("paging", "Rotation")

    with in_site_language():
        rotation = primary_rotation(apps) or rotation_model.objects.create(name=gettext(PRIMARY_ROTATION))
        groups = {
            key: escalation_group(key, apps) or group_model.objects.create(name=gettext(name))
            for key, name in ESCALATION_GROUPS.items()
        }
        for severity in severity_policy.objects.all():
            policy, created = escalation_policy.objects.get_or_create(
                severity=severity, defaults={"name": gettext(POLICY_NAME) % {"level": severity.level}}
            )
            if not created:
                continue
            for minutes, tier, who, stop in ESCALATION_PATH[: ESCALATION_TIERS_BY_SEVERITY.get(severity.level, 1)]:
                step = escalation_step.objects.create(
                    policy=policy,
                    offset=timedelta(minutes=minutes),
                    tier=gettext(tier),
                    stop_condition=stop,
                    on_call_rotation=rotation if who == "on_call" else None,
                )
                if who in groups:
                    step.groups.add(groups[who])
