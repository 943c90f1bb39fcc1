from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from rest_framework import serializers

from incidents.outbox.channels import redact_apprise_url
from incidents.outbox.models import Notification
from incidents.paging.models import EscalationPolicy, EscalationStep, Rotation, RotationMember

# As in the admin: who may not change where Warroom pages sees Apprise URLs redacted.
SEES_APPRISE_URLS = "paging.change_escalationstep"


class EscalationStepSerializer(serializers.ModelSerializer):
    users: serializers.SlugRelatedField[Any] = serializers.SlugRelatedField(
        slug_field="username", many=True, read_only=True
    )
    groups: serializers.SlugRelatedField[Any] = serializers.SlugRelatedField(
        slug_field="name", many=True, read_only=True
    )
    apprise_urls = serializers.SerializerMethodField(
        help_text=gettext_lazy("Redacted (tokens shortened, passwords starred) unless you may change escalation steps.")
    )

    class Meta:
        model = EscalationStep
        fields = ["id", "offset", "tier", "on_call_rotation", "users", "groups", "apprise_urls", "stop_condition"]
        read_only_fields = fields

    def get_apprise_urls(self, step: EscalationStep) -> list[str]:
        request = self.context.get("request")
        urls = step.apprise_url_list()
        if request is not None and request.user.has_perm(SEES_APPRISE_URLS):
            return urls
        return [redact_apprise_url(url) for url in urls]


class EscalationPolicySerializer(serializers.ModelSerializer):
    severity: serializers.SlugRelatedField[Any] = serializers.SlugRelatedField(slug_field="level", read_only=True)
    steps = EscalationStepSerializer(many=True, read_only=True)

    class Meta:
        model = EscalationPolicy
        fields = ["id", "severity", "name", "description", "steps"]
        read_only_fields = fields


class RotationMemberSerializer(serializers.ModelSerializer):
    user: serializers.SlugRelatedField[Any] = serializers.SlugRelatedField(slug_field="username", read_only=True)

    class Meta:
        model = RotationMember
        fields = ["user", "position"]
        read_only_fields = fields


class RotationSerializer(serializers.ModelSerializer):
    members = RotationMemberSerializer(many=True, read_only=True)
    # Wall-clock time in the rotation's time zone: no UTC offset, so not an RFC 3339 "time".
    handoff_time = serializers.CharField(
        read_only=True, help_text=gettext_lazy("Local time (HH:MM:SS) at which shifts change.")
    )

    class Meta:
        model = Rotation
        fields = ["id", "name", "time_zone", "shift_length", "handoff_time", "start_date", "members"]
        read_only_fields = fields


# Moments the shift arithmetic can compute (a shift or two either side stays within datetime's range).
EARLIEST_MOMENT = datetime(1970, 1, 1, tzinfo=UTC)
LATEST_MOMENT = datetime(9998, 12, 31, tzinfo=UTC)


class OnCallQuerySerializer(serializers.Serializer):
    at = serializers.DateTimeField(
        required=False, help_text=gettext_lazy("ISO 8601 moment from 1970 to 9998; default now.")
    )

    def validate_at(self, value: datetime) -> datetime:
        if not EARLIEST_MOMENT <= value <= LATEST_MOMENT:
            raise serializers.ValidationError(_("Give a moment between 1970 and 9998."))
        return value


class ShiftSerializer(serializers.Serializer):
    user = serializers.CharField(source="user.username", read_only=True)
    name = serializers.SerializerMethodField()
    starts_at = serializers.DateTimeField(read_only=True)
    ends_at = serializers.DateTimeField(read_only=True)
    override = serializers.BooleanField(source="is_override", read_only=True)

    def get_name(self, shift: Any) -> str:
        return str(shift.user.get_full_name() or shift.user.get_username())


class OnCallSerializer(serializers.Serializer):
    rotation = serializers.IntegerField(read_only=True)
    rotation_name = serializers.CharField(read_only=True)
    at = serializers.DateTimeField(read_only=True)
    shift = ShiftSerializer(
        read_only=True, allow_null=True, help_text=gettext_lazy("Null: the rotation has no active members.")
    )
    next_shift = ShiftSerializer(read_only=True, allow_null=True)


def on_call_row(rotation: Rotation, at: datetime, shift: Any, following: Any) -> dict[str, Any]:
    return {"rotation": rotation.pk, "rotation_name": rotation.name, "at": at, "shift": shift, "next_shift": following}


class NotificationSerializer(serializers.ModelSerializer):
    """A message about an incident. The target is shown as everywhere in Warroom: a user's name, an
    address, a webhook without its query, an Apprise URL in privacy mode; errors are stored scrubbed."""

    channel = serializers.CharField(read_only=True)
    target = serializers.CharField(source="target_display", read_only=True)

    class Meta:
        model = Notification
        fields = [
            "id",
            "created_at",
            "subject",
            "channel",
            "target",
            "status",
            "attempts",
            "next_attempt_at",
            "sent_at",
            "last_error",
        ]
        read_only_fields = fields
