"""The admin groups that carry Warroom's roles, kept in step with the models after every migrate."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from django.apps import apps as global_apps
from django.contrib.auth.models import Group, Permission, User
from django.db.models import Q
from django.utils.translation import gettext as _

# The permission that runs an incident: status moves, severity changes, resolving, public status updates.
COMMAND_PERMISSION = "incidents.command_incident"

COMMANDER = "Incident Commander"
RESPONDER = "Responder"
MANAGER = "Manager"
VIEWER = "Viewer"

# App labels whose models the roles cover (strings: the roles know no package's code).
WARROOM_APPS = ("incidents", "timers", "outbox", "paging", "statuspage", "library", "alerts", "postmortems")

# Per role: which actions on which apps' models. "*" is every model of the Warroom apps.
ROLE_PERMISSIONS: dict[str, dict[str, Any]] = {
    COMMANDER: {"actions": ("view", "add", "change", "delete"), "extra": ("command_incident",)},
    RESPONDER: {
        "actions": ("view",),
        "add_change": ("incident", "timelineentry", "checklistitem", "postmortem", "actionitem", "fivewhy"),
    },
    MANAGER: {
        "actions": ("view",),
        "add_change": ("actionitem", "reviewmeeting", "postmortem", "severitypolicy", "escalationpolicy"),
        "extra": ("view_reports",),
    },
    VIEWER: {"actions": ("view",)},
}


# Custom permissions granted only by name, never by an action prefix ("view_reports" is not a model view).
EXTRA_ONLY = {codename for spec in ROLE_PERMISSIONS.values() for codename in spec.get("extra", ())}


def role_permissions(role: str) -> Q:
    spec = ROLE_PERMISSIONS[role]
    in_apps = Q(content_type__app_label__in=WARROOM_APPS)
    query = Q(pk__in=[])
    for action in spec.get("actions", ()):
        query |= in_apps & Q(codename__startswith=f"{action}_") & ~Q(codename__in=EXTRA_ONLY)
    for model in spec.get("add_change", ()):
        query |= in_apps & Q(content_type__model=model, codename__in=[f"add_{model}", f"change_{model}"])
    if spec.get("extra"):
        query |= in_apps & Q(codename__in=spec["extra"])
    return query


def ensure_role_groups(sender: Any = None, **kwargs: Any) -> None:
    """Create the role groups and grant their permissions; idempotent (post_migrate receiver)."""
    if not global_apps.is_installed("django.contrib.auth"):
        return
    for role in ROLE_PERMISSIONS:
        group, _ = Group.objects.get_or_create(name=role)
        group.permissions.add(*Permission.objects.filter(role_permissions(role)))


def active_members(groups: Iterable[Group]) -> list[User]:
    """Active users of these groups, each once, by username."""
    return list(User.objects.filter(groups__in=list(groups), is_active=True).distinct().order_by("username"))


def person(user: User | None) -> str:
    """A user as the timeline and messages name them: full name, else username."""
    if user is None:
        return _("nobody")
    return user.get_full_name() or user.get_username()
