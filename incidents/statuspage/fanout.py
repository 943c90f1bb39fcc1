"""Telling status page subscribers, in workers: one outbox row per subscriber per update (stored
first, retried, idempotent), only to subscribers of the affected components or of all components:
incident updates and maintenance updates (email and webhook, Statuspage's `incident` event; a
maintenance is an incident with `impact: maintenance` there), component status changes (webhook
`component_update` event). Updates whose fan-out was lost are found by `updates_untold` for beat's sweep.
The outcome of each delivery to a webhook is noted: one failing for days in a row is disabled.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import time
from collections.abc import Callable
from datetime import datetime, timedelta
from typing import Any

from django.conf import settings
from django.db import transaction
from django.db.models import OuterRef, Q, QuerySet, Subquery
from django.utils import timezone
from django.utils.translation import gettext as _

from incidents.languages import in_language, in_site_language, supported_language
from incidents.models import Component
from incidents.outbox.channels import WEBHOOK_PREFIX
from incidents.outbox.models import Notification, NotificationStatus
from incidents.outbox.services import enqueue
from incidents.statuspage import selectors, uptime, v2
from incidents.statuspage.models import (
    ComponentStatusChange,
    MaintenanceStatus,
    MaintenanceUpdate,
    PublicIncidentStatus,
    StatusUpdate,
    Subscriber,
    SubscriberKind,
    SubscriberState,
)
from incidents.statuspage.subscribers import audience, link

SIGNATURE_HEADER = "X-Warroom-Signature"
FANOUT_CHUNK = 500
FANOUT_GRACE = timedelta(minutes=2)  # how long the fan-out queued on commit has before the sweep steps in
FANOUT_SWEEP_HOURS = 24
FANOUT_SWEEP_BATCH = 100


def signature(secret: str, body: str, timestamp: int) -> str:
    """`t=<unix time>,v1=<hex HMAC-SHA256 of "<t>.<body>">`: receivers recompute it with their secret."""
    digest = hmac.new(secret.encode(), f"{timestamp}.{body}".encode(), hashlib.sha256).hexdigest()
    return f"t={timestamp},v1={digest}"


def _webhook_headers(subscriber: Subscriber, body: str) -> dict[str, str]:
    return {SIGNATURE_HEADER: signature(subscriber.signing_secret, body, int(time.time()))}


def _email_headers(subscriber: Subscriber) -> dict[str, str]:
    # RFC 8058 one-click unsubscribe: mail clients POST "List-Unsubscribe=One-Click" to the link.
    return {
        "List-Unsubscribe": f"<{link(subscriber, 'unsubscribe')}>",
        "List-Unsubscribe-Post": "List-Unsubscribe=One-Click",
    }


Message = tuple[str, str]  # (subject, email text before the subscriber's own links)


class _PerLanguage:
    """An update's message rendered once per language of its subscribers, not once per subscriber:
    inside `in_language(subscriber.language)` (empty: the site's), as the subscriber signed up."""

    def __init__(self, render: Callable[[], Message]) -> None:
        self.render = render
        self.rendered: dict[str, Message] = {}

    def __call__(self, subscriber: Subscriber) -> Message:
        language = supported_language(subscriber.language)
        if language not in self.rendered:
            with in_language(language):
                self.rendered[language] = self.render()
        return self.rendered[language]


def _tell_each(
    subscribers: QuerySet[Subscriber],
    *,
    dedupe: str,
    state: selectors.PageState,
    webhook_event: dict[str, Any],
    message: Callable[[], Message],
) -> int:
    """One outbox row per subscriber (a webhook gets the event after `meta` and `page`, an address the
    text and its own manage and unsubscribe links), in chunks of FANOUT_CHUNK per transaction. Returns the
    number of rows written. `message` renders the subject and text in the active language: it is called
    once per language of the subscribers (a webhook's subject is in the site's language; its JSON is
    English, as Statuspage's)."""
    written = 0
    per_language = _PerLanguage(message)
    subscribers = subscribers.order_by("pk")
    for start in range(0, subscribers.count(), FANOUT_CHUNK):
        with transaction.atomic():
            for subscriber in subscribers[start : start + FANOUT_CHUNK]:
                subject, email_text = per_language(subscriber)
                if subscriber.kind == SubscriberKind.WEBHOOK:
                    body = json.dumps({**v2.webhook_head(state, link(subscriber, "unsubscribe")), **webhook_event})
                    target, headers = WEBHOOK_PREFIX + subscriber.endpoint, _webhook_headers(subscriber, body)
                else:
                    with in_language(subscriber.language):
                        body = email_text + _links(subscriber)
                    target, headers = f"email:{subscriber.email}", _email_headers(subscriber)
                enqueue(target=target, subject=subject, body=body, about=subscriber, dedupe_key=dedupe, headers=headers)
                written += 1
    return written


def _links(subscriber: Subscriber) -> str:
    return (
        _("Manage your subscription: %(link)s") % {"link": link(subscriber, "manage")}
        + "\n"
        + _("Unsubscribe: %(link)s") % {"link": link(subscriber, "unsubscribe")}
        + "\n"
    )


def _email_text(label: str, body: str, components: list[Component], public_id: str, scheduled: str = "") -> str:
    """An update as an email, before the subscriber's own links (in the active language)."""
    affected = ", ".join(c.name for c in components)
    return (
        f"{label}: {body}\n\n"
        + (_("Scheduled: %(window)s") % {"window": scheduled} + "\n" if scheduled else "")
        + (_("Affected: %(components)s") % {"components": affected} + "\n" if affected else "")
        + _("Details: %(link)s") % {"link": v2.shortlink(public_id)}
        + "\n\n"
    )


def status_update_fanout(update_id: int) -> int:
    """Tell the subscribers of the affected components of a published public update. Idempotent: a row
    per (update, subscriber) is written once whatever the retries. Returns the number of rows written."""
    update = StatusUpdate.objects.select_related("incident").filter(pk=update_id).first()
    if update is None or not update.published or not update.deliver_notifications or not update.incident.public:
        return 0
    incident = selectors.public_incidents().get(pk=update.incident_id)
    components = list(incident.components.all())
    state = selectors.page_state()

    def message() -> Message:
        label = str(PublicIncidentStatus(update.status).label)
        subject = f"[{settings.STATUS_PAGE_NAME}] {incident.title}: {label}"
        return subject, _email_text(label, update.body, components, incident.public_id)

    written = _tell_each(
        audience([c.pk for c in components]),
        dedupe=f"status-update:{update.pk}",
        state=state,
        webhook_event={"incident": v2.webhook_incident(incident, state)},
        message=message,
    )
    StatusUpdate.objects.filter(pk=update.pk).update(subscribers_told_at=timezone.now())
    return written


def maintenance_update_fanout(update_id: int) -> int:
    """Tell the subscribers of a maintenance's components of its update (scheduled, in progress, verifying,
    completed): the same guarantees as `status_update_fanout`."""
    update = MaintenanceUpdate.objects.select_related("maintenance").filter(pk=update_id).first()
    if update is None or not update.deliver_notifications:
        return 0
    maintenance = update.maintenance
    components = list(maintenance.components.all())
    state = selectors.page_state()

    def message() -> Message:
        label = str(MaintenanceStatus(update.status).label)
        window = _("%(start)s to %(end)s UTC") % {
            "start": f"{maintenance.scheduled_for:%Y-%m-%d %H:%M}",
            "end": f"{maintenance.scheduled_until:%Y-%m-%d %H:%M}",
        }
        subject = _("[%(page)s] Maintenance: %(name)s: %(status)s") % {
            "page": settings.STATUS_PAGE_NAME,
            "name": maintenance.name,
            "status": label,
        }
        return subject, _email_text(label, update.body, components, maintenance.public_id, scheduled=window)

    written = _tell_each(
        audience([c.pk for c in components]),
        dedupe=f"maintenance-update:{update.pk}",
        state=state,
        webhook_event={"incident": v2.webhook_maintenance(maintenance, state)},
        message=message,
    )
    MaintenanceUpdate.objects.filter(pk=update.pk).update(subscribers_told_at=timezone.now())
    return written


def updates_untold(now: datetime | None = None) -> tuple[list[int], list[int]]:
    """(incident updates, maintenance updates) that should have reached subscribers and have not, oldest
    first: older than FANOUT_GRACE (the normal fan-out had its chance) and younger than FANOUT_SWEEP_HOURS
    (a message days late would confuse more than it tells)."""
    now = now or timezone.now()
    window = {"created_at__gte": now - timedelta(hours=FANOUT_SWEEP_HOURS), "created_at__lte": now - FANOUT_GRACE}
    incident_updates = StatusUpdate.objects.filter(
        published=True, deliver_notifications=True, incident__public=True, subscribers_told_at__isnull=True, **window
    )
    maintenance_updates = MaintenanceUpdate.objects.filter(
        deliver_notifications=True, subscribers_told_at__isnull=True, **window
    )
    return (
        list(incident_updates.order_by("created_at").values_list("pk", flat=True)[:FANOUT_SWEEP_BATCH]),
        list(maintenance_updates.order_by("created_at").values_list("pk", flat=True)[:FANOUT_SWEEP_BATCH]),
    )


def component_changes_fanout(changes: list[dict[str, Any]]) -> int:
    """Tell webhook subscribers of components whose public status changed (Statuspage's component event).
    `changes`: [{"component": pk, "old": status, "new": status, "at": iso time, "id": change id}]."""
    if not changes:
        return 0
    state = selectors.page_state()
    components = {c.pk: c for c in Component.objects.filter(pk__in=[c["component"] for c in changes])}
    written = 0
    with transaction.atomic():
        for change in changes:
            component = components.get(change["component"])
            if component is None:
                continue
            event = v2.webhook_component_change(
                component, change["old"], change["new"], datetime.fromisoformat(change["at"]), change["id"]
            )
            for subscriber in audience([component.pk]).filter(kind=SubscriberKind.WEBHOOK).order_by("pk"):
                body = json.dumps({**v2.webhook_head(state, link(subscriber, "unsubscribe")), **event})
                enqueue(
                    target=WEBHOOK_PREFIX + subscriber.endpoint,
                    subject=f"{component.name}: {change['new']}",
                    body=body,
                    about=subscriber,
                    dedupe_key=f"component-change:{change['id']}",
                    headers=_webhook_headers(subscriber, body),
                )
                written += 1
        rows = [change["row"] for change in changes if "row" in change]
        ComponentStatusChange.objects.filter(pk__in=rows).update(subscribers_told_at=timezone.now())
    return written


def component_changes_untold(now: datetime | None = None) -> list[dict[str, Any]]:
    """Recorded component changes whose webhook subscribers were not told, in the same window as
    `updates_untold`, as `component_changes_fanout` takes them."""
    now = now or timezone.now()
    # Each change's previous status, read in the same query (a correlated subquery per row).
    previous = (
        ComponentStatusChange.objects.filter(component_id=OuterRef("component_id"))
        .filter(Q(at__lt=OuterRef("at")) | Q(at=OuterRef("at"), pk__lt=OuterRef("pk")))
        .order_by("-at", "-pk")
        .values("status")[:1]
    )
    rows = list(
        ComponentStatusChange.objects.filter(
            subscribers_told_at__isnull=True,
            at__gte=now - timedelta(hours=FANOUT_SWEEP_HOURS),
            at__lte=now - FANOUT_GRACE,
        )
        .select_related("component")
        .annotate(previous_status=Subquery(previous))
        .order_by("at", "pk")[:FANOUT_SWEEP_BATCH]
    )
    # A component's first record changed nothing: nobody is told, and it is not swept again.
    firsts = [row.pk for row in rows if row.previous_status is None]
    if firsts:
        ComponentStatusChange.objects.filter(pk__in=firsts).update(subscribers_told_at=now)
    return [
        uptime.component_change(row.component, row.previous_status, row)
        for row in rows
        if row.previous_status is not None
    ]


# Webhooks that keep failing are disabled (told by the outbox's outcome of each delivery).


def delivery_finished(notification: Notification) -> None:
    """A delivery to a subscriber has its outcome: a webhook failing for SUBSCRIBER_WEBHOOK_DISABLE_DAYS
    days in a row is disabled; a success clears the count."""
    subscriber = notification.about
    if not isinstance(subscriber, Subscriber) or subscriber.kind != SubscriberKind.WEBHOOK:
        return
    now = timezone.now()
    if notification.status == NotificationStatus.SENT:
        Subscriber.objects.filter(pk=subscriber.pk, failing_since__isnull=False).update(failing_since=None)
        return
    if notification.status != NotificationStatus.FAILED:
        return
    locked = Subscriber.objects.select_for_update().get(pk=subscriber.pk)
    if locked.failing_since is None:
        locked.failing_since = now
        locked.save(update_fields=["failing_since"])
        return
    days = float(settings.SUBSCRIBER_WEBHOOK_DISABLE_DAYS)
    if locked.state == SubscriberState.ACTIVE and now - locked.failing_since >= timedelta(days=days):
        locked.state = SubscriberState.DISABLED
        with in_site_language():  # stored, shown in the admin
            reason = _("Failing since %(since)s UTC: %(error)s") % {
                "since": f"{locked.failing_since:%Y-%m-%d %H:%M}",
                "error": notification.last_error,
            }
        locked.state_reason = reason[:300]
        locked.save(update_fields=["state", "state_reason"])
