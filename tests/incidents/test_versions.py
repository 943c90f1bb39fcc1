"""No lost updates: every change of an incident's state counts a version; a change made from an older
version is refused (naming who changed it and when) and writes nothing."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime
from threading import Barrier

import pytest
import time_machine
from django.core.exceptions import ValidationError
from django.db import connection

from incidents import roles, services
from incidents.models import Incident, IncidentStatus, TimelineEntry, TimelineKind
from incidents.statuspage import services as status_services
from incidents.statuspage.models import StatusUpdate
from tests.conftest import is_postgres, make_user, need_service
from tests.factories import ComponentFactory, IncidentFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def other(django_user_model):
    return make_user(django_user_model, "alice", roles.COMMANDER)


def test_every_state_change_counts_a_version_and_who_made_it(commander, other, severities):
    incident = IncidentFactory.create(by=commander, level="P2")
    assert (incident.version, incident.changed_by) == (1, commander)
    services.incident_acknowledge(incident, by=other)
    services.incident_change_severity(incident, severity=severities["P1"], by=commander)
    services.incident_move_status(incident, status=IncidentStatus.IDENTIFIED, by=other)
    services.incident_update_details(incident, by=commander, title="Checkout down")
    status_services.status_update_publish(incident, status="identified", body="Found it.", by=other)
    incident.refresh_from_db()
    assert incident.version == 6
    assert incident.changed_by == other


def test_notes_ticks_and_no_op_edits_do_not_count(commander, severities):
    incident = IncidentFactory.create(by=commander)
    services.incident_add_note(incident, by=commander, text="Looking at the dashboards.")
    services.checklist_item_tick(incident.checklist.get(position=2), by=commander)
    services.incident_update_details(incident, by=commander, title=incident.title)  # nothing changes
    incident.refresh_from_db()
    assert incident.version == 1


@time_machine.travel(datetime(2026, 11, 27, 10, 32, tzinfo=UTC), tick=False)
@pytest.mark.parametrize(
    "change",
    [
        lambda incident, user, version, sev: services.incident_acknowledge(incident, by=user, expected_version=version),
        lambda incident, user, version, sev: services.incident_move_status(
            incident, status=IncidentStatus.RESOLVED, by=user, expected_version=version
        ),
        lambda incident, user, version, sev: services.incident_change_severity(
            incident, severity=sev["P1"], by=user, expected_version=version
        ),
        lambda incident, user, version, sev: services.incident_update_details(
            incident, by=user, title="Overwritten", expected_version=version
        ),
        lambda incident, user, version, sev: services.incident_update(
            incident, by=user, details={"title": "Overwritten"}, expected_version=version
        ),
        lambda incident, user, version, sev: status_services.status_update_publish(
            incident, status="monitoring", body="Fixed, watching.", by=user, expected_version=version
        ),
    ],
    ids=["acknowledge", "move", "severity", "details", "api-update", "publish"],
)
def test_a_change_from_an_older_version_is_refused_and_writes_nothing(change, commander, other, severities):
    incident = IncidentFactory.create(by=commander, level="P2", title="Checkout errors")
    seen = incident.version
    services.incident_move_status(incident, status=IncidentStatus.IDENTIFIED, by=other)  # someone else, meanwhile
    entries = TimelineEntry.objects.count()

    with pytest.raises(services.IncidentConflict) as refused:
        change(incident, commander, seen, severities)

    assert str(refused.value.messages[0]) == (
        f"{incident.reference} was changed by alice at 10:32 UTC, review and resubmit."
    )
    assert refused.value.current_version == seen + 1
    fresh = Incident.objects.get(pk=incident.pk)
    assert (fresh.version, fresh.status, fresh.title, fresh.severity.level) == (
        seen + 1,
        IncidentStatus.IDENTIFIED,
        "Checkout errors",
        "P2",
    )
    assert fresh.acknowledged_at is None
    assert TimelineEntry.objects.count() == entries
    assert not StatusUpdate.objects.exists()


def test_the_current_version_is_accepted(commander, severities):
    incident = IncidentFactory.create(by=commander)
    acknowledged = services.incident_acknowledge(incident, by=commander, expected_version=incident.version)
    moved = services.incident_move_status(
        incident, status=IncidentStatus.MONITORING, by=commander, expected_version=acknowledged.version
    )
    assert moved.version == 3


def test_a_change_by_warroom_itself_is_named(commander, severities):
    incident = IncidentFactory.create(by=commander)
    services.incident_move_status(incident, status=IncidentStatus.RESOLVED, by=None)  # e.g. an alert resolving it
    with pytest.raises(services.IncidentConflict, match="changed by Warroom at"):
        services.incident_move_status(incident, status=IncidentStatus.IDENTIFIED, by=commander, expected_version=1)


def test_ticking_an_item_someone_ticked_is_refused_not_logged_twice(commander, other, severities):
    incident = IncidentFactory.create(by=commander)
    item = incident.checklist.get(position=2)
    services.checklist_item_tick(item, by=other)
    with pytest.raises(ValidationError, match=r"already ticked by alice at \d\d:\d\d UTC"):
        services.checklist_item_tick(item, by=commander)
    assert incident.timeline.filter(kind=TimelineKind.CHECKLIST).count() == 1


@pytest.mark.parametrize("bad", ["x", "0", "-3", "1.5"])
def test_a_malformed_version_is_a_clear_error(bad):
    with pytest.raises(ValidationError) as error:
        services.parse_version(bad)
    assert "version" in error.value.message_dict


@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize("action", ["move", "details", "publish"])
def test_two_concurrent_submits_from_the_same_version_one_wins(action, django_user_model, severities):
    """Real PostgreSQL, real threads: both submits start together from version 1; the row lock orders
    them, and the second finds version 2 and is refused. Without the check both would be applied."""
    need_service(is_postgres(), "the concurrent race is checked on PostgreSQL (set DATABASE_URL)")
    first = make_user(django_user_model, "first", roles.COMMANDER)
    second = make_user(django_user_model, "second", roles.COMMANDER)
    component = ComponentFactory.create(name="Checkout")
    incident = IncidentFactory.create(by=first, level="P2", title="Race", components=[component])
    barrier = Barrier(2)
    targets = {first: IncidentStatus.IDENTIFIED, second: IncidentStatus.MONITORING}

    def submit(user) -> str:
        try:
            barrier.wait(timeout=10)
            if action == "move":
                services.incident_move_status(incident, status=targets[user], by=user, expected_version=1)
            elif action == "details":
                services.incident_update_details(incident, by=user, title=f"Race by {user}", expected_version=1)
            else:
                status_services.status_update_publish(
                    incident, status=targets[user], body=f"Update by {user}", by=user, expected_version=1
                )
            return "applied"
        except services.IncidentConflict:
            return "refused"
        finally:
            connection.close()

    with ThreadPoolExecutor(max_workers=2) as pool:
        outcomes = list(pool.map(submit, [first, second]))

    assert sorted(outcomes) == ["applied", "refused"]
    incident.refresh_from_db()
    winner = [first, second][outcomes.index("applied")]
    assert incident.changed_by == winner
    if action == "move":
        assert incident.version == 2
        assert incident.status == targets[winner]
        assert incident.timeline.filter(kind=TimelineKind.STATUS).count() == 1
    elif action == "details":
        assert incident.version == 2
        assert incident.title == f"Race by {winner}"
    else:
        assert StatusUpdate.objects.filter(incident=incident).count() == 1
        assert incident.status == targets[winner]
