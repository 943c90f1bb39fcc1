"""The live cockpit's refresh: a 304 while nothing changed, fresh regions after any change by anyone or by
the timer engine, and a cost that does not grow with the timeline."""

from __future__ import annotations

from datetime import timedelta

import pytest
import time_machine
from django.urls import reverse
from django.utils import timezone

from incidents import services
from incidents.models import TimelineEntry, TimelineKind
from incidents.outbox import services as outbox
from incidents.statuspage.services import status_update_publish
from incidents.timers import engine
from tests.factories import IncidentFactory

pytestmark = pytest.mark.django_db


def live_url(incident) -> str:
    return reverse("admin:incidents_incident_live", args=[incident.pk])


def refresh(client, incident, etag: str | None = None):
    headers = {"HTTP_IF_NONE_MATCH": etag} if etag else {}
    return client.get(live_url(incident), **headers)


def add_entries(incident, count: int) -> None:
    start = incident.started_at
    TimelineEntry.objects.bulk_create(
        TimelineEntry(incident=incident, kind=TimelineKind.NOTE, text=f"Note {n}", at=start + timedelta(seconds=n))
        for n in range(count)
    )


def test_refresh_returns_every_region_with_an_etag(commander_client, commander, severities):
    incident = IncidentFactory.create(by=commander, level="P1")
    response = refresh(commander_client, incident)
    assert response.status_code == 200
    assert "private" in response["Cache-Control"]
    assert "no-store" in response["Cache-Control"]
    regions = response.json()["regions"]
    assert set(regions) == {"summary", "clocks", "actions", "header-panels", "checklist", "side-panels", "timeline"}
    assert incident.reference in regions["summary"]
    assert "Declared as P1" in regions["timeline"]
    assert 'data-move="resolved"' in regions["actions"]
    assert "Timers" in regions["side-panels"]
    assert response["ETag"]


def test_the_page_carries_the_etag_an_unchanged_refresh_answers_304_to(commander_client, commander, severities):
    incident = IncidentFactory.create(by=commander)
    page = commander_client.get(reverse("admin:incidents_incident_change", args=[incident.pk]))
    etag = page.context["live_etag"]
    assert f'data-live-etag="&quot;{etag[1:-1]}&quot;"' in page.content.decode()
    unchanged = refresh(commander_client, incident, etag)
    assert unchanged.status_code == 304
    assert unchanged.content == b""


def changes(incident, commander, severities):
    """Each change the cockpit must pick up, by anyone or by the engines."""
    item = incident.checklist.filter(done_at__isnull=True).first()
    return {
        "note": lambda: services.incident_add_note(incident, by=commander, text="Rolled back"),
        "checklist tick": lambda: services.checklist_item_tick(item, by=commander),
        "status move": lambda: services.incident_move_status(incident, status="identified", by=commander),
        "acknowledge": lambda: services.incident_acknowledge(incident, by=commander),
        "severity": lambda: services.incident_change_severity(incident, severity=severities["P2"], by=commander),
        "public update": lambda: status_update_publish(incident, status="identified", body="Found it.", by=commander),
        "notification queued": lambda: outbox.enqueue(
            target="json://127.0.0.1:9/x", subject="Paging", body="Paging", about=incident
        ),
    }


@pytest.mark.parametrize(
    "change",
    ["note", "checklist tick", "status move", "acknowledge", "severity", "public update", "notification queued"],
)
def test_every_kind_of_change_makes_the_refresh_answer_afresh(commander_client, commander, severities, change):
    incident = IncidentFactory.create(by=commander, level="P1")
    etag = refresh(commander_client, incident)["ETag"]
    assert refresh(commander_client, incident, etag).status_code == 304
    changes(incident, commander, severities)[change]()
    fresh = refresh(commander_client, incident, etag)
    assert fresh.status_code == 200
    assert fresh["ETag"] != etag


def test_a_timer_firing_shows_without_anyone_touching_the_incident(commander_client, commander, severities):
    incident = IncidentFactory.create(by=commander, level="P1")
    etag = refresh(commander_client, incident)["ETag"]
    with time_machine.travel(timezone.now() + timedelta(minutes=16), tick=False):
        engine.tick()
        fresh = refresh(commander_client, incident, etag)
    assert fresh.status_code == 200
    assert "Escalation" in fresh.json()["regions"]["timeline"]


