"""The admin's command palette (Ctrl-K / Cmd-K): which commands it offers on a page.

Commands are data, rendered into the page with json_script and run by incidents/static/incidents/palette.js:

- ``navigate``: go to ``target`` (a URL);
- ``submit``: submit the cockpit's own form whose ``action`` is ``target`` (so the form's CSRF token and
  any other hidden fields go with it);
- ``focus``: open, scroll to and focus the element ``target`` (a CSS selector), e.g. the note field.

A ``submit`` or ``focus`` command is offered only while its form or element is on the page. The cockpit
draws the acknowledge and move buttons only for the moves that are legal now and allowed to the user, so
the palette follows the cockpit's own rules, also after a live refresh redraws the header. Packages add
commands for an incident's cockpit with ``register_incident_commands`` from their ``AppConfig.ready()``,
as they add cockpit panels; templates can also mark any element with ``data-palette-label``.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import asdict, dataclass
from typing import Any, Literal

from django.http import HttpRequest
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, pgettext, pgettext_lazy

from incidents.models import Incident, IncidentStatus
from incidents.roles import COMMAND_PERMISSION

Run = Literal["navigate", "submit", "focus"]
# The group a command is listed under (shown beside it).
INCIDENT_GROUP: Any = pgettext_lazy("palette group", "Incident")


@dataclass(frozen=True)
class Command:
    label: str
    run: Run
    target: str
    keywords: str = ""  # other words a user may type to find it
    group: str = INCIDENT_GROUP

    def as_json(self) -> dict[str, Any]:
        # Labels may be lazy translations: the page gets them as text in the active language.
        return {name: str(value) for name, value in asdict(self).items()}


CommandProvider = Callable[[HttpRequest, Incident], Iterable[Command]]

_INCIDENT_COMMANDS: dict[str, tuple[int, CommandProvider]] = {}


def register_incident_commands(name: str, provider: CommandProvider, order: int = 100) -> None:
    """Register (or replace, by name) the commands a package adds to an incident's cockpit."""
    _INCIDENT_COMMANDS[name] = (order, provider)


def global_commands(request: HttpRequest) -> list[Command]:
    """Commands offered on every admin page."""
    user = request.user
    commands = []
    if user.has_perm("incidents.add_incident"):
        commands.append(
            Command(
                _("Declare an incident"),
                "navigate",
                reverse("admin:incidents_incident_add"),
                # Translators: words a user may type to find the command, space-separated; keep the English ones.
                _("new open start p1 p2 p3 p4 outage"),
                "Warroom",
            )
        )
    if user.has_perm("incidents.view_incident"):
        commands.append(
            Command(
                _("Open incidents"),
                "navigate",
                f"{reverse('admin:incidents_incident_changelist')}?open=yes",
                # Translators: words a user may type to find the command, space-separated; keep the English ones.
                _("list board all"),
                "Warroom",
            )
        )
    commands.append(
        Command(
            _("Dashboard"),
            "navigate",
            reverse("admin:index"),
            # Translators: words a user may type to find the command, space-separated; keep the English ones.
            _("home index"),
            "Warroom",
        )
    )
    return commands


def incident_commands(request: HttpRequest, incident: Incident) -> list[Command]:
    """Commands for this incident's cockpit: the core's, then each registered package's."""
    commands = list(_core_commands(request, incident))
    for _order, provider in sorted(_INCIDENT_COMMANDS.values(), key=lambda item: item[0]):
        commands.extend(provider(request, incident))
    return commands


# The cockpit's status buttons, as commands; a move is offered only while the cockpit shows its button.
# Translators: the second text of each pair is words a user may type to find the command; keep the English ones.
MOVE_COMMANDS = {
    IncidentStatus.IDENTIFIED: (gettext_lazy("Mark identified"), gettext_lazy("move status identified cause found")),
    IncidentStatus.MONITORING: (gettext_lazy("Start monitoring"), gettext_lazy("move status monitoring fix deployed")),
    IncidentStatus.RESOLVED: (pgettext_lazy("button", "Resolve"), gettext_lazy("move status resolved fixed done")),
    IncidentStatus.INVESTIGATING: (
        gettext_lazy("Back to investigating"),
        gettext_lazy("move status investigating reopen"),
    ),
    IncidentStatus.CLOSED: (pgettext_lazy("button", "Close"), gettext_lazy("move status closed closeout")),
}


def _core_commands(request: HttpRequest, incident: Incident) -> Iterable[Command]:
    user = request.user
    if not user.has_perm("incidents.change_incident"):
        return
    reference = incident.reference

    def action_url(action: str) -> str:
        return reverse("admin:incidents_incident_cockpit", args=[incident.pk, action])

    yield Command(
        _("Acknowledge %(reference)s") % {"reference": reference},
        "submit",
        action_url("acknowledge"),
        # Translators: words a user may type to find the command, space-separated; keep the English ones.
        _("ack ack'd mine on it"),
    )
    if user.has_perm(COMMAND_PERMISSION):
        for status, (label, keywords) in MOVE_COMMANDS.items():
            yield Command(
                pgettext("palette command", "%(action)s (%(reference)s)") % {"action": label, "reference": reference},
                "submit",
                action_url(f"move-{status}"),
                str(keywords),
            )
        yield Command(
            _("Change severity"),
            "focus",
            "#wr-severity",
            # Translators: words a user may type to find the command, space-separated; keep the English ones.
            _("severity escalate downgrade p1 p2 p3 p4"),
        )
    # Translators: words a user may type to find the command, space-separated; keep the English ones.
    yield Command(_("Add a note"), "focus", "#wr-note", _("note log comment write timeline"))


def palette_data(request: HttpRequest, context: Any) -> dict[str, Any]:
    """What the palette's container needs for this page: the commands and the incident search URL."""
    commands = global_commands(request)
    incident = context.get("incident")
    if isinstance(incident, Incident) and incident.pk:
        commands = incident_commands(request, incident) + commands
    can_search = request.user.has_perm("incidents.view_incident")
    return {
        "commands": [command.as_json() for command in commands],
        "search_url": reverse("admin:incidents_incident_palette_search") if can_search else "",
    }
