from __future__ import annotations

from typing import Any

from rest_framework import serializers

from incidents.alerts.models import Integration
from incidents.models import SeverityPolicy


class IntegrationSerializer(serializers.ModelSerializer):
    default_severity: serializers.SlugRelatedField[Any] = serializers.SlugRelatedField(
        slug_field="level", queryset=SeverityPolicy.objects.all()
    )
    payload_count = serializers.IntegerField(read_only=True, default=0)

    class Meta:
        model = Integration
        fields = [
            "id",
            "name",
            "kind",
            "active",
            "default_severity",
            "severity_rules",
            "component_rules",
            "public",
            "dedupe_window",
            "on_resolved",
            "max_incidents_per_hour",
            "heartbeat_minutes",
            "key_hint",
            "last_payload_at",
            "created_at",
            "payload_count",
        ]
        read_only_fields = ["id", "key_hint", "last_payload_at", "created_at", "payload_count"]


class CreatedIntegrationSerializer(IntegrationSerializer):
    """The creation response: the only time the secret key and the webhook URL with it are shown."""

    key = serializers.CharField(read_only=True)
    webhook_url = serializers.CharField(read_only=True)

    class Meta(IntegrationSerializer.Meta):
        fields = [*IntegrationSerializer.Meta.fields, "key", "webhook_url"]
        read_only_fields = [*IntegrationSerializer.Meta.read_only_fields, "key", "webhook_url"]
