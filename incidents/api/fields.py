"""Fields shared by the API's filters."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from django import forms
from django_filters import IsoDateTimeFilter
from django_filters.fields import IsoDateTimeField

# Ids that fit a 64-bit column: a longer number is a 404, not a database error.
ID_PATTERN = r"[0-9]{1,18}"


class UTCIsoDateTimeField(IsoDateTimeField):
    """ISO 8601 with any offset, normalised to UTC: the database only accepts offsets within ±16 hours,
    and comparing in UTC is what the stored values use anyway."""

    def to_python(self, value: Any) -> datetime | None:
        parsed = super().to_python(value)
        if parsed is None:
            return None
        try:
            return parsed.astimezone(UTC)
        except (OverflowError, ValueError) as error:
            raise forms.ValidationError("Enter a date and time between years 1 and 9999.", code="invalid") from error


class UTCIsoDateTimeFilter(IsoDateTimeFilter):
    field_class = UTCIsoDateTimeField
