"""Fields shared by the API: filters, and lists of ids that cost one query whatever their length."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import UTC, datetime
from typing import Any

from django import forms
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django_filters import IsoDateTimeFilter
from django_filters.fields import IsoDateTimeField
from rest_framework import serializers
from rest_framework.relations import MANY_RELATION_KWARGS

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
            raise forms.ValidationError(_("Enter a date and time between years 1 and 9999."), code="invalid") from error


class UTCIsoDateTimeFilter(IsoDateTimeFilter):
    field_class = UTCIsoDateTimeField


# Lists in request bodies: at most this many items, so that a request cannot ask for thousands of lookups.
MAX_LIST_ITEMS = 1000
TOO_MANY = gettext_lazy("Give at most %(max_items)d items.")
LARGEST_ID = 2**63 - 1  # a 64-bit primary key; larger numbers name no row (and would be a database error)


def valid_id(value: Any) -> int | None:
    """A positive id from JSON or a form (int or digits), else None."""
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        number = value
    elif isinstance(value, str) and value.isascii() and value.isdigit() and len(value) <= 19:
        number = int(value)
    else:
        return None
    return number if 0 < number <= LARGEST_ID else None


class BulkManyRelatedField(serializers.ManyRelatedField):
    """Many primary keys: capped at `max_items`, duplicates merged, every row fetched in one query (DRF's
    ManyRelatedField looks each one up on its own: 20,000 ids were 20,000 queries)."""

    def __init__(self, *args: Any, max_items: int = MAX_LIST_ITEMS, **kwargs: Any) -> None:
        self.max_items = max_items
        super().__init__(*args, **kwargs)
        self.max_length = max_items  # read by the schema generator as maxItems

    def to_internal_value(self, data: Any) -> list[Any]:
        if isinstance(data, str | bytes | Mapping) or not hasattr(data, "__iter__"):
            self.fail("not_a_list", input_type=type(data).__name__)
        items = list(data)
        if not items and not self.allow_empty:
            self.fail("empty")
        if len(items) > self.max_items:
            raise serializers.ValidationError(TOO_MANY % {"max_items": self.max_items})
        child = self.child_relation
        ids: dict[int, None] = {}
        for item in items:
            number = valid_id(item)
            if number is None:
                if isinstance(item, bool) or not isinstance(item, int | str):
                    child.fail("incorrect_type", data_type=type(item).__name__)
                child.fail("does_not_exist", pk_value=item)
            ids[number] = None
        queryset = child.get_queryset()
        assert queryset is not None  # a writable related field always has one
        found = queryset.in_bulk(list(ids))
        missing = [number for number in ids if number not in found]
        if missing:
            child.fail("does_not_exist", pk_value=", ".join(str(number) for number in missing[:10]))
        return [found[number] for number in ids]


class BulkPrimaryKeyRelatedField(serializers.PrimaryKeyRelatedField):
    """PrimaryKeyRelatedField whose `many=True` form is a BulkManyRelatedField (`max_items=` to change
    the cap)."""

    def __init__(self, *, max_items: int = MAX_LIST_ITEMS, **kwargs: Any) -> None:
        super().__init__(**kwargs)  # one id: the cap does not apply

    @classmethod
    def many_init(cls, *args: Any, **kwargs: Any) -> BulkManyRelatedField:
        max_items = kwargs.pop("max_items", MAX_LIST_ITEMS)
        list_kwargs = {key: kwargs[key] for key in kwargs if key in MANY_RELATION_KWARGS}
        return BulkManyRelatedField(child_relation=cls(*args, **kwargs), max_items=max_items, **list_kwargs)
