"""Severity suggestion from the runbook's criteria (section 1). The commander's choice always wins."""

from __future__ import annotations

from dataclasses import dataclass, field

from django.utils.translation import gettext as _


@dataclass(frozen=True)
class ImpactFacts:
    service_down: bool = False
    data_impact: bool = False
    security_breach: bool = False
    core_function_impaired: bool = False
    severe_degradation: bool = False
    non_critical_affected: bool = False
    users_affected_pct: int | None = None


@dataclass(frozen=True)
class SeveritySuggestion:
    level: str
    reasons: list[str] = field(default_factory=list)


def suggest_severity(facts: ImpactFacts) -> SeveritySuggestion:
    """Apply runbook section 1 from the most severe level down; the first level with a match wins. The reasons
    are in the active language."""
    pct = facts.users_affected_pct
    p1 = [
        reason
        for matched, reason in (
            (facts.service_down, _("complete service unavailability")),
            (facts.data_impact, _("data loss or corruption")),
            (facts.security_breach, _("security breach")),
            (pct is not None and pct > 50, _("%(pct)s%% of users affected (>50%%)") % {"pct": pct}),
        )
        if matched
    ]
    if p1:
        return SeveritySuggestion("P1", p1)
    p2 = [
        reason
        for matched, reason in (
            (facts.core_function_impaired, _("core functionality impaired")),
            (pct is not None and pct > 25, _("%(pct)s%% of users affected (>25%%)") % {"pct": pct}),
            (facts.severe_degradation, _("performance severely degraded")),
        )
        if matched
    ]
    if p2:
        return SeveritySuggestion("P2", p2)
    p3 = [
        reason
        for matched, reason in (
            (facts.non_critical_affected, _("non-critical features affected")),
            (pct is not None and pct > 0, _("%(pct)s%% of users affected (<25%%)") % {"pct": pct}),
        )
        if matched
    ]
    if p3:
        return SeveritySuggestion("P3", p3)
    return SeveritySuggestion("P4", [_("minimal impact: questions, requests or cosmetic issues")])
