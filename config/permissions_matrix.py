"""Who may do what: one row per URL of the URLconf (by URL name, or by route for unnamed ones), one row
per ModelAdmin (its standard pages) and one per custom admin action. tests/config/test_permission_matrix.py
walks every URL for every role and fails on a URL without a row, naming the row to add.

Roles, one letter each: C Incident Commander, R Responder, M Manager, V Viewer, N a staff login with no
role group, A anonymous. "read" is GET; "write" is POST, PUT, PATCH and DELETE (a method the view does not
offer is refused with 405 for everyone and not compared).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

ROLE_LETTERS = "CRMVNA"
STAFF = "CRMVN"
ROLES = "CRMV"
NOBODY = ""
EVERYONE = ROLE_LETTERS


@dataclass(frozen=True)
class Access:
    read: str = NOBODY
    write: str = NOBODY  # POST, PUT, PATCH
    delete: str = NOBODY  # DELETE
    # Values for the URL's arguments that the test cannot derive from a sample row (e.g. an action name).
    kwargs: dict[str, Any] = field(default_factory=dict)


def row(read: str = NOBODY, write: str = NOBODY, *, delete: str = NOBODY, **kwargs: Any) -> Access:
    return Access(read, write, delete, kwargs)


def sample_of(label: str) -> str:
    """A URL argument that is the primary key of the test's sample row of this model."""
    return f"sample:{label}"


def page(read: str, **kwargs: Any) -> Access:
    """A read-only view that answers any method alike (a POST renders it as a GET would)."""
    return Access(read, read, NOBODY, kwargs)


# ModelAdmin standard pages, per model: (view, add, change, delete). The changelist, change page (GET),
# history and the object redirect follow "view"; the add page follows "add"; a POST to the change page
# follows "change"; the delete page (GET and POST) follows "delete". Django's own and the login lockout's
# models are for superusers only.
ADMIN_MODELS: dict[str, tuple[str, str, str, str]] = {
    "auth.group": (NOBODY, NOBODY, NOBODY, NOBODY),
    "auth.user": (NOBODY, NOBODY, NOBODY, NOBODY),
    "axes.accessattempt": (NOBODY, NOBODY, NOBODY, NOBODY),
    "axes.accesslog": (NOBODY, NOBODY, NOBODY, NOBODY),
    "axes.accessfailurelog": (NOBODY, NOBODY, NOBODY, NOBODY),
    "tokens.apitoken": (NOBODY, NOBODY, NOBODY, NOBODY),
    # Severities, incidents and published updates stay on the record: nobody deletes them.
    "incidents.severitypolicy": (ROLES, "CM", "CM", NOBODY),
    "incidents.component": (ROLES, "C", "C", "C"),
    "incidents.incident": (ROLES, "CR", "CR", NOBODY),
    "outbox.notification": (ROLES, "C", NOBODY, "C"),  # never edited: retried by its action
    "paging.escalationpolicy": (ROLES, "CM", "CM", "C"),
    "paging.rotation": (ROLES, "C", "C", "C"),
    "statuspage.scheduledmaintenance": (ROLES, "C", "C", "C"),
    "statuspage.statusupdate": (ROLES, NOBODY, NOBODY, NOBODY),  # published and withdrawn in the cockpit
    "statuspage.subscriber": (ROLES, NOBODY, "C", "C"),
    "library.playbook": (ROLES, "C", "C", "C"),
    "library.communicationtemplate": (ROLES, "C", "C", "C"),
    "library.quickreferencelink": (ROLES, "C", "C", "C"),
    "alerts.integration": (ROLES, "C", "C", "C"),
    "alerts.payload": (ROLES, NOBODY, NOBODY, "C"),  # an audit row: replayed or deleted only
    "postmortems.actionitem": (ROLES, "CRM", "CRM", "C"),
    "postmortems.postmortem": (ROLES, "CRM", "CRM", "C"),
    "postmortems.reviewmeeting": (ROLES, "CM", "CM", "C"),
}

