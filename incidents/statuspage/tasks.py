"""Thin Celery tasks of the status page: record the components' public statuses (uptime history and
component events), and tell subscribers of each public update."""

from __future__ import annotations

from typing import Any

from celery import shared_task
from django.db import transaction

from incidents.statuspage import fanout, subscribers, uptime


def record_public_statuses_and_tell() -> int:
    """Record what changed for the uptime history; webhook subscribers of those components are told."""
    changes = uptime.public_statuses_record()
    if changes:
        tell_component_changes.delay(changes)
    return len(changes)


@shared_task(name="statuspage.record_statuses", ignore_result=True)
def record_public_statuses() -> int:
    """Beat's periodic pass: gives a quiet page its first records and makes good any a failed commit
    hook missed. Writes record their changes as they commit (`record_on_commit`)."""
    return record_public_statuses_and_tell()


def record_on_commit() -> None:
    """Once per transaction, after it commits (a publish saves several rows; one look is enough). Run in
    the request, not queued, so that the change is recorded at the moment it became public."""
    connection = transaction.get_connection()
    if any(entry[1] is record_public_statuses_and_tell for entry in connection.run_on_commit):
        return
    transaction.on_commit(record_public_statuses_and_tell, robust=True)


@shared_task(name="statuspage.tell_update", ignore_result=True)
def tell_status_update(update_id: int) -> int:
    return fanout.status_update_fanout(update_id)


@shared_task(name="statuspage.tell_maintenance_update", ignore_result=True)
def tell_maintenance_update(update_id: int) -> int:
    return fanout.maintenance_update_fanout(update_id)


@shared_task(name="statuspage.tell_untold_updates", ignore_result=True)
def tell_untold_updates() -> int:
    """Beat's safety net for the fan-out queued on commit: queue it again for incident and maintenance
    updates and component changes whose subscribers were never told (the fan-out is idempotent, one
    message per subscriber and update or change)."""
    untold_incidents, untold_maintenances = fanout.updates_untold()
    for update_id in untold_incidents:
        tell_status_update.delay(update_id)
    for update_id in untold_maintenances:
        tell_maintenance_update.delay(update_id)
    untold_changes = fanout.component_changes_untold()
    if untold_changes:
        tell_component_changes.delay(untold_changes)
    return len(untold_incidents) + len(untold_maintenances) + len(untold_changes)


@shared_task(name="statuspage.purge_unconfirmed", ignore_result=True)
def purge_unconfirmed_subscribers() -> int:
    return subscribers.unconfirmed_purge()


@shared_task(name="statuspage.tell_component_changes", ignore_result=True)
def tell_component_changes(changes: list[dict[str, Any]]) -> int:
    return fanout.component_changes_fanout(changes)
