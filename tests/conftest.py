from __future__ import annotations

import os
import shutil

import pytest
from django.contrib.auth.models import Group

from incidents import roles
from incidents.models import SeverityPolicy
from incidents.runbook import ensure_severity_policies

REQUIRE_SERVICES = os.environ.get("REQUIRE_SERVICES") == "1"
REQUIRE_BROWSER = os.environ.get("REQUIRE_BROWSER") == "1"


def need_service(available: bool, reason: str) -> None:
    """Skip without the service; with REQUIRE_SERVICES=1 (CI) a missing service fails the test."""
    if available:
        return
    if REQUIRE_SERVICES:
        pytest.fail(f"{reason} (REQUIRE_SERVICES=1)")
    pytest.skip(reason)


def need_browser() -> str:
    path = shutil.which("chromium") or shutil.which("chromium-browser")
    if path:
        return path
    if REQUIRE_BROWSER:
        pytest.fail("Debian's chromium is not installed (REQUIRE_BROWSER=1)")
    pytest.skip("chromium is not installed")
    raise AssertionError  # unreachable


def is_postgres() -> bool:
    from django.db import connection

    return connection.vendor == "postgresql"


@pytest.fixture
def severities(db) -> dict[str, SeverityPolicy]:
    """The runbook's P1-P4. The data migration loads them; transactional tests flush the tables, so restore."""
    ensure_severity_policies(SeverityPolicy)
    return {policy.level: policy for policy in SeverityPolicy.objects.all()}


def make_user(django_user_model, username: str, role: str | None = None, **extra):
    user = django_user_model.objects.create_user(
        username=username, password="pw", is_staff=True, first_name=username.title(), **extra
    )
    if role:
        user.groups.add(Group.objects.get(name=role))
    return user


@pytest.fixture
def commander(db, django_user_model):
    return make_user(django_user_model, "casey", roles.COMMANDER)


@pytest.fixture
def responder(db, django_user_model):
    return make_user(django_user_model, "riley", roles.RESPONDER)


@pytest.fixture
def manager(db, django_user_model):
    return make_user(django_user_model, "morgan", roles.MANAGER)


@pytest.fixture
def viewer(db, django_user_model):
    return make_user(django_user_model, "vic", roles.VIEWER)


@pytest.fixture
def commander_client(client, commander):
    client.force_login(commander)
    return client


@pytest.fixture
def viewer_client(client, viewer):
    client.force_login(viewer)
    return client
