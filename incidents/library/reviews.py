"""The runbook's "reviewed quarterly": one review timer per playbook, re-armed by each review."""

from __future__ import annotations

from typing import cast

from django.conf import settings
from django.contrib.auth.models import Group
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from incidents import roles
from incidents.languages import in_language, user_language
from incidents.library.models import Playbook
from incidents.outbox import services as outbox
from incidents.timers.engine import register_kind, schedule
from incidents.timers.models import Timer

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
    managers = roles.active_members(Group.objects.filter(name=roles.MANAGER))
    if not managers:
        return "nobody to remind: the Manager group is empty"
    # An absolute link: the reader opens it from their mail client, not from Warroom.
    link = settings.SITE_URL.rstrip("/") + reverse("admin:library_playbook_change", args=[playbook.pk])
    for user in managers:
        with in_language(user_language(user)):  # each manager reads it in their own language
            subject = _("Playbook due for review: %(playbook)s") % {"playbook": playbook.title}
            body = _("The playbook “%(playbook)s” is due for its review. Review it and mark it reviewed: %(link)s") % {
                "playbook": playbook.title,
                "link": link,
            }
        outbox.enqueue(dedupe_key=timer.notification_key, about=playbook, target=user, subject=subject, body=body)
    return f"reminded {len(managers)} manager(s)"


def register() -> None:
    register_kind(PLAYBOOK_REVIEW, fire_playbook_review, label=cast(str, gettext_lazy("Playbook review")))
