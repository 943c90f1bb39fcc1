"""JSON bodies without NUL characters: PostgreSQL cannot store them, so the API refuses them up front
with a 400 that names where each one was (`whys[0].answer`), instead of a database error."""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from typing import Any

from rest_framework.exceptions import ValidationError
from rest_framework.parsers import JSONParser

NUL = "\x00"
MESSAGE = "NUL characters are not allowed."


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


class JSONWithoutNulParser(JSONParser):
    def parse(self, stream: Any, media_type: str | None = None, parser_context: Any = None) -> Any:
        data = super().parse(stream, media_type, parser_context)
        refused = list(nul_paths(data))
        if refused:
            raise ValidationError({path: [MESSAGE] for path in refused})
        return data
