"""The post-incident clocks: post-mortem due, action item reminder and overdue notice, weekly digest.

Planning functions are called by the services inside their transaction; handlers are called by the
timer engine's tick with the claimed Timer and its locked subject, and return a short outcome (for the
log, in English). Each reminder is written in its recipient's language (their preference, else the site's),
fixed when it is queued.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from typing import Any, cast

from django.conf import settings
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, ngettext

from incidents.languages import in_language, user_language
from incidents.outbox import services as outbox
from incidents.timers import engine as timers

POSTMORTEM_DUE = "postmortem.due"
ACTION_ITEM_DUE = "action_item.due"
ACTION_ITEM_DIGEST = "action_item.digest"
KINDS = (POSTMORTEM_DUE, ACTION_ITEM_DUE, ACTION_ITEM_DIGEST)

# After the due time, a daily overdue notice to the author, this many times at most.
POSTMORTEM_OVERDUE_REPEATS = 7


def postmortem_reminder_before() -> timedelta:
    return timedelta(hours=settings.POSTMORTEM_REMINDER_HOURS)


def action_item_reminder_before() -> timedelta:
    return timedelta(days=settings.ACTION_ITEM_REMINDER_DAYS)


def _at(day: date, hour: int = 0) -> datetime:
    return datetime.combine(day, time(hour=hour), tzinfo=UTC)


def _link(name: str, pk: int) -> str:
    return settings.SITE_URL.rstrip("/") + reverse(name, args=[pk])


# Planning


def plan_postmortem_due(postmortem: Any) -> None:
    """A reminder some hours before the post-mortem is due, and an overdue notice when it is."""
    timers.cancel(postmortem, kinds=[POSTMORTEM_DUE])
    if postmortem.due_at is None or postmortem.is_published:
        return
    due = postmortem.due_at
    stamp = f"{due:%Y%m%dT%H%M}"
    reminder = due - postmortem_reminder_before()
    if reminder > timezone.now():
        timers.schedule(subject=postmortem, kind=POSTMORTEM_DUE, step=f"reminder:{stamp}", due_at=reminder)
    timers.schedule(subject=postmortem, kind=POSTMORTEM_DUE, step=f"due:{stamp}", due_at=due)


def cancel_postmortem_due(postmortem: Any) -> None:
    timers.cancel(postmortem, kinds=[POSTMORTEM_DUE])


def plan_action_item(item: Any) -> None:
    """Reminder before the due date, overdue notice the day after; the owner's weekly digest."""
    timers.cancel(item, kinds=[ACTION_ITEM_DUE])
    if not item.is_open:
        return
    stamp = item.due_date.isoformat()
    reminder = _at(item.due_date - action_item_reminder_before(), settings.ACTION_ITEM_NOTICE_HOUR)
    if reminder > timezone.now():
        timers.schedule(subject=item, kind=ACTION_ITEM_DUE, step=f"reminder:{stamp}", due_at=reminder)
    timers.schedule(
        subject=item, kind=ACTION_ITEM_DUE, step=f"overdue:{stamp}", due_at=_at(item.due_date + timedelta(days=1))
    )
    plan_digest(item.owner)


def cancel_action_item(item: Any) -> None:
    timers.cancel(item, kinds=[ACTION_ITEM_DUE])


def next_digest_at(now: datetime) -> datetime:
    """The next digest moment (weekday and hour from the settings) strictly after `now`."""
    weekday, hour = settings.ACTION_ITEM_DIGEST_WEEKDAY, settings.ACTION_ITEM_DIGEST_HOUR
    day = now.astimezone(UTC).date()
    candidate = _at(day + timedelta(days=(weekday - day.weekday()) % 7), hour)
    return candidate if candidate > now else candidate + timedelta(days=7)


def plan_digest(owner: Any, after: datetime | None = None) -> None:
    """One digest timer per owner and week; scheduling the same week again changes nothing."""
    due = next_digest_at(after or timezone.now())
    year, week, _weekday = due.isocalendar()
    timers.schedule(subject=owner, kind=ACTION_ITEM_DIGEST, step=f"{year}-W{week:02d}", due_at=due)


# Handlers


