"""Recording a token's use: at most one write a minute per token, not one per request."""

from __future__ import annotations

from datetime import datetime, timedelta

from django.db import transaction
from django.db.models import Q
from django.utils import timezone
from rest_framework.authtoken.models import Token

from incidents.tokens.models import TokenDetails

LAST_USE_RESOLUTION = timedelta(minutes=1)


def token_use_record(token: Token, details: TokenDetails | None, *, now: datetime | None = None) -> None:
    now = now or timezone.now()
    if details is None:
        TokenDetails.objects.get_or_create(token=token, defaults={"last_used_at": now})
        return
    if details.last_used_at is not None and now - details.last_used_at < LAST_USE_RESOLUTION:
        return
    # Conditional: of two requests racing past the check above, only one writes.
    stale = Q(last_used_at__isnull=True) | Q(last_used_at__lte=now - LAST_USE_RESOLUTION)
    TokenDetails.objects.filter(pk=details.pk).filter(stale).update(last_used_at=now)
    details.last_used_at = now


def token_details(token: Token) -> TokenDetails | None:
    try:
        return token.details  # type: ignore[attr-defined]
    except TokenDetails.DoesNotExist:
        return None


@transaction.atomic
def token_save(token: Token, *, expires_at: datetime | None) -> Token:
    """Save a token made or changed in the admin, with its expiry."""
    token.save()
    TokenDetails.objects.update_or_create(token=token, defaults={"expires_at": expires_at})
    return token
