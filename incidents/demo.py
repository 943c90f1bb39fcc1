"""Demo data for `manage.py seed_demo`: components, one user per role, incidents in every state."""

from __future__ import annotations

from datetime import timedelta

from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.db import transaction
from django.utils import timezone

from incidents import roles, services
from incidents.models import Component, ComponentStatus, Incident, IncidentStatus, SeverityPolicy
from incidents.runbook import PRIMARY_ROTATION
from incidents.timer_models import Rotation, RotationMember

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
    ("Typo on the billing page", "P4", IncidentStatus.CLOSED, 60 * 72, ["Web app"]),
]

PATH = {
    IncidentStatus.INVESTIGATING: [],
    IncidentStatus.IDENTIFIED: [IncidentStatus.IDENTIFIED],
    IncidentStatus.MONITORING: [IncidentStatus.IDENTIFIED, IncidentStatus.MONITORING],
    IncidentStatus.RESOLVED: [IncidentStatus.IDENTIFIED, IncidentStatus.MONITORING, IncidentStatus.RESOLVED],
    IncidentStatus.CLOSED: [IncidentStatus.IDENTIFIED, IncidentStatus.RESOLVED, IncidentStatus.CLOSED],
}

DEMO_PASSWORD = "warroom-demo"  # noqa: S105 - documented demo logins for a local instance


@transaction.atomic
def seed_demo() -> dict[str, int]:
    """Idempotent: components and users are matched by name, incidents by title."""
    created = {"components": 0, "users": 0, "incidents": 0}
    for name, description, group, position in DEMO_COMPONENTS:
        _, new = Component.objects.get_or_create(
            name=name, defaults={"description": description, "group": group, "position": position}
        )
        created["components"] += new
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
        RotationMember.objects.create(rotation=primary, user=users[roles.RESPONDER])
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
        created["incidents"] += 1
    if created["components"]:
        Component.objects.filter(name="API").update(status=ComponentStatus.PARTIAL_OUTAGE)
    return created
