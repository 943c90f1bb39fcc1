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
    checklist_items_add,
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

__all__ = [
    "COMPONENT_FIELDS",
    "EDITABLE_DETAILS",
    "TRANSITIONS",
    "available_moves",
    "checklist_item_tick",
    "checklist_items_add",
    "component_create",
    "component_delete",
    "component_update",
    "incident_acknowledge",
    "incident_add_note",
    "incident_change_severity",
    "incident_close",
    "incident_declare",
    "incident_move_status",
    "incident_resolve",
    "incident_update",
    "incident_update_details",
    "legal_moves",
    "lock_incident",
    "next_reference",
    "open_incidents_changed",
    "severity_policy_save",
]
