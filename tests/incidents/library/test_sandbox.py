"""Communication templates render in a sandbox: plain values only, no tags that reach other templates,
capped output, and anything that would fail at render refused on save."""

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse
from rest_framework.authtoken.models import Token

from incidents.library import services as library_services
from incidents.library.communications import render_message
from incidents.library.models import CommunicationTemplate
from incidents.library.sandbox import MAX_OUTPUT_CHARS, TemplateRefused, render_template
from tests.factories import IncidentFactory

pytestmark = pytest.mark.django_db


def unchecked_template(body: str, subject: str = "s") -> CommunicationTemplate:
    """A stored template as an older version (or a direct database write) may have left it."""
    return CommunicationTemplate.objects.create(name="Stored", kind="internal", subject=subject, body=body)


def test_password_hashes_and_tokens_are_out_of_reach(severities, django_user_model):
    admin = django_user_model.objects.create_superuser("root", password="secret-pw")
    token = Token.objects.create(user=admin)
    incident = IncidentFactory.create(by=admin, level="P1", title="API down")
    template = unchecked_template(
        "{% for e in incident.timeline.all %}[{{ e.author.password }}|{{ e.author.auth_token.key }}]{% endfor %}"
        "{{ incident.commander.password }}{{ incident.reporter.auth_token.key }}{{ checklist.0.done_by.password }}"
    )
    body = render_message(template, incident).body
    assert admin.password not in body
    assert token.key not in body
    assert "pbkdf2" not in body


def test_other_incidents_are_out_of_reach(severities, commander):
    IncidentFactory.create(by=commander, level="P1", title="Secret acquisition leak")
    incident = IncidentFactory.create(by=commander, level="P1", title="API down")
    template = unchecked_template(
        "{% for other in incident.severity.incidents.all %}{{ other.title }};{% endfor %}"
        "{% for c in incident.components.all %}{% for o in c.incidents.all %}{{ o.title }}{% endfor %}{% endfor %}"
    )
    assert "Secret acquisition leak" not in render_message(template, incident).body


def test_padding_filters_cannot_build_huge_strings():
    with pytest.raises(TemplateRefused, match="width of 30000000"):
        render_template('{{ "x"|ljust:"30000000" }}', {})
    with pytest.raises(ValidationError) as refused:
        CommunicationTemplate(
            name="Bomb", kind="internal", subject="s", body='{{ "x"|center:"30000000" }}'
        ).full_clean()
    assert "body" in refused.value.message_dict


def test_output_and_loops_are_capped():
    with pytest.raises(TemplateRefused, match="longer than"):
        render_template('{% for c in "abcdefgh" %}{{ "x"|ljust:"60000" }}{% endfor %}', {})
    text = "y" * 200
    nested = "{% for a in t %}{% for b in t %}{% for c in t %}.{% endfor %}{% endfor %}{% endfor %}"
    with pytest.raises(TemplateRefused, match="loops ran"):
        render_template(nested, {"t": text})
    assert len(render_template('{{ "x"|ljust:"1000" }}', {})) == 1000
    assert MAX_OUTPUT_CHARS == 64 * 1024


@pytest.mark.parametrize(
    "body",
    [
        '{% include "missing.html" %}',
        "{% load static %}{% static 'x' %}",
        '{% extends "admin/base.html" %}',
        "{% debug %}",
        "{{ incident.title|nosuchfilter }}",
        '{{ incident.title|ljust:"wide" }}',
        "{% if %}",
        "{% if 1 %}" * 5000 + "{% endif %}" * 5000,
    ],
)
def test_what_would_fail_at_render_is_refused_on_save(body, commander):
    template = CommunicationTemplate(name="Refused", kind="internal", subject="s", body=body)
    with pytest.raises(ValidationError) as refused:
        library_services.communication_template_save(template, by=commander)
    assert "body" in refused.value.message_dict
    assert not CommunicationTemplate.objects.filter(name="Refused").exists()


def test_admin_form_names_the_field_of_a_refused_tag(commander_client, commander):
    commander.is_superuser = True
    commander.save()
    response = commander_client.post(
        reverse("admin:library_communicationtemplate_add"),
        {"name": "With include", "kind": "internal", "subject": "{% include 'x' %}", "body": "Hello"},
    )
    assert response.status_code == 200
    errors = response.context["adminform"].form.errors
    assert "{% include %} is not available" in errors["subject"][0]
    assert not CommunicationTemplate.objects.filter(name="With include").exists()
    page = commander_client.get(reverse("admin:library_communicationtemplate_add")).content.decode()
    assert "incident.reference" in page  # the variables are listed on the form


def test_communicate_page_shows_a_message_for_a_bad_stored_template(commander_client, commander, severities):
    incident = IncidentFactory.create(by=commander, level="P2")
    bad = unchecked_template('{% include "missing.html" %}')
    url = reverse("admin:library_communicationtemplate_communicate", args=[incident.pk])
    response = commander_client.get(url, {"template": bad.pk})
    assert response.status_code == 200
    messages = [str(message) for message in response.context["messages"]]
    assert any("{% include %} is not available" in message and "body" in message for message in messages)


def test_runbook_templates_still_render_from_plain_values(severities, commander):
    incident = IncidentFactory.create(by=commander, level="P1", title="API down")
    for template in CommunicationTemplate.objects.all():
        template.full_clean()
        assert render_message(template, incident).body.strip()
    internal = render_message(CommunicationTemplate.objects.get(name="Internal notification"), incident)
    assert "Status: Investigating" in internal.body
