"""The admin login locks a username out from one address after AXES_FAILURE_LIMIT failures, shows a
page saying so, and is unlocked by the cool-off, in the admin or with the reset command."""

from __future__ import annotations

from datetime import timedelta

import pytest
import time_machine
from axes.models import AccessAttempt
from django.core.management import call_command
from django.urls import reverse
from django.utils import timezone

from incidents import roles
from tests.conftest import make_user

pytestmark = pytest.mark.django_db

LOGIN = "/admin/login/"


@pytest.fixture
def limit(settings):
    settings.AXES_FAILURE_LIMIT = 3
    return 3


@pytest.fixture
def alice(django_user_model):
    return make_user(django_user_model, "alice", roles.VIEWER)


def attempt(client, username: str, password: str, address: str = "10.0.0.1", **headers):
    return client.post(
        LOGIN, {"username": username, "password": password, "next": "/admin/"}, REMOTE_ADDR=address, **headers
    )


def lock_out(client, username: str, limit: int, address: str = "10.0.0.1", **headers):
    responses = [attempt(client, username, "wrong", address, **headers) for _ in range(limit)]
    assert [r.status_code for r in responses[:-1]] == [200] * (limit - 1)  # the login form again, with its error
    return responses[-1]


def test_the_nth_failure_locks_out_with_a_clear_page(client, alice, limit):
    locked = lock_out(client, "alice", limit)
    assert locked.status_code == 429
    assert "admin/lockout.html" in [t.name for t in locked.templates]
    page = locked.content.decode()
    assert "Sign-in is locked for “alice” from this address after 3 failed attempts" in page
    assert "Try again in 0:30:00" in page
    # Even the right password is refused while locked.
    right = attempt(client, "alice", "pw")
    assert right.status_code == 429
    assert "_auth_user_id" not in client.session


def test_failures_below_the_limit_do_not_lock_and_success_resets_them(client, alice, limit):
    for _ in range(limit - 1):
        assert attempt(client, "alice", "wrong").status_code == 200
    assert attempt(client, "alice", "pw").status_code == 302
    client.logout()
    for _ in range(limit - 1):
        assert attempt(client, "alice", "wrong").status_code == 200
    assert attempt(client, "alice", "pw").status_code == 302


def test_the_lock_is_per_username_and_address(client, alice, django_user_model, limit):
    make_user(django_user_model, "bob", roles.VIEWER)
    lock_out(client, "alice", limit, "10.0.0.1")
    # The same user from another address, and another user from the same address, still sign in.
    assert attempt(client, "alice", "pw", "10.0.0.2").status_code == 302
    client.logout()
    assert attempt(client, "bob", "pw", "10.0.0.1").status_code == 302
    client.logout()
    assert attempt(client, "alice", "pw", "10.0.0.1").status_code == 429


def test_behind_trusted_proxies_the_forwarded_address_is_the_client(client, alice, settings, limit):
    settings.PUBLIC_API_TRUSTED_PROXIES = 1
    lock_out(client, "alice", limit, "192.0.2.10", HTTP_X_FORWARDED_FOR="203.0.113.5")
    assert AccessAttempt.objects.get().ip_address == "203.0.113.5"
    # Another client behind the same proxy is not locked out.
    assert attempt(client, "alice", "pw", "192.0.2.10", HTTP_X_FORWARDED_FOR="203.0.113.6").status_code == 302


def test_the_cool_off_ends_the_lock(client, alice, limit):
    with time_machine.travel(timezone.now(), tick=False) as clock:
        lock_out(client, "alice", limit)
        clock.shift(timedelta(minutes=29))
        # A try during the lock starts the cool-off again (a guesser who keeps going stays locked out).
        assert attempt(client, "alice", "pw").status_code == 429
        clock.shift(timedelta(minutes=29))
        assert attempt(client, "alice", "pw").status_code == 429
        clock.shift(timedelta(minutes=31))
        assert attempt(client, "alice", "pw").status_code == 302


def test_an_administrator_unlocks_in_the_admin(client, alice, django_user_model, limit):
    lock_out(client, "alice", limit)
    admin_user = django_user_model.objects.create_superuser("root", password="pw")
    client.force_login(admin_user)
    changelist = reverse("admin:axes_accessattempt_changelist")
    listed = client.get(changelist)
    assert listed.status_code == 200
    assert "alice" in listed.content.decode()
    attempt_row = AccessAttempt.objects.get(username="alice")
    unlocked = client.post(
        changelist, {"action": "delete_selected", "_selected_action": [attempt_row.pk], "post": "yes"}
    )
    assert unlocked.status_code == 302
    client.logout()
    assert attempt(client, "alice", "pw").status_code == 302


def test_the_reset_command_unlocks(client, alice, limit):
    lock_out(client, "alice", limit)
    call_command("axes_reset_ip_username", "10.0.0.1", "alice")
    assert attempt(client, "alice", "pw").status_code == 302


def test_api_tokens_are_not_counted(client, alice, limit):
    lock_out(client, "alice", limit)
    from rest_framework.authtoken.models import Token

    token = Token.objects.create(user=alice)
    response = client.get("/api/incidents/", HTTP_AUTHORIZATION=f"Token {token.key}", REMOTE_ADDR="10.0.0.1")
    assert response.status_code == 200
    bad = client.get("/api/incidents/", HTTP_AUTHORIZATION="Token " + "0" * 40, REMOTE_ADDR="10.0.0.1")
    assert bad.status_code == 401
    assert AccessAttempt.objects.get().failures_since_start == limit


@pytest.mark.parametrize(
    ("remote", "forwarded", "expected"),
    [("10.0.0.1", "", "10.0.0.1"), ("", "", None), ("192.0.2.10", "not-an-address", None), ("", "::1", "::1")],
)
def test_the_counted_address_is_an_ip_or_none(rf, settings, remote, forwarded, expected):
    from config.security import login_client_address

    settings.PUBLIC_API_TRUSTED_PROXIES = 1
    request = rf.get("/admin/login/", REMOTE_ADDR=remote, HTTP_X_FORWARDED_FOR=forwarded)
    assert login_client_address(request) == expected


def test_a_forged_forwarded_address_is_a_failed_login_not_an_error(client, alice, settings, limit):
    settings.PUBLIC_API_TRUSTED_PROXIES = 1
    response = attempt(client, "alice", "wrong", "192.0.2.10", HTTP_X_FORWARDED_FOR="x' OR 1=1")
    assert response.status_code == 200
    assert AccessAttempt.objects.get().ip_address is None
