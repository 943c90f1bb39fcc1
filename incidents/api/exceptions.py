"""The API's one exception handler: a service's refusal (Django's ValidationError) becomes a 400 naming
the field, a row that vanished under a concurrent request (e.g. deleted while being edited) a 404, and a
write made from an older version of an incident a 412 (If-Match) or 409 (`version` field)."""

from __future__ import annotations

from typing import Any

from django.core.exceptions import ObjectDoesNotExist
from django.core.exceptions import ValidationError as DjangoValidationError
from django.utils.translation import gettext as _
from rest_framework import exceptions
from rest_framework.response import Response
from rest_framework.views import exception_handler as drf_exception_handler

from incidents.api.versions import conflict_response
from incidents.services import IncidentConflict


def exception_handler(exc: Exception, context: dict[str, Any]) -> Response | None:
    if isinstance(exc, IncidentConflict):
        return conflict_response(exc, context.get("request"))
    if isinstance(exc, DjangoValidationError):
        detail: Any = exc.message_dict if hasattr(exc, "error_dict") else {"detail": exc.messages}
        exc = exceptions.ValidationError(detail=detail)
    elif isinstance(exc, ObjectDoesNotExist):
        exc = exceptions.NotFound(_("Not found; it may have been deleted meanwhile."))
    return drf_exception_handler(exc, context)
