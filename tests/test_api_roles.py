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


@pytest.mark.parametrize(
    "url",
    [
        "/api/postmortems/?author=99999999999999999999999",
        "/api/action-items/?owner=99999999999999999999999",
        "/api/action-items/?owner=-1",
        "/api/postmortems/99999999999999999999999/",
        "/api/action-items/99999999999999999999999/",
        "/api/review-meetings/99999999999999999999999/",
        "/api/review-meetings/?starts_after=0001-01-01T00:00:00%2B05:00",
    ],
)
def test_out_of_range_ids_are_client_errors(url, commander):
    client = APIClient()
    client.force_authenticate(commander)
    assert client.get(url).status_code in (400, 404)
