"""API representations of post-mortems, action items, review meetings."""

from __future__ import annotations

from typing import Any

from django.contrib.auth import get_user_model
from django.utils.translation import gettext_lazy as _
from rest_framework import serializers

from incidents.api.fields import MAX_LIST_ITEMS, BulkPrimaryKeyRelatedField
from incidents.models import Incident
from postmortems.models import (
    ActionItem,
    AgendaItem,
    Attachment,
    AttendeeRole,
    FiveWhy,
    MeetingAttendee,
    PostMortem,
    PostMortemTimelineEntry,
    ReviewMeeting,
)

User = get_user_model()
NEEDS_OWNER = _("An action item needs an owner.")
NEEDS_DUE_DATE = _("An action item needs a due date.")


class UserRefSerializer(serializers.ModelSerializer):
    name = serializers.SerializerMethodField()

    class Meta:
        model = User
        fields = ["id", "username", "name"]

    def get_name(self, user: Any) -> str:
        return user.get_full_name() or user.get_username()


class ActionItemSerializer(serializers.ModelSerializer):
    incident = serializers.CharField(source="postmortem.incident.reference", read_only=True)
    owner_detail = UserRefSerializer(source="owner", read_only=True)
    overdue = serializers.BooleanField(source="is_overdue", read_only=True)

    class Meta:
        model = ActionItem
        fields = [
            "id",
            "postmortem",
            "incident",
            "meeting",
            "action",
            "owner",
            "owner_detail",
            "priority",
            "due_date",
            "status",
            "source",
            "overdue",
            "created_at",
            "completed_at",
        ]
        read_only_fields = ["source", "created_at", "completed_at"]
        extra_kwargs = {
            "owner": {"error_messages": {"required": NEEDS_OWNER, "null": NEEDS_OWNER}},
            "due_date": {"error_messages": {"required": NEEDS_DUE_DATE, "null": NEEDS_DUE_DATE}},
        }

    def get_fields(self) -> dict[str, Any]:
        fields = super().get_fields()
        if self.instance is not None and not isinstance(self.instance, list | tuple) and hasattr(self.instance, "pk"):
            fields["postmortem"].read_only = True
            fields["meeting"].read_only = True
        return fields


class PostMortemTimelineEntrySerializer(serializers.ModelSerializer):
    class Meta:
        model = PostMortemTimelineEntry
        fields = ["id", "at", "text", "included"]


class FiveWhySerializer(serializers.ModelSerializer):
    class Meta:
        model = FiveWhy
        fields = ["position", "question", "answer"]


class AttachmentSerializer(serializers.ModelSerializer):
    class Meta:
        model = Attachment
        fields = ["id", "kind", "file", "caption", "uploaded_at"]


class PostMortemListSerializer(serializers.ModelSerializer):
    incident = serializers.SlugRelatedField(slug_field="reference", queryset=Incident.objects.all())
    severity = serializers.CharField(source="incident.severity.level", read_only=True)
    title = serializers.CharField(source="incident.title", read_only=True)
    author_detail = UserRefSerializer(source="author", read_only=True, allow_null=True)

    class Meta:
        model = PostMortem
        fields = ["id", "incident", "title", "severity", "status", "author", "author_detail", "due_at", "published_at"]
        read_only_fields = ["status", "due_at", "published_at"]


class PostMortemSerializer(PostMortemListSerializer):
    date = serializers.DateField(read_only=True)
    duration_minutes = serializers.IntegerField(read_only=True)
    sla_impact_minutes = serializers.IntegerField(read_only=True)
    reviewers = BulkPrimaryKeyRelatedField(many=True, queryset=User.objects.all(), required=False, max_items=100)
    timeline = PostMortemTimelineEntrySerializer(many=True, read_only=True)
    whys = FiveWhySerializer(many=True, read_only=True)
    action_items = ActionItemSerializer(many=True, read_only=True)
    attachments = AttachmentSerializer(many=True, read_only=True)

    class Meta(PostMortemListSerializer.Meta):
        fields = [
            *PostMortemListSerializer.Meta.fields,
            "date",
            "duration_minutes",
            "sla_impact_minutes",
            "reviewers",
            "summary",
            "what_happened",
            "detection",
            "users_affected_pct",
            "features_affected",
            "data_impact",
            "went_well",
            "could_be_better",
            "learned",
            "timeline",
            "whys",
            "action_items",
            "attachments",
            "created_at",
            "submitted_at",
        ]
        read_only_fields = [*PostMortemListSerializer.Meta.read_only_fields, "created_at", "submitted_at"]

    def get_fields(self) -> dict[str, Any]:
        fields = super().get_fields()
        if self.instance is not None and hasattr(self.instance, "pk"):
            fields["incident"].read_only = True
        return fields


class TimelineChoiceSerializer(serializers.Serializer):
    keep = serializers.ListField(child=serializers.IntegerField(), allow_empty=True, max_length=MAX_LIST_ITEMS)


class WhyInputSerializer(serializers.Serializer):
    question = serializers.CharField(max_length=300)
    answer = serializers.CharField(allow_blank=True, required=False, default="")


class WhysSerializer(serializers.Serializer):
    whys = WhyInputSerializer(many=True, max_length=50)  # type: ignore[call-arg]  # DRF's ListSerializer takes it; the stubs lag


class AttendeeSerializer(serializers.ModelSerializer):
    user_detail = UserRefSerializer(source="user", read_only=True)
    role = serializers.ChoiceField(choices=AttendeeRole.choices)

    class Meta:
        model = MeetingAttendee
        fields = ["user", "user_detail", "role", "attended"]
        validators: list = []


class AgendaItemSerializer(serializers.ModelSerializer):
    class Meta:
        model = AgendaItem
        fields = ["position", "title", "minutes", "notes"]


class ReviewMeetingSerializer(serializers.ModelSerializer):
    incident = serializers.CharField(source="postmortem.incident.reference", read_only=True)
    attendees = AttendeeSerializer(many=True, max_length=100)  # type: ignore[call-arg]  # DRF's ListSerializer takes it; the stubs lag
    agenda = AgendaItemSerializer(many=True, read_only=True)
    duration_minutes = serializers.SerializerMethodField()

    class Meta:
        model = ReviewMeeting
        fields = [
            "id",
            "postmortem",
            "incident",
            "starts_at",
            "duration_minutes",
            "location",
            "notes",
            "attendees",
            "agenda",
            "invite_sent_at",
            "sequence",
        ]
        read_only_fields = ["invite_sent_at", "sequence"]

    def get_duration_minutes(self, meeting: ReviewMeeting) -> int:
        return int(meeting.duration.total_seconds() // 60)

    def validate_attendees(self, value: list[dict[str, Any]]) -> list[dict[str, Any]]:
        if not value:
            raise serializers.ValidationError(_("A review meeting needs attendees."))
        return value
