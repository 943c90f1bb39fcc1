"""Walk every URL of the URLconf for every role and compare with config/permissions_matrix.py: a URL
without a row fails, naming the row to add; a role reaching what its row refuses, or refused what its
row allows, fails. Writes (POST, PATCH, DELETE) run in a rolled-back savepoint, so one walk sees the
same rows throughout."""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass

import pytest
from django.contrib import admin
from django.contrib.auth.models import Group
from django.contrib.contenttypes.models import ContentType
from django.db import transaction
from django.test import Client, RequestFactory
from django.urls import URLPattern, URLResolver, get_resolver, reverse

from config import permissions_matrix as matrix
from incidents import roles
from incidents.models import Incident
from tests.conftest import make_user
from tests.incidents.test_admin import sample

pytestmark = pytest.mark.django_db

ROLE_OF_LETTER = {"C": roles.COMMANDER, "R": roles.RESPONDER, "M": roles.MANAGER, "V": roles.VIEWER}
WRITE_METHODS_API = ("post", "patch", "delete")
ADMIN_STANDARD = ("changelist", "add", "change", "delete", "history", "simple_history")


@dataclass(frozen=True)
class Route:
    key: str  # the matrix key: "namespace:name", or the route of an unnamed URL
    name: str  # the name to reverse ("" for unnamed)
    route: str
    params: tuple[str, ...]


def walk(patterns: list, prefix: str = "", namespace: str = "") -> Iterator[Route]:
    for entry in patterns:
        route = prefix + str(entry.pattern)
        if isinstance(entry, URLResolver):
            inner = f"{namespace}:{entry.namespace}" if namespace and entry.namespace else entry.namespace or namespace
            yield from walk(entry.url_patterns, route, inner or "")
        elif isinstance(entry, URLPattern):
            name = f"{namespace}:{entry.name}" if namespace and entry.name else entry.name or ""
            params = tuple(entry.pattern.regex.groupindex)
            yield Route(key=name or route, name=name, route=route, params=params)


def every_route() -> list[Route]:
    unique: dict[tuple[str, tuple[str, ...]], Route] = {}
    for found in walk(get_resolver().url_patterns):
        unique.setdefault((found.key, found.params), found)
    # Logging out ends the walk's session: last.
    return sorted(unique.values(), key=lambda route: route.key == "admin:logout")


def admin_model_of(route: Route) -> str | None:
    """'incidents.incident' for the admin's pages of that model (standard or unnamed object redirect)."""
    match = re.match(r"admin/([a-z_]+)/([a-z_]+)/", route.route)
    if not match:
        return None
    label = f"{match[1]}.{match[2]}"
    return label if label in matrix.ADMIN_MODELS else None


def missing_row(route: Route) -> str:
    return (
        f"{route.route!r} has no row in config/permissions_matrix.py: add "
        f'"{route.key}": row(read="...", write="...") to URLS (roles {matrix.ROLE_LETTERS})'
    )


def has_row(route: Route) -> bool:
    return bool(admin_model_of(route)) or route.key in matrix.URLS


def test_every_url_has_a_row():
    missing = [missing_row(route) for route in every_route() if not has_row(route)]
    assert not missing, "\n".join(missing)


def expected(route: Route) -> tuple[str, str | None, dict]:
    """(read roles, write roles or None when writes are not sent, extra kwargs)."""
    model = admin_model_of(route)
    view_roles = add = change = delete = ""
    if model:
        view_roles, add, change, delete = matrix.ADMIN_MODELS[model]
    if model and route.name and route.name.endswith(tuple(f"_{page}" for page in ADMIN_STANDARD)):
        page = next(p for p in ("simple_history", *ADMIN_STANDARD) if route.name.endswith(f"_{p}"))
        read, write = {
            "changelist": (view_roles, None),  # its POSTs are actions: ADMIN_ACTIONS
            "add": (add, add),
            "change": (view_roles, change),
            "delete": (delete, delete),
            "history": (view_roles, None),
            "simple_history": (view_roles, None),
        }[page]
        return read, write, {}
    if model and not route.name:  # <object_id>/ redirects to the change page, which checks
        return matrix.STAFF, None, {}
    access = matrix.URLS.get(route.key)
    if access is None:
        pytest.fail(missing_row(route))
    return access.read, access.write, dict(access.kwargs)


