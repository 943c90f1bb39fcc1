"""Post-incident review writes: post-mortems and action items (meetings in postmortems.meetings).

on_incident_resolved() and check_incident_can_close() answer the incident hooks (postmortems/receivers.py).
Every function is atomic, validates first and logs to the incident's timeline in the same transaction.
"""

from postmortems.services.action_items import (
    ACTION_EDITABLE_FIELDS,
    action_item_create,
    action_item_set_status,
    action_item_update,
)
from postmortems.services.page import postmortem_save_page
from postmortems.services.postmortem import (
    EDITABLE_FIELDS,
    TIMELINE_KINDS_DROPPED_BY_DEFAULT,
    attachment_add,
    attachment_deleted,
    attachment_remove,
    attachment_replace,
    check_incident_can_close,
    on_incident_resolved,
    postmortem_choose_timeline,
    postmortem_create,
    postmortem_publish,
    postmortem_refresh_timeline,
    postmortem_return_to_draft,
    postmortem_set_reviewers,
    postmortem_set_whys,
    postmortem_submit,
    postmortem_update,
)

__all__ = [
    "ACTION_EDITABLE_FIELDS",
    "EDITABLE_FIELDS",
    "TIMELINE_KINDS_DROPPED_BY_DEFAULT",
    "action_item_create",
    "action_item_set_status",
    "action_item_update",
    "attachment_add",
    "attachment_deleted",
    "attachment_remove",
    "attachment_replace",
    "check_incident_can_close",
    "on_incident_resolved",
    "postmortem_choose_timeline",
    "postmortem_create",
    "postmortem_publish",
    "postmortem_refresh_timeline",
    "postmortem_return_to_draft",
    "postmortem_save_page",
    "postmortem_set_reviewers",
    "postmortem_set_whys",
    "postmortem_submit",
    "postmortem_update",
]
