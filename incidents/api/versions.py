"""Optimistic concurrency in the API: an incident's ETag is its version; a write may name the version it
was made from (`If-Match: "7"` or a `version` field) and is refused (412 / 409) when the incident
changed since, instead of overwriting someone else's change."""

from __future__ import annotations

import re
from typing import Any

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse
from rest_framework import serializers
from rest_framework.request import Request
from rest_framework.response import Response

from incidents.models import Incident
from incidents.services import IncidentConflict, parse_version

STRONG_ETAG = re.compile(r'"([1-9][0-9]{0,17})"')


def etag(incident: Incident) -> str:
    return f'"{incident.version}"'


def with_etag(response: Response, incident: Incident) -> Response:
    response["ETag"] = etag(incident)
    return response


def expected_version(request: Request, body_version: Any = None) -> int | None:
    """The version a write was made from: the If-Match header's ETag, else the body's `version`, else None
    (unchecked). `If-Match: *` only asks that the incident exists."""
    from_body = parse_version(body_version)
    header = request.headers.get("If-Match")
    if header is None or header.strip() == "*":
        return from_body
    match = STRONG_ETAG.fullmatch(header.strip())
    if match is None:
        raise ValidationError(
            {"If-Match": _('Give the one ETag the incident was read with, e.g. If-Match: "7" (or *).')}
        )
    from_header = int(match.group(1))
    if from_body is not None and from_body != from_header:
        raise ValidationError({"version": _("The version field and the If-Match header disagree.")})
    return from_header


def conflict_response(conflict: IncidentConflict, request: Request | None) -> Response:
    """412 when the caller used If-Match (its precondition failed), 409 for a `version` field."""
    precondition = request is not None and request.headers.get("If-Match") is not None
    body = {
        "detail": conflict.messages[0],
        "code": "conflict",
        "version": conflict.current_version,
        "your_version": conflict.expected_version,
        "changed_by": conflict.changed_by,
        "changed_at": conflict.changed_at.isoformat().replace("+00:00", "Z") if conflict.changed_at else None,
    }
    return with_etag(Response(body, status=412 if precondition else 409), conflict.incident)


class ConflictSerializer(serializers.Serializer):
    """The body of a 409 / 412: the incident changed since the version the request was made from."""

    detail = serializers.CharField(
        help_text=gettext_lazy('e.g. "INC-2026-11-27-001 was changed by alice at 10:32 UTC, review and resubmit."')
    )
    code = serializers.CharField(help_text=gettext_lazy("Always `conflict`."))
    version = serializers.IntegerField(help_text=gettext_lazy("The incident's current version (its new ETag)."))
    your_version = serializers.IntegerField(help_text=gettext_lazy("The version the request was made from."))
    changed_by = serializers.CharField(
        help_text=gettext_lazy("Who made the latest change (`Warroom` for timers and alerts).")
    )
    changed_at = serializers.DateTimeField(allow_null=True, help_text=gettext_lazy("When the latest change was made."))


IF_MATCH = OpenApiParameter(
    "If-Match",
    OpenApiTypes.STR,
    OpenApiParameter.HEADER,
    required=False,
    description=gettext_lazy(
        'The incident\'s ETag as read (e.g. "7"): the write is refused with 412 if the incident changed '
        "since. Alternatively send its `version` in the body (refused with 409). Without either, nothing is checked."
    ),
)
CONFLICT_RESPONSES = {
    409: OpenApiResponse(
        ConflictSerializer, description=gettext_lazy("The `version` sent is not the incident's current one.")
    ),
    412: OpenApiResponse(
        ConflictSerializer, description=gettext_lazy("The If-Match ETag is not the incident's current one.")
    ),
}
VERSION_FIELD_HELP = gettext_lazy(
    "The incident's version this change was made from (from a read's `version` or ETag); refused with 409 if it "
    "changed since. Optional."
)
