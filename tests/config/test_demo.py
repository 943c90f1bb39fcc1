"""The demo data tells a true story: times agree with each incident's start, and the history reports."""

from datetime import timedelta

import pytest
from django.core.management import call_command
from django.db import transaction
from django.utils import timezone

from incidents.models import Incident, IncidentStatus, TimelineEntry
from incidents.outbox.models import Notification, NotificationStatus
from incidents.statuspage.models import StatusUpdate
from incidents.timers.models import Timer
from postmortems.models import ActionItem, ActionStatus
from postmortems.reports.figures import build_report
from postmortems.reports.filters import ReportFilters

pytestmark = pytest.mark.django_db


@pytest.fixture(scope="module")
def demo(django_db_setup, django_db_blocker):
    """Seeded once for the module (it is the slow part), inside a transaction rolled back at the end: each
    test's own transaction nests within it."""
    with django_db_blocker.unblock(), transaction.atomic():
        before = timezone.now()
        call_command("seed_demo")
        yield before, timezone.now()
        transaction.set_rollback(True)


def test_every_timeline_lies_between_the_start_and_now_in_the_order_written(demo):
    _, seeded_at = demo
    incidents = list(Incident.objects.all())
    assert len(incidents) > 40
    for incident in incidents:
        times = list(TimelineEntry.objects.filter(incident=incident).order_by("pk").values_list("at", flat=True))
        assert times, incident.title
        assert all(incident.started_at <= at <= seeded_at for at in times), incident.title
        assert times == sorted(times), incident.title
        first = TimelineEntry.objects.filter(incident=incident).order_by("at", "pk").first()
        assert first is not None
        assert first.kind == "declared", incident.title


def test_three_days_ago_is_not_now(demo):
    before, _ = demo
    typo = Incident.objects.get(title="Typo on the billing page")
    assert typo.started_at < before - timedelta(days=2, hours=23)
    # Acknowledged three hours in, not "took three days"; resolved the next day, closed that morning.
    assert typo.acknowledged_at is not None
    assert typo.resolved_at is not None
    assert typo.closed_at is not None
    assert abs(typo.acknowledged_at - typo.started_at - timedelta(hours=3)) < timedelta(seconds=5)
    assert abs(typo.resolved_at - typo.started_at - timedelta(hours=26)) < timedelta(seconds=5)
    assert typo.closed_at < before - timedelta(days=1)
    assert typo.reference == f"INC-{typo.declared_at:%Y-%m-%d}-001"
    assert not typo.timeline.filter(at__gte=before).exists()


def test_acknowledgements_take_minutes_to_hours_and_mostly_within_target(demo):
    acknowledged = Incident.objects.filter(acknowledged_at__isnull=False).select_related("severity")
    within = 0
    for incident in acknowledged:
        assert incident.acknowledged_at is not None
        took = incident.acknowledged_at - incident.started_at
        assert timedelta(minutes=1) <= took <= 3 * incident.severity.response_target, incident.title
        within += took <= incident.severity.response_target
    assert 0.75 <= within / acknowledged.count() < 1


def test_the_open_p1_was_escalated_after_it_was_declared_and_is_still_unacknowledged(demo):
    p1 = Incident.objects.get(title="API returning 503 for all requests")
    assert p1.acknowledged_at is None
    escalations = list(p1.timeline.filter(kind="escalation").order_by("at"))
    assert escalations
    assert escalations[0].at >= p1.declared_at
    assert p1.timeline.filter(kind="status_update").get().at > p1.declared_at


def test_six_months_report_sla_is_neither_zero_nor_perfect(demo):
    now = timezone.now()
    report = build_report(ReportFilters(start=(now - timedelta(days=183)).date(), end=now.date()), now)
    figures = report.incidents
    assert figures["count"] > 40
    assert 75 <= figures["response_sla_pct"] < 100
    assert 75 <= figures["resolution_sla_pct"] < 100
    assert {row["severity"] for row in figures["by_severity"] if row["count"]} == {"P1", "P2", "P3", "P4"}
    assert sum(1 for row in figures["per_month"] if row["total"]) >= 6
    items = report.action_items
    assert items["done"]
    assert items["open"]
    assert items["wont_do"]
    months = report.action_items["completion"]
    assert any(row["done_on_time"] < row["done"] for row in months)  # some were done late
    assert any(row["done_on_time"] for row in months)


def test_messages_of_the_past_are_delivered_and_the_status_page_has_a_history(demo):
    before, _ = demo
    assert not Notification.objects.filter(status=NotificationStatus.PENDING, created_at__lt=before).exists()
    assert Notification.objects.filter(sent_at__lt=before - timedelta(days=90)).exists()
    resolved_public = Incident.objects.filter(public=True, status=IncidentStatus.CLOSED)
    assert resolved_public.count() >= 10
    for incident in resolved_public:
        updates = list(StatusUpdate.objects.filter(incident=incident).order_by("display_at"))
        assert [update.status for update in updates][-1] == "resolved"
        assert updates[0].display_at >= incident.declared_at
    assert ActionItem.objects.filter(status=ActionStatus.DONE, completed_at__lt=before - timedelta(days=30)).exists()


def test_no_clock_of_the_past_is_left_to_fire(demo):
    before, _ = demo
    closed = Incident.objects.exclude(status__in=["investigating", "identified", "monitoring"])
    assert (
        not Timer.objects.filter(
            subject_id__in=closed.values("pk"), fired_at__isnull=True, cancelled_at__isnull=True, due_at__lt=before
        )
        .exclude(kind__startswith="postmortem")
        .exists()
    )


def test_seed_demo_twice_adds_nothing(demo):
    counts = [model.objects.count() for model in (Incident, TimelineEntry, Notification, StatusUpdate, ActionItem)]
    call_command("seed_demo")
    assert [model.objects.count() for model in (Incident, TimelineEntry, Notification, StatusUpdate, ActionItem)] == (
        counts
    )
