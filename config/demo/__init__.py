"""Demo data for `manage.py seed_demo`: components, one user per role, incidents in every state, and
six months of history. Every incident is told through the real services at the times it happened
(see replay.py for how), so its timeline, clocks, messages and status updates agree with its start."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.db import transaction
from django.utils import timezone

from incidents import roles, services
from incidents.models import Component, ComponentStatus, Incident, IncidentStatus
from incidents.paging import services as paging_services
from incidents.paging.models import RotationMember
from incidents.paging.seed import primary_rotation
from incidents.paging.services import RowChange
from incidents.statuspage.models import ScheduledMaintenance
from incidents.statuspage.services import maintenance_create
from postmortems.meetings import review_meeting_schedule
from postmortems.models import ActionPriority, AttendeeRole

from .history import past_stories
from .replay import Replay
from .stories import ActionPlan, PostMortemPlan, Story, tell

IDENTIFIED, MONITORING, RESOLVED = IncidentStatus.IDENTIFIED, IncidentStatus.MONITORING, IncidentStatus.RESOLVED

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

# title, severity, component names, minutes ago it started, then minutes after the start of each step:
# acknowledged (None: not yet) and the status moves. P1 and P2 are public: their moves are status updates.
DEMO_INCIDENTS: list[tuple[str, str, list[str], int, int | None, list[tuple[str, int]]]] = [
    ("API returning 503 for all requests", "P1", ["API"], 20, None, []),
    ("Database connection pool exhaustion", "P2", ["Database", "API"], 95, 12, [(IDENTIFIED, 50)]),
    ("Elevated cache misses", "P3", ["Cache"], 300, 35, [(IDENTIFIED, 120), (MONITORING, 240)]),
    (
        "Password reset emails delayed",
        "P3",
        ["Email delivery"],
        60 * 26,
        25,
        [(IDENTIFIED, 70), (MONITORING, 180), (RESOLVED, 300)],
    ),
    (
        "Checkout latency after a deploy",
        "P2",
        ["API", "Web app"],
        60 * 30,
        6,
        [(IDENTIFIED, 25), (MONITORING, 55), (RESOLVED, 95)],
    ),
    ("Typo on the billing page", "P4", ["Web app"], 60 * 72, 180, [(IDENTIFIED, 200), (RESOLVED, 60 * 26)]),
]
# The typo was closed the morning after it was fixed.
CLOSED_AFTER_MINUTES = {"Typo on the billing page": 60 * 30}
DEMO_MAINTENANCE = "Database upgrade"


def _current_story(row: tuple, now: datetime, users: dict[str, Any]) -> Story:
    title, level, components, minutes_ago, ack, moves = row
    started = now - timedelta(minutes=minutes_ago)
    story = Story(
        title=title,
        level=level,
        components=components,
        started_at=started,
        declared_at=started + timedelta(minutes=2),
        acknowledged_at=started + timedelta(minutes=ack) if ack is not None else None,
        moves=[(status, started + timedelta(minutes=minutes)) for status, minutes in moves],
        public=level in ("P1", "P2"),
        users_affected_pct={"P1": 80, "P2": 30, "P3": 10}.get(level),
    )
    if title in CLOSED_AFTER_MINUTES:
        story.closed_at = started + timedelta(minutes=CLOSED_AFTER_MINUTES[title])
    if title == "Checkout latency after a deploy":
        story.postmortem = _checkout_postmortem(started + timedelta(minutes=95 + 60 * 20), now, users)
    return story


def _checkout_postmortem(written_at: datetime, now: datetime, users: dict[str, Any]) -> PostMortemPlan:
    """A post-mortem in review, with the 5 whys and two open action items."""
    today = now.date()
    return PostMortemPlan(
        summary="A deploy doubled the checkout service's database queries; latency rose until it was rolled back.",
        what_happened="Release 412 removed a select_related call; each checkout made 40 extra queries.",
        detection="The p95 latency alert on checkout fired 6 minutes after the deploy.",
        whys=[
            ("Why was checkout slow?", "Each request made 40 extra database queries."),
            ("Why were there extra queries?", "Release 412 removed a select_related call."),
            ("Why was that not caught?", "No test counts the queries of the checkout view."),
            ("Why is there no such test?", "Query-count tests are not part of the review checklist."),
            ("Why not?", "The checklist predates the ORM migration."),
        ],
        written_at=written_at,
        actions=[
            ActionPlan(
                "Add a query-count test to the checkout view",
                users[roles.RESPONDER],
                today + timedelta(days=7),
                ActionPriority.HIGH,
            ),
            ActionPlan(
                "Add query-count tests to the review checklist",
                users[roles.MANAGER],
                today + timedelta(days=14),
                ActionPriority.MEDIUM,
            ),
        ],
    )


def _review_meeting(incident: Incident, replay: Replay, at: datetime, users: dict[str, Any]) -> None:
    commander = users[roles.COMMANDER]
    replay.call(
        at,
        lambda: review_meeting_schedule(
            postmortem=incident.postmortem,  # type: ignore[attr-defined]
            starts_at=(timezone.now() + timedelta(days=1)).replace(hour=15, minute=0, second=0, microsecond=0),
            attendees=[
                (commander, AttendeeRole.INCIDENT_COMMANDER),
                (users[roles.RESPONDER], AttendeeRole.ENGINEER),
                (users[roles.MANAGER], AttendeeRole.ENGINEERING_MANAGER),
            ],
            by=commander,
        ),
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
    primary = primary_rotation()
    if primary is not None and not primary.members.exists():
        member = RotationMember(user=users[roles.RESPONDER], position=0)
        paging_services.rotation_save(primary, by=None, members=[RowChange(row=member)])
    now = timezone.now()
    existing_titles = set(Incident.objects.values_list("title", flat=True))
    replay = Replay()
    people = {"commander": commander, "responder": users[roles.RESPONDER], "manager": users[roles.MANAGER]}
    stories = past_stories(now, people) + [_current_story(row, now, users) for row in DEMO_INCIDENTS]
    # Told in the order they started, so the clocks of one fire while the next is told, as they would have.
    for story in sorted(stories, key=lambda story: story.started_at):
        if story.title in existing_titles:
            continue
        incident = tell(story, replay, commander=commander, responder=users[roles.RESPONDER])
        if story.title == "Checkout latency after a deploy":
            assert story.postmortem is not None
            _review_meeting(incident, replay, story.postmortem.written_at + timedelta(minutes=20), users)
        created["incidents"] += 1
    # The clocks that came due since (escalations of the open P1, update reminders), each at its time.
    replay.fire_timers_until(now)
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
