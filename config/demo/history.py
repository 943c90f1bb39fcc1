"""Six months of past incidents, generated from a fixed seed so every run tells the same story.

The rates are those of a team that mostly keeps its targets: about 85-90% acknowledged and resolved
within the severity's targets, the rest a little or a lot late; P1 and P2 get a post-mortem, published
a few days after resolution, with action items done on time, done late, dropped, or still open."""

from __future__ import annotations

import random
from datetime import datetime, timedelta
from typing import Any

from incidents.models import IncidentStatus

from .stories import ActionPlan, PostMortemPlan, Story

SEED = 20260601
HISTORY_DAYS = 182
# Nothing in the history is younger than this; the recent incidents are told by hand.
QUIET_DAYS = 4
WITHIN_TARGET = 0.87

# title, severity, component names, public
PAST_INCIDENTS = [
    ("Login failures after identity provider certificate rotation", "P1", ["API", "Web app"], True),
    ("Primary database failover", "P1", ["Database", "API"], True),
    ("Full outage during a bad load balancer config push", "P1", ["API", "Web app"], True),
    ("Payment webhooks rejected", "P1", ["API"], True),
    ("Search results empty for all customers", "P1", ["API", "Web app"], True),
    ("Slow dashboard after a schema migration", "P2", ["Web app", "Database"], True),
    ("Replica lag above ten minutes", "P2", ["Database"], True),
    ("Cache cluster node lost", "P2", ["Cache", "API"], True),
    ("Email bounces from the main sending domain", "P2", ["Email delivery"], True),
    ("Webhook deliveries delayed", "P2", ["API"], True),
    ("Export jobs stuck in the queue", "P2", ["API"], True),
    ("Sign-up form errors on mobile browsers", "P2", ["Web app"], True),
    ("Intermittent 502s from the API gateway", "P2", ["API"], True),
    ("Connection pool saturation during the nightly batch", "P2", ["Database", "API"], True),
    ("Invoice emails sent twice", "P2", ["Email delivery"], True),
    ("Session cache evictions logging users out", "P2", ["Cache", "Web app"], True),
    ("Disk filling up on the database host", "P2", ["Database"], False),
    ("API rate limiter rejecting valid traffic", "P2", ["API"], True),
    ("Elevated error rate on file uploads", "P3", ["API"], False),
    ("Password reset links expiring early", "P3", ["Email delivery", "Web app"], False),
    ("Dashboard charts missing yesterday's data", "P3", ["Web app"], False),
    ("Slow autocomplete in the search box", "P3", ["Web app", "Cache"], False),
    ("Cache hit ratio dropped below 80%", "P3", ["Cache"], False),
    ("Email open tracking not recorded", "P3", ["Email delivery"], False),
    ("Vacuum not keeping up on the events table", "P3", ["Database"], False),
    ("Timeouts on the reports endpoint", "P3", ["API", "Database"], False),
    ("CSV import rejects files with a BOM", "P3", ["Web app"], False),
    ("Stale avatars after profile updates", "P3", ["Cache", "Web app"], False),
    ("Notification digest sent at the wrong hour", "P3", ["Email delivery"], False),
    ("Pagination returns duplicates on the audit log", "P3", ["API"], False),
    ("Background worker memory growth", "P3", ["API"], False),
    ("Slow queries on the billing history page", "P3", ["Database", "Web app"], False),
    ("Transactional email queue backing up", "P3", ["Email delivery"], True),
    ("Health check flapping on one API node", "P3", ["API"], False),
    ("Redis memory fragmentation warnings", "P3", ["Cache"], False),
    ("Time zone shown wrong in exported reports", "P3", ["Web app"], False),
    ("Broken link in the welcome email", "P4", ["Email delivery"], False),
    ("Misaligned buttons on the settings page", "P4", ["Web app"], False),
    ("Deprecated TLS cipher still offered", "P4", ["API"], False),
    ("Log noise from a retired feature flag", "P4", ["API"], False),
    ("Tooltip text cut off in Firefox", "P4", ["Web app"], False),
    ("Backup verification job reporting a warning", "P4", ["Database"], False),
    ("Unsubscribe footer missing in one template", "P4", ["Email delivery"], False),
    ("Favicon missing on the status page", "P4", ["Web app"], False),
    ("Cache keys without a TTL found in review", "P4", ["Cache"], False),
    ("Outdated API example in the docs", "P4", ["API"], False),
    ("Date picker starts weeks on Sunday for all locales", "P4", ["Web app"], False),
]

# Minutes to acknowledge and to resolve, within and beyond the targets (P1 15 min / 2 h, P2 1 h / 8 h,
# P3 4 h / 24 h, P4 24 h / best effort).
ACK_MINUTES = {"P1": ((2, 14), (17, 45)), "P2": ((5, 55), (65, 150)), "P3": ((10, 220), (250, 480))}
ACK_MINUTES["P4"] = ((30, 1200), (1500, 2400))
RESOLVE_MINUTES = {"P1": ((35, 115), (125, 300)), "P2": ((60, 460), (500, 900)), "P3": ((120, 1380), (1500, 2800))}
RESOLVE_MINUTES["P4"] = ((1440, 14400), (1440, 14400))

