import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from postmortems import services
from tests.factories import resolved_incident

pytestmark = pytest.mark.django_db


@pytest.fixture
def attachment(commander, severities, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    postmortem = resolved_incident(by=commander).postmortem
    upload = SimpleUploadedFile("api-errors.log", b"500 at 09:01\n500 at 09:02\n", content_type="text/plain")
    return services.attachment_add(postmortem, file=upload, by=commander, caption="API logs")


def test_attachment_is_served_to_staff_with_view_permission(attachment, viewer_client):
    url = reverse("admin:postmortems_postmortem_attachment", args=[attachment.postmortem_id, attachment.pk])
    response = viewer_client.get(url)
    assert response.status_code == 200
    assert b"".join(response.streaming_content) == b"500 at 09:01\n500 at 09:02\n"
    assert "api-errors" in response["Content-Disposition"]


def test_attachment_is_not_public(attachment, client, django_user_model):
    url = reverse("admin:postmortems_postmortem_attachment", args=[attachment.postmortem_id, attachment.pk])
    assert client.get(url).status_code == 302  # to the admin login
    outsider = django_user_model.objects.create_user("outsider", password="pw", is_staff=True)
    client.force_login(outsider)
    assert client.get(url).status_code == 403
    wrong_postmortem = reverse(
        "admin:postmortems_postmortem_attachment", args=[attachment.postmortem_id + 1, attachment.pk]
    )
    assert client.get(wrong_postmortem).status_code in (403, 404)


def test_cockpit_links_to_the_post_mortem(commander_client, commander, severities):
    incident = resolved_incident(by=commander)
    page = commander_client.get(reverse("admin:incidents_incident_change", args=[incident.pk])).content.decode()
    assert reverse("admin:postmortems_postmortem_change", args=[incident.postmortem.pk]) in page
    assert "Post-mortem (draft)" in page


def test_cockpit_offers_close_only_once_the_post_mortem_is_published(commander_client, commander, severities):
    from tests.factories import publish_postmortem

    incident = resolved_incident(by=commander)
    url = reverse("admin:incidents_incident_change", args=[incident.pk])
    assert 'data-move="closed"' not in commander_client.get(url).content.decode()
    publish_postmortem(incident, by=commander)
    assert 'data-move="closed"' in commander_client.get(url).content.decode()


def test_attachment_removal_refused_once_published(attachment, commander):
    from django.core.exceptions import ValidationError

    from postmortems.models import Attachment
    from tests.factories import publish_postmortem

    publish_postmortem(attachment.postmortem.incident, by=commander)
    with pytest.raises(ValidationError):
        services.attachment_remove(attachment, by=commander)
    assert Attachment.objects.filter(pk=attachment.pk).exists()


def test_attachment_removal_from_a_draft(attachment, commander):
    from postmortems.models import Attachment

    services.attachment_remove(attachment, by=commander)
    assert not Attachment.objects.filter(pk=attachment.pk).exists()
