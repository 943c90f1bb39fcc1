"""Post-incident review in Italian: the managers' report, the exports, review meeting invites, reminders and
the admin, each in the reader's language (English stays the default)."""

from __future__ import annotations

from datetime import UTC, date, datetime
from types import SimpleNamespace

import pytest
import time_machine
from django.test import override_settings
from django.urls import reverse
from django.utils import translation
from icalendar import Calendar

from incidents.models import UserPreference
from incidents.outbox.models import Notification
from postmortems import exports, meetings, timers
from postmortems.models import ActionItem, AttendeeRole
from tests.factories import ActionItemFactory, UserFactory
from tests.postmortems.test_exports import written  # noqa: F401 - fixture
from tests.postmortems.test_reports import history  # noqa: F401 - fixture

pytestmark = pytest.mark.django_db

# Chart titles, table captions and headers of the managers' report: (Italian, English).
REPORT_TEXTS = [
    ("Incidenti per mese per gravità", "Incidents per month by severity"),
    ("Azioni correttive aperte e in ritardo per responsabile", "Open and overdue action items by owner"),
    ("Azioni correttive completate, per mese di scadenza (%)", "Action items done, by month due (%)"),
    ("<caption>Per responsabile</caption>", "<caption>By owner</caption>"),
    ("<caption>Per gravità</caption>", "<caption>By severity</caption>"),
    ("<th>Responsabile</th><th>Aperte</th><th>In ritardo</th>", "<th>Owner</th><th>Open</th><th>Overdue</th>"),
    ("<th>Priorità</th>", "<th>Priority</th>"),
    ("<th>Età</th>", "<th>Age</th>"),
    ("<td>Alta</td>", "<td>High</td>"),  # a priority label in the table
    ("<td>0-7 giorni</td>", "<td>0-7 days</td>"),
    ("Settimana</th>", "Week</th>"),  # the data table under the weekly chart
    ("Rapporto per i manager", "Managers&#x27; report"),
]


def prefer(user, language: str) -> None:
    UserPreference.objects.update_or_create(user=user, defaults={"language": language})


def assert_italian(page: str, pairs=REPORT_TEXTS) -> None:
    for italian, english in pairs:
        assert italian in page, italian
        assert english not in page, english


@pytest.mark.parametrize("how", ["preference", "accept-language"])
def test_report_page_in_italian(client, manager, history, how):  # noqa: F811
    headers = {}
    if how == "preference":
        prefer(manager, "it")
    else:
        headers["HTTP_ACCEPT_LANGUAGE"] = "it"
    client.force_login(manager)
    with time_machine.travel(datetime(2026, 6, 15, 12, 0, tzinfo=UTC), tick=False):
        page = client.get(reverse("admin:postmortems_report"), **headers).content.decode()
    assert_italian(page)


def test_report_page_stays_english_by_default(client, manager, history):  # noqa: F811
    client.force_login(manager)
    page = client.get(reverse("admin:postmortems_report")).content.decode()
    for _italian, english in REPORT_TEXTS:
        assert english in page, english
    assert "Incidenti per mese" not in page


def test_report_csv_headers_follow_the_language(client, manager, history):  # noqa: F811
    client.force_login(manager)
    url = reverse("admin:postmortems_report_csv", args=["action-items-by-owner"])
    italian = client.get(url, HTTP_ACCEPT_LANGUAGE="it").content.decode().splitlines()[0]
    english = client.get(url).content.decode().splitlines()[0]
    assert italian == "responsabile,aperte,in ritardo,aperta da più tempo (giorni)"
    assert english == "owner,open,overdue,oldest open (days)"


def test_markdown_export_in_italian(written):  # noqa: F811
    with translation.override("it"):
        text = exports.postmortem_markdown(written)
        subject, body = exports.communication_draft(written)
    for italian in [
        f"# Post-mortem: {written.incident.reference}",
        "## Metadati",
        "## Cronologia",
        "| Ora (UTC) | Evento |",
        "## Analisi della causa principale",
        "### Perché è successo?",
        "- **Gravità:** P1",
        "- **Durata:** 150 minuti",
        "- **Impatto sullo SLA:** 30 minuti oltre l'obiettivo di risoluzione di 2 ore",
        "| ID | Azione | Responsabile | Priorità | Scadenza |",
        "| 1 | Cap the pool | Olive Owens | Alta | 2026-03-09 |",
        "## Allegati",
    ]:
        assert italian in text, italian
    for english in ["## Timeline", "## Root Cause Analysis", "Severity", "minutes", "| High |"]:
        assert english not in text, english
    assert subject == f"Revisione post-incidente: {written.incident.reference}"
    assert "Lezioni apprese:" in body
    assert "Lessons Learned:" not in body


def test_admin_markdown_download_follows_the_request_language(client, commander, written):  # noqa: F811
    client.force_login(commander)
    url = reverse("admin:postmortems_postmortem_markdown", args=[written.pk])
    assert "## Cronologia" in client.get(url, HTTP_ACCEPT_LANGUAGE="it").content.decode()
    assert "## Timeline" in client.get(url).content.decode()