WHYS = [
    ("Why did customers see errors?", "The service could not reach a dependency it needs for every request."),
    ("Why could it not reach it?", "A configuration change removed the route to it."),
    ("Why was the change not caught?", "The staging environment does not use the same network layout."),
    ("Why is staging different?", "It was built before the current network design."),
    ("Why was it not rebuilt?", "Nobody owned the environment parity work."),
]
ACTIONS = [
    ("Add an alert on the dependency's error rate", "high"),
    ("Document the rollback steps in the playbook", "medium"),
    ("Make staging use the production network layout", "medium"),
    ("Add a canary stage to the deploy pipeline", "high"),
    ("Review connection limits on every service", "low"),
    ("Add a query-count test to the affected view", "medium"),
]


def _minutes(rng: random.Random, ranges: tuple[tuple[int, int], tuple[int, int]]) -> timedelta:
    low, high = ranges[0] if rng.random() < WITHIN_TARGET else ranges[1]
    return timedelta(minutes=rng.randint(low, high))


def _start(rng: random.Random, now: datetime) -> datetime:
    """A start time in the window, during working hours more often than not."""
    day = now - timedelta(days=rng.uniform(QUIET_DAYS + 10, HISTORY_DAYS))
    hour = rng.choice([9, 10, 11, 13, 14, 15, 16, 17]) if rng.random() < 0.7 else rng.randrange(24)
    return day.replace(hour=hour, minute=rng.randrange(60), second=0, microsecond=0)


def past_stories(now: datetime, users: dict[str, Any]) -> list[Story]:
    rng = random.Random(SEED)  # noqa: S311 - a repeatable story, not a secret
    owners = [users["responder"], users["commander"], users["manager"]]
    stories = []
    for title, level, components, public in PAST_INCIDENTS:
        started = _start(rng, now)
        declared = started + timedelta(minutes=rng.randint(1, 10))
        acknowledged = max(started + _minutes(rng, ACK_MINUTES[level]), declared + timedelta(minutes=1))
        resolved = max(started + _minutes(rng, RESOLVE_MINUTES[level]), acknowledged + timedelta(minutes=10))
        worked = resolved - acknowledged
        moves = [
            (IncidentStatus.IDENTIFIED, acknowledged + worked * rng.uniform(0.2, 0.5)),
            (IncidentStatus.MONITORING, acknowledged + worked * rng.uniform(0.6, 0.9)),
            (IncidentStatus.RESOLVED, resolved),
        ]
        story = Story(
            title=title,
            level=level,
            components=components,
            started_at=started,
            declared_at=declared,
            acknowledged_at=acknowledged,
            moves=moves,
            public=public,
            users_affected_pct={"P1": rng.randint(40, 100), "P2": rng.randint(10, 40)}.get(level),
        )
        if level in ("P1", "P2"):
            story.postmortem = _postmortem(rng, title, resolved, owners, now)
            published = story.postmortem.published_at
            story.closed_at = published + timedelta(hours=rng.randint(1, 48)) if published else None
        else:
            story.closed_at = resolved + timedelta(hours=rng.randint(2, 72))
        stories.append(story)
    return stories


def _postmortem(rng: random.Random, title: str, resolved: datetime, owners: list[Any], now: datetime) -> PostMortemPlan:
    written = resolved + timedelta(hours=rng.randint(3, 40))
    published = written + timedelta(hours=rng.randint(4, 96))
    actions = []
    for action, priority in rng.sample(ACTIONS, k=rng.randint(1, 3)):
        due = (published + timedelta(days=rng.randint(7, 30))).date()
        outcome = rng.random()
        done_at: datetime | None
        if outcome < 0.55:  # on time
            done_at = published + (datetime.combine(due, published.timetz()) - published) * rng.uniform(0.3, 0.95)
        elif outcome < 0.8:  # late
            done_at = datetime.combine(due, published.timetz()) + timedelta(days=rng.randint(2, 25))
        elif outcome < 0.88:  # dropped
            done_at = published + timedelta(days=rng.randint(1, 10))
        else:  # still open
            done_at = None
        if done_at is not None and done_at > now:
            done_at = None  # not yet: open today
        actions.append(
            ActionPlan(
                action=action,
                owner=rng.choice(owners),
                due=due,
                priority=priority,
                done_at=done_at,
                wont_do=0.8 <= outcome < 0.88,
            )
        )
    return PostMortemPlan(
        summary=f"{title}: customers were affected until the change behind it was reverted.",
        what_happened="A change to a shared dependency broke requests; it was rolled back and then fixed properly.",
        detection="An alert on the error rate fired a few minutes after the change.",
        whys=WHYS,
        written_at=written,
        published_at=published,
        actions=actions,
    )
