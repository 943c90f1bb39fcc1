"""The runbook library in Italian: the defaults seeded in the site's language, messages rendered in the
message's language, and the Communicate page, panels and admin in the reader's language."""

from __future__ import annotations

import re

import pytest
from django.apps import apps as live_apps
from django.core.exceptions import ValidationError
from django.test import override_settings
from django.urls import reverse
from django.utils import translation

from incidents.library import seed as library_seed
from incidents.library import selectors
from incidents.library import services as library_services
from incidents.library.communications import render_message
from incidents.library.files import PlaybookFileError, parse
from incidents.library.message_values import EXAMPLE, message_values
from incidents.library.models import CommunicationTemplate, Playbook, QuickReferenceLink
from incidents.library.sandbox import TemplateRefused, render_template
from incidents.models import Incident, UserPreference
from tests.factories import IncidentFactory

pytestmark = pytest.mark.django_db

ITALIAN_TEMPLATES = {
    "Notifica interna",
    "Notifica ai clienti",
    "Pagina di stato: in analisi",
    "Pagina di stato: causa identificata",
    "Pagina di stato: risolto",
}
ITALIAN_PLAYBOOKS = {
    "Analisi generale",
    "Esaurimento del pool di connessioni al database",
    "Utilizzo elevato della memoria",
    "Problemi di connessione a Redis",
    "Scadenza del certificato SSL",
}
# Template syntax: variables and tags, with their string arguments blanked ("our service" is prose).
SYNTAX = re.compile(r"\{\{.*?\}\}|\{%.*?%\}")
STRING = re.compile(r'"[^"]*"')


def syntax_of(text: str) -> list[str]:
    return [STRING.sub('""', token) for token in SYNTAX.findall(text)]


def prose_of(text: str) -> list[str]:
    """The English sentences of a default: its lines without template syntax, at least two words long."""
    lines = (" ".join(SYNTAX.sub(" ", line).split()) for line in text.splitlines())
    return [line for line in lines if len(re.findall(r"[A-Za-z]{2,}", line)) >= 2]


def seed_library_in(language: str) -> None:
    """What the data migration does on a site set up with WARROOM_LANGUAGE=language, on an empty library."""
    CommunicationTemplate.objects.all().delete()
    Playbook.objects.all().delete()
    QuickReferenceLink.objects.all().delete()
    with override_settings(LANGUAGE_CODE=language):
        library_seed.seed(live_apps)


@pytest.fixture
def italian_library():
    seed_library_in("it")


def test_an_italian_site_is_seeded_with_italian_templates_playbooks_and_quick_reference(italian_library):
    assert set(CommunicationTemplate.objects.values_list("name", flat=True)) == ITALIAN_TEMPLATES
    assert set(Playbook.objects.values_list("title", flat=True)) == ITALIAN_PLAYBOOKS
    labels = list(QuickReferenceLink.objects.values_list("label", flat=True))
    assert labels[0] == "Pagina di stato"
    assert "Numero di emergenza" in labels
    internal = CommunicationTemplate.objects.get(name="Notifica interna")
    assert internal.kind == "internal"  # codes stay codes
    assert internal.subject == "[INCIDENTE] {{ incident.severity.level }} - {{ incident.title }}"
    assert "Prossimo aggiornamento: tra {{ next_update_minutes }} minuti" in internal.body
    assert CommunicationTemplate.objects.get(name="Pagina di stato: causa identificata").subject == "Aggiornamento"


def test_each_italian_template_keeps_the_english_variables_and_no_english_sentence(italian_library):
    for default in library_seed.COMMUNICATION_DEFAULTS:
        with translation.override("it"):
            name = translation.gettext(default["name"])
        template = CommunicationTemplate.objects.get(name=name)
        for field in ("subject", "body"):
            english, italian = str(default[field]), getattr(template, field)
            assert italian != english, (name, field)
            assert syntax_of(italian) == syntax_of(english), (name, field)
            leftovers = [sentence for sentence in prose_of(english) if sentence in italian]
            assert not leftovers, (name, field, leftovers)
        for word in ("Started", "Status:", "Impact:", "minutes", "We ", "Service ", "Description"):
            assert word not in SYNTAX.sub("", template.subject + template.body), (name, word)


def test_each_italian_template_renders_with_the_sample_values_and_an_incidents(italian_library, severities, commander):
    incident = IncidentFactory.create(by=commander, level="P1", title="Pagamenti non disponibili", data_impact=True)
    Incident.objects.filter(pk=incident.pk).update(commander=None)
    incident.refresh_from_db()
    with override_settings(LANGUAGE_CODE="it"):
        for template in CommunicationTemplate.objects.all():
            for field in ("subject", "body"):
                assert render_template(getattr(template, field), EXAMPLE).strip(), (template.name, field)
            message = render_message(template, incident)
            assert message.subject
            assert message.body
            assert "{{" not in message.body
            assert "{%" not in message.body
        internal = render_message(CommunicationTemplate.objects.get(name="Notifica interna"), incident)
        customer = render_message(CommunicationTemplate.objects.get(name="Notifica ai clienti"), incident)
    assert internal.subject == "[INCIDENTE] P1 - Pagamenti non disponibili"
    assert f"ID incidente: {incident.reference}" in internal.body
    assert "Impatto: perdita o danneggiamento di dati" in internal.body
    assert "Prossimo aggiornamento: tra 30 minuti" in internal.body
    assert "Responsabile dell'incidente: non assegnato" in internal.body
    assert "unassigned" not in internal.body
    assert "data loss" not in internal.body
    assert "Stiamo analizzando un problema che interessa il nostro servizio." in customer.body
    assert "Forniremo aggiornamenti ogni 30 minuti." in customer.body


