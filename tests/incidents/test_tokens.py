"""API tokens: existing keys keep working, an expired token is refused with a 401 that says so, a
deleted (revoked) one is refused, the last use is written at most once a minute, and the admin shows
only the key's first characters."""

from __future__ import annotations

from datetime import timedelta

import pytest
import time_machine
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone
from rest_framework.authtoken.models import Token
from rest_framework.test import APIClient

from incidents.tokens.models import TokenDetails

pytestmark = pytest.mark.django_db


def get(token_key: str):
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {token_key}")
    return client.get("/api/incidents/")


def test_an_existing_token_works_and_its_use_is_recorded(viewer):
    token = Token.objects.create(user=viewer)
    assert get(token.key).status_code == 200
    assert TokenDetails.objects.get(token=token).last_used_at is not None


def test_an_expired_token_is_refused_with_a_clear_401(viewer):
    token = Token.objects.create(user=viewer)
    TokenDetails.objects.create(token=token, expires_at=timezone.now() + timedelta(days=1))
    assert get(token.key).status_code == 200
    with time_machine.travel(timezone.now() + timedelta(days=1, seconds=1)):
        response = get(token.key)
    assert response.status_code == 401
    assert "Token expired at" in response.json()["detail"]


def test_a_revoked_token_is_refused(viewer):
    token = Token.objects.create(user=viewer)
    assert get(token.key).status_code == 200
    token.delete()
    response = get(token.key)
    assert response.status_code == 401
    assert response.json()["detail"] == "Invalid token."


def test_the_last_use_is_written_at_most_once_a_minute(viewer):
    token = Token.objects.create(user=viewer)
    start = timezone.now()
    with time_machine.travel(start, tick=False) as clock:
        assert get(token.key).status_code == 200
        first = TokenDetails.objects.get(token=token).last_used_at
        assert first == start
        clock.shift(timedelta(seconds=30))
        with CaptureQueriesContext(connection) as queries:
            assert get(token.key).status_code == 200
        assert not [q for q in queries if "tokens_tokendetails" in q["sql"] and q["sql"].startswith("UPDATE")]
        assert TokenDetails.objects.get(token=token).last_used_at == first
        clock.shift(timedelta(seconds=31))
        assert get(token.key).status_code == 200
        assert TokenDetails.objects.get(token=token).last_used_at == start + timedelta(seconds=61)


def test_the_admin_shows_part_of_the_key_and_sets_an_expiry(client, django_user_model, viewer, commander):
    root = django_user_model.objects.create_superuser("root", password="pw")
    client.force_login(root)
    tokens = [Token.objects.create(user=user) for user in (viewer, commander)]
    listed = client.get("/admin/tokens/apitoken/")
    page = listed.content.decode()
    assert listed.status_code == 200
    for token in tokens:
        assert f"{token.key[:6]}…" in page
        assert token.key not in page
    change_url = f"/admin/tokens/apitoken/{viewer.pk}/change/"
    change = client.get(change_url)
    assert change.status_code == 200
    assert tokens[0].key not in change.content.decode()
    expiry = timezone.now() + timedelta(days=30)
    saved = client.post(
        change_url,
        {
            "user": viewer.pk,
            "expires_at_0": expiry.strftime("%Y-%m-%d"),
            "expires_at_1": expiry.strftime("%H:%M:%S"),
        },
    )
    assert saved.status_code == 302, saved.context["adminform"].form.errors
    saved_expiry = TokenDetails.objects.get(token=tokens[0]).expires_at
    assert saved_expiry is not None
    assert saved_expiry.date() == expiry.date()


def test_the_token_changelist_query_count(client, django_user_model, django_assert_max_num_queries):
    root = django_user_model.objects.create_superuser("root", password="pw")
    client.force_login(root)
    for index in range(5):
        user = django_user_model.objects.create_user(f"user{index}")
        TokenDetails.objects.create(token=Token.objects.create(user=user))
    with django_assert_max_num_queries(8):
        assert client.get("/admin/tokens/apitoken/").status_code == 200


def test_the_admin_adds_a_token_and_clears_an_expiry(client, django_user_model, viewer):
    root = django_user_model.objects.create_superuser("root", password="pw")
    client.force_login(root)
    added = client.post("/admin/tokens/apitoken/add/", {"user": viewer.pk, "expires_at_0": "", "expires_at_1": ""})
    assert added.status_code == 302
    token = Token.objects.get(user=viewer)
    assert TokenDetails.objects.get(token=token).expires_at is None
    assert get(token.key).status_code == 200
    bad = client.post(f"/admin/tokens/apitoken/{viewer.pk}/change/", {"user": viewer.pk, "expires_at_0": "soon"})
    assert bad.status_code == 200
    assert "expires_at" in bad.context["adminform"].form.errors