# Custom admin actions (the changelist's action menu), by "<model label>.<action>". Django's
# delete_selected follows the model's delete column above.
ADMIN_ACTIONS: dict[str, str] = {
    "axes.accessattempt.cleanup_expired_attempts": NOBODY,
    "incidents.incident.acknowledge_selected": "CR",
    "incidents.incident.resolve_selected": "C",
    "outbox.notification.retry": "C",
    "statuspage.statusupdate.withdraw_selected": "C",
    "statuspage.subscriber.export_csv": ROLES,  # reads what the changelist shows
    "statuspage.subscriber.quarantine": "C",
    "statuspage.subscriber.reactivate": "C",
    "library.playbook.mark_reviewed": "C",
    "alerts.payload.replay": "C",
    "postmortems.actionitem.mark_in_progress": "CRM",
    "postmortems.actionitem.mark_done": "CRM",
    "postmortems.actionitem.mark_wont_do": "CRM",
}

# Every other URL, by name ("namespace:name") or, for an unnamed one, by its route.
URLS: dict[str, Access] = {
    # The site root redirects to the admin; the login page and the health checks are public.
    "": row(EVERYONE, EVERYONE),  # a redirect, whatever the method
    "healthz": page(EVERYONE),
    "readyz": page(EVERYONE),
    "admin:login": row(EVERYONE, EVERYONE),
    "admin:logout": row(EVERYONE, EVERYONE),  # anonymous: a redirect to the index
    "admin:index": row(STAFF, STAFF),  # a POST renders the index, like a GET
    "admin:password_change": row(STAFF, STAFF),
    "admin:password_change_done": row(STAFF),
    # My preferences (time zone, language): every staff login edits its own.
    "admin_preferences": row(STAFF, STAFF),
    "admin:app_list": page(ROLES, app_label="incidents"),
    "admin:jsi18n": page(STAFF),
    # Without a field to complete the autocomplete refuses everyone (403); its rule is the field's model's.
    "admin:autocomplete": row(NOBODY),
    # An incident has no public URL: 404 for everyone (the status page links its public id instead).
    "admin:view_on_site": page(NOBODY),
    "admin/(?P<url>.*)$": page(NOBODY, url="no-such-page/"),  # 404, or the login page when anonymous
    "admin:auth_user_password_change": row(),
    # Cockpit (incident change page) buttons and the declare form's severity suggestion.
    "admin:incidents_incident_suggest_severity": page("CR"),  # the declare form's helper: those who may declare
    "admin:incidents_incident_cockpit": row(NOBODY, "CR", action="acknowledge"),
    # The live cockpit's and board's refreshes, the whole timeline, the board for a wall screen, and the
    # command palette's incident search: read-only, for whoever may view incidents.
    "admin:incidents_incident_live": page(ROLES),
    "admin:incidents_incident_timeline": page(ROLES),
    "admin:incidents_incident_timeline_csv": page(ROLES),
    "admin:incidents_incident_board": page(ROLES),
    "admin:incidents_incident_board_live": page(ROLES),
    "admin:incidents_incident_palette_search": page(ROLES),
    "admin:paging_page_now": row(NOBODY, "CR", incident_pk=sample_of("incidents.incident")),
    "admin:library_playbook_apply": row(NOBODY, "CR", incident_pk=sample_of("incidents.incident")),
    "admin:statuspage_statusupdate_cockpit": row(NOBODY, "C", action="publish", pk=sample_of("incidents.incident")),
    "admin:library_communicationtemplate_communicate": row("CR", "CR"),
    "admin:alerts_rotate_key": row(NOBODY, "C"),
    "admin:alerts_test_alert": row(NOBODY, "C"),
    "admin:postmortems_postmortem_markdown": page(ROLES),
    "admin:postmortems_postmortem_communication": page(ROLES),  # a draft to copy
    "admin:postmortems_postmortem_move": row(NOBODY, "CRM", move="submit"),
    "admin:postmortems_postmortem_attachment": page(ROLES),
    # The managers' report needs postmortems.view_reports (Manager only).
    "admin:postmortems_report": page("M"),
    "admin:postmortems_report_csv": page("M", table="action-items-by-owner"),
    "admin:postmortems_reviewmeeting_ics": page(ROLES),
    "admin:postmortems_reviewmeeting_send_invite": row(NOBODY, "CM"),
    # Public status page and its JSON (Atlassian Statuspage v2 shape).
    "status:index": row(EVERYONE),
    "status:history": row(EVERYONE),
    "status:uptime": row(EVERYONE),
    "status:badge": row(EVERYONE),
    "status:jsi18n": row(EVERYONE),  # the status page's JavaScript strings, per ?lang=
    "status:subscribe": row(EVERYONE, EVERYONE),
    "status:subscribe-confirm": row(EVERYONE, EVERYONE),
    "status:subscribe-manage": row(EVERYONE, EVERYONE),
    "status:subscribe-unsubscribe": row(EVERYONE, EVERYONE),
    "status:incident": row(EVERYONE),
    "status:history-atom": page(EVERYONE),
    "status:history-rss": page(EVERYONE),
    "status:summary": row(EVERYONE),
    "status:status": row(EVERYONE),
    "status:components": row(EVERYONE),
    "status:incidents": row(EVERYONE),
    "status:incidents/unresolved": row(EVERYONE),
    "status:scheduled-maintenances": row(EVERYONE),
    "status:scheduled-maintenances/upcoming": row(EVERYONE),
    "status:scheduled-maintenances/active": row(EVERYONE),
    # Private API (session or token).
    "api-root": row(STAFF),
    "api-schema": row(STAFF),
    "api-docs": row(STAFF),
    "incident-list": row(ROLES, "CR"),  # declare
    "incident-detail": row(ROLES, "CR"),  # severity and status need C (a field rule)
    "incident-acknowledge": row(NOBODY, "CR"),
    "incident-notes": row(NOBODY, "CR"),
    "incident-resolve": row(NOBODY, "C"),
    "incident-timeline": row(ROLES),
    "incident-status-updates": row(ROLES, "C"),
    "component-list": row(ROLES, "C"),
    "component-detail": row(ROLES, "C", delete="C"),
    "scheduledmaintenance-list": row(ROLES, "C"),
    "scheduledmaintenance-detail": row(ROLES, "C", delete="C"),
    "integration-list": row(ROLES, "C"),
    # Monitoring webhooks authenticate with the integration's key, not a login.
    "alerts-webhook": row(NOBODY, EVERYONE, endpoint="generic"),
    "alerts-webhook-bearer": row(NOBODY, NOBODY, endpoint="generic"),
    "postmortem-list": row(ROLES, "CRM"),
    "postmortem-detail": row(ROLES, "CRM"),
    "postmortem-communication": row(ROLES, "CRM"),
    "postmortem-markdown": row(ROLES),
    "postmortem-publish": row(NOBODY, "CRM"),
    "postmortem-return-to-draft": row(NOBODY, "CRM"),
    "postmortem-submit": row(NOBODY, "CRM"),
    "postmortem-timeline": row(ROLES, "CRM"),
    "postmortem-whys": row(ROLES, "CRM"),
    "actionitem-list": row(ROLES, "CRM"),
    "actionitem-detail": row(ROLES, "CRM"),
    "reviewmeeting-list": row(ROLES, "CM"),
    "reviewmeeting-detail": row(ROLES),
    "reviewmeeting-ics": row(ROLES),
    "reviewmeeting-send-invite": row(NOBODY, "CM"),
    "report": row("M", section="action-items"),
    "report-csv": row("M", section="action-items-by-owner"),
    # The cockpit's other actions, through the API (see tests/test_api_parity.py).
    "incident-status-update-withdraw": row(NOBODY, "C"),
    "incident-checklist": row(ROLES),
    "incident-checklist-tick": row(NOBODY, "CR", pk=sample_of("incidents.checklistitem")),
    "incident-communications": row(NOBODY, "CR"),
    "incident-communication-preview": row("CR"),  # as the Communicate page
    "incident-playbooks-suggested": row(ROLES),
    "incident-playbook-apply": row(NOBODY, "CR"),
    "incident-notifications": row(ROLES),
    "incident-notification-retry": row(NOBODY, "C", pk=sample_of("outbox.notification")),
    "incident-roles": row(ROLES, "C"),
    "incident-handover": row(NOBODY, "C"),
    "incident-responders": row(NOBODY, "CR"),
    "incident-responder": row(NOBODY, NOBODY, delete="CR"),
    "incident-page-now": row(NOBODY, "CR"),
    "communication-template-list": row(ROLES),
    "communication-template-detail": row(ROLES, pk=sample_of("library.communicationtemplate")),
    "playbook-list": row(ROLES),
    "playbook-detail": row(ROLES),
    "escalation-policy-list": row(ROLES),
    "escalation-policy-detail": row(ROLES, pk=sample_of("paging.escalationpolicy")),
    "rotation-list": row(ROLES),
    "rotation-detail": row(ROLES),
    "rotation-on-call-all": row(ROLES),
    "rotation-on-call": row(ROLES),
    # Prometheus scrapes with METRICS_TOKEN; without one (as here) nobody reaches it.
    "metrics": row(NOBODY),
}
