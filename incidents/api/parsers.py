"""Request bodies without NUL characters: PostgreSQL cannot store them, so the API refuses them up front
with a 400 that names where each one was (`whys[0].answer`), instead of a database error. JSON, forms
and multipart forms (any method: Django itself parses only POST bodies) are checked; uploaded files are not."""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from typing import Any

from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from rest_framework.exceptions import ParseError, ValidationError
from rest_framework.parsers import DataAndFiles, FormParser, JSONParser, MultiPartParser

NUL = "\x00"
MESSAGE = gettext_lazy("NUL characters are not allowed.")


def nul_paths(data: Any, path: str = "") -> Iterator[str]:
    """Where the strings (keys included) holding a NUL are, as `field`, `list[0].field`."""
    if isinstance(data, str):
        if NUL in data:
            yield path or "non_field_errors"
    elif isinstance(data, Mapping):
        for key, value in data.items():
            name = f"{path}.{key}" if path else str(key)
            if NUL in str(key):
                yield name.replace(NUL, "\\x00")
            else:
                yield from nul_paths(value, name)
    elif isinstance(data, list):
        for index, item in enumerate(data):
            yield from nul_paths(item, f"{path}[{index}]")


def refuse_nul(data: Any) -> None:
    refused = list(nul_paths(data))
    if refused:
        raise ValidationError({path: [str(MESSAGE)] for path in refused})


def _form_fields(data: Any) -> dict[str, str | list[str]]:
    """A form's fields as JSON would carry them, so a refusal names `severity`, not `severity[0]`."""
    fields: dict[str, str | list[str]] = {}
    for key in data:
        values = data.getlist(key)
        fields[key] = values[0] if len(values) == 1 else values
    return fields


class JSONWithoutNulParser(JSONParser):
    def parse(self, stream: Any, media_type: str | None = None, parser_context: Any = None) -> Any:
        try:
            data = super().parse(stream, media_type, parser_context)
            refuse_nul(data)
        except RecursionError as error:  # `[[[[...` thousands deep: the json module gives up with this
            raise ParseError(_("JSON parse error - nested too deeply.")) from error
        return data


class FormWithoutNulParser(FormParser):
    def parse(self, stream: Any, media_type: str | None = None, parser_context: Any = None) -> Any:
        data = super().parse(stream, media_type, parser_context)
        refuse_nul(_form_fields(data))
        return data


class MultiPartWithoutNulParser(MultiPartParser):
    def parse(self, stream: Any, media_type: str | None = None, parser_context: Any = None) -> DataAndFiles:
        parsed = super().parse(stream, media_type, parser_context)
        refuse_nul(_form_fields(parsed.data))
        return parsed
