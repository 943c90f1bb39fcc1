"""Paging in English and Italian: every message to a person is written in their language when it is
queued, to a channel or URL in the site's; the runbook defaults are seeded in the site's language and
still escalate; the stakeholder clock reads the checklist by position; the admin speaks the reader's."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
import time_machine
from django.apps import apps
from django.contrib.auth.models import Group
from django.test import Client, override_settings
from django.urls import reverse
from django.utils import translation

from incidents import roles, services
from incidents.models import Incident, TimelineKind, UserPreference
from incidents.outbox.models import Notification
from incidents.outbox.services import notifications_about
from incidents.paging import seed
from incidents.paging import services as paging
from incidents.paging.models import EscalationPolicy, EscalationStep, Rotation, RotationMember
from incidents.services.lifecycle import CHECKLIST_NOTIFY_STAKEHOLDERS
from incidents.timers import engine as timers
from tests.conftest import api_for, make_user
from tests.factories import IncidentFactory

pytestmark = pytest.mark.django_db


T0 = datetime(2026, 11, 27, 9, 0, tzinfo=UTC)


def speaking(user, language: str):
    UserPreference.objects.update_or_create(user=user, defaults={"language": language})
    user.refresh_from_db()
    return user


@pytest.fixture
def seniors(django_user_model):
    """Two members of the seeded "Senior Engineers" group: Italian-speaking Italo, English-speaking Emma."""
    italo = speaking(make_user(django_user_model, "italo", roles.RESPONDER, email="italo@example.com"), "it")
    emma = speaking(make_user(django_user_model, "emma", roles.RESPONDER, email="emma@example.com"), "en")
    group = seed.escalation_group("senior")
    for user in (italo, emma):
        user.groups.add(group)
    return {"it": italo, "en": emma}


def tick_at(moment: datetime) -> None:
    with time_machine.travel(moment, tick=False):
        timers.tick()


def sent_to(incident: Incident, user) -> Notification:
    return notifications_about(incident).get(user=user)


def test_an_escalation_pages_each_person_in_their_language(severities, commander, seniors):
    with time_machine.travel(T0, tick=False):
        incident = IncidentFactory.create(by=commander, level="P1", title="Checkout down")
    tick_at(T0 + timedelta(minutes=15))  # the seeded P1 path: Senior Engineer at +15 min

    italian = sent_to(incident, seniors["it"])
    assert italian.subject.startswith("[INCIDENTE] P1 - Checkout down (")
    assert "escalation a Senior Engineer (+15 min dall'inizio)" in italian.subject
    assert "Gravità: P1" in italian.body
    assert "Preso in carico: non ancora" in italian.body
    assert "Severity:" not in italian.body
    assert "escalated to" not in italian.subject

    english = sent_to(incident, seniors["en"])
    assert english.subject.startswith("[INCIDENT] P1 - Checkout down (")
    assert "escalated to Senior Engineer (+15 min after start)" in english.subject
    assert "Severity: P1" in english.body
    assert "Acknowledged: not yet" in english.body
    assert "Gravità" not in english.body


@override_settings(LANGUAGE_CODE="it")
def test_a_url_without_a_person_gets_the_site_language(severities, commander, seniors):
    step = EscalationStep.objects.get(policy__severity=severities["P3"])
    step.apprise_urls = "json://hooks.example.com/warroom"
    step.save()
    with time_machine.travel(T0, tick=False):
        incident = IncidentFactory.create(by=commander, level="P3", title="Replica lag")
    paging.page_now(incident, by=commander, tier=step, reason="serve aiuto")
    hook = notifications_about(incident).get(target="json://hooks.example.com/warroom")
    assert hook.subject.startswith("[INCIDENTE] P3 - Replica lag (")
    assert "chiamata di Casey: serve aiuto" in hook.subject


def test_page_now_and_role_notices_follow_each_recipient(severities, commander, seniors):
    with time_machine.travel(T0, tick=False):
        incident = IncidentFactory.create(by=commander, level="P3", title="Replica lag")
    for user in seniors.values():
        paging.page_now(incident, by=commander, user=user, reason="need eyes")
    assert "chiamata di Casey: need eyes" in sent_to(incident, seniors["it"]).subject
    assert "paged by Casey: need eyes" in sent_to(incident, seniors["en"]).subject
    # The timeline is shared: written in the site's language (English here), whoever is paged.
    assert incident.timeline.filter(kind=TimelineKind.PAGE, text__startswith="Paged Italo").exists()

    Notification.objects.all().delete()
    services.incident_add_responder(incident, by=commander, user=seniors["it"], page=True)
    services.incident_add_responder(incident, by=commander, user=seniors["en"], page=True)
    assert "Casey ti ha aggiunto come operatore" in sent_to(incident, seniors["it"]).subject
    assert "Casey added you as a responder" in sent_to(incident, seniors["en"]).subject

    Notification.objects.all().delete()
    services.incident_hand_over_command(incident, by=commander, to=seniors["it"])
    assert "comando passato da Casey a Italo" in sent_to(incident, seniors["it"]).subject
    assert "command handed over from Casey to Italo" in sent_to(incident, commander).subject


@override_settings(LANGUAGE_CODE="it")
def test_an_italian_site_seeds_italian_tiers_that_still_escalate(severities, commander, django_user_model):
    EscalationPolicy.objects.all().delete()
    Rotation.objects.all().delete()
    Group.objects.filter(name__in=[*seed.ESCALATION_GROUPS.values()]).delete()
    seed.seed(apps)

    rotation = seed.primary_rotation()
    assert rotation is not None
    assert rotation.name == "Reperibilità principale"
    assert seed.escalation_group("senior").name == "Ingegneri senior"
    p1 = EscalationPolicy.objects.get(severity=severities["P1"])
    assert p1.name == "Escalation P1 (runbook 2.3)"
    assert [step.tier for step in p1.steps.order_by("offset")] == [
        "Ingegnere di turno",
        "Ingegnere senior",
        "Responsabile dell'ingegneria",
        "VP Engineering / CTO",
    ]
    seed.seed(apps)  # again (as after a flush): found by name, nothing doubled
    assert Rotation.objects.count() == 1
    assert EscalationStep.objects.filter(policy=p1).count() == 4

    oncall = make_user(django_user_model, "olga", roles.RESPONDER, email="olga@example.com")
    senior = make_user(django_user_model, "sara", roles.RESPONDER, email="sara@example.com")
    RotationMember.objects.create(rotation=rotation, user=oncall)
    senior.groups.add(seed.escalation_group("senior"))
    with time_machine.travel(T0, tick=False):
        incident = IncidentFactory.create(by=commander, level="P1")
    tick_at(T0 + timedelta(minutes=15))
    assert {n.user for n in notifications_about(incident).filter(user__in=[oncall, senior])} == {oncall, senior}
    tiers = [e.data["tier"] for e in incident.timeline.filter(kind=TimelineKind.ESCALATION).order_by("at", "id")]
    assert tiers == ["Ingegnere di turno", "Ingegnere senior"]
    entry = incident.timeline.filter(kind=TimelineKind.ESCALATION).order_by("at", "id").first()
    assert entry is not None
    assert entry.text.startswith("Escalation a Ingegnere di turno (+0 min): chiamo ")
    # The site's language is also the language of a user without a preference.
    assert sent_to(incident, oncall).subject.startswith("[INCIDENTE] P1 - ")


def test_english_names_are_still_found_on_an_italian_site(severities):
    with override_settings(LANGUAGE_CODE="it"):
        assert seed.primary_rotation().name == "Primary on-call"  # seeded in English before the switch
        assert seed.escalation_group("manager").name == "Engineering Managers"


def test_the_stakeholder_clock_reads_the_checklist_by_position(severities, commander):
    with time_machine.travel(T0, tick=False):
        met = IncidentFactory.create(by=commander, level="P1")
        missed = IncidentFactory.create(by=commander, level="P1")
    # The checklist as an Italian site writes it (i18n of the core): no English label left.
    for incident in (met, missed):
        incident.checklist.filter(position=CHECKLIST_NOTIFY_STAKEHOLDERS).update(
            label="Avvisa le parti interessate se P1/P2"
        )
        incident.checklist.exclude(position=CHECKLIST_NOTIFY_STAKEHOLDERS).update(label="Altro")
    with time_machine.travel(T0 + timedelta(minutes=10), tick=False):
        item = met.checklist.get(position=CHECKLIST_NOTIFY_STAKEHOLDERS)
        services.checklist_item_tick(item, by=commander)
    tick_at(T0 + timedelta(minutes=15))
    assert not met.timeline.filter(text__startswith="Stakeholder deadline").exists()
    assert missed.timeline.filter(text__startswith="Stakeholder deadline").exists()


# The admin in Italian


def test_cockpit_panels_and_paging_admin_in_italian(commander, severities):
    commander = speaking(commander, "it")
    client = Client()
    client.force_login(commander)
    incident = IncidentFactory.create(by=commander, level="P3", title="Replica lag")
    page = client.get(reverse("admin:incidents_incident_change", args=[incident.pk])).content.decode()
    assert "Chiama ora" in page
    assert "scegli una persona, un turno o un livello" in page
    assert "Livello di escalation" in page
    assert "Page now" not in page
    assert ">Notifiche<" in page

    page = client.get(reverse("admin:paging_escalationpolicy_changelist")).content.decode().lower()
    assert "percorso di escalation" in page
    assert "escalation path" not in page
    page = client.get(reverse("admin:paging_rotation_changelist")).content.decode().lower()
    assert "di turno ora" in page
    assert "on call now" not in page

    response = client.post(
        reverse("admin:paging_page_now", args=[incident.pk]), {"target": "robot:1", "reason": "x"}, follow=True
    )
    assert "Scegli una persona, un turno di reperibilità o un livello di escalation." in response.content.decode()


def test_page_now_api_refusal_in_the_readers_language(commander, severities, seniors):
    incident = IncidentFactory.create(by=commander, level="P3")
    url = reverse("incident-page-now", args=[incident.reference])
    tier = EscalationStep.objects.first()
    assert tier is not None
    body = {"user": "italo", "tier": tier.pk, "reason": "x"}
    italian = api_for(commander).post(url, body, format="json", HTTP_ACCEPT_LANGUAGE="it")
    assert italian.status_code == 400
    assert italian.json()["target"] == ["Indica esattamente uno tra utente, turno di reperibilità o livello."]
    english = api_for(commander).post(url, body, format="json", HTTP_ACCEPT_LANGUAGE="en")
    assert english.json()["target"] == ["Give exactly one of user, rotation or tier."]


def test_the_stale_timers_banner_in_italian(commander, db, settings):
    from incidents.timers.models import TimerHeartbeat

    settings.TIMER_TICK_SECONDS = 15
    TimerHeartbeat.objects.all().delete()  # a tick left behind by an earlier test would change the text
    client = Client()
    client.force_login(speaking(commander, "it"))
    page = client.get(reverse("admin:index")).content.decode()
    with translation.override("it"):
        italian = translation.gettext("Timers are not running: no tick has run yet.")
    assert italian.startswith("I timer non sono in esecuzione")
    assert italian in page
    assert "Timers are not running" not in page
