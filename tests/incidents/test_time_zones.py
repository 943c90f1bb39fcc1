"""Each viewer's time zone: one incident declared just before Europe's DST change (2026-03-29 01:00 UTC),
read by a user in Europe/Rome (CET → CEST that night) and one in America/New_York (already EDT since
2026-03-08); the status page in its own zone; the API, feeds and calendars in UTC."""

from __future__ import annotations

import csv
import io
import re
from datetime import UTC, datetime, timedelta

import pytest
import time_machine
from django.core.cache import cache
from django.db import connection
from django.test import override_settings
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from incidents import services
from incidents.models import UserPreference
from incidents.services.preferences import user_preference_save
from incidents.statuspage import services as status_services
from tests.conftest import make_user
from tests.factories import ComponentFactory, IncidentFactory

DECLARED = datetime(2026, 3, 29, 0, 30, tzinfo=UTC)  # 01:30 CET in Rome, 20:30 EDT (28th) in New York
BEFORE_CHANGE = datetime(2026, 3, 29, 0, 50, tzinfo=UTC)  # 01:50 CET / 20:50 EDT
AFTER_CHANGE = datetime(2026, 3, 29, 1, 10, tzinfo=UTC)  # 03:10 CEST / 21:10 EDT
VIEWED = datetime(2026, 3, 29, 1, 20, tzinfo=UTC)


@pytest.fixture
def incident(commander, severities):
    api = ComponentFactory.create(name="API")
    with time_machine.travel(DECLARED, tick=False):
        incident = IncidentFactory.create(
            by=commander, level="P2", public=True, title="Checkout errors", components=[api]
        )
    with time_machine.travel(BEFORE_CHANGE, tick=False):
        services.incident_add_note(incident, by=commander, text="Before the change")
    with time_machine.travel(AFTER_CHANGE, tick=False):
        services.incident_add_note(incident, by=commander, text="After the change")
        status_services.status_update_publish(incident, status="investigating", body="Looking into it.", by=commander)
    incident.refresh_from_db()
    return incident


@pytest.fixture
def rome(db, django_user_model, commander):
    user = make_user(django_user_model, "rosa", is_superuser=True)
    user_preference_save(user=user, time_zone="Europe/Rome", language="it")
    return user


@pytest.fixture
def new_york(db, django_user_model):
    user = make_user(django_user_model, "nate", is_superuser=True)
    user_preference_save(user=user, time_zone="America/New_York", language="")
    return user


def cockpit_html(client, user, incident) -> str:
    client.force_login(user)
    with time_machine.travel(VIEWED, tick=False):
        response = client.get(reverse("admin:incidents_incident_change", args=[incident.pk]))
    assert response.status_code == 200
    return response.content.decode()


CSV_HEADER = {
    "en": ["time", "time zone", "time (UTC, ISO 8601)", "kind", "author", "text"],
    "it": ["ora", "fuso orario", "ora (UTC, ISO 8601)", "tipo", "autore", "testo"],  # rosa reads Italian
}


def timeline_csv(client, user, incident, language: str = "en") -> dict[str, list[str]]:
    client.force_login(user)
    response = client.get(reverse("admin:incidents_incident_timeline_csv", args=[incident.pk]))
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/csv")
    rows = list(csv.reader(io.StringIO(response.content.decode())))
    assert rows[0] == CSV_HEADER[language]
    return {row[5]: row for row in rows[1:]}


def test_the_cockpit_in_rome_crosses_from_cet_to_cest(client, rome, incident):
    html = cockpit_html(client, rome, incident)
    assert '<time datetime="2026-03-29T00:50:00+00:00">2026-03-29 01:50:00 CET</time>' in html
    assert '<time datetime="2026-03-29T01:10:00+00:00">2026-03-29 03:10:00 CEST</time>' in html
    # The header clocks: started at 01:30 CET, acknowledge within an hour (P2): by 03:30 CEST, the clock
    # having jumped from 02:00 to 03:00 meanwhile.
    assert '<time datetime="2026-03-29T00:30:00+00:00">2026-03-29 01:30 CET</time>' in html
    assert '<time datetime="2026-03-29T01:30:00+00:00">03:30 CEST</time>' in html
    # The editable "Times" fields (rosa chose Italian).
    assert "Nel tuo fuso orario, Europe/Rome (Le mie preferenze)." in html
    assert " UTC" not in re.sub(r"<script.*?</script>", "", html, flags=re.S).replace("(UTC", "")


def test_the_cockpit_in_new_york_is_edt_throughout(client, new_york, incident):
    html = cockpit_html(client, new_york, incident)
    assert '<time datetime="2026-03-29T00:50:00+00:00">2026-03-28 20:50:00 EDT</time>' in html
    assert '<time datetime="2026-03-29T01:10:00+00:00">2026-03-28 21:10:00 EDT</time>' in html
    assert '<time datetime="2026-03-29T00:30:00+00:00">2026-03-28 20:30 EDT</time>' in html
    assert "CET" not in html  # nor CEST


def test_the_timeline_csv_in_each_viewers_zone_with_utc_beside(client, rome, new_york, incident):
    in_rome = timeline_csv(client, rome, incident, "it")
    assert in_rome["Before the change"][:3] == ["2026-03-29 01:50:00", "CET", "2026-03-29T00:50:00+00:00"]
    assert in_rome["After the change"][:3] == ["2026-03-29 03:10:00", "CEST", "2026-03-29T01:10:00+00:00"]
    in_new_york = timeline_csv(client, new_york, incident)
    assert in_new_york["Before the change"][:3] == ["2026-03-28 20:50:00", "EDT", "2026-03-29T00:50:00+00:00"]
    assert in_new_york["After the change"][:3] == ["2026-03-28 21:10:00", "EDT", "2026-03-29T01:10:00+00:00"]


