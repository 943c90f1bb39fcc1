"""Who is on call: rotations (ordered members, shift length, hand-off time, time zone) and overrides.

Shifts are counted in the rotation's local wall-clock time, so a 09:00 hand-off stays at 09:00 across
daylight-saving changes. An override covering a moment wins over the scheduled member.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from django.utils import timezone

from incidents.paging.models import Rotation, RotationOverride


@dataclass(frozen=True)
class Shift:
    user: Any
    starts_at: datetime
    ends_at: datetime
    override: RotationOverride | None = None

    @property
    def is_override(self) -> bool:
        return self.override is not None


def _scheduled_shift(rotation: Rotation, at: datetime, members: list[Any]) -> Shift | None:
    if not members:
        return None
    zone = ZoneInfo(rotation.time_zone)
    anchor = datetime.combine(rotation.start_date, rotation.handoff_time)  # naive local wall-clock time
    local = at.astimezone(zone).replace(tzinfo=None)
    index = (local - anchor) // rotation.shift_length
    start = anchor + index * rotation.shift_length
    end = start + rotation.shift_length
    member = members[index % len(members)]
    return Shift(user=member, starts_at=start.replace(tzinfo=zone), ends_at=end.replace(tzinfo=zone))


def _members(rotation: Rotation) -> list[Any]:
    cache = getattr(rotation, "_prefetched_objects_cache", {})
    rows = cache["members"] if "members" in cache else rotation.members.select_related("user")
    return [row.user for row in sorted(rows, key=lambda row: (row.position, row.pk)) if row.user.is_active]


def _overrides(rotation: Rotation, start: datetime, end: datetime) -> list[RotationOverride]:
    cache = getattr(rotation, "_prefetched_objects_cache", {})
    if "overrides" in cache:  # prefetched by a list view: filter in memory
        rows = [o for o in cache["overrides"] if o.starts_at < end and o.ends_at > start]
        return sorted(rows, key=lambda o: (o.starts_at, o.pk))
    return list(
        rotation.overrides.filter(starts_at__lt=end, ends_at__gt=start).select_related("user").order_by("starts_at")
    )


def on_call_at(rotation: Rotation, at: datetime | None = None) -> Shift | None:
    """The shift covering `at` (default now), overrides included; None for a rotation without members."""
    at = at or timezone.now()
    scheduled = _scheduled_shift(rotation, at, _members(rotation))
    window_end = scheduled.ends_at if scheduled else at + timedelta(days=1)
    overrides = _overrides(rotation, at, window_end)
    covering = [o for o in overrides if o.starts_at <= at < o.ends_at]
    if covering:
        override = covering[-1]
        return Shift(user=override.user, starts_at=override.starts_at, ends_at=override.ends_at, override=override)
    if scheduled is None:
        return None
    upcoming = [o.starts_at for o in overrides if o.starts_at > at]
    end = min([scheduled.ends_at, *upcoming])
    return Shift(user=scheduled.user, starts_at=scheduled.starts_at, ends_at=end)


def next_shift(rotation: Rotation, at: datetime | None = None) -> Shift | None:
    current = on_call_at(rotation, at)
    return on_call_at(rotation, current.ends_at) if current else None


def on_call_user(rotation: Rotation, at: datetime | None = None) -> Any:
    shift = on_call_at(rotation, at)
    return shift.user if shift else None
