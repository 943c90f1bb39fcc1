"""Every write that changes an incident or what it refers to. Admin actions, API views, tasks and commands
call these (`from incidents import services`); one user action is one service, one transaction."""

from incidents.services.catalog import (
    COMPONENT_FIELDS,
    component_create,
    component_delete,
    component_update,
    open_incidents_changed,
    severity_policy_save,
)
from incidents.services.editing import (
    EDITABLE_DETAILS,
    checklist_item_tick,
    incident_add_note,
    incident_update,
    incident_update_details,
)
from incidents.services.lifecycle import (
    TRANSITIONS,
    available_moves,
    incident_acknowledge,
    incident_change_severity,
    incident_close,
    incident_declare,
    incident_move_status,
    incident_resolve,
    legal_moves,
    lock_incident,
    next_reference,
)
from incidents.services.roles import (
    ASSIGNABLE_ROLES,
    ROLE_NAMES,
    incident_add_responder,
    incident_assign_role,
    incident_hand_over_command,
    incident_remove_responder,
    incident_set_roles,
)
from incidents.services.versioning import (
    IncidentConflict,
    changed_by_text,
    check_version,
    count_change,
    parse_version,
)

__all__ = [
    "ASSIGNABLE_ROLES",
    "COMPONENT_FIELDS",
    "EDITABLE_DETAILS",
    "ROLE_NAMES",
    "TRANSITIONS",
    "IncidentConflict",
    "available_moves",
    "changed_by_text",
    "check_version",
    "checklist_item_tick",
    "component_create",
    "component_delete",
    "component_update",
    "count_change",
    "incident_acknowledge",
    "incident_add_note",
    "incident_add_responder",
    "incident_assign_role",
    "incident_change_severity",
    "incident_close",
    "incident_declare",
    "incident_hand_over_command",
    "incident_move_status",
    "incident_remove_responder",
    "incident_resolve",
    "incident_set_roles",
    "incident_update",
    "incident_update_details",
    "legal_moves",
    "lock_incident",
    "next_reference",
    "open_incidents_changed",
    "parse_version",
    "severity_policy_save",
]
