"""How paging reacts: the incident hooks re-plan the runbook's clocks and notify people of role changes,
and every message about an incident that was sent (or failed for good) is logged on its timeline."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest

from incidents import cockpit, hooks
from incidents.models import Incident, TimelineKind
from incidents.outbox.models import Notification, NotificationStatus
from incidents.outbox.signals import notification_finished
from incidents.paging import clocks, selectors, services
from incidents.timeline import timeline_append


def log_notification(sender: Any, notification: Notification, **kwargs: Any) -> None:
    about = notification.about
    if not isinstance(about, Incident):
        return
    if notification.status == NotificationStatus.SENT:
        text = f"Notified {notification.target_display} ({notification.channel}): {notification.subject}"
    else:
        text = (
            f"Notification to {notification.target_display} failed after {notification.attempts} attempt(s): "
            f"{notification.last_error}"
        )
    timeline_append(
        about,
        kind=TimelineKind.NOTIFICATION,
        text=text,
        data={"notification": notification.pk, "status": notification.status, "channel": notification.channel},
    )


def timers_panel(request: HttpRequest, incident: Incident) -> dict[str, Any]:
    return selectors.timers_panel(incident)


def connect() -> None:
    clocks.register()
    hooks.incident_changed.connect(clocks.plan_incident_timers, dispatch_uid="paging.plan_incident_timers")
    notification_finished.connect(log_notification, dispatch_uid="paging.log_notification")
    cockpit.register_fact(cockpit.NEXT_UPDATE_DUE, selectors.next_update_due)
    # The incident's roles: both commanders hear of a hand-over, a new role holder is told, and a
    # responder added with "page them" is paged.
    hooks.command_handed_over.connect(services.notify_command_handed_over, dispatch_uid="paging.handover")
    hooks.role_assigned.connect(services.notify_role_assigned, dispatch_uid="paging.role_assigned")
    hooks.responder_added.connect(services.page_added_responder, dispatch_uid="paging.responder_added")
    cockpit.register_panel(
        cockpit.Panel(
            name="paging.timers",
            template="admin/paging/panels/timers.html",
            context=timers_panel,
            place=cockpit.SIDE,
            order=50,
        )
    )