def test_the_values_warroom_fills_in_follow_the_messages_language_not_the_readers(severities, commander):
    incident = IncidentFactory.create(by=commander, level="P1", title="API down", users_affected_pct=80)
    template = CommunicationTemplate.objects.get(name="Internal notification")
    with translation.override("it"):  # an Italian commander composing on an English site
        broadcast = render_message(template, incident)
        italian = render_message(template, incident, language="it")
    assert "Impact: 80% of users affected" in broadcast.body
    assert "Impact: 80% degli utenti coinvolti" in italian.body  # the English template, Italian values
    with override_settings(LANGUAGE_CODE="it"):
        assert message_values(incident)["impact"] == "80% degli utenti coinvolti"
        assert "80% degli utenti coinvolti" in render_message(template, incident).body


def test_italian_playbooks_keep_their_commands_and_the_english_keywords(italian_library):
    for default in library_seed.PLAYBOOK_DEFAULTS:
        with translation.override("it"):
            title = translation.gettext(default["title"])
        playbook = Playbook.objects.get(title=title)
        commands = [line for line in default["diagnosis"].splitlines() if not line.startswith("#")]
        assert [line for line in playbook.diagnosis.splitlines() if not line.startswith("#")] == commands
        english_keywords = [word.strip() for word in default["keywords"].split(",")]
        assert set(english_keywords) <= set(playbook.keyword_list), title
        for field in ("symptoms", "resolution", "prevention"):
            if default[field]:
                assert getattr(playbook, field) != default[field], (title, field)
    general = Playbook.objects.get(title="Analisi generale")
    assert "# 1. Verifica lo stato di salute del servizio" in general.diagnosis
    assert general.resolution.splitlines()[0] == "Attiva i circuit breaker"


@pytest.mark.parametrize(
    ("title", "playbook", "words"),
    [
        (
            "Troppe connessioni al database, timeout sulle API",
            "Esaurimento del pool di connessioni al database",
            {"database", "connessioni", "troppe connessioni", "timeout"},
        ),
        ("Certificato SSL scaduto sul sito", "Scadenza del certificato SSL", {"ssl", "certificato", "scaduto"}),
        ("Perdita di memoria nel servizio ordini", "Utilizzo elevato della memoria", {"memoria", "perdita di memoria"}),
    ],
)
def test_an_italian_incident_title_suggests_the_italian_playbook(
    italian_library, severities, commander, title, playbook, words
):
    incident = IncidentFactory.create(by=commander, title=title)
    matches = selectors.playbook_matches(incident)
    assert matches[0].playbook.title == playbook
    assert words <= set(matches[0].matched_keywords)


def test_the_english_site_seeds_the_defaults_byte_for_byte():
    seed_library_in("en")
    for default in library_seed.PLAYBOOK_DEFAULTS:
        playbook = Playbook.objects.get(title=default["title"])
        for field in ("keywords", "symptoms", "diagnosis", "resolution", "prevention"):
            assert getattr(playbook, field) == default[field]
    for default in library_seed.COMMUNICATION_DEFAULTS:
        template = CommunicationTemplate.objects.get(name=default["name"])
        assert (template.subject, template.body) == (str(default["subject"]), default["body"])
    assert next(iter(QuickReferenceLink.objects.values_list("label", flat=True))) == "Status Page"


def test_existing_rows_are_not_rewritten_in_the_sites_language():
    general = Playbook.objects.get(title="General investigation")
    with override_settings(LANGUAGE_CODE="it"):
        library_seed.seed(live_apps)
    general.refresh_from_db()
    assert general.resolution == library_seed.PLAYBOOK_DEFAULTS[0]["resolution"]
    assert CommunicationTemplate.objects.get(name="Internal notification").subject.startswith("[INCIDENT] ")
    assert next(iter(QuickReferenceLink.objects.values_list("label", flat=True))) == "Status Page"


