"""How the post-incident review reacts to the incident hooks: resolving creates the draft post-mortem,
closing waits for it to be published, and the cockpit links to it."""

from __future__ import annotations

from typing import Any

from django.db.models.signals import post_delete
from django.http import HttpRequest

from incidents import cockpit, hooks
from incidents.models import Incident
from incidents.timeline import Actor
from postmortems import services
from postmortems.models import Attachment, PostMortem


def incident_resolved(sender: Any, incident: Incident, by: Actor = None, **kwargs: Any) -> None:
    services.on_incident_resolved(incident, by=by)


def incident_closing(sender: Any, incident: Incident, **kwargs: Any) -> None:
    services.check_incident_can_close(incident)


def postmortem_link(request: HttpRequest, incident: Incident) -> dict[str, Any] | None:
    postmortem = PostMortem.objects.filter(incident=incident).only("pk", "status").first()
    return {"postmortem": postmortem} if postmortem is not None else None


def connect() -> None:
    post_delete.connect(services.attachment_deleted, sender=Attachment, dispatch_uid="postmortems.attachment_deleted")
    hooks.incident_resolved.connect(incident_resolved, dispatch_uid="postmortems.incident_resolved")
    hooks.incident_closing.connect(incident_closing, dispatch_uid="postmortems.incident_closing")
    cockpit.register_panel(
        cockpit.Panel("postmortems.link", "admin/postmortems/panels/link.html", postmortem_link, cockpit.HEADER, 15)
    )
