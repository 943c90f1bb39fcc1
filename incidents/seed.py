"""The runbook's severities (section 1), loaded by the data migration `0002_seed` and by the test
fixtures after a flush. Functions take an app registry (the migration's historical one, or the live one),
so the migration never depends on today's model code.

Names and criteria are marked with gettext_noop and written in the site's language (WARROOM_LANGUAGE) when
seeded: a site set up in Italian gets Italian severities. Rows that exist are never rewritten."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from django.utils.translation import gettext, gettext_noop

from incidents.languages import in_site_language

SEVERITY_DEFAULTS = [
    {
        "level": "P1",
        "name": gettext_noop("Critical (Service Down)"),
        "criteria": (
            gettext_noop("Complete service unavailability"),
            gettext_noop("Data loss or corruption"),
            gettext_noop("Security breach"),
            # xgettext:no-python-format
            gettext_noop(">50% of users affected"),
        ),
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
        "name": gettext_noop("High (Major Impact)"),
        "criteria": (
            gettext_noop("Core functionality impaired"),
            # xgettext:no-python-format
            gettext_noop(">25% of users affected"),
            gettext_noop("Workaround available"),
            gettext_noop("Performance severely degraded"),
        ),
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
        "name": gettext_noop("Medium (Partial Impact)"),
        "criteria": (
            gettext_noop("Non-critical features affected"),
            # xgettext:no-python-format
            gettext_noop("<25% of users affected"),
            gettext_noop("Workaround available"),
        ),
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
        "name": gettext_noop("Low (Minimal Impact)"),
        "criteria": (
            gettext_noop("General questions"),
            gettext_noop("Feature requests"),
            gettext_noop("Minor cosmetic issues"),
        ),
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


def severity_defaults(row: dict[str, Any]) -> dict[str, Any]:
    """A row of SEVERITY_DEFAULTS as stored: name and criteria (one per line) in the active language."""
    level = str(row["level"])
    return {
        **row,
        "name": gettext(row["name"]),
        "criteria": "\n".join(gettext(criterion) for criterion in row["criteria"]),
        "postmortem_due_after": POSTMORTEM_DUE_DEFAULTS.get(level),
    }


def seed(apps: Any) -> None:
    """Create the runbook's severities that are missing, in the site's language; values an operator has
    edited are left alone."""
    severity_policy = apps.get_model("incidents", "SeverityPolicy")
    with in_site_language():
        for row in SEVERITY_DEFAULTS:
            severity_policy.objects.get_or_create(level=str(row["level"]), defaults=severity_defaults(row))
