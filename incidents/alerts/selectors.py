"""Reads: integrations for the API and admin, an incident's alerts for the cockpit."""

from __future__ import annotations

from django.db.models import Count, QuerySet

from incidents.alerts.keys import key_digest, key_matches
from incidents.alerts.models import Alert, Integration, Payload
from incidents.models import Incident


def integration_for_key(key: str) -> Integration | None:
    """The active integration with this key, or None. The digest is looked up by its unique index, then
    compared in constant time."""
    if not key or len(key) > 200:
        return None
    integration = Integration.objects.filter(key_hash=key_digest(key), active=True).first()
    if integration is None or not key_matches(key, integration.key_hash):
        return None
    return integration


def integrations() -> QuerySet[Integration]:
    return Integration.objects.select_related("default_severity").annotate(payload_count=Count("payloads"))


def payloads_of(integration: Integration) -> QuerySet[Payload]:
    return Payload.objects.filter(integration=integration).prefetch_related("incidents")


def alerts_of(incident: Incident) -> QuerySet[Alert]:
    return (
        Alert.objects.filter(group__incident=incident)
        .select_related("group__integration")
        .order_by("-status", "starts_at", "id")  # firing first
    )