@pytest.fixture
def world(django_user_model, severities, settings):
    settings.SUBSCRIBE_THROTTLE_RATE = "100000/hour"
    settings.PUBLIC_API_THROTTLE_RATE = ""
    settings.API_DOCS_PUBLIC = False  # the production default
    commander = make_user(django_user_model, "matrix-commander", roles.COMMANDER)
    from incidents.alerts import services as alerts

    integration, key = alerts.integration_create(
        name="Matrix monitor", kind="alertmanager", default_severity=severities["P3"]
    )
    samples = {m._meta.label_lower: _sample(m, commander) for m in admin.site._registry}
    incident = samples["incidents.incident"]
    # The cockpit's endpoints under /api/incidents/{reference}/ act on rows of that incident.
    from incidents.outbox.services import enqueue
    from incidents.statuspage.services import status_update_publish

    samples["statuspage.statusupdate"] = status_update_publish(
        incident, status="investigating", body="Looking into it.", by=commander
    )
    samples["incidents.checklistitem"] = incident.checklist.order_by("position").first()
    samples["outbox.notification"] = enqueue(
        target="email:oncall@example.com", subject="Page", body="Paged.", about=incident
    )
    attachment = _attachment(samples["postmortems.postmortem"])
    values = {
        "reference": incident.reference,
        "public_id": samples["statuspage.scheduledmaintenance"].public_id,
        "token": "not-a-token",
        "key": key,
        "format": "json",
        "incident_pk": incident.pk,
        "content_type_id": ContentType.objects.get_for_model(Incident).pk,
        "attachment_pk": attachment.pk,
        "id": samples["statuspage.statusupdate"].public_id,  # a status update, by its public id
        "username": commander.username,  # a responder, by username
    }
    return samples, values, integration


def _sample(model, commander):
    """A row of every registered model: the smoke tests' samples, and those of Django's own and the
    login lockout's models."""
    from axes.models import AccessAttempt, AccessFailureLog, AccessLog
    from rest_framework.authtoken.models import Token

    label = model._meta.label_lower
    if label == "auth.user":
        return commander
    if label == "auth.group":
        return Group.objects.get(name=roles.VIEWER)
    if label == "tokens.apitoken":  # its pk is its user's
        return model.objects.get(key=Token.objects.create(user=commander).key)
    address = {"ip_address": "10.0.0.1", "username": "someone", "user_agent": "test"}
    if model is AccessAttempt:
        return AccessAttempt.objects.create(failures_since_start=1, **address)
    if model is AccessLog:
        return AccessLog.objects.create(**address)
    if model is AccessFailureLog:
        return AccessFailureLog.objects.create(**address)
    return sample(model, commander)


def _attachment(postmortem):
    from django.core.files.base import ContentFile

    from postmortems.models import Attachment

    attachment = Attachment(postmortem=postmortem)
    attachment.file.save("sample.txt", ContentFile(b"log line\n"), save=True)
    return attachment


def url_for(route: Route, samples: dict, values: dict, kwargs: dict) -> str:
    if not route.name:
        if "url" in route.params:
            return "/admin/" + kwargs["url"]
        model = admin_model_of(route)
        if model is None:
            return f"/{route.route}"
        return f"/{route.route.replace('<path:object_id>', str(samples[model].pk))}"
    filled: dict = {}
    model = admin_model_of(route)
    if route.name.endswith("_simple_history") and model:  # positional: (object id, history id)
        obj = samples[model]
        if not obj.history.exists():  # rows from data migrations have no history yet
            obj.save()
        return reverse(route.name, args=[obj.pk, obj.history.first().history_id])
    api_model = route.name.split("-")[0]
    api_sample = next((obj for label, obj in samples.items() if label.endswith(f".{api_model}")), None)
    for param in route.params:
        if param in kwargs and str(kwargs[param]).startswith("sample:"):
            filled[param] = samples[kwargs[param].removeprefix("sample:")].pk
        elif param in kwargs:
            filled[param] = kwargs[param]
        elif param in ("object_id", "pk", "id") and model:
            filled[param] = samples[model].pk
        elif param == "pk" and api_sample is not None:
            filled[param] = api_sample.pk
        elif param == "version_id" and model:
            filled[param] = samples[model].history.first().history_id
        elif param == "object_id":  # view_on_site
            filled[param] = samples["incidents.incident"].pk
        else:
            filled[param] = values[param]
    return reverse(route.name, kwargs=filled)


def refused(response) -> bool:
    # 404: the admin's app index hides an app without a permitted model; a webhook hides an unknown key.
    if response.status_code in (401, 403, 404):
        return True
    return response.status_code == 302 and "/admin/login/" in response.get("Location", "")


def check(client: Client, method: str, url: str, should_allow: bool, role: str, failures: list[str]) -> None:
    with transaction.atomic():
        response = (
            getattr(client, method)(url, content_type="application/json")
            if method
            in (
                "patch",
                "delete",
            )
            else getattr(client, method)(url)
        )
        transaction.set_rollback(True)
    if response.status_code == 405:
        return  # the view does not offer this method to anyone
    if response.status_code == 500:
        failures.append(f"{role} {method.upper()} {url}: {response.status_code}")
    elif refused(response) == should_allow:
        verb = "refused" if should_allow else "allowed"
        where = f" to {response['Location']}" if response.status_code == 302 else ""
        failures.append(f"{role} {method.upper()} {url}: {verb} ({response.status_code}{where}), the matrix says no")