def test_the_list_and_board_name_the_zone(client, rome, incident):
    client.force_login(rome)
    with time_machine.travel(VIEWED, tick=False):
        listing = client.get(reverse("admin:incidents_incident_changelist")).content.decode()
        board = client.get(reverse("admin:incidents_incident_board")).content.decode()
    assert '<time datetime="2026-03-29T00:30:00+00:00">2026-03-29 01:30 CET</time>' in listing
    assert '<time datetime="2026-03-29T01:30:00+00:00">03:30 CEST</time>' in board  # next deadline: acknowledge


def test_a_user_without_preferences_reads_the_default_zone(client, commander, incident):
    assert not UserPreference.objects.filter(user=commander).exists()
    html = cockpit_html(client, commander, incident)
    assert '<time datetime="2026-03-29T00:50:00+00:00">2026-03-29 00:50:00 UTC</time>' in html


def test_the_zone_costs_no_query_of_its_own(client, commander, incident):
    """The preference comes with the user (one joined query): no query of its own, with or without one."""
    url = reverse("admin:incidents_incident_change", args=[incident.pk])
    client.force_login(commander)

    def queries() -> list[str]:
        with time_machine.travel(VIEWED, tick=False), CaptureQueriesContext(connection) as captured:
            assert client.get(url).status_code == 200
        return [query["sql"] for query in captured.captured_queries]

    without = queries()
    user_preference_save(user=commander, time_zone="Europe/Rome", language="")
    with_preference = queries()
    assert len(with_preference) == len(without)
    for sql in without + with_preference:
        assert 'FROM "incidents_userpreference"' not in sql
    assert any('LEFT OUTER JOIN "incidents_userpreference"' in sql for sql in with_preference)


def test_the_api_keeps_utc(client, new_york, incident):
    client.force_login(new_york)
    body = client.get(f"/api/incidents/{incident.reference}/").json()
    assert body["started_at"] in ("2026-03-29T00:30:00Z", "2026-03-29T00:30:00+00:00")


def test_preferences_page_saves_and_refuses_an_unknown_zone(client, commander):
    client.force_login(commander)
    url = reverse("admin_preferences")
    page = client.get(url)
    assert page.status_code == 200
    assert 'value="UTC"' in page.content.decode()
    refused = client.post(url, {"time_zone": "Mars/Olympus_Mons", "language": ""})
    assert refused.status_code == 200
    assert "“Mars/Olympus_Mons” is not a known time zone" in refused.content.decode()
    assert refused.context["form"].errors["time_zone"]
    assert not UserPreference.objects.filter(user=commander).exists()
    assert client.post(url, {"time_zone": "Europe/Rome", "language": "xx"}).status_code == 200
    assert not UserPreference.objects.filter(user=commander).exists()  # unknown language: refused too
    saved = client.post(url, {"time_zone": "Europe/Rome", "language": "it"})
    assert saved.status_code == 302
    assert UserPreference.objects.get(user=commander).time_zone == "Europe/Rome"
    assert client.post(url, {"time_zone": "America/New_York", "language": ""}).status_code == 302
    preference = UserPreference.objects.get(user=commander)
    assert (preference.time_zone, preference.language) == ("America/New_York", "")


def test_the_user_tools_link_to_my_preferences(client, commander):
    client.force_login(commander)
    html = client.get(reverse("admin:index")).content.decode()
    assert f'<a href="{reverse("admin_preferences")}">My preferences</a>' in html


@override_settings(STATUS_PAGE_TIME_ZONE="Europe/Rome")
def test_the_status_page_shows_its_zone_with_utc_in_datetime(client, new_york, incident):
    cache.clear()
    client.force_login(new_york)  # a signed-in admin's own zone does not change the public page
    with time_machine.travel(VIEWED, tick=False):
        html = client.get("/status/").content.decode()
        page = client.get(f"/status/incidents/{incident.public_id}").content.decode()
    posted = '<time datetime="2026-03-29T01:10:00Z" data-local>2026-03-29 03:10 CEST</time>'
    assert posted in html
    assert posted in page
    assert "Times are in Europe/Rome." in html


def test_feeds_carry_utc(client, incident):
    cache.clear()
    with override_settings(STATUS_PAGE_TIME_ZONE="America/New_York"):
        atom = client.get("/status/history.atom").content.decode()
        rss = client.get("/status/history.rss").content.decode()
    assert "2026-03-29T01:10:00Z" in atom or "2026-03-29T01:10:00+00:00" in atom
    assert "Mar 29, 01:10 UTC" in atom
    assert "EDT" not in atom + rss
    assert re.search(r"<pubDate>\w{3}, 29 Mar 2026 0[01]:\d\d:00 (\+0000|GMT)</pubDate>", rss), rss[:2000]


def test_status_update_panel_and_next_update_due_in_the_users_zone(client, rome, incident):
    html = cockpit_html(client, rome, incident)
    # The update of 01:10 UTC, and the next one due 30 minutes later (P2), in Rome's summer time.
    assert '<time datetime="2026-03-29T01:10:00+00:00">2026-03-29 03:10 CEST</time>' in html
    due = (AFTER_CHANGE + timedelta(minutes=30)).isoformat()
    assert f'<time datetime="{due}">03:40 CEST</time>' in html
