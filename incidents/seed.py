"""The runbook's severities (section 1), loaded by the data migration `0002_seed` and by the test
fixtures after a flush. Functions take an app registry (the migration's historical one, or the live one),
so the migration never depends on today's model code."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

SEVERITY_DEFAULTS = [
    {
        "level": "P1",
        "name": "Critical (Service Down)",
        "criteria": "Complete service unavailability\nData loss or corruption\nSecurity breach\n>50% of users affected",
        "response_target": timedelta(minutes=15),
        "resolution_target": timedelta(hours=2),
        "update_cadence": timedelta(minutes=30),
        "stakeholder_deadline": timedelta(minutes=15),
        "public_impact": "critical",
        "colour": "#b91c1c",
        "requires_postmortem": True,
    },
    {
        "level": "P2",
        "name": "High (Major Impact)",
        "criteria": "Core functionality impaired\n>25% of users affected\nWorkaround available\n"
        "Performance severely degraded",
        "response_target": timedelta(hours=1),
        "resolution_target": timedelta(hours=8),
        "update_cadence": timedelta(minutes=30),
        "stakeholder_deadline": timedelta(hours=1),
        "public_impact": "major",
        "colour": "#c2410c",
        "requires_postmortem": True,
    },
    {
        "level": "P3",
        "name": "Medium (Partial Impact)",
        "criteria": "Non-critical features affected\n<25% of users affected\nWorkaround available",
        "response_target": timedelta(hours=4),
        "resolution_target": timedelta(hours=24),
        "update_cadence": timedelta(hours=2),
        "stakeholder_deadline": None,
        "public_impact": "minor",
        "colour": "#a16207",
        "requires_postmortem": False,
    },
    {
        "level": "P4",
        "name": "Low (Minimal Impact)",
        "criteria": "General questions\nFeature requests\nMinor cosmetic issues",
        "response_target": timedelta(hours=24),
        "resolution_target": None,
        "update_cadence": None,
        "stakeholder_deadline": None,
        "public_impact": "none",
        "colour": "#4b5563",
        "requires_postmortem": False,
    },
]


# Post-mortem deadlines after resolution (runbook 3.3 promises customers a post-mortem within 24 hours).
POSTMORTEM_DUE_DEFAULTS = {"P1": timedelta(hours=24), "P2": timedelta(hours=72)}


def seed(apps: Any) -> None:
    """Create the runbook's severities that are missing; values an operator has edited are left alone."""
    severity_policy = apps.get_model("incidents", "SeverityPolicy")
    for row in SEVERITY_DEFAULTS:
        level = str(row["level"])
        defaults = {**row, "postmortem_due_after": POSTMORTEM_DUE_DEFAULTS.get(level)}
        severity_policy.objects.get_or_create(level=level, defaults=defaults)
