"""The incident core in Italian: runbook defaults seeded and checklists created in the site's language
(WARROOM_LANGUAGE), the log written in it whoever's browser made the change, the checklist logic working
on positions (not English labels), and refusals and API errors in the reader's language."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
import time_machine
from django.apps import apps
from django.core.exceptions import ValidationError
from django.test import override_settings
from django.utils import translation

from incidents import services
from incidents.models import INITIAL_RESPONSE_CHECKLIST, Incident, SeverityPolicy, TimelineKind
from incidents.paging.clocks import stakeholders_notified
from incidents.seed import seed
from incidents.services.lifecycle import CHECKLIST_NOTIFY_STAKEHOLDERS

pytestmark = pytest.mark.django_db

T0 = datetime(2026, 11, 27, 10, 32, tzinfo=UTC)
ITALIAN_CHECKLIST = [
    "Prendi in carico l'incidente (entro lo SLA)",
    "Crea il ticket dell'incidente (PagerDuty/Opsgenie)",
    "Entra nel canale Slack dell'incidente (o crealo)",
    "Stabilisci il livello di gravità",
    "Avvia il registro dell'incidente",
    "Avvisa le parti interessate se P1/P2",
]


def reseed() -> dict[str, SeverityPolicy]:
    """Seed the severities afresh (as the data migration does on a new site) in the active settings."""
    SeverityPolicy.objects.all().delete()
    seed(apps)
    return {policy.level: policy for policy in SeverityPolicy.objects.all()}


def test_an_italian_site_seeds_its_severities_in_italian():
    # The site's language wins over the active one (e.g. a migrate run from an English shell).
    with override_settings(LANGUAGE_CODE="it"), translation.override("en"):
        severities = reseed()
    assert severities["P1"].name == "Critico (servizio non disponibile)"
    assert severities["P1"].criteria.splitlines() == [
        "Servizio completamente non disponibile",
        "Perdita o danneggiamento di dati",
        "Violazione della sicurezza",
        "Oltre il 50% degli utenti coinvolti",
    ]
    assert severities["P4"].name == "Basso (impatto minimo)"
    assert "Critical" not in severities["P1"].name


def test_an_english_site_seeds_english_and_seeding_again_rewrites_nothing():
    with override_settings(LANGUAGE_CODE="en"), translation.override("it"):
        severities = reseed()
    assert severities["P1"].name == "Critical (Service Down)"
    assert severities["P3"].criteria.splitlines()[0] == "Non-critical features affected"
    with override_settings(LANGUAGE_CODE="it"):
        seed(apps)
    assert SeverityPolicy.objects.get(level="P1").name == "Critical (Service Down)"


@time_machine.travel(T0, tick=False)
def test_an_italian_site_declares_italian_checklists_and_ticks_them_by_position(commander):
    with override_settings(LANGUAGE_CODE="it"):
        severities = reseed()
        # The declarer's browser is English; the incident's checklist and log are in the site's language.
        with translation.override("en"):
            incident = services.incident_declare(
                title="API giù", severity=severities["P1"], by=commander, data_impact=False
            )
        labels = list(incident.checklist.order_by("position").values_list("label", flat=True))
        assert labels == ITALIAN_CHECKLIST
        assert not set(labels) & set(INITIAL_RESPONSE_CHECKLIST)
        done = set(incident.checklist.filter(done_at__isnull=False).values_list("label", flat=True))
        assert done == {"Stabilisci il livello di gravità", "Avvia il registro dell'incidente"}
        declared = incident.timeline.get(kind=TimelineKind.DECLARED)
        assert declared.text == (
            "Dichiarato come P1 (Critico (servizio non disponibile)): API giù. Suggerito P4 (impatto minimo: "
            "domande, richieste o problemi estetici); il responsabile dell'incidente ha scelto P1."
        )

        with translation.override("en"):
            incident = services.incident_acknowledge(incident, by=commander)
        first = incident.checklist.get(position=1)
        assert first.label == ITALIAN_CHECKLIST[0]
        assert first.done
        acknowledged = incident.timeline.get(kind=TimelineKind.ACKNOWLEDGED)
        assert acknowledged.text == "Preso in carico entro l'obiettivo di risposta"

        # The stakeholder clock finds its item by position, whatever the label's language.
        assert not stakeholders_notified(incident)
        services.checklist_item_tick(incident.checklist.get(position=CHECKLIST_NOTIFY_STAKEHOLDERS), by=commander)
        assert stakeholders_notified(incident)
        ticked = incident.timeline.filter(kind=TimelineKind.CHECKLIST).get()
        assert ticked.text == "Spuntata: Avvisa le parti interessate se P1/P2"

        services.incident_move_status(incident, status="identified", by=commander, note="DNS")
        moved = incident.timeline.get(kind=TimelineKind.STATUS)
        assert moved.text == "Stato in analisi → causa identificata: DNS"


@time_machine.travel(T0, tick=False)
def test_a_stale_version_is_refused_in_the_readers_language(commander, severities):
    incident = services.incident_declare(title="API down", severity=severities["P2"], by=commander)
    services.incident_acknowledge(incident, by=commander)
    with translation.override("it"), pytest.raises(ValidationError) as refused:
        services.incident_change_severity(incident, severity=severities["P1"], by=commander, expected_version=1)
    message = refused.value.messages[0]
    assert message == f"{incident.reference} è stato modificato da casey alle 10:32 UTC: rivedi e invia di nuovo."
    assert "was changed" not in message
    # The log of an English site stays English whatever the reader's language.
    assert incident.timeline.get(kind=TimelineKind.ACKNOWLEDGED).text.startswith("Acknowledged")
    with translation.override("en"), pytest.raises(ValidationError) as refused:
        services.incident_change_severity(incident, severity=severities["P1"], by=commander, expected_version=1)
    assert "was changed by casey at 10:32 UTC, review and resubmit." in refused.value.messages[0]


@time_machine.travel(T0, tick=False)
def test_api_errors_are_in_the_requested_language_with_english_fields_and_codes(commander_api, commander, severities):
    incident: Incident = services.incident_declare(title="API down", severity=severities["P2"], by=commander)
    services.incident_acknowledge(incident, by=commander)
    base = f"/api/incidents/{incident.reference}/"

    stale = commander_api.post(base + "acknowledge/", {"version": 1}, format="json", HTTP_ACCEPT_LANGUAGE="it")
    assert stale.status_code == 409
    body = stale.json()
    assert body["code"] == "conflict"
    assert set(body) == {"detail", "code", "version", "your_version", "changed_by", "changed_at"}
    assert body["detail"].endswith("è stato modificato da casey alle 10:32 UTC: rivedi e invia di nuovo.")

    refused = commander_api.patch(base, {"status": "closed"}, format="json", HTTP_ACCEPT_LANGUAGE="it")
    assert refused.status_code == 400
    assert refused.json() == {
        "status": [f"{incident.reference} è nello stato «in analisi»: non può passare a «chiuso»."]
    }

    english = commander_api.patch(base, {"status": "closed"}, format="json", HTTP_ACCEPT_LANGUAGE="en")
    assert english.json() == {"status": [f"{incident.reference} is investigating; it cannot move to closed."]}

    missing = commander_api.get("/api/incidents/INC-2026-01-01-999/checklist/", HTTP_ACCEPT_LANGUAGE="it")
    assert missing.status_code == 404
    assert missing.json() == {"detail": "Nessun incidente con questo riferimento."}