def test_a_deadline_passing_changes_the_fingerprint(commander_client, commander, severities):
    """Nothing is written when the acknowledge deadline passes, yet the cockpit must show it breached."""
    incident = IncidentFactory.create(by=commander, level="P1")
    etag = refresh(commander_client, incident)["ETag"]
    with time_machine.travel(incident.acknowledge_due_at + timedelta(seconds=1), tick=False):
        assert refresh(commander_client, incident, etag).status_code == 200


def test_a_viewer_gets_the_regions_without_the_commanders_buttons(viewer_client, commander, severities):
    incident = IncidentFactory.create(by=commander)
    regions = refresh(viewer_client, incident).json()["regions"]
    assert "data-move" not in regions["actions"]
    assert "Tick " not in regions["checklist"]


def test_refresh_needs_a_login(client, commander, severities):
    incident = IncidentFactory.create(by=commander)
    response = refresh(client, incident)
    assert response.status_code == 302
    assert "/login/" in response["Location"]


def test_refresh_of_a_missing_incident_is_404(commander_client, severities):
    assert commander_client.get(reverse("admin:incidents_incident_live", args=[999999])).status_code == 404


def test_the_cockpit_shows_the_latest_entries_and_links_to_the_rest(commander_client, commander, severities):
    incident = IncidentFactory.create(by=commander)
    add_entries(incident, 120)
    page = commander_client.get(reverse("admin:incidents_incident_change", args=[incident.pk])).content.decode()
    assert "Note 119" in page
    assert "Note 60" not in page
    older = reverse("admin:incidents_incident_timeline", args=[incident.pk])
    assert older in page
    first = commander_client.get(older).content.decode()
    assert "Note 119" in first
    assert "Note 20" in first
    assert "Note 0<" not in first
    last = commander_client.get(older, {"page": 2}).content.decode()
    assert "Note 0<" in last


@pytest.mark.parametrize("view", ["cockpit", "refresh", "unchanged refresh"])
def test_query_counts_do_not_grow_with_the_timeline(commander_client, commander, severities, view):
    def queries(entries: int) -> int:
        from django.db import connection
        from django.test.utils import CaptureQueriesContext

        incident = IncidentFactory.create(by=commander, level="P1")
        add_entries(incident, entries)
        for n in range(50 if entries > 100 else 5):
            outbox.enqueue(target=f"json://127.0.0.1:9/{n}", subject="s", body="b", about=incident)
        url = (
            reverse("admin:incidents_incident_change", args=[incident.pk]) if view == "cockpit" else live_url(incident)
        )
        etag = refresh(commander_client, incident)["ETag"] if view == "unchanged refresh" else None
        commander_client.get(url, **({"HTTP_IF_NONE_MATCH": etag} if etag else {}))  # warm caches
        with CaptureQueriesContext(connection) as captured:
            response = commander_client.get(url, **({"HTTP_IF_NONE_MATCH": etag} if etag else {}))
        assert response.status_code == (304 if etag else 200)
        return len(captured)

    small, large = queries(20), queries(2000)
    assert small == large
    if view == "unchanged refresh":
        # The session, the user, the user's and their groups' permissions, and the one fingerprint query.
        assert large == 5


def board_live(client, etag: str | None = None):
    headers = {"HTTP_IF_NONE_MATCH": etag} if etag else {}
    return client.get(reverse("admin:incidents_incident_board_live"), **headers)


def test_the_board_lists_open_incidents_with_their_clocks(commander_client, commander, severities):
    late = IncidentFactory.create(by=commander, level="P1", started_at=timezone.now() - timedelta(hours=2))
    calm = IncidentFactory.create(by=commander, level="P3", title="Slow exports")
    done = IncidentFactory.create(by=commander, level="P2", title="Already over")
    services.incident_resolve(done, by=commander)
    status_update_publish(calm, status="investigating", body="Looking.", by=commander)

    board = board_live(commander_client).json()["regions"]["board"]
    assert late.reference in board
    assert calm.reference in board
    assert done.reference not in board
    assert board.index(late.reference) < board.index(calm.reference)  # most severe first
    row = board[board.index(f'id="wr-board-{late.pk}"') :].split("</tr>")[0]
    assert '<span class="wr-breached">acknowledge</span>' in row
    calm_row = board[board.index(f'id="wr-board-{calm.pk}"') :].split("</tr>")[0]
    assert "none planned" not in calm_row  # the next public update is due a cadence after this one

    wall = commander_client.get(reverse("admin:incidents_incident_board")).content.decode()
    assert "wr-board-wall" in wall
    assert 'id="header"' not in wall  # no admin chrome on the wall screen
    assert late.reference in wall


