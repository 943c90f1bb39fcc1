import pytest
from hypothesis import given
from hypothesis import strategies as st

from incidents.severity import ImpactFacts, suggest_severity


@pytest.mark.parametrize(
    ("facts", "level"),
    [
        (ImpactFacts(service_down=True), "P1"),
        (ImpactFacts(data_impact=True), "P1"),
        (ImpactFacts(security_breach=True), "P1"),
        (ImpactFacts(users_affected_pct=51), "P1"),
        (ImpactFacts(users_affected_pct=50), "P2"),
        (ImpactFacts(core_function_impaired=True), "P2"),
        (ImpactFacts(severe_degradation=True, users_affected_pct=5), "P2"),
        (ImpactFacts(users_affected_pct=26), "P2"),
        (ImpactFacts(users_affected_pct=25), "P3"),
        (ImpactFacts(non_critical_affected=True), "P3"),
        (ImpactFacts(), "P4"),
        (ImpactFacts(users_affected_pct=0), "P4"),
    ],
)
def test_runbook_criteria(facts, level):
    assert suggest_severity(facts).level == level


def test_reasons_name_the_criteria():
    suggestion = suggest_severity(ImpactFacts(service_down=True, users_affected_pct=80))
    assert suggestion.reasons == ["complete service unavailability", "80% of users affected (>50%)"]


@given(st.integers(min_value=0, max_value=100), st.booleans(), st.booleans())
def test_more_users_never_lowers_severity(pct, down, degraded):
    lower = suggest_severity(ImpactFacts(service_down=down, severe_degradation=degraded, users_affected_pct=pct))
    higher = suggest_severity(
        ImpactFacts(service_down=down, severe_degradation=degraded, users_affected_pct=min(100, pct + 10))
    )
    assert higher.level <= lower.level


@pytest.mark.django_db
def test_non_critical_features_reach_p3_from_the_declare_form(commander_client, severities):
    """The declare form offers the runbook's P3 criterion; the live suggestion and the log use it."""
    from django.urls import reverse

    from incidents.models import Incident

    url = reverse("admin:incidents_incident_suggest_severity")
    assert commander_client.get(url, {"non_critical_affected": "1"}).json()["level"] == "P3"
    assert commander_client.get(url).json()["level"] == "P4"
    add = commander_client.get(reverse("admin:incidents_incident_add")).content.decode()
    assert 'name="non_critical_affected"' in add
    response = commander_client.post(
        reverse("admin:incidents_incident_add"),
        {"title": "Export button broken", "severity": severities["P4"].pk, "non_critical_affected": "on"},
    )
    assert response.status_code == 302
    declared = Incident.objects.get(title="Export button broken").timeline.get(kind="declared")
    assert declared.data["suggested_severity"] == "P3"
