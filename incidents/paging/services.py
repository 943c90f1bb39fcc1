"""Writes of paging: escalation policies with their steps, and rotations with members and overrides,
each saved whole in one transaction. A policy change re-plans the open incidents of its severity."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from django.db import models, transaction

from incidents.paging.models import EscalationPolicy, Rotation
from incidents.services import open_incidents_changed
from incidents.timeline import Actor


@dataclass(frozen=True)
class RowChange:
    """One child row as edited: the row (new or existing, fields set), its many-to-many values, or removal."""

    row: models.Model
    many: dict[str, list[Any]] = field(default_factory=dict)
    delete: bool = False


def _save_children(parent: models.Model, parent_field: str, rows: Sequence[RowChange]) -> None:
    for change in rows:
        if change.delete:
            if change.row.pk is not None:
                change.row.delete()
            continue
        setattr(change.row, parent_field, parent)
        change.row.full_clean()
        change.row.save()
        for name, values in change.many.items():
            getattr(change.row, name).set(values)


@transaction.atomic
def escalation_policy_save(policy: EscalationPolicy, *, by: Actor, steps: Sequence[RowChange] = ()) -> EscalationPolicy:
    """Save a policy and its steps together; the open incidents of its severity re-plan their escalation
    (a new step already past fires at the next tick, once; a removed step is cancelled)."""
    policy.full_clean()
    policy.save()
    _save_children(policy, "policy", steps)
    open_incidents_changed(policy.severity_id)
    return policy


@transaction.atomic
def rotation_save(
    rotation: Rotation, *, by: Actor, members: Sequence[RowChange] = (), overrides: Sequence[RowChange] = ()
) -> Rotation:
    """Save a rotation with its members and overrides; who is on call is read when a step fires."""
    rotation.full_clean()
    rotation.save()
    _save_children(rotation, "rotation", members)
    _save_children(rotation, "rotation", overrides)
    return rotation


@transaction.atomic
def escalation_policy_delete(policy: EscalationPolicy, *, by: Actor) -> None:
    severity_id = policy.severity_id
    policy.delete()
    open_incidents_changed(severity_id)


@transaction.atomic
def rotation_delete(rotation: Rotation, *, by: Actor) -> None:
    rotation.delete()
