"""The command palette: its container on admin pages, the commands it offers, and its incident search."""

from __future__ import annotations

import json
import re

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from incidents import services
from incidents.admin.palette import SEARCH_LIMIT
from incidents.models import IncidentStatus
from tests.conftest import make_user
from tests.factories import IncidentFactory

pytestmark = pytest.mark.django_db

SEARCH = "admin:incidents_incident_palette_search"


def palette_commands(html: str) -> list[dict]:
    found = re.search(r'<script id="wr-palette-commands" type="application/json">(.*?)</script>', html, re.S)
    assert found, "the palette's commands are not on the page"
    return json.loads(found.group(1))


def labels(html: str) -> set[str]:
    return {command["label"] for command in palette_commands(html)}


def palette_markup(html: str) -> str:
    start = html.index('<dialog id="wr-palette"')
    return html[start : html.index("palette.js", start)]


def test_every_admin_page_carries_the_palette_without_inline_code(commander_client, commander, severities):
    for url in (
        reverse("admin:index"),
        reverse("admin:incidents_incident_changelist"),
        reverse("admin:incidents_incident_add"),
    ):
        html = commander_client.get(url).content.decode()
        markup = palette_markup(html)
        assert 'role="dialog"' in markup
        assert 'aria-modal="true"' in markup
        assert 'role="combobox"' in markup
        assert 'role="listbox"' in markup
        assert "incidents/palette.js" in html
        # Nothing a Content-Security-Policy without unsafe-inline would block.
        assert " style=" not in markup
        assert not re.search(r"\son[a-z]+=", markup)
        assert "Declare an incident" in labels(html)


def test_the_login_page_and_popups_have_no_palette(client, commander_client):
    assert 'id="wr-palette"' not in client.get(reverse("admin:login")).content.decode()
    popup = commander_client.get(reverse("admin:incidents_component_add"), {"_popup": "1"}).content.decode()
    assert 'name="_popup"' in popup
    assert 'id="wr-palette"' not in popup


def test_declare_is_offered_only_to_those_who_may_declare(viewer_client, severities):
    html = viewer_client.get(reverse("admin:index")).content.decode()
    assert "Declare an incident" not in labels(html)
    assert "Open incidents" in labels(html)


def test_cockpit_commands_follow_the_users_permissions(client, commander, responder, viewer, severities):
    incident = IncidentFactory.create(by=commander, level="P1")
    change = reverse("admin:incidents_incident_change", args=[incident.pk])
    ack = reverse("admin:incidents_incident_cockpit", args=[incident.pk, "acknowledge"])
    identified = reverse("admin:incidents_incident_cockpit", args=[incident.pk, "move-identified"])

    client.force_login(commander)
    commands = palette_commands(client.get(change).content.decode())
    by_label = {command["label"]: command for command in commands}
    assert by_label[f"Acknowledge {incident.reference}"] == {
        "label": f"Acknowledge {incident.reference}",
        "run": "submit",
        "target": ack,
        "keywords": "ack ack'd mine on it",
        "group": "Incident",
    }
    assert by_label[f"Mark identified ({incident.reference})"]["target"] == identified
    assert by_label["Publish a status update"]["target"] == "#wr-update-body"
    assert by_label["Add a note"]["target"] == "#wr-note"
    assert by_label["Page someone now"]["target"] == "#wr-page-now"

    client.force_login(responder)
    responder_labels = labels(client.get(change).content.decode())
    assert f"Acknowledge {incident.reference}" in responder_labels
    assert "Add a note" in responder_labels
    assert not any(label.startswith(("Mark identified", "Resolve")) for label in responder_labels)
    assert "Publish a status update" not in responder_labels

    client.force_login(viewer)
    viewer_labels = labels(client.get(change).content.decode())
    assert f"Acknowledge {incident.reference}" not in viewer_labels
    assert "Add a note" not in viewer_labels


