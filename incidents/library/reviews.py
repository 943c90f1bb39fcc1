"""The runbook's "reviewed quarterly": one review timer per playbook, re-armed by each review."""

from __future__ import annotations

from django.contrib.auth.models import Group
from django.urls import reverse

from incidents import notify, roles
from incidents.models import Playbook
from incidents.timer_models import Timer
from incidents.timers.engine import register_kind, schedule

PLAYBOOK_REVIEW = "incident.playbook_review"


def plan_playbook_review(playbook: Playbook) -> Timer | None:
    """Schedule the next review; the step is the review it follows, so each cycle fires once."""
    due = playbook.review_due_at
    if due is None:
        return None
    step = playbook.last_reviewed_at.date().isoformat() if playbook.last_reviewed_at else ""
    return schedule(subject=playbook, kind=PLAYBOOK_REVIEW, step=step, due_at=due)


def fire_playbook_review(timer: Timer, playbook: Playbook) -> str:
    """Remind the managers, who own the runbook, that this playbook is due for review."""
    managers = notify.users_of(Group.objects.filter(name=roles.MANAGER))
    if not managers:
        return "nobody to remind: the Manager group is empty"
    link = reverse("admin:incidents_playbook_change", args=[playbook.pk])
    for user in managers:
        notify.enqueue(
            timer=timer,
            target=user,
            subject=f"Playbook due for review: {playbook.title}",
            body=f"The playbook “{playbook.title}” is due for its review. Review it and mark it reviewed: {link}",
        )
    return f"reminded {len(managers)} manager(s)"


register_kind(PLAYBOOK_REVIEW, fire_playbook_review, label="Playbook review")
