"""The integration's label rules: `label=value: target`, one per line, first match wins."""

from __future__ import annotations

from collections.abc import Iterable, Mapping

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _


def parse_rules(text: str, field: str) -> list[tuple[str, str, str]]:
    rules = []
    for number, line in enumerate(text.splitlines(), start=1):
        line = line.strip()
        if not line or line.startswith("#"):
            continue
        match, sep, target = line.partition(":")
        label, eq, value = match.partition("=")
        if not sep or not eq or not label.strip() or not target.strip():
            raise ValidationError(
                {
                    field: _("Line %(number)s: write label=value: target, e.g. severity=critical: P1.")
                    % {"number": number}
                }
            )
        rules.append((label.strip(), value.strip(), target.strip()))
    return rules


def first_match(rules: Iterable[tuple[str, str, str]], labels: Iterable[Mapping[str, str]]) -> str | None:
    label_sets = list(labels)
    for label, value, target in rules:
        if any(labels_.get(label) == value for labels_ in label_sets):
            return target
    return None


def all_matches(rules: Iterable[tuple[str, str, str]], labels: Iterable[Mapping[str, str]]) -> list[str]:
    label_sets = list(labels)
    return [target for label, value, target in rules if any(ls.get(label) == value for ls in label_sets)]
