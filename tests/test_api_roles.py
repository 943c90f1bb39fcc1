"""Every private API list needs a role: a login without one reads nothing, a Viewer reads."""

import pytest
from rest_framework.test import APIClient

pytestmark = pytest.mark.django_db

LISTS = [
    "/api/incidents/",
    "/api/components/",
    "/api/scheduled-maintenances/",
    "/api/postmortems/",
    "/api/action-items/",
    "/api/review-meetings/",
]


@pytest.mark.parametrize("url", LISTS)
def test_lists_need_a_role(url, django_user_model, viewer):
    client = APIClient()
    assert client.get(url).status_code in (401, 403)
    client.force_authenticate(django_user_model.objects.create_user("nobody", password="pw"))
    assert client.get(url).status_code == 403
    client.force_authenticate(viewer)
    assert client.get(url).status_code == 200
