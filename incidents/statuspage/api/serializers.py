from __future__ import annotations

from typing import Any

from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _
from rest_framework import serializers

from incidents.api.fields import LARGEST_ID, MAX_LIST_ITEMS, BulkPrimaryKeyRelatedField
from incidents.api.versions import VERSION_FIELD_HELP
from incidents.models import Component, ComponentStatus
from incidents.statuspage.models import (
    MaintenanceImpact,
    MaintenanceStatus,
    MaintenanceUpdate,
    PublicIncidentStatus,
    ScheduledMaintenance,
    StatusUpdate,
    StatusUpdateComponent,
)


class AffectedComponentSerializer(serializers.ModelSerializer):
    name = serializers.CharField(source="component.name", read_only=True)

    class Meta:
        model = StatusUpdateComponent
        fields = ["component", "name", "old_status", "new_status"]
        read_only_fields = fields


class StatusUpdateSerializer(serializers.ModelSerializer):
    id = serializers.CharField(source="public_id", read_only=True)
    author: serializers.SlugRelatedField[Any] = serializers.SlugRelatedField(
        slug_field="username", read_only=True, allow_null=True
    )
    affected_components = AffectedComponentSerializer(many=True, read_only=True)

    class Meta:
        model = StatusUpdate
        fields = [
            "id",
            "status",
            "body",
            "display_at",
            "created_at",
            "published",
            "deliver_notifications",
            "author",
            "affected_components",
        ]
        read_only_fields = fields


class ComponentChangeSerializer(serializers.Serializer):
    component = serializers.IntegerField(min_value=1, max_value=LARGEST_ID, help_text=_("The component's id."))
    status = serializers.ChoiceField(choices=ComponentStatus.choices)


class StatusUpdatePublishSerializer(serializers.Serializer):
    status = serializers.ChoiceField(choices=PublicIncidentStatus.choices)
    body = serializers.CharField(max_length=10_000)
    components = ComponentChangeSerializer(many=True, required=False, max_length=MAX_LIST_ITEMS)  # type: ignore[call-arg]  # DRF's ListSerializer takes it; the stubs lag
    deliver_notifications = serializers.BooleanField(
        required=False,
        allow_null=True,
        default=None,
        help_text=_("Tell subscribers; default: if the incident is public."),
    )
    version = serializers.IntegerField(required=False, min_value=1, help_text=VERSION_FIELD_HELP)

    def validate_components(self, rows: list[dict[str, Any]]) -> list[dict[str, Any]]:
        """Every component in one query; a component named twice takes its last status."""
        found = Component.objects.in_bulk({row["component"] for row in rows})
        missing = sorted({row["component"] for row in rows} - set(found))
        if missing:
            raise serializers.ValidationError(
                gettext("Unknown components: %(ids)s.") % {"ids": ", ".join(map(str, missing[:10]))}
            )
        statuses = {row["component"]: row["status"] for row in rows}
        return [{"component": found[pk], "status": status} for pk, status in statuses.items()]


class MaintenanceUpdateSerializer(serializers.ModelSerializer):
    id = serializers.CharField(source="public_id", read_only=True)

    class Meta:
        model = MaintenanceUpdate
        fields = ["id", "status", "body", "display_at", "created_at"]
        read_only_fields = fields


class ScheduledMaintenanceSerializer(serializers.ModelSerializer):
    components = BulkPrimaryKeyRelatedField(many=True, queryset=Component.objects.all(), required=False)
    status = serializers.ChoiceField(choices=MaintenanceStatus.choices, required=False)
    impact = serializers.ChoiceField(choices=MaintenanceImpact.choices, required=False)
    body = serializers.CharField(
        write_only=True, required=False, allow_blank=True, help_text=_("Public message posted with this change.")
    )
    deliver_notifications = serializers.BooleanField(
        write_only=True,
        required=False,
        default=True,
        help_text=_("Tell the subscribers of the maintenance's components about the update posted with this change."),
    )
    updates = MaintenanceUpdateSerializer(many=True, read_only=True)

    class Meta:
        model = ScheduledMaintenance
        fields = [
            "id",
            "public_id",
            "name",
            "status",
            "impact",
            "scheduled_for",
            "scheduled_until",
            "components",
            "body",
            "deliver_notifications",
            "started_at",
            "monitoring_at",
            "resolved_at",
            "created_at",
            "updated_at",
            "updates",
        ]
        read_only_fields = ["public_id", "started_at", "monitoring_at", "resolved_at", "created_at", "updated_at"]

    def validate(self, attrs: dict[str, Any]) -> dict[str, Any]:
        start = attrs.get("scheduled_for", getattr(self.instance, "scheduled_for", None))
        end = attrs.get("scheduled_until", getattr(self.instance, "scheduled_until", None))
        if start and end and end <= start:
            raise serializers.ValidationError({"scheduled_until": gettext("The maintenance must end after it starts.")})
        return attrs
