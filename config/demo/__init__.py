"""Demo data for `manage.py seed_demo`: components, one user per role, incidents in every state."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.db import transaction
from django.utils import timezone

from incidents import roles, services
from incidents.models import Component, ComponentStatus, Incident, IncidentStatus, SeverityPolicy
from incidents.paging import services as paging_services
from incidents.paging.models import Rotation, RotationMember
from incidents.paging.seed import PRIMARY_ROTATION
from incidents.paging.services import RowChange
from incidents.statuspage import services as status_services
from incidents.statuspage.models import ScheduledMaintenance
from incidents.statuspage.services import maintenance_create
from postmortems import services as pm_services
from postmortems.meetings import review_meeting_schedule
from postmortems.models import ActionPriority, AttendeeRole

DEMO_COMPONENTS = [
    ("API", "Public REST API", "Platform", 1),
    ("Web app", "Customer dashboard", "Platform", 2),
    ("Database", "Primary PostgreSQL cluster", "Infrastructure", 1),
    ("Cache", "Redis", "Infrastructure", 2),
    ("Email delivery", "Transactional email", "Integrations", 1),
]

DEMO_USERS = [
    ("commander", "Casey", "Commander", roles.COMMANDER),
    ("responder", "Riley", "Responder", roles.RESPONDER),
    ("manager", "Morgan", "Manager", roles.MANAGER),
    ("viewer", "Vic", "Viewer", roles.VIEWER),
]

# title, severity, final status, minutes ago it started, component names
DEMO_INCIDENTS = [
    ("API returning 503 for all requests", "P1", IncidentStatus.INVESTIGATING, 20, ["API"]),
    ("Database connection pool exhaustion", "P2", IncidentStatus.IDENTIFIED, 95, ["Database", "API"]),
    ("Elevated cache misses", "P3", IncidentStatus.MONITORING, 300, ["Cache"]),
    ("Password reset emails delayed", "P3", IncidentStatus.RESOLVED, 60 * 26, ["Email delivery"]),
    ("Checkout latency after a deploy", "P2", IncidentStatus.RESOLVED, 60 * 30, ["API", "Web app"]),
    ("Typo on the billing page", "P4", IncidentStatus.CLOSED, 60 * 72, ["Web app"]),
]

PATH = {
    IncidentStatus.INVESTIGATING: [],
    IncidentStatus.IDENTIFIED: [IncidentStatus.IDENTIFIED],
    IncidentStatus.MONITORING: [IncidentStatus.IDENTIFIED, IncidentStatus.MONITORING],
    IncidentStatus.RESOLVED: [IncidentStatus.IDENTIFIED, IncidentStatus.MONITORING, IncidentStatus.RESOLVED],
    IncidentStatus.CLOSED: [IncidentStatus.IDENTIFIED, IncidentStatus.RESOLVED, IncidentStatus.CLOSED],
}

# Runbook 3.3's status page wording.
PUBLIC_BODIES = {
    IncidentStatus.INVESTIGATING: "We are investigating reports of service unavailability.",
    IncidentStatus.IDENTIFIED: "We have identified the root cause and are implementing a fix.",
    IncidentStatus.MONITORING: "A fix has been deployed and we are monitoring the results.",
    IncidentStatus.RESOLVED: "Service has been fully restored. We will provide a post-mortem within 24 hours.",
    IncidentStatus.CLOSED: "Service has been fully restored.",
}
DEMO_MAINTENANCE = "Database upgrade"


def _demo_postmortem(incident: Incident, *, commander: Any, owner: Any, manager: Any) -> None:
    """A post-mortem in review, with the 5 whys, action items and a review meeting."""
    postmortem = incident.postmortem  # type: ignore[attr-defined]
    postmortem = pm_services.postmortem_update(
        postmortem,
        by=commander,
        summary="A deploy doubled the checkout service's database queries; latency rose until it was rolled back.",
        what_happened="Release 412 removed a select_related call; each checkout made 40 extra queries.",
        detection="The p95 latency alert on checkout fired 6 minutes after the deploy.",
    )
    pm_services.postmortem_set_whys(
        postmortem,
        by=commander,
        whys=[
            ("Why was checkout slow?", "Each request made 40 extra database queries."),
            ("Why were there extra queries?", "Release 412 removed a select_related call."),
            ("Why was that not caught?", "No test counts the queries of the checkout view."),
            ("Why is there no such test?", "Query-count tests are not part of the review checklist."),
            ("Why not?", "The checklist predates the ORM migration."),
        ],
    )
    today = timezone.now().date()
    pm_services.action_item_create(
        postmortem=postmortem,
        action="Add a query-count test to the checkout view",
        owner=owner,
        due_date=today + timedelta(days=7),
        priority=ActionPriority.HIGH,
        by=commander,
    )
    pm_services.action_item_create(
        postmortem=postmortem,
        action="Add query-count tests to the review checklist",
        owner=manager,
        due_date=today + timedelta(days=14),
        priority=ActionPriority.MEDIUM,
        by=commander,
    )
    pm_services.postmortem_submit(postmortem, by=commander)
    review_meeting_schedule(
        postmortem=postmortem,
        starts_at=(timezone.now() + timedelta(days=1)).replace(hour=15, minute=0, second=0, microsecond=0),
        attendees=[
            (commander, AttendeeRole.INCIDENT_COMMANDER),
            (owner, AttendeeRole.ENGINEER),
            (manager, AttendeeRole.ENGINEERING_MANAGER),
        ],
        by=commander,
    )


DEMO_PASSWORD = "warroom-demo"  # noqa: S105 - documented demo logins for a local instance


@transaction.atomic
def seed_demo() -> dict[str, int]:
    """Idempotent: components and users are matched by name, incidents by title."""
    created = {"components": 0, "users": 0, "incidents": 0}
    existing = set(Component.objects.values_list("name", flat=True))
    for name, description, group, position in DEMO_COMPONENTS:
        if name not in existing:
            services.component_create(by=None, name=name, description=description, group=group, position=position)
            created["components"] += 1
    User = get_user_model()
    users = {}
    for username, first, last, role in DEMO_USERS:
        user, new = User.objects.get_or_create(
            username=username,
            defaults={"first_name": first, "last_name": last, "is_staff": True, "email": f"{username}@example.com"},
        )
        if new:
            user.set_password(DEMO_PASSWORD)
            user.save()
            created["users"] += 1
        user.groups.add(Group.objects.get(name=role))
        users[role] = user
    commander = users[roles.COMMANDER]
    # The demo responder carries the pager, so the default escalation path has someone to page.
    primary = Rotation.objects.filter(name=PRIMARY_ROTATION).first()
    if primary is not None and not primary.members.exists():
        member = RotationMember(user=users[roles.RESPONDER], position=0)
        paging_services.rotation_save(primary, by=None, members=[RowChange(row=member)])
    now = timezone.now()
    for title, level, final, minutes_ago, component_names in DEMO_INCIDENTS:
        if Incident.objects.filter(title=title).exists():
            continue
        incident = services.incident_declare(
            title=title,
            severity=SeverityPolicy.objects.get(level=level),
            by=commander,
            started_at=now - timedelta(minutes=minutes_ago),
            components=Component.objects.filter(name__in=component_names),
            public=level in ("P1", "P2"),
            users_affected_pct={"P1": 80, "P2": 30, "P3": 10}.get(level),
        )
        if final != IncidentStatus.INVESTIGATING or level != "P1":
            incident = services.incident_acknowledge(incident, by=users[roles.RESPONDER])
        for status in PATH[final]:
            incident = services.incident_move_status(incident, status=status, by=commander)
        if incident.public:
            status_services.status_update_publish(
                incident, status=incident.status, body=PUBLIC_BODIES[final], by=commander
            )
        if hasattr(incident, "postmortem"):
            _demo_postmortem(incident, commander=commander, owner=users[roles.RESPONDER], manager=users[roles.MANAGER])
        created["incidents"] += 1
    if not ScheduledMaintenance.objects.filter(name=DEMO_MAINTENANCE).exists():
        start = (now + timedelta(days=7)).replace(hour=2, minute=0, second=0, microsecond=0)
        maintenance_create(
            name=DEMO_MAINTENANCE,
            scheduled_for=start,
            scheduled_until=start + timedelta(hours=2),
            by=commander,
            components=Component.objects.filter(name="Database"),
            body="We will upgrade the primary database. The API may be read-only for up to 10 minutes.",
        )
    if created["components"]:
        services.component_update(Component.objects.get(name="API"), by=None, status=ComponentStatus.PARTIAL_OUTAGE)
    return created
