"""Nothing internal reaches the public: no private incident, no timeline note, no person, no reference,
no severity level, no ticket, in any public response or feed."""

from __future__ import annotations

import pytest
from django.core.cache import cache

from incidents import services
from incidents.statuspage import services as status_services
from incidents.statuspage.http import drop_status_cache
from tests.factories import ComponentFactory, IncidentFactory
from tests.incidents.statuspage.test_http import PUBLIC_PATHS

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def fresh_cache():
    cache.clear()
    yield
    cache.clear()


def test_no_public_response_leaks_internal_data(client, django_user_model, commander, severities):
    commander.first_name, commander.last_name, commander.email = "Zelda", "Quartermain", "zq@example.com"
    commander.save()
    api = ComponentFactory.create(name="API")
    public = IncidentFactory.create(
        by=commander,
        level="P1",
        public=True,
        title="Public outage",
        components=[api],
        external_ticket="PD-SECRET-TICKET",
        chat_channel="#secret-war-room",
        summary="internal summary text",
    )
    services.incident_add_note(public, by=commander, text="Timeline note: the root password is hunter2")
    status_services.status_update_publish(public, status="identified", body="We found it.", by=commander)
    hidden = status_services.status_update_publish(public, status="identified", body="Draft never shown", by=commander)
    type(hidden).objects.filter(pk=hidden.pk).update(published=False)
    private = IncidentFactory.create(by=commander, level="P2", public=False, title="Private secret outage")
    status_services.status_update_publish(private, status="identified", body="Private update body", by=commander)
    drop_status_cache()

    page_urls = [*PUBLIC_PATHS, f"/status/incidents/{public.public_id}"]
    forbidden = [
        "Private secret outage",
        "Private update body",
        "Draft never shown",
        "hunter2",
        "Timeline note",
        "internal summary text",
        "PD-SECRET-TICKET",
        "#secret-war-room",
        "Zelda",
        "Quartermain",
        commander.username,
        "zq@example.com",
        public.reference,
        private.reference,
        private.public_id,
        "INC-",
        '"P1"',
        "P1 ",
    ]
    for url in page_urls:
        response = client.get(url)
        assert response.status_code == 200, url
        text = response.content.decode()
        for secret in forbidden:
            assert secret not in text, f"{secret!r} leaked in {url}"
    assert "We found it." in client.get("/status/api/v2/incidents.json").content.decode()
    assert client.get(f"/status/incidents/{private.public_id}").status_code == 404
