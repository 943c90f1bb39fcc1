import pytest
from django.contrib.auth.models import Group

from incidents import roles
from incidents.models import TimelineKind
from incidents.outbox.models import Notification
from incidents.paging.models import EscalationStep
from tests.conftest import make_user
from tests.factories import IncidentFactory

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


def test_hand_over_add_a_responder_and_page_a_tier_from_the_cockpit(
    live_server, login, commander, severities, django_user_model
):
    alex = make_user(django_user_model, "alex", roles.COMMANDER, email="alex@example.com")
    riley = make_user(django_user_model, "riley", roles.RESPONDER, email="riley@example.com")
    senior = make_user(django_user_model, "sena", roles.RESPONDER, email="sena@example.com")
    senior.groups.add(Group.objects.get(name="Senior Engineers"))
    commander.email = "casey@example.com"
    commander.save()
    incident = IncidentFactory.create(by=commander, level="P2", commander=commander, title="Checkout slow")
    tier = EscalationStep.objects.get(policy__severity=severities["P2"], tier="Senior Engineer")

    page = login(commander.username)
    page.goto(f"{live_server.url}/admin/incidents/incident/{incident.pk}/change/")
    page.select_option("#wr-handover-to", str(alex.pk))
    page.fill("#wr-handover input[name=note]", "going off shift")
    page.click("#wr-handover button")
    page.wait_for_selector("[data-role=commander]:has-text('Alex')")

    page.select_option("#wr-responder-user", str(riley.pk))
    assert page.is_checked("#wr-responder-add input[name=page]")  # paging is the default
    page.click("#wr-responder-add button")
    page.wait_for_selector(".wr-responders:has-text('Riley')")

    page.select_option("#wr-page-now [name=target]", f"tier:{tier.pk}")
    page.fill("#wr-page-now [name=reason]", "need a senior engineer")
    page.click("#wr-page-now button")
    page.wait_for_selector(".wr-entry-page")

    timeline = page.inner_text(".wr-timeline-list")
    assert "Command handed over from Casey to Alex: going off shift" in timeline
    assert "Added Riley as a responder, paging them" in timeline
    assert "Paged tier Senior Engineer (Sena): need a senior engineer" in timeline
    kinds = list(
        incident.timeline.filter(kind__in=[TimelineKind.ROLE, TimelineKind.PAGE]).values_list("kind", flat=True)
    )
    assert kinds == [TimelineKind.PAGE, TimelineKind.ROLE, TimelineKind.ROLE]
    people = Notification.objects.filter(about_id=incident.pk).values_list("dedupe_key", "user__username")
    assert {(key.split(":")[0], name) for key, name in people} >= {
        ("handover", "casey"),
        ("handover", "alex"),
        ("responder", "riley"),
        ("page", "sena"),
    }