def handle_postmortem_due(timer: Any, postmortem: Any) -> str:
    if postmortem.is_published:
        return "published already"
    author = postmortem.author or postmortem.incident.commander
    if author is None:
        return "no author to remind"
    phase = timer.step.partition(":")[0]
    reference = postmortem.incident.reference
    url = _link("admin:postmortems_postmortem_change", postmortem.pk)
    with in_language(user_language(author)):
        values = {
            "reference": reference,
            "due": f"{postmortem.due_at:%Y-%m-%d %H:%M}",
            "status": postmortem.get_status_display().lower(),
        }
        if phase == "reminder":
            subject = _("Post-mortem of %(reference)s due %(due)s UTC") % values
            body = _("The post-mortem of %(reference)s is %(status)s and due soon.") % values + f"\n{url}"
        else:
            subject = _("Post-mortem of %(reference)s is overdue") % values
            body = (
                _(
                    "The post-mortem of %(reference)s was due %(due)s UTC and is still %(status)s. "
                    "Customers were promised it."
                )
                % values
                + f"\n{url}"
            )
    if phase != "reminder":
        repeat = int(phase.removeprefix("overdue").lstrip("-") or 1) if phase.startswith("overdue") else 1
        if repeat < POSTMORTEM_OVERDUE_REPEATS:
            timers.schedule(
                subject=postmortem,
                kind=POSTMORTEM_DUE,
                step=f"overdue-{repeat + 1}:{timer.step.partition(':')[2]}",
                due_at=timezone.now() + timedelta(days=1),
            )
    outbox.enqueue(
        dedupe_key=timer.notification_key, target=author, subject=subject, body=body, about=postmortem.incident
    )
    return f"{phase} sent to {author}"


def handle_action_item_due(timer: Any, item: Any) -> str:
    if not item.is_open:
        return f"{item.get_status_display().lower()} already"
    phase, _sep, stamp = timer.step.partition(":")
    if stamp != item.due_date.isoformat():
        return "due date changed"
    reference = item.postmortem.incident.reference
    url = _link("admin:postmortems_actionitem_change", item.pk)
    with in_language(user_language(item.owner)):
        values = {
            "reference": reference,
            "action": item.action,
            "due": f"{item.due_date:%Y-%m-%d}",
            "priority": item.get_priority_display(),
            "status": item.get_status_display().lower(),
        }
        if phase == "reminder":
            subject = _("Action item due %(due)s: %(action)s") % values
            body = _("Your action item from %(reference)s (%(priority)s) is due %(due)s.") % values + f"\n{url}"
        else:
            subject = _("Overdue action item: %(action)s") % values
            body = (
                _("Your action item from %(reference)s (%(priority)s) was due %(due)s and is %(status)s.") % values
                + f"\n{url}"
            )
    outbox.enqueue(
        dedupe_key=timer.notification_key, target=item.owner, subject=subject, body=body, about=item.postmortem.incident
    )
    return f"{phase} sent to {item.owner}"


def handle_action_item_digest(timer: Any, owner: Any) -> str:
    from postmortems.models import OPEN_ACTION_STATUSES, ActionItem

    items = list(
        ActionItem.objects.filter(owner=owner, status__in=OPEN_ACTION_STATUSES)
        .select_related("postmortem__incident")
        .order_by("due_date", "id")
    )
    if not items:
        return "nothing open"  # the next action item plans the next digest
    today = timezone.now().date()
    overdue = sum(1 for item in items if item.due_date < today)
    with in_language(user_language(owner)):
        lines = [
            (
                _("- [%(priority)s] %(action)s (%(reference)s), due %(due)s OVERDUE")
                if item.due_date < today
                else _("- [%(priority)s] %(action)s (%(reference)s), due %(due)s")
            )
            % {
                "priority": item.get_priority_display(),
                "action": item.action,
                "reference": item.postmortem.incident.reference,
                "due": f"{item.due_date:%Y-%m-%d}",
            }
            for item in items
        ]
        subject = ngettext(
            "Your open action items: %(open)d open, %(overdue)d overdue",
            "Your open action items: %(open)d open, %(overdue)d overdue",
            len(items),
        ) % {"open": len(items), "overdue": overdue}
    outbox.enqueue(dedupe_key=timer.notification_key, target=owner, subject=subject, body="\n".join(lines))
    plan_digest(owner, after=timezone.now())
    return f"digest of {len(items)} sent to {owner}"


HANDLERS = {
    POSTMORTEM_DUE: (handle_postmortem_due, gettext_lazy("Post-mortem due")),
    ACTION_ITEM_DUE: (handle_action_item_due, gettext_lazy("Action item due")),
    ACTION_ITEM_DIGEST: (handle_action_item_digest, gettext_lazy("Action items weekly digest")),
}


def register() -> None:
    """Called once from PostmortemsConfig.ready(), so web, worker and beat all know the kinds."""
    for kind, (handler, label) in HANDLERS.items():
        # A lazy label: each reader sees it in their language where the timers are listed.
        timers.register_kind(kind, handler, label=cast(str, label))
