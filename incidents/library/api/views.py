"""The library in the API: communication templates (list, preview for an incident, send), playbooks
(list, suggested for an incident with what matched, apply to an incident). The same selectors and
services as the admin's Communicate page and the cockpit's playbook panel."""

from __future__ import annotations

from typing import Any

from django.core.exceptions import ValidationError
from django.db.models import QuerySet
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import mixins, status, viewsets
from rest_framework.request import Request
from rest_framework.response import Response

from incidents.api.fields import ID_PATTERN
from incidents.api.permissions import ModelPermissions
from incidents.api.scoped import CHANGE_INCIDENT, REFERENCE_PARAMETER, VIEW_INCIDENT, IncidentScopedViewSet
from incidents.library import selectors, services
from incidents.library.api import serializers as s
from incidents.library.communications import render_message
from incidents.library.models import CommunicationTemplate, Playbook
from incidents.models import Incident


class CommunicationTemplateViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet):
    """The runbook's message templates (Django template syntax, rendered in a sandbox)."""

    queryset = CommunicationTemplate.objects.prefetch_related("severities").order_by("kind", "name")
    serializer_class = s.CommunicationTemplateSerializer
    permission_classes = [ModelPermissions]
    lookup_value_regex = ID_PATTERN
    filterset_class = None
    filter_backends: list[Any] = []


class PlaybookViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet):
    queryset = Playbook.objects.prefetch_related("components").order_by("title")
    serializer_class = s.PlaybookSerializer
    permission_classes = [ModelPermissions]
    lookup_value_regex = ID_PATTERN
    filterset_class = None
    filter_backends: list[Any] = []


def offered_template(incident: Incident, template_id: int) -> CommunicationTemplate:
    """A template offered for the incident's severity (as the Communicate page lists them), else a 400."""
    for template in selectors.templates_for(incident.severity):
        if template.pk == template_id:
            return template
    raise ValidationError(
        {
            "template": _("No template %(template)s is offered for %(level)s incidents.")
            % {"template": template_id, "level": incident.severity.level}
        }
    )


class IncidentCommunicationViewSet(IncidentScopedViewSet):
    """Preview and send runbook messages about an incident; both need the change permission, as the
    Communicate page does. Sending queues one email per address in the outbox and logs it on the timeline."""

    read_permissions = (VIEW_INCIDENT, CHANGE_INCIDENT)
    action_permissions = {"send": (VIEW_INCIDENT, CHANGE_INCIDENT)}
    serializer_class = s.RenderedMessageSerializer

    @extend_schema(
        parameters=[
            REFERENCE_PARAMETER,
            OpenApiParameter(
                "template", int, required=True, description=gettext_lazy("A communication template's id.")
            ),
        ],
        responses=s.RenderedMessageSerializer,
    )
    def preview(self, request: Request, reference: str) -> Response:
        query = s.PreviewQuerySerializer(data=request.query_params)
        query.is_valid(raise_exception=True)
        template = offered_template(self.incident, query.validated_data["template"])
        message = render_message(template, self.incident)
        return Response(
            s.RenderedMessageSerializer(
                {"template": template.pk, "subject": message.subject, "body": message.body}
            ).data
        )

    @extend_schema(
        parameters=[REFERENCE_PARAMETER],
        request=s.CommunicationSendSerializer,
        responses={201: s.CommunicationSentSerializer},
    )
    def send(self, request: Request, reference: str) -> Response:
        given = s.CommunicationSendSerializer(data=request.data)
        given.is_valid(raise_exception=True)
        data = given.validated_data
        template = offered_template(self.incident, data["template"]) if data.get("template") is not None else None
        entry = services.communication_send(
            self.incident,
            template=template,
            by=request.user,
            recipients=data["recipients"],
            subject=data.get("subject", ""),
            body=data.get("body", ""),
        )
        sent = {**entry.data, "timeline_entry": entry.pk}
        return Response(s.CommunicationSentSerializer(sent).data, status=status.HTTP_201_CREATED)


class IncidentPlaybookViewSet(IncidentScopedViewSet):
    """Playbooks for an incident: the cockpit's suggestions (best three, with the words and components
    that matched), and applying one (its resolution steps join the checklist; Responder and up)."""

    read_permissions = (VIEW_INCIDENT, "library.view_playbook")
    action_permissions = {"apply": (VIEW_INCIDENT, CHANGE_INCIDENT)}
    serializer_class = s.PlaybookMatchSerializer

    def get_queryset(self) -> QuerySet[Playbook]:
        return Playbook.objects.none()

    @extend_schema(parameters=[REFERENCE_PARAMETER], responses=s.PlaybookMatchSerializer(many=True))
    def suggested(self, request: Request, reference: str) -> Response:
        matches = selectors.playbook_matches(self.incident)
        return Response(s.PlaybookMatchSerializer(matches, many=True).data)

    @extend_schema(
        parameters=[REFERENCE_PARAMETER],
        request=s.PlaybookApplySerializer,
        responses={201: s.PlaybookAppliedSerializer},
    )
    def apply(self, request: Request, reference: str) -> Response:
        given = s.PlaybookApplySerializer(data=request.data)
        given.is_valid(raise_exception=True)
        playbook = given.validated_data["playbook"]
        added = services.playbook_apply(self.incident, playbook=playbook, by=request.user)
        return Response(
            s.PlaybookAppliedSerializer({"playbook": playbook.pk, "added": added}).data, status=status.HTTP_201_CREATED
        )
