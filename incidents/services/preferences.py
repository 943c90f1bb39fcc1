"""A user's own preferences: time zone and language."""

from __future__ import annotations

from django.contrib.auth.models import User
from django.db import transaction

from incidents.models import UserPreference


@transaction.atomic
def user_preference_save(*, user: User, time_zone: str, language: str) -> UserPreference:
    """Create the user's preferences on first save, else change them; an unknown zone or language is
    a ValidationError naming the field, and nothing is written."""
    preference = UserPreference.objects.select_for_update().filter(user=user).first() or UserPreference(user=user)
    preference.time_zone = (time_zone or "").strip()
    preference.language = language or ""
    preference.full_clean()
    preference.save()
    return preference
