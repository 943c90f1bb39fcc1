"""What other packages subscribe to: the incident core sends these, and never imports its subscribers.

Every signal is sent inside the transaction of the service that made the change, with the incident
row locked, so a receiver's writes (timers, a draft post-mortem) commit or roll back with it.

- ``incident_changed(incident, change)``: after any change that moves a clock: declared, acknowledged,
  severity changed, status moved, a public status update posted. The runbook clocks re-plan on it.
  ``change`` says which ("declared", "acknowledged", "severity", "status", "status_update", "policy");
  receivers that do not care take it in ``**kwargs``.
- ``incident_resolved(incident, by)``: the incident has just moved to resolved.
- ``incident_closing(incident)``: the incident is about to close, or the cockpit asks whether it may;
  a receiver refuses by raising ``ValidationError`` (e.g. the post-mortem is not yet published).

- ``command_handed_over(incident, previous, new, by, entry)``: command passed from ``previous`` (a user,
  or None when nobody had command) to ``new``; ``entry`` is the timeline entry that logs it. Paging
  notifies both commanders.
- ``role_assigned(incident, role, user, by, entry)``: ``user`` now holds ``role`` (``communications_lead``
  or ``scribe``). Paging tells them.
- ``responder_added(incident, user, page, by, entry)``: ``user`` joined the responders; with ``page`` true
  paging pages them now.

Receivers are connected from their package's ``AppConfig.ready()``.
"""

from __future__ import annotations

from django.dispatch import Signal

incident_changed = Signal()
incident_resolved = Signal()
incident_closing = Signal()
command_handed_over = Signal()
role_assigned = Signal()
responder_added = Signal()