def test_review_invites_are_written_in_each_recipients_language(written, commander):  # noqa: F811
    italian = UserFactory.create(username="giulia", first_name="Giulia", email="giulia@example.com")
    english = UserFactory.create(username="emma", first_name="Emma", email="emma@example.com")
    prefer(italian, "it")
    prefer(english, "en")
    meeting = meetings.review_meeting_schedule(
        postmortem=written,
        starts_at=datetime(2026, 3, 5, 14, 0, tzinfo=UTC),
        attendees=[(italian, AttendeeRole.ENGINEER), (english, AttendeeRole.ENGINEERING_MANAGER)],
        by=commander,
    )
    # The admin user sending it reads Italian: it changes nobody's invite.
    with translation.override("it"):
        assert meetings.review_meeting_send_invite(meeting, by=commander) == 2
    reference = written.incident.reference
    by_user = {row.user_id: row for row in Notification.objects.filter(user__in=[italian, english])}
    assert len(by_user) == 2

    to_italian = by_user[italian.pk]
    assert to_italian.subject == f"Revisione post-incidente: {reference}"
    assert to_italian.body == f"Revisione del post-mortem di {reference}, 2026-03-05 14:00 UTC, 30 minuti."
    event = Calendar.from_ical(to_italian.attachments[0]["content"]).walk("VEVENT")[0]
    assert str(event["summary"]).startswith(f"Revisione post-incidente: {reference}")
    assert "Ordine del giorno (30 minuti):" in str(event["description"])
    assert event.decoded("dtstart") == datetime(2026, 3, 5, 14, 0, tzinfo=UTC)  # times stay UTC

    to_english = by_user[english.pk]
    assert to_english.subject == f"Post-incident review: {reference}"
    assert to_english.body == f"Review of the post-mortem of {reference}, 2026-03-05 14:00 UTC, 30 minutes."
    event = Calendar.from_ical(to_english.attachments[0]["content"]).walk("VEVENT")[0]
    assert str(event["summary"]).startswith(f"Post-incident review: {reference}")
    assert "Agenda (30 minutes):" in str(event["description"])


def test_agenda_is_stored_in_the_sites_language(written, commander):  # noqa: F811
    with override_settings(LANGUAGE_CODE="it"):
        meeting = meetings.review_meeting_schedule(
            postmortem=written,
            starts_at=datetime(2026, 3, 5, 14, 0, tzinfo=UTC),
            attendees=[(commander, AttendeeRole.INCIDENT_COMMANDER)],
            by=commander,
        )
    titles = list(meeting.agenda.values_list("title", flat=True))
    assert titles[0] == "Revisione della cronologia"
    assert "Lezioni apprese" in titles


def test_action_item_reminders_are_in_the_owners_language(written, commander):  # noqa: F811
    owner = UserFactory.create(username="marco", first_name="Marco", email="marco@example.com")
    prefer(owner, "it")
    item = ActionItemFactory.create(
        postmortem=written, owner=owner, action="Limit the pool", priority="high", due_date=date(2026, 3, 9)
    )
    item = ActionItem.objects.select_related("postmortem__incident", "owner__preference").get(pk=item.pk)
    timer = SimpleNamespace(step="overdue:2026-03-09", notification_key="test:overdue")
    timers.handle_action_item_due(timer, item)
    digest = SimpleNamespace(step="2026-W11", notification_key="test:digest")
    with time_machine.travel(datetime(2026, 3, 12, 9, 0, tzinfo=UTC), tick=False):
        timers.handle_action_item_digest(digest, owner)
    overdue = Notification.objects.get(dedupe_key="test:overdue")
    assert overdue.subject == "Azione correttiva in ritardo: Limit the pool"
    assert "scadeva il 2026-03-09 ed è aperta" in overdue.body
    summary = Notification.objects.get(dedupe_key="test:digest")
    assert summary.subject.startswith("Le tue azioni correttive aperte:")
    assert "IN RITARDO" in summary.body
    assert "OVERDUE" not in summary.body


def test_postmortem_admin_labels_in_italian(client, commander, written):  # noqa: F811
    prefer(commander, "it")
    client.force_login(commander)
    page = client.get(reverse("admin:postmortems_postmortem_change", args=[written.pk])).content.decode()
    for italian in [
        "Analisi della causa principale",  # fieldset
        "Valutazione dell&#x27;impatto",
        "Che cosa è successo?",  # field label
        "Utenti coinvolti (%)",
        "5 perché",  # inline
        "Azioni correttive",
        "Scarica in Markdown",  # object tools
        "Invia in revisione",  # the move button
        "In bozza",  # status
    ]:
        assert italian in page, italian
    for english in ["Root cause analysis", "What happened?", "Download Markdown", "Submit for review"]:
        assert english not in page, english
    changelist = client.get(reverse("admin:postmortems_actionitem_changelist")).content.decode()
    assert "Segna le selezionate come completate" in changelist
    assert "Mark selected as done" not in changelist


def test_report_filter_refusals_in_italian(client, manager, severities):
    client.force_login(manager)
    page = client.get(
        reverse("admin:postmortems_report"), {"start": "ieri", "severity": "P9"}, HTTP_ACCEPT_LANGUAGE="it"
    ).content.decode()
    assert "Dal: Usa una data nel formato AAAA-MM-GG." in page
    assert "Gravità: Gravità sconosciuta “P9”." in page
    assert "Use a date" not in page
