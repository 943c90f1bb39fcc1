"""The runbook's defaults (seeds/incident-response runbook, section 1), loaded by a data migration."""

from datetime import timedelta

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


def ensure_severity_policies(severity_policy_model) -> None:
    """Create the runbook's severities that are missing; values an operator has edited are left alone."""
    for row in SEVERITY_DEFAULTS:
        severity_policy_model.objects.get_or_create(level=row["level"], defaults=row)
