from __future__ import annotations

from typing import Any

from django.utils.translation import gettext_lazy as _
from rest_framework import serializers

from incidents.api.fields import BulkPrimaryKeyRelatedField
from incidents.api.versions import VERSION_FIELD_HELP
from incidents.models import (
    Component,
    Incident,
    IncidentStatus,
    PublicImpact,
    SeverityPolicy,
    TimelineEntry,
    shortlink,
)


class ComponentSerializer(serializers.ModelSerializer):
    class Meta:
        model = Component
        fields = [
            "id",
            "public_id",
            "name",
            "description",
            "group",
            "position",
            "status",
            "uptime_enabled",
            "created_at",
            "updated_at",
        ]
        read_only_fields = ["public_id", "created_at", "updated_at"]


class SeverityField(serializers.SlugRelatedField):
    def __init__(self, **kwargs: Any) -> None:
        super().__init__(slug_field="level", queryset=SeverityPolicy.objects.all(), **kwargs)


class IncidentSerializer(serializers.ModelSerializer):
    severity: serializers.SlugRelatedField[SeverityPolicy] = serializers.SlugRelatedField(
        slug_field="level", read_only=True
    )
    commander: serializers.SlugRelatedField[Any] = serializers.SlugRelatedField(
        slug_field="username", read_only=True, allow_null=True
    )
    components: serializers.PrimaryKeyRelatedField[Component] = serializers.PrimaryKeyRelatedField(
        many=True, read_only=True
    )
    public_impact = serializers.CharField(read_only=True)
    public_impact_override = serializers.CharField(read_only=True, help_text=_("Empty: derived from the severity."))
    breached = serializers.SerializerMethodField()
    shortlink = serializers.SerializerMethodField()
    version = serializers.IntegerField(
        read_only=True,
        help_text=_(
            "Counts the incident's changes (also its ETag). Send it back (If-Match or `version`) with a "
            "write to have it refused if someone changed the incident meanwhile."
        ),
    )

    class Meta:
        model = Incident
        fields = [
            "reference",
            "title",
            "summary",
            "severity",
            "status",
            "public",
            "public_impact",
            "public_impact_override",
            "users_affected_pct",
            "data_impact",
            "security_breach",
            "components",
            "commander",
            "external_ticket",
            "chat_channel",
            "started_at",
            "detected_at",
            "declared_at",
            "acknowledged_at",
            "identified_at",
            "monitoring_at",
            "resolved_at",
            "closed_at",
            "updated_at",
            "version",
            "breached",
            "shortlink",
        ]
        read_only_fields = fields

    def get_breached(self, obj: Incident) -> bool:
        annotated = getattr(obj, "sla_breached", None)
        return bool(obj.breached if annotated is None else annotated)

    def get_shortlink(self, obj: Incident) -> str | None:
        return shortlink(obj.public_id) if obj.public else None


class IncidentCreateSerializer(serializers.Serializer):
    title = serializers.CharField(max_length=200)
    severity = SeverityField()
    summary = serializers.CharField(required=False, allow_blank=True, default="")
    components = BulkPrimaryKeyRelatedField(many=True, queryset=Component.objects.all(), required=False)
    users_affected_pct = serializers.IntegerField(min_value=0, max_value=100, required=False, allow_null=True)
    public = serializers.BooleanField(required=False, default=False)
    public_impact_override = serializers.ChoiceField(
        choices=[("", _("derived")), *PublicImpact.choices], required=False, default=""
    )
    started_at = serializers.DateTimeField(
        required=False, allow_null=True, help_text=_("When the problem began, if before the declaration.")
    )


class IncidentUpdateSerializer(serializers.Serializer):
    """PATCH: details, and (for commanders) `severity` and `status`."""

    title = serializers.CharField(max_length=200, required=False)
    summary = serializers.CharField(required=False, allow_blank=True)
    users_affected_pct = serializers.IntegerField(min_value=0, max_value=100, required=False, allow_null=True)
    data_impact = serializers.BooleanField(required=False)
    security_breach = serializers.BooleanField(required=False)
    public = serializers.BooleanField(required=False)
    public_impact_override = serializers.ChoiceField(
        choices=[("", _("derived")), *PublicImpact.choices], required=False
    )
    external_ticket = serializers.CharField(max_length=300, required=False, allow_blank=True)
    chat_channel = serializers.CharField(max_length=80, required=False, allow_blank=True)
    components = BulkPrimaryKeyRelatedField(many=True, queryset=Component.objects.all(), required=False)
    severity = SeverityField(required=False)
    status = serializers.ChoiceField(choices=IncidentStatus.choices, required=False)
    note = serializers.CharField(required=False, allow_blank=True, help_text=_("Reason logged with a status change."))
    version = serializers.IntegerField(required=False, min_value=1, help_text=VERSION_FIELD_HELP)


class NoteSerializer(serializers.Serializer):
    text = serializers.CharField(max_length=10_000)


class VersionSerializer(serializers.Serializer):
    version = serializers.IntegerField(required=False, min_value=1, help_text=VERSION_FIELD_HELP)


class ResolveSerializer(VersionSerializer):
    note = serializers.CharField(required=False, allow_blank=True, default="")


class TimelineEntrySerializer(serializers.ModelSerializer):
    author: serializers.SlugRelatedField[Any] = serializers.SlugRelatedField(
        slug_field="username", read_only=True, allow_null=True, help_text=_("Empty for entries Warroom wrote itself.")
    )

    class Meta:
        model = TimelineEntry
        fields = ["id", "at", "kind", "text", "author", "data"]
        read_only_fields = fields