def test_each_submit_command_names_a_form_the_cockpit_draws_only_when_legal(commander_client, commander, severities):
    """The palette offers a submit command only while its form is on the page (palette.js); the cockpit
    draws a form only for a legal move, so the commands in effect are the legal ones."""
    incident = IncidentFactory.create(by=commander, level="P1")
    change = reverse("admin:incidents_incident_change", args=[incident.pk])

    def offered() -> set[str]:
        html = commander_client.get(change).content.decode()
        forms = set(re.findall(r'<form method="post"[^>]* action="([^"]+)"', html))
        return {c["label"] for c in palette_commands(html) if c["run"] == "submit" and c["target"] in forms}

    ref = incident.reference
    assert offered() == {
        f"Acknowledge {ref}",
        f"Mark identified ({ref})",
        f"Start monitoring ({ref})",
        f"Resolve ({ref})",
    }
    services.incident_acknowledge(incident, by=commander)
    services.incident_move_status(incident, status=IncidentStatus.IDENTIFIED, by=commander)
    assert offered() == {
        f"Back to investigating ({ref})",
        f"Start monitoring ({ref})",
        f"Resolve ({ref})",
    }
    services.incident_resolve(incident, by=commander)
    assert f"Resolve ({ref})" not in offered()
    assert f"Back to investigating ({ref})" in offered()  # reopen


def test_search_by_reference_and_title_open_first(commander_client, commander, severities):
    checkout = IncidentFactory.create(by=commander, title="Checkout returns 500", level="P1")
    old_checkout = IncidentFactory.create(by=commander, title="Checkout slow", level="P3")
    services.incident_resolve(old_checkout, by=commander)
    IncidentFactory.create(by=commander, title="Login page down", level="P2")

    def search(q: str) -> list[str]:
        response = commander_client.get(reverse(SEARCH), {"q": q})
        assert response.status_code == 200
        return [row["reference"] for row in response.json()["results"]]

    assert search("checkout") == [checkout.reference, old_checkout.reference]
    assert search("CHECKOUT 500") == [checkout.reference]
    assert search(old_checkout.reference.lower()) == [old_checkout.reference]
    assert search("no such thing") == []
    # No text: the open incidents.
    assert old_checkout.reference not in search("")
    assert checkout.reference in search("")
    row = commander_client.get(reverse(SEARCH), {"q": checkout.reference}).json()["results"][0]
    assert row == {
        "reference": checkout.reference,
        "title": "Checkout returns 500",
        "severity": "P1",
        "status": "investigating",
        "status_display": "Investigating",
        "url": reverse("admin:incidents_incident_change", args=[checkout.pk]),
    }


def test_search_is_limited_and_its_query_count_does_not_grow(commander_client, commander, severities):
    url = reverse(SEARCH)
    IncidentFactory.create(by=commander, title="Disk full")
    with CaptureQueriesContext(connection) as few:
        assert len(commander_client.get(url, {"q": "disk"}).json()["results"]) == 1
    for _ in range(SEARCH_LIMIT + 5):
        IncidentFactory.create(by=commander, title="Disk full again")
    with CaptureQueriesContext(connection) as many:
        results = commander_client.get(url, {"q": "disk"}).json()["results"]
    assert len(results) == SEARCH_LIMIT
    assert len(many.captured_queries) == len(few.captured_queries)
    # The incidents themselves (with their severity) are one query.
    assert sum("incidents_incident" in q["sql"] for q in many.captured_queries) == 1


def test_search_needs_the_view_permission(client, django_user_model, commander, severities):
    IncidentFactory.create(by=commander, title="Secret outage")
    nobody = make_user(django_user_model, "nobody")  # staff, no role
    client.force_login(nobody)
    assert client.get(reverse(SEARCH), {"q": "secret"}).status_code == 403
    client.logout()
    assert client.get(reverse(SEARCH), {"q": "secret"}).status_code == 302  # to the login page


def test_search_refuses_bad_input_naming_the_field(commander_client, severities):
    response = commander_client.get(reverse(SEARCH), {"q": "x" * 201})
    assert response.status_code == 400
    assert "q" in response.json()
    # A NUL is refused before any view (config.middleware): a 400, not a 500 from the database.
    assert commander_client.get(reverse(SEARCH), {"q": "a\x00b"}).status_code == 400
