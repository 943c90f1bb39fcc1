"""How paging reacts: the incident hooks re-plan the runbook's clocks and notify people of role changes,
and every message about an incident that was sent (or failed for good) is logged on its timeline."""

from __future__ import annotations

from typing import Any

from django.contrib.contenttypes.models import ContentType
from django.db.models import Count, Min, OuterRef, Q, Subquery, Sum
from django.http import HttpRequest
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from incidents import cockpit, hooks
from incidents.languages import in_site_language
from incidents.models import Incident, TimelineKind
from incidents.outbox.models import Notification, NotificationStatus
from incidents.outbox.signals import notification_finished
from incidents.paging import clocks, selectors, services
from incidents.timeline import timeline_append
from incidents.timers.models import Timer


def log_notification(sender: Any, notification: Notification, **kwargs: Any) -> None:
    about = notification.about
    if not isinstance(about, Incident):
        return
    values = {
        "target": notification.target_display,
        "channel": notification.channel,
        "subject": notification.subject,
        "count": notification.attempts,
        "error": notification.last_error,
    }
    with in_site_language():  # the timeline is shared: the site's language
        if notification.status == NotificationStatus.SENT:
            text = _("Notified %(target)s (%(channel)s): %(subject)s") % values
        else:
            text = (
                ngettext(
                    "Notification to %(target)s failed after %(count)s attempt: %(error)s",
                    "Notification to %(target)s failed after %(count)s attempts: %(error)s",
                    notification.attempts,
                )
                % values
            )
    timeline_append(
        about,
        kind=TimelineKind.NOTIFICATION,
        text=text,
        data={"notification": notification.pk, "status": notification.status, "channel": notification.channel},
    )


def timers_panel(request: HttpRequest, incident: Incident) -> dict[str, Any]:
    return selectors.timers_panel(incident)


def timers_state() -> Subquery:
    """Changes when a timer of the incident is planned, fires or is cancelled (the live cockpit's refresh)."""
    rows = Timer.objects.filter(subject_type=ContentType.objects.get_for_model(Incident), subject_id=OuterRef("pk"))
    return cockpit.aggregate_of(rows, "subject_id", Count("pk"), Count("fired_at"), Count("cancelled_at"))


def notifications_state() -> Subquery:
    """Changes when a message about the incident is queued, tried, sent or fails."""
    rows = Notification.objects.filter(about_type=ContentType.objects.get_for_model(Incident), about_id=OuterRef("pk"))
    return cockpit.aggregate_of(
        rows,
        "about_id",
        Count("pk"),
        Sum("attempts"),
        *(Count("pk", filter=Q(status=status)) for status in NotificationStatus.values),
    )


def next_update_due(incidents: list[Incident]) -> dict[int, Any]:
    """When each incident's next public update is due: its pending update reminder (for the live board)."""
    rows = (
        Timer.objects.filter(
            subject_type=ContentType.objects.get_for_model(Incident),
            subject_id__in=[incident.pk for incident in incidents],
            kind=clocks.UPDATE_REMINDER,
            fired_at__isnull=True,
            cancelled_at__isnull=True,
        )
        .values("subject_id")
        .annotate(due=Min("due_at"))
    )
    return {row["subject_id"]: row["due"] for row in rows}


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
    cockpit.register_state_part("paging.timers", timers_state)
    cockpit.register_state_part("paging.notifications", notifications_state)
    cockpit.register_board_fact("next_update_due", next_update_due)
