"""The status page in English and Italian: who sees which language (?lang=, Accept-Language, the site's),
the switcher and hreflang links, per-language caching, the JavaScript catalogue, the feeds, subscribers'
emails in the language they signed up in, and the Statuspage v2 JSON left in English whatever is asked."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
from django.core.cache import cache
from django.utils import timezone, translation

from incidents.outbox.models import Notification
from incidents.statuspage import fanout, uptime
from incidents.statuspage import services as status_services
from incidents.statuspage.http import drop_status_cache
from incidents.statuspage.models import (
    MaintenanceStatus,
    MaintenanceUpdate,
    Subscriber,
    SubscriberKind,
    SubscriberState,
)
from tests.factories import ComponentFactory, IncidentFactory

pytestmark = pytest.mark.django_db

# Texts of the page in each language (the Italian ones from locale/it/LC_MESSAGES/django.po).
ENGLISH = ["Past incidents", '<h2 id="components-title">Components</h2>', "Investigating", "Skip to content"]
ITALIAN = ["Incidenti passati", '<h2 id="components-title">Componenti</h2>', "In analisi", "Vai al contenuto"]


@pytest.fixture(autouse=True)
def fresh_cache():
    cache.clear()
    drop_status_cache()
    yield
    cache.clear()


def assert_italian(page: str) -> None:
    assert '<html lang="it">' in page
    for text in ITALIAN:
        assert text in page
    for text in ENGLISH:
        assert text not in page


def assert_english(page: str) -> None:
    assert '<html lang="en">' in page
    for text in ENGLISH:
        assert text in page
    for text in ITALIAN:
        assert text not in page


def test_english_by_default(client, incident):
    response = client.get("/status/")
    assert_english(response.content.decode())
    assert response["Content-Language"] == "en"


def test_italian_by_accept_language(client, incident):
    response = client.get("/status/", HTTP_ACCEPT_LANGUAGE="it-IT,it;q=0.9,en;q=0.5")
    assert_italian(response.content.decode())
    assert response["Content-Language"] == "it"
    assert "Accept-Language" in response["Vary"]


def test_lang_parameter_wins_over_accept_language(client, incident):
    assert_italian(client.get("/status/?lang=it", HTTP_ACCEPT_LANGUAGE="en").content.decode())
    assert_english(client.get("/status/?lang=en", HTTP_ACCEPT_LANGUAGE="it").content.decode())
    # An unknown code is ignored: Accept-Language decides.
    assert_italian(client.get("/status/?lang=xx", HTTP_ACCEPT_LANGUAGE="it").content.decode())


def test_the_sites_language_when_the_reader_names_none(client, incident, settings):
    settings.LANGUAGE_CODE = "it"
    assert_italian(client.get("/status/").content.decode())
    assert_english(client.get("/status/", HTTP_ACCEPT_LANGUAGE="en-GB").content.decode())


@pytest.mark.parametrize("path", ["/status/", "/status/history/", "/status/uptime/", "/status/subscribe/"])
def test_every_page_has_the_switcher_and_hreflang_links(client, incident, path):
    page = client.get(path, HTTP_ACCEPT_LANGUAGE="it").content.decode()
    assert f'<a href="{path}?lang=en" lang="en" hreflang="en">English</a>' in page
    assert f'<a href="{path}?lang=it" lang="it" hreflang="it" aria-current="true">Italiano</a>' in page
    assert f'<link rel="alternate" hreflang="en" href="http://testserver{path}?lang=en">' in page
    assert f'<link rel="alternate" hreflang="it" href="http://testserver{path}?lang=it">' in page
    assert f'<link rel="alternate" hreflang="x-default" href="http://testserver{path}">' in page
    assert '<nav class="languages" aria-label="Lingua">' in page


def test_an_incident_page_in_italian(client, incident):
    page = client.get(f"/status/incidents/{incident.public_id}?lang=it").content.decode()
    assert "Stato attuale" in page
    assert "In analisi" in page
    assert "Pubblicato" in page
    assert "Current status" not in page
    assert "Posted " not in page
    # The chosen language stays on the page's own links.
    assert 'href="/status/?lang=it"' in page


def test_the_cache_never_serves_one_language_to_another(client, incident):
    first_it = client.get("/status/", HTTP_ACCEPT_LANGUAGE="it")
    english = client.get("/status/", HTTP_ACCEPT_LANGUAGE="en")
    second_it = client.get("/status/", HTTP_ACCEPT_LANGUAGE="it")
    assert_italian(first_it.content.decode())
    assert_english(english.content.decode())
    assert second_it.content == first_it.content
    assert second_it["ETag"] == first_it["ETag"] != english["ETag"]
    # An Italian copy's ETag does not revalidate the English page.
    revalidated = client.get("/status/", HTTP_ACCEPT_LANGUAGE="en", HTTP_IF_NONE_MATCH=first_it["ETag"])
    assert revalidated.status_code == 200
    assert_english(revalidated.content.decode())
    same = client.get("/status/", HTTP_ACCEPT_LANGUAGE="it", HTTP_IF_NONE_MATCH=first_it["ETag"])
    assert same.status_code == 304
    for response in (first_it, english, same):
        assert "Accept-Language" in response["Vary"]


def test_gzipped_pages_vary_on_both(client, incident):
    response = client.get("/status/", HTTP_ACCEPT_LANGUAGE="it", HTTP_ACCEPT_ENCODING="gzip")
    assert response["Content-Encoding"] == "gzip"
    vary = {part.strip() for part in response["Vary"].split(",")}
    assert {"Accept-Encoding", "Accept-Language"} <= vary


@pytest.mark.parametrize(
    "name",
    ["summary", "status", "components", "incidents", "incidents/unresolved", "scheduled-maintenances"],
)
def test_the_v2_json_is_the_same_english_whatever_the_reader_asks(client, incident, settings, name):
    url = f"/status/api/v2/{name}.json"
    english = client.get(url)
    cache.clear()
    drop_status_cache()
    italian = client.get(url, HTTP_ACCEPT_LANGUAGE="it")
    by_parameter = client.get(f"{url}?lang=it", HTTP_ACCEPT_LANGUAGE="it")
    settings.LANGUAGE_CODE = "it"
    cache.clear()
    drop_status_cache()
    italian_site = client.get(url, HTTP_ACCEPT_LANGUAGE="it")
    assert english.content == italian.content == by_parameter.content == italian_site.content
    assert english["ETag"] == italian["ETag"] == italian_site["ETag"]


def test_summary_json_stays_english(client, incident):
    summary = client.get("/status/api/v2/summary.json", HTTP_ACCEPT_LANGUAGE="it").json()
    assert summary["status"]["description"] in {"Partial System Outage", "Minor Service Outage", "Major Service Outage"}
    assert summary["incidents"][0]["status"] == "investigating"


def test_the_badge_stays_english(client, incident):
    english = client.get("/status/badge.svg").content
    cache.clear()
    drop_status_cache()
    assert client.get("/status/badge.svg", HTTP_ACCEPT_LANGUAGE="it").content == english


def test_the_javascript_catalogue_follows_lang(client):
    italian = client.get("/status/jsi18n/?lang=it")
    assert italian.status_code == 200
    assert "Gli orari sono nel tuo fuso orario (%(zone)s)." in italian.content.decode()
    assert "public" in italian["Cache-Control"]
    assert "max-age" in italian["Cache-Control"]
    english = client.get("/status/jsi18n/?lang=en", HTTP_ACCEPT_LANGUAGE="it")
    assert "Gli orari" not in english.content.decode()


def test_the_page_loads_its_catalogue_before_local_time(client, incident):
    page = client.get("/status/?lang=it").content.decode()
    scripts = re.findall(r'<script src="([^"]+)"', page)
    assert scripts == ["/status/jsi18n/?lang=it", "/static/statuspage/local-time.js"]


def test_feeds_fixed_texts_are_translated(client, incident):
    english = client.get("/status/history.atom").content.decode()
    italian = client.get("/status/history.atom", HTTP_ACCEPT_LANGUAGE="it").content.decode()
    assert "Warroom status - incident history" in english
    assert "Stato di Warroom - storico degli incidenti" in italian
    assert "Gli incidenti e i loro aggiornamenti sulla pagina di stato di Warroom." in italian
    assert "In analisi" in italian
    assert "incident history" not in italian
    rss = client.get("/status/history.rss?lang=it").content.decode()
    assert "Stato di Warroom - storico degli incidenti" in rss


def test_italian_on_the_status_host(client, incident, settings):
    host = "status.example.com"
    settings.STATUS_PAGE_HOSTS = [host]
    settings.ALLOWED_HOSTS = [*settings.ALLOWED_HOSTS, host]
    page = client.get("/?lang=it", HTTP_HOST=host).content.decode()
    assert_italian(page)
    assert '<script src="/jsi18n/?lang=it"' in page
    assert f'<link rel="alternate" hreflang="en" href="http://{host}/?lang=en">' in page
    catalogue = client.get("/jsi18n/?lang=it", HTTP_HOST=host)
    assert "Gli orari sono nel tuo fuso orario" in catalogue.content.decode()


def test_uptime_words_in_italian(severities):
    day = uptime.DayUptime(timezone.now().date())
    with translation.override("it"):
        assert day.text.endswith(": nessun dato")
        assert uptime.format_percent(None) == "nessun dato"


# Subscribers: their language, set at sign-up, for every email they get.


def test_a_subscriber_who_signs_up_in_italian_gets_italian_emails(client, commander, severities, settings):
    settings.SUBSCRIBER_CONFIRM_HOURS = 48
    api = ComponentFactory.create(name="API")
    response = client.post(
        "/status/subscribe/?lang=it", {"kind": "email", "email": "ada@example.com", "components": [str(api.pk)]}
    )
    assert response.status_code == 200
    assert "Controlla la tua casella di posta" in response.content.decode()
    subscriber = Subscriber.objects.get()
    assert subscriber.language == "it"
    confirmation = Notification.objects.get(about_id=subscriber.pk)
    assert confirmation.subject == "Conferma la tua iscrizione allo stato di Warroom"
    assert "Conferma entro 48 ore: http://" in confirmation.body
    confirm = re.search(r"http://127\.0\.0\.1:8000(/status/subscribe/confirm/[^/\s]+/\?lang=it)", confirmation.body)
    assert confirm is not None
    page = client.get(confirm.group(1), HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert "Conferma la tua iscrizione" in page
    assert "Confirm" not in confirmation.body

    Subscriber.objects.filter(pk=subscriber.pk).update(state=SubscriberState.ACTIVE, confirmed_at=timezone.now())
    english = Subscriber.objects.create(
        kind=SubscriberKind.EMAIL, email="bob@example.com", state=SubscriberState.ACTIVE, confirmed_at=timezone.now()
    )
    incident = IncidentFactory.create(by=commander, level="P2", public=True, components=[api], title="API errors")
    update = status_services.status_update_publish(
        incident, status="investigating", body="Stiamo analizzando.", by=commander
    )
    assert fanout.status_update_fanout(update.pk) == 2
    italian = Notification.objects.get(about_id=subscriber.pk, dedupe_key=f"status-update:{update.pk}")
    assert italian.subject == "[Warroom] API errors: In analisi"
    assert italian.body.startswith("In analisi: Stiamo analizzando.")
    assert "Dettagli: " in italian.body
    assert "Gestisci la tua iscrizione: " in italian.body
    assert "Annulla l'iscrizione: " in italian.body
    assert "Details:" not in italian.body
    assert "Unsubscribe:" not in italian.body
    in_english = Notification.objects.get(about_id=english.pk, dedupe_key=f"status-update:{update.pk}")
    assert in_english.subject == "[Warroom] API errors: Investigating"
    assert "Details: " in in_english.body
    assert "Unsubscribe: " in in_english.body


def test_maintenance_emails_in_the_subscribers_language(commander, severities):
    api = ComponentFactory.create(name="API")
    italian = Subscriber.objects.create(
        kind=SubscriberKind.EMAIL,
        email="ada@example.com",
        state=SubscriberState.ACTIVE,
        confirmed_at=timezone.now(),
        language="it",
    )
    now = timezone.now()
    maintenance = status_services.maintenance_create(
        name="Database upgrade",
        scheduled_for=now + timedelta(hours=1),
        scheduled_until=now + timedelta(hours=2),
        by=commander,
        components=[api],
        status=MaintenanceStatus.SCHEDULED,
    )
    update = MaintenanceUpdate.objects.get(maintenance=maintenance)
    assert fanout.maintenance_update_fanout(update.pk) == 1
    row = Notification.objects.get(about_id=italian.pk)
    assert row.subject == "[Warroom] Manutenzione: Database upgrade: Programmata"
    assert "Programmata: " in row.body
    assert " UTC" in row.body
    assert "Dettagli: " in row.body
    assert "Scheduled" not in row.body


def test_the_stored_default_message_is_in_the_sites_language(commander, severities, settings):
    settings.LANGUAGE_CODE = "it"
    now = timezone.now()
    maintenance = status_services.maintenance_create(
        name="Upgrade", scheduled_for=now, scheduled_until=now + timedelta(hours=1), by=commander
    )
    assert maintenance.updates.get().body == "Questa manutenzione è programmata."


def test_an_unconfirmed_address_takes_the_new_language_a_confirmed_one_keeps_its_own(client, severities):
    client.post("/status/subscribe/?lang=it", {"kind": "email", "email": "ada@example.com"})
    assert Subscriber.objects.get().language == "it"
    cache.clear()
    client.post("/status/subscribe/?lang=en", {"kind": "email", "email": "ada@example.com"})
    assert Subscriber.objects.get().language == "en"
    Subscriber.objects.update(state=SubscriberState.ACTIVE, confirmed_at=timezone.now())
    client.post("/status/subscribe/", {"kind": "email", "email": "ada@example.com"}, HTTP_ACCEPT_LANGUAGE="it")
    assert Subscriber.objects.get().language == "en"


def test_the_subscriber_admin_shows_and_edits_the_language(commander_client, severities):
    subscriber = Subscriber.objects.create(
        kind=SubscriberKind.EMAIL, email="ada@example.com", state=SubscriberState.ACTIVE, language="it"
    )
    listing = commander_client.get("/admin/statuspage/subscriber/").content.decode()
    assert "Italiano" in listing
    url = f"/admin/statuspage/subscriber/{subscriber.pk}/change/"
    form = commander_client.get(url).content.decode()
    assert 'name="language"' in form
    response = commander_client.post(url, {"language": "en", "components": []})
    assert response.status_code == 302, response.content.decode()[:2000]
    subscriber.refresh_from_db()
    assert subscriber.language == "en"
