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

# Post-mortem deadlines after resolution (runbook 3.3 promises customers a post-mortem within 24 hours).
POSTMORTEM_DUE_DEFAULTS = {"P1": timedelta(hours=24), "P2": timedelta(hours=72)}

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
