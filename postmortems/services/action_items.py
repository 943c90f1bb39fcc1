"""Action item writes: create, edit, move between statuses; timers and the incident log follow."""

from __future__ import annotations

from datetime import date
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from incidents.timeline import Actor, acting_user
from postmortems import timers
from postmortems.models import (
    OPEN_ACTION_STATUSES,
    ActionItem,
    ActionPriority,
    ActionSource,
    ActionStatus,
    PostMortem,
    ReviewMeeting,
    due_date_problem,
)
from postmortems.services.common import lock_postmortem, log_to_incident, refuse_unknown


def _validate_action(*, action: str, owner: Any, priority: str, due_date: date | None) -> dict[str, str]:
    errors: dict[str, str] = {}
    if not (action or "").strip():
        errors["action"] = _("Describe the action.")
    if owner is None:
        errors["owner"] = _("An action item needs an owner.")
    if due_date is None:
        errors["due_date"] = _("An action item needs a due date.")
    elif problem := due_date_problem(due_date):
        errors["due_date"] = problem
    if priority not in ActionPriority.values:
        errors["priority"] = _("Priority must be one of %(priorities)s.") % {
            "priorities": ", ".join(str(label) for label in ActionPriority.labels)
        }
    return errors


@transaction.atomic
def action_item_create(
    *,
    postmortem: PostMortem,
    action: str,
    owner: Any,
    due_date: date | None,
    by: Actor,
    priority: str = ActionPriority.MEDIUM,
    meeting: ReviewMeeting | None = None,
    status: str = ActionStatus.OPEN,
) -> ActionItem:
    """A new action item with its timers; created with another status than open, it then moves to it."""
    errors = _validate_action(action=action, owner=owner, priority=priority, due_date=due_date)
    if meeting is not None and meeting.postmortem_id != postmortem.pk:
        errors["meeting"] = _("The meeting reviews another post-mortem.")
    if status not in ActionStatus.values:
        errors["status"] = _("Unknown status %(status)r.") % {"status": status}
    if errors or due_date is None:
        raise ValidationError(errors)
    postmortem = lock_postmortem(postmortem)
    item = ActionItem.objects.create(
        postmortem=postmortem,
        meeting=meeting,
        action=action.strip(),
        owner=owner,
        priority=priority,
        due_date=due_date,
        source=ActionSource.REVIEW_MEETING if meeting is not None else ActionSource.POSTMORTEM,
        created_by=acting_user(by),
    )
    timers.plan_action_item(item)
    log_to_incident(
        postmortem.incident,
        lambda: (
            _("Action item: %(action)s (%(owner)s, %(priority)s, due %(due)s)")
            % {
                "action": item.action,
                "owner": owner,
                "priority": item.get_priority_display(),
                "due": f"{due_date:%Y-%m-%d}",
            }
        ),
        by=by,
        action_item=item.pk,
    )
    if status != item.status:
        _apply_status(item, status, by=by)
    return item


ACTION_EDITABLE_FIELDS = ("action", "owner", "priority", "due_date")


def _lock_action_item(item: ActionItem) -> ActionItem:
    return ActionItem.objects.select_for_update().select_related("postmortem__incident").get(pk=item.pk)


@transaction.atomic
def action_item_update(item: ActionItem, *, by: Actor, status: str | None = None, **changes: Any) -> ActionItem:
    """Edit the fields (ACTION_EDITABLE_FIELDS) and, when given and different, the status: all or nothing."""
    refuse_unknown(changes, ACTION_EDITABLE_FIELDS)
    item = _lock_action_item(item)
    merged = {name: changes.get(name, getattr(item, name)) for name in ACTION_EDITABLE_FIELDS}
    errors = _validate_action(**merged)
    if status is not None and status not in ActionStatus.values:
        errors["status"] = _("Unknown status %(status)r.") % {"status": status}
    if errors:
        raise ValidationError(errors)
    changed = [name for name in ACTION_EDITABLE_FIELDS if name in changes and getattr(item, name) != changes[name]]
    for name in changed:
        setattr(item, name, changes[name])
    if changed:
        item.save(update_fields=changed)
    if status is not None and status != item.status:
        _apply_status(item, status, by=by)  # plans or cancels the timers itself
    elif item.is_open and {"owner", "due_date"} & set(changed):
        timers.plan_action_item(item)
    return item


@transaction.atomic
def action_item_set_status(item: ActionItem, *, status: str, by: Actor) -> ActionItem:
    if status not in ActionStatus.values:
        raise ValidationError({"status": _("Unknown status %(status)r.") % {"status": status}})
    item = _lock_action_item(item)
    if item.status == status:
        raise ValidationError(
            {"status": _("The action item is already %(status)s.") % {"status": item.get_status_display().lower()}}
        )
    _apply_status(item, status, by=by)
    return item


def _apply_status(item: ActionItem, status: str, *, by: Actor) -> None:
    """Move a locked item to another (valid) status: completion time, timers and the incident log."""
    old = item.status
    item.status = status
    if status in OPEN_ACTION_STATUSES:
        item.completed_at = None
    elif item.completed_at is None:
        item.completed_at = timezone.now()
    item.save(update_fields=["status", "completed_at"])
    if item.is_open:
        timers.plan_action_item(item)
    else:
        timers.cancel_action_item(item)
    log_to_incident(
        item.postmortem.incident,
        lambda: (
            _("Action item %(old)s → %(new)s: %(action)s")
            % {
                "old": str(ActionStatus(old).label).lower(),
                "new": item.get_status_display().lower(),
                "action": item.action,
            }
        ),
        by=by,
        action_item=item.pk,
    )
