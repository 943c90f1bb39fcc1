"""The commander's cockpit and the admin shell in Italian: a user's chosen language, else the browser's;
the admin's JavaScript strings come from the same catalogue; the message after saving My preferences is
in the language just chosen. The expected words are those of locale/it/LC_MESSAGES/django(js).po."""

from __future__ import annotations

import pytest
from django.contrib.messages import get_messages
from django.urls import reverse
from django.utils import translation

from incidents.admin.incident import sla_state
from incidents.models import UserPreference
from incidents.palette import global_commands
from tests.factories import IncidentFactory

pytestmark = pytest.mark.django_db

# Italian the cockpit shows a commander of an open, unacknowledged incident.
ITALIAN = [
    ">Prendi in carico</button>",
    ">Cambia gravità</button>",
    ">Aggiungi nota</button>",
    ">Passa il comando</button>",
    ">Imposta i ruoli</button>",
    ">Aggiungi operatore</button>",
    "Checklist di risposta iniziale",
    "Cronologia",
    "Aggiungi al registro dell'incidente",
    "Presa in carico entro",
    "non preso in carico",
    'aria-label="Cockpit dell\'incidente"',
    ">Le mie preferenze</a>",
    'placeholder="Comando, riferimento o titolo dell\'incidente"',
]
# Its English buttons and labels, none of which may be left.
ENGLISH = [
    ">Acknowledge</button>",
    ">Change severity</button>",
    ">Add note</button>",
    ">Hand over command</button>",
    ">Set roles</button>",
    ">Add responder</button>",
    ">Mark identified</button>",
    ">Resolve</button>",
    "Initial response checklist",
    "Add to the incident log",
    "Acknowledge by",
    'aria-label="Incident cockpit"',
    ">My preferences</a>",
]


@pytest.fixture
def incident(commander):
    return IncidentFactory.create(by=commander)


def cockpit(client, user, incident, **headers):
    client.force_login(user)
    response = client.get(reverse("admin:incidents_incident_change", args=[incident.pk]), headers=headers)
    assert response.status_code == 200
    return response.content.decode()


def assert_italian(html: str) -> None:
    assert '<html lang="it"' in html
    for text in ITALIAN:
        assert text in html, text
    for text in ENGLISH:
        assert text not in html, text


def test_the_cockpit_in_the_language_the_commander_chose(client, commander, incident):
    UserPreference.objects.create(user=commander, language="it")
    html = cockpit(client, commander, incident)
    assert_italian(html)
    # The status buttons offered by the service's legal moves, and the admin's own words (Django's catalogue).
    assert ">Segna causa identificata</button>" in html
    assert ">Risolvi</button>" in html
    assert "Salva" in html


def test_the_cockpit_follows_the_browser_without_a_choice(client, commander, incident):
    assert not UserPreference.objects.filter(user=commander).exists()
    assert_italian(cockpit(client, commander, incident, accept_language="it-IT,it;q=0.9,en;q=0.5"))


def test_a_choice_of_english_wins_over_an_italian_browser(client, commander, incident):
    UserPreference.objects.create(user=commander, language="en")
    html = cockpit(client, commander, incident, accept_language="it")
    assert '<html lang="en"' in html
    for text in ENGLISH[:5]:
        assert text in html, text
    assert "Prendi in carico" not in html


def test_the_cockpit_actions_answer_in_italian(client, commander, incident):
    UserPreference.objects.create(user=commander, language="it")
    client.force_login(commander)
    url = reverse("admin:incidents_incident_cockpit", args=[incident.pk, "note"])
    response = client.post(url, {"text": "Rollback started"}, follow=True)
    assert f"{incident.reference}: nota aggiunta" in response.content.decode()
    response = client.post(url, {"text": ""}, follow=True)
    assert "Una nota non può essere vuota." in response.content.decode()


def test_the_board_and_the_list_in_italian(client, commander, incident):
    UserPreference.objects.create(user=commander, language="it")
    client.force_login(commander)
    board = client.get(reverse("admin:incidents_incident_board")).content.decode()
    assert "<caption>Incidenti aperti</caption>" in board
    assert "presa in carico entro le" in board
    assert "Next deadline" not in board
    listing = client.get(reverse("admin:incidents_incident_changelist")).content.decode()
    assert "Prendi in carico gli incidenti selezionati" in listing
    assert "Entro l&#x27;obiettivo" in listing


def test_the_js_catalogue_has_the_cockpits_italian(client, commander):
    UserPreference.objects.create(user=commander, language="it")
    client.force_login(commander)
    admin_page = client.get(reverse("admin:index")).content.decode()
    assert f'<script src="{reverse("admin:jsi18n")}"></script>' in admin_page
    catalogue = client.get(reverse("admin:jsi18n")).content.decode("utf-8")
    assert "Nessun comando o incidente corrisponde." in catalogue
    assert "in ritardo di %(time)s" in catalogue
    # In English the catalogue has none of it.
    UserPreference.objects.filter(user=commander).update(language="en")
    client.force_login(commander)
    assert "Nessun comando" not in client.get(reverse("admin:jsi18n")).content.decode("utf-8")


def test_saving_italian_turns_the_admin_italian_with_the_message_in_italian(client, commander, incident):
    client.force_login(commander)
    url = reverse("admin_preferences")
    english = client.get(url).content.decode()
    assert "Times in the admin are shown in your time zone" in english
    saved = client.post(url, {"time_zone": "Europe/Rome", "language": "it"})
    assert saved.status_code == 302
    assert [str(m) for m in get_messages(saved.wsgi_request)] == ["Le tue preferenze sono state salvate."]
    page = client.get(saved["Location"]).content.decode()
    assert '<html lang="it"' in page
    assert "Gli orari nell'amministrazione sono mostrati nel tuo fuso orario" in page
    assert_italian(cockpit(client, commander, incident))
    # And back: the message is in English, the language now chosen.
    back = client.post(url, {"time_zone": "Europe/Rome", "language": "en"})
    assert [str(m) for m in get_messages(back.wsgi_request)] == ["Your preferences were saved."]
    assert '<html lang="en"' in client.get(url).content.decode()


def test_clearing_the_choice_speaks_the_browsers_language_at_once(client, commander):
    UserPreference.objects.create(user=commander, language="en")
    client.force_login(commander)
    saved = client.post(
        reverse("admin_preferences"), {"time_zone": "UTC", "language": ""}, headers={"accept-language": "it"}
    )
    assert [str(m) for m in get_messages(saved.wsgi_request)] == ["Le tue preferenze sono state salvate."]


def test_sla_words_and_palette_commands_in_italian(rf, commander, incident):
    request = rf.get("/admin/")
    request.user = commander
    with translation.override("it"):
        assert "mancano" in sla_state(incident)
        assert "alla presa in carico" in sla_state(incident)
        labels = [command.as_json()["label"] for command in global_commands(request)]
    assert "Dichiara un incidente" in labels
    assert "Cruscotto" in labels