def test_the_board_answers_304_until_something_changes(commander_client, commander, severities):
    incident = IncidentFactory.create(by=commander, level="P2")
    etag = board_live(commander_client)["ETag"]
    assert board_live(commander_client, etag).status_code == 304
    dashboard = commander_client.get(reverse("admin:index")).content.decode()
    assert f'data-live-etag="&quot;{etag[1:-1]}&quot;"' in dashboard
    services.incident_acknowledge(incident, by=commander)
    assert board_live(commander_client, etag).status_code == 200


def test_a_viewer_sees_the_board_and_a_stranger_does_not(viewer_client, django_user_model, client, severities):
    assert board_live(viewer_client).status_code == 200
    stranger = django_user_model.objects.create_user(username="stranger", password="pw", is_staff=True)
    client.force_login(stranger)
    assert board_live(client).status_code == 403


@pytest.mark.parametrize("view", ["board", "unchanged board"])
def test_board_query_count_does_not_grow_with_the_open_incidents(commander_client, commander, severities, view):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    def queries() -> int:
        etag = board_live(commander_client)["ETag"] if view == "unchanged board" else None
        with CaptureQueriesContext(connection) as captured:
            response = board_live(commander_client, etag)
        assert response.status_code == (304 if etag else 200)
        return len(captured)

    IncidentFactory.create(by=commander, level="P1")
    few = queries()
    for level in ["P1", "P2", "P3", "P4"] * 3:
        IncidentFactory.create(by=commander, level=level)
    assert queries() == few


def test_viewers_of_one_incident_share_its_fingerprint_for_a_moment(commander_client, commander, severities, settings):
    from django.core.cache import cache

    settings.LIVE_STATE_CACHE_SECONDS = 60
    cache.clear()
    incident = IncidentFactory.create(by=commander)
    etag = refresh(commander_client, incident)["ETag"]
    services.incident_add_note(incident, by=commander, text="Seen a moment later")
    assert refresh(commander_client, incident, etag).status_code == 304  # the shared fingerprint, not yet expired
    cache.clear()  # as when LIVE_STATE_CACHE_SECONDS have passed
    fresh = refresh(commander_client, incident, etag)
    assert fresh.status_code == 200

    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as captured:
        assert refresh(commander_client, incident, fresh["ETag"]).status_code == 304
    assert len(captured) == 2  # the session and the user: the rights and the fingerprint came from the cache


@pytest.mark.django_db(transaction=True)
def test_with_the_cache_down_the_refresh_reads_the_database(commander, severities, settings, client):
    from incidents import faults
    from tests.conftest import closed_port

    settings.CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": f"redis://127.0.0.1:{closed_port()}/0",
            "OPTIONS": {"socket_connect_timeout": 1, "socket_timeout": 1},
        }
    }
    settings.LIVE_STATE_CACHE_SECONDS = 60
    faults.reset()
    client.force_login(commander)
    incident = IncidentFactory.create(by=commander)
    try:
        etag = refresh(client, incident)["ETag"]
        assert refresh(client, incident, etag).status_code == 304
        services.incident_add_note(incident, by=commander, text="Seen at once without the cache")
        assert refresh(client, incident, etag).status_code == 200
        assert faults.counts()[faults.CACHE] >= 1
    finally:
        faults.reset()


def test_dashboard_query_count_does_not_grow_with_the_open_incidents(commander_client, commander, severities):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    def queries() -> int:
        with CaptureQueriesContext(connection) as captured:
            assert commander_client.get(reverse("admin:index")).status_code == 200
        return len(captured)

    IncidentFactory.create(by=commander, level="P1")
    few = queries()
    for level in ["P1", "P2", "P3", "P4"] * 3:
        IncidentFactory.create(by=commander, level=level)
    assert queries() == few


def test_an_alert_arriving_for_the_incident_refreshes_its_cockpit(commander_client, commander, severities):
    from incidents.alerts import services as alerts

    integration, _key = alerts.integration_create(name="Prometheus", kind="generic", default_severity=severities["P2"])
    firing = b'{"title": "Checkout errors", "status": "firing", "dedup_key": "checkout"}'
    incident = alerts.receive(integration, endpoint="generic", raw=firing).payload.incidents.get()
    etag = refresh(commander_client, incident)["ETag"]
    assert refresh(commander_client, incident, etag).status_code == 304
    alerts.receive(integration, endpoint="generic", raw=firing.replace(b"firing", b"resolved"))
    assert refresh(commander_client, incident, etag).status_code == 200
