"""The command palette's incident search: a small JSON view the incident admin serves from get_urls()."""

from __future__ import annotations

from typing import Any

from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, JsonResponse
from django.urls import reverse
from django.utils.translation import ngettext

from incidents import selectors

SEARCH_LIMIT = 8
MAX_QUERY_LENGTH = 200


def incident_search_view(model_admin: Any, request: HttpRequest) -> JsonResponse:
    """Incidents matching `q` by reference or title (open incidents for an empty `q`), at most SEARCH_LIMIT."""
    if not model_admin.has_view_permission(request):
        raise PermissionDenied
    text = request.GET.get("q", "")
    if len(text) > MAX_QUERY_LENGTH:
        return JsonResponse(
            {
                "q": [
                    ngettext(
                        "Type at most %(limit)d character.", "Type at most %(limit)d characters.", MAX_QUERY_LENGTH
                    )
                    % {"limit": MAX_QUERY_LENGTH}
                ]
            },
            status=400,
        )
    results = [
        {
            "reference": incident.reference,
            "title": incident.title,
            "severity": incident.severity.level,
            "status": incident.status,
            "status_display": incident.get_status_display(),
            "url": reverse("admin:incidents_incident_change", args=[incident.pk]),
        }
        for incident in selectors.incident_search(text, limit=SEARCH_LIMIT)
    ]
    return JsonResponse({"results": results})
