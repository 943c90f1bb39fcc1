from __future__ import annotations

from typing import Any

from django.utils.translation import gettext_lazy as _
from rest_framework import serializers

from incidents.api.checklist import ChecklistItemSerializer
from incidents.library.models import CommunicationTemplate, Playbook


class CommunicationTemplateSerializer(serializers.ModelSerializer):
    severities: serializers.SlugRelatedField[Any] = serializers.SlugRelatedField(
        slug_field="level", many=True, read_only=True, help_text=_("Offered for these severities; empty means all.")
    )

    class Meta:
        model = CommunicationTemplate
        fields = ["id", "name", "kind", "subject", "body", "severities"]
        read_only_fields = fields


class PreviewQuerySerializer(serializers.Serializer):
    template = serializers.IntegerField(min_value=1, max_value=2**63 - 1, help_text=_("A communication template's id."))


class RenderedMessageSerializer(serializers.Serializer):
    template = serializers.IntegerField(read_only=True)
    subject = serializers.CharField(read_only=True)
    body = serializers.CharField(read_only=True)


class CommunicationSendSerializer(serializers.Serializer):
    template = serializers.IntegerField(
        min_value=1,
        max_value=2**63 - 1,
        required=False,
        allow_null=True,
        help_text=_("Render from this template; `subject` and `body`, when given, replace the rendered text."),
    )
    recipients = serializers.ListField(
        child=serializers.CharField(max_length=254), allow_empty=False, max_length=1000, help_text=_("Email addresses.")
    )
    subject = serializers.CharField(max_length=300, required=False)
    body = serializers.CharField(max_length=65_536, required=False)

    def validate(self, attrs: dict[str, Any]) -> dict[str, Any]:
        if attrs.get("template") is None:
            missing = {
                name: _("Give it, or a template to render it from.")
                for name in ("subject", "body")
                if not attrs.get(name)
            }
            if missing:
                raise serializers.ValidationError(missing)
        return attrs


class CommunicationSentSerializer(serializers.Serializer):
    timeline_entry = serializers.IntegerField(read_only=True)
    template = serializers.CharField(read_only=True, allow_null=True)
    recipients = serializers.ListField(child=serializers.CharField(), read_only=True)
    subject = serializers.CharField(read_only=True)
    body = serializers.CharField(read_only=True)


class PlaybookSerializer(serializers.ModelSerializer):
    keywords = serializers.ListField(source="keyword_list", child=serializers.CharField(), read_only=True)
    components: serializers.SlugRelatedField[Any] = serializers.SlugRelatedField(
        slug_field="name", many=True, read_only=True
    )
    review_due_at = serializers.DateTimeField(read_only=True, allow_null=True)

    class Meta:
        model = Playbook
        fields = [
            "id",
            "title",
            "keywords",
            "components",
            "symptoms",
            "diagnosis",
            "resolution",
            "prevention",
            "review_interval",
            "last_reviewed_at",
            "review_due_at",
        ]
        read_only_fields = fields


class PlaybookMatchSerializer(serializers.Serializer):
    playbook = PlaybookSerializer(read_only=True)
    score = serializers.IntegerField(read_only=True, help_text=_("2 per matching component, 1 per keyword found."))
    matched_keywords = serializers.ListField(
        child=serializers.CharField(), read_only=True, help_text=_("Keywords found in the title or summary.")
    )
    matched_components = serializers.ListField(child=serializers.CharField(), read_only=True)


class PlaybookApplySerializer(serializers.Serializer):
    playbook = serializers.PrimaryKeyRelatedField(queryset=Playbook.objects.all())


class PlaybookAppliedSerializer(serializers.Serializer):
    playbook = serializers.IntegerField(read_only=True)
    added = ChecklistItemSerializer(many=True, read_only=True, help_text=_("The checklist items added."))