def access_delete(route: Route) -> str:
    access = matrix.URLS.get(route.key)
    return access.delete if access else matrix.NOBODY


def client_for(letter: str, django_user_model) -> Client:
    client = Client(raise_request_exception=False)
    if letter == "A":
        return client
    user = make_user(django_user_model, f"matrix-{letter.lower()}")
    if letter in ROLE_OF_LETTER:
        user.groups.add(Group.objects.get(name=ROLE_OF_LETTER[letter]))
    client.force_login(user)
    return client


@pytest.mark.parametrize("letter", list(matrix.ROLE_LETTERS))
def test_every_url_for_every_role(letter, world, django_user_model):
    samples, values, _integration = world
    client = client_for(letter, django_user_model)
    failures: list[str] = []
    for route in every_route():
        read, write, kwargs = expected(route)
        url = url_for(route, samples, values, kwargs)
        check(client, "get", url, letter in read, letter, failures)
        if write is None:
            continue
        methods = WRITE_METHODS_API if route.route.startswith("api/") else ("post",)
        for method in methods:
            allowed = access_delete(route) if method == "delete" else write
            check(client, method, url, letter in allowed, letter, failures)
    assert not failures, "\n".join(failures)


@pytest.mark.parametrize("letter", list(matrix.ROLES + "N"))
def test_admin_actions_offered_per_role(letter, world, django_user_model):
    client_for(letter, django_user_model)
    user = django_user_model.objects.get(username=f"matrix-{letter.lower()}")
    request = RequestFactory().get("/admin/")
    request.user = user
    failures = []
    for model, model_admin in admin.site._registry.items():
        label = model._meta.label_lower
        if letter not in matrix.ADMIN_MODELS[label][0]:
            continue  # the changelist, where actions are offered, is refused (the walk checks it)
        offered = set(model_admin.get_actions(request))
        for action in model_admin.actions or []:
            name = action if isinstance(action, str) else action.__name__
            key = f"{label}.{name}"
            if key not in matrix.ADMIN_ACTIONS:
                pytest.fail(f'admin action {key} has no row: add "{key}": "<roles>" to ADMIN_ACTIONS')
            if (name in offered) != (letter in matrix.ADMIN_ACTIONS[key]):
                failures.append(f"{letter} {key}: {'offered' if name in offered else 'not offered'}")
        delete_allowed = letter in matrix.ADMIN_MODELS[label][3]
        if ("delete_selected" in offered) != delete_allowed:
            failures.append(f"{letter} {label}.delete_selected: {'offered' if not delete_allowed else 'missing'}")
    assert not failures, "\n".join(failures)


def test_an_unlisted_url_fails_naming_its_row(monkeypatch):
    route = Route(key="new-report", name="new-report", route="new-report", params=())
    with pytest.raises(pytest.fail.Exception, match=r'add "new-report": row\(read="\.\.\.", write="\.\.\."\) to URLS'):
        expected(route)
    monkeypatch.setitem(matrix.URLS, "new-report", matrix.row(matrix.STAFF))
    assert expected(route) == (matrix.STAFF, matrix.NOBODY, {})


def test_the_matrix_keeps_the_two_rules():
    """A Viewer changes nothing; anonymous reaches only the status pages, the login and the health checks
    (the walk above proves the matrix true; this proves the matrix says so)."""
    viewer_writes = [
        key
        for key, access in matrix.URLS.items()
        if (("V" in access.write and access.write != access.read) or "V" in access.delete)
        and key != "alerts-webhook"  # authenticated by the integration's key, whoever is logged in
    ]
    viewer_writes += [label for label, (_view, *changes) in matrix.ADMIN_MODELS.items() if "V" in "".join(changes)]
    assert not viewer_writes
    # Read-only pages answer a POST as a GET (page()): nothing else a Viewer may POST to.
    assert {key for key, a in matrix.URLS.items() if "V" in a.write} - {"alerts-webhook"} <= {
        key for key, a in matrix.URLS.items() if a.write == a.read
    }
    public = {"", "healthz", "readyz", "admin:login", "admin:logout", "admin/(?P<url>.*)$", "alerts-webhook"}
    anonymous = {key for key, a in matrix.URLS.items() if "A" in a.read + a.write + a.delete}
    assert {key for key in anonymous if not key.startswith("status:")} <= public
