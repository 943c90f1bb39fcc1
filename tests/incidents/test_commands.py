import pytest
from django.contrib.auth import get_user_model
from django.core.management import call_command

from incidents.models import ChecklistItem, Component, Incident, IncidentStatus, TimelineEntry

pytestmark = pytest.mark.django_db


def counts() -> tuple[int, ...]:
    return (
        Component.objects.count(),
        get_user_model().objects.count(),
        Incident.objects.count(),
        TimelineEntry.objects.count(),
        ChecklistItem.objects.count(),
    )


def test_seed_demo_is_idempotent_and_covers_every_state(severities):
    call_command("seed_demo", stdout=None)
    first = counts()
    call_command("seed_demo")
    assert counts() == first
    assert set(Incident.objects.values_list("status", flat=True)) == set(IncidentStatus.values)
    from incidents.statuspage.models import ScheduledMaintenance, StatusUpdate
    from postmortems.models import ActionItem, PostMortem, ReviewMeeting

    # Every public incident told the public at least once (the resolved ones several times).
    public = Incident.objects.filter(public=True)
    assert StatusUpdate.objects.filter(incident__in=public).values("incident").distinct().count() == public.count()
    postmortem = PostMortem.objects.get(incident__title="Checkout latency after a deploy")
    assert postmortem.status == "in_review"
    assert ActionItem.objects.filter(postmortem=postmortem).count() == 2
    assert ReviewMeeting.objects.filter(postmortem=postmortem).exists()
    assert ScheduledMaintenance.objects.filter(name="Database upgrade").count() == 1
    users = get_user_model().objects.filter(username__in=["commander", "responder", "manager", "viewer"])
    assert sorted(u.groups.get().name for u in users) == ["Incident Commander", "Manager", "Responder", "Viewer"]


def test_ensure_admin_generates_once(monkeypatch, capsys):
    for name in ("DJANGO_SUPERUSER_USERNAME", "DJANGO_SUPERUSER_PASSWORD", "DJANGO_SUPERUSER_EMAIL"):
        monkeypatch.delenv(name, raising=False)
    call_command("ensure_admin")
    assert "password:" in capsys.readouterr().out
    call_command("ensure_admin")
    assert capsys.readouterr().out == ""
    assert get_user_model().objects.filter(username="admin", is_superuser=True).count() == 1


def test_ensure_admin_honours_environment(monkeypatch):
    monkeypatch.setenv("DJANGO_SUPERUSER_USERNAME", "chief")
    monkeypatch.setenv("DJANGO_SUPERUSER_PASSWORD", "s3cret-pass")
    monkeypatch.setenv("DJANGO_SUPERUSER_EMAIL", "chief@example.com")
    call_command("ensure_admin")
    chief = get_user_model().objects.get(username="chief")
    assert chief.is_superuser
    assert chief.check_password("s3cret-pass")
    assert chief.email == "chief@example.com"
