from __future__ import annotations

import os
import shutil

import pytest
from django.contrib.auth.models import Group

from incidents import roles
from incidents.models import SeverityPolicy

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


def closed_port() -> int:
    """A local TCP port nothing listens on: a connection there is refused at once."""
    import socket

    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def is_postgres() -> bool:
    from django.db import connection

    return connection.vendor == "postgresql"


@pytest.fixture(autouse=True)
def _site_language_again():
    """A request leaves its language active in the thread (LocaleMiddleware activates, nothing deactivates);
    each test starts and ends in the site's language."""
    from django.utils import translation

    translation.deactivate()
    yield
    translation.deactivate()


@pytest.fixture(autouse=True)
def _no_remembered_faults():
    """Each test starts with no cache or broker failure remembered (they make a process skip Redis awhile)."""
    from incidents import faults
    from incidents.statuspage.shared_reads import shared

    faults.reset()
    shared.forget()  # nor a status cache version or request counts read in an earlier test
    yield
    faults.reset()
    shared.forget()


@pytest.fixture
def severities(db) -> dict[str, SeverityPolicy]:
    """The runbook's P1-P4, loaded by the data migration (restored after a flush by the fixture below)."""
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


def api_for(user):
    from rest_framework.test import APIClient

    client = APIClient()
    client.force_authenticate(user)
    return client


@pytest.fixture
def commander_api(commander):
    return api_for(commander)


@pytest.fixture
def viewer_client(client, viewer):
    client.force_login(viewer)
    return client


@pytest.fixture(autouse=True)
def _runbook_defaults_after_flush(request):
    """Transactional tests (live server, real processes) flush the tables after each test, which also
    removes the rows the data migrations load; put the runbook's defaults back before such a test."""
    marker = request.node.get_closest_marker("django_db")
    transactional = bool(marker and marker.kwargs.get("transaction")) or any(
        name in request.fixturenames for name in ("transactional_db", "live_server")
    )
    if not transactional:
        return
    request.getfixturevalue("transactional_db")
    from django.apps import apps

    from incidents import seed as incident_seed
    from incidents.library import seed as library_seed
    from incidents.paging import seed as paging_seed
    from incidents.roles import ensure_role_groups

    # The same seed modules the data migrations call, on the live models.
    for module in (incident_seed, paging_seed, library_seed):
        module.seed(apps)
    ensure_role_groups()