def test_the_communicate_page_speaks_the_users_language(client, commander, severities):
    incident = IncidentFactory.create(by=commander, level="P2", title="API down")
    UserPreference.objects.create(user=commander, language="it")
    client.force_login(commander)
    url = reverse("admin:library_communicationtemplate_communicate", args=[incident.pk])
    page = client.get(url, HTTP_ACCEPT_LANGUAGE="en").content.decode()
    for italian in ("Comunica", "Destinatari", "Oggetto", "Testo", "Modello:", 'value="Invia"', "Incidenti"):
        assert italian in page, italian
    for english in ("Recipients", 'value="Send"', "Template:", "Email addresses, separated"):
        assert english not in page, english
    # The message itself is in the site's language (English here): it goes to many readers.
    assert "We are currently investigating an issue affecting our service." in page
    response = client.post(url, {"recipients": "not-an-address", "subject": "x", "body": "y"})
    assert "non è un indirizzo email" in response.content.decode()


def test_the_communicate_page_follows_the_browser_without_a_choice(client, commander, severities):
    incident = IncidentFactory.create(by=commander, level="P2", title="API down")
    client.force_login(commander)
    url = reverse("admin:library_communicationtemplate_communicate", args=[incident.pk])
    assert "Destinatari" in client.get(url, HTTP_ACCEPT_LANGUAGE="it").content.decode()
    assert "Recipients" in client.get(url, HTTP_ACCEPT_LANGUAGE="en").content.decode()


def test_the_cockpit_panels_and_library_admin_in_italian(client, commander, severities):
    UserPreference.objects.create(user=commander, language="it")
    client.force_login(commander)
    incident = IncidentFactory.create(by=commander, title="Redis connection errors")
    page = client.get(reverse("admin:incidents_incident_change", args=[incident.pk])).content.decode()
    for italian in ("Comunica (modelli del runbook)", "Playbook suggeriti", "Sintomi", "Riferimento rapido"):
        assert italian in page, italian
    for english in ("Suggested playbooks", "Quick reference", "Communicate (runbook templates)"):
        assert english not in page, english
    changelist = client.get(reverse("admin:library_playbook_changelist")).content.decode()
    assert "Parole chiave" in changelist
    assert "mai revisionato" in changelist
    assert "Segna i playbook selezionati come revisionati oggi" in changelist
    assert "never reviewed" not in changelist
    templates = client.get(reverse("admin:library_communicationtemplate_changelist")).content.decode()
    assert "Notifica interna" in templates  # the kind's label (the names are English data on this site)
    add = client.get(reverse("admin:library_communicationtemplate_add")).content.decode()
    assert "Variabili: incident.reference" in add
    assert "Proposto per queste gravità" in add
    playbook = Playbook.objects.get(title="SSL certificate expiry")
    done = client.post(
        reverse("admin:library_playbook_changelist"),
        {"action": "mark_reviewed", "_selected_action": [playbook.pk]},
        follow=True,
    )
    assert "1 playbook segnato come revisionato." in done.content.decode()
    from django.contrib.admin.models import LogEntry

    logged = LogEntry.objects.filter(object_id=str(playbook.pk)).latest("action_time")
    with translation.override("it"):
        assert "ultima revisione" in logged.get_change_message()
    with translation.override("en"):
        assert "last reviewed at" in logged.get_change_message()
    index = client.get(reverse("admin:index")).content.decode()
    assert "Libreria del runbook" in index


def test_refusals_and_file_errors_in_italian(severities, commander):
    with translation.override("it"):
        with pytest.raises(TemplateRefused, match="non è disponibile nei modelli di messaggio"):
            render_template("{% load static %}", EXAMPLE)
        with pytest.raises(PlaybookFileError, match="il file deve iniziare con una riga '---'"):
            parse("x.md", "title: x\n")
        incident = IncidentFactory.create(by=commander, title="API down")
        with pytest.raises(ValidationError) as refused:
            library_services.communication_send(
                incident, template=None, by=commander, recipients=[], subject="x", body="y"
            )
    assert refused.value.message_dict["recipients"] == ["Indica almeno un destinatario."]
    # A stored template the sandbox refuses: an Italian reader is told why in Italian, on an English site.
    old = CommunicationTemplate.objects.create(name="Old", kind="internal", subject="x", body="{% load static %}")
    with translation.override("it"), pytest.raises(ValidationError) as refused:
        render_message(old, incident)
    assert refused.value.message_dict["body"][0].startswith("Modello “Old”, testo: {% load %} non è disponibile")
    with pytest.raises(ValidationError) as refused:
        render_message(old, incident)
    assert refused.value.message_dict["body"][0].startswith("Template “Old”, body: {% load %} is not available")


def test_the_review_reminder_reaches_each_manager_in_their_language(manager, commander):
    from incidents.library.reviews import fire_playbook_review
    from incidents.outbox.models import Notification
    from incidents.timers.models import Timer

    UserPreference.objects.create(user=manager, language="it")
    playbook = Playbook.objects.get(title="SSL certificate expiry")
    timer = Timer(kind="incident.playbook_review", step="x")
    timer.pk = 1
    fire_playbook_review(timer, playbook)
    reminder = Notification.objects.get(user=manager)
    assert reminder.subject == "Playbook da revisionare: SSL certificate expiry"
    assert "Revisionalo e segnalo come revisionato" in reminder.body
