"""Playbooks as Markdown files, so teams can keep them in git: YAML front matter for the metadata, one
`## Section` per text field. Rendering and parsing only; the writes are `services.playbooks_import`.

The format is exact both ways: parse(render(playbook)) gives back every field unchanged, so exporting,
importing into an empty database and exporting again gives byte-identical files.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import yaml
from django.utils.dateparse import parse_datetime, parse_duration
from django.utils.duration import duration_string
from django.utils.text import slugify
from django.utils.translation import gettext as _

from incidents.library.models import Playbook

FENCE = "---"
# Front matter keys, in the order they are written.
FRONT_MATTER_KEYS = ("title", "keywords", "components", "review_interval", "last_reviewed_at")
# Text fields, in the order of their `## Heading` sections.
SECTIONS = {"Symptoms": "symptoms", "Diagnosis": "diagnosis", "Resolution": "resolution", "Prevention": "prevention"}
SECTION_LINE = re.compile(r"^## (" + "|".join(SECTIONS) + r")\n", re.MULTILINE)
DAYS = re.compile(r"^(\d+) days?$")
# Diagnosis holds commands: it is written as a code block so that `#` comments stay comments.
CODE_LANGUAGE = "sh"


class PlaybookFileError(ValueError):
    """A file that cannot become a playbook; the message names the file, the line or field, and the problem."""


@dataclass
class PlaybookDocument:
    """One parsed file: the playbook's fields and its components by name."""

    path: str
    title: str
    keywords: str = ""
    components: list[str] = field(default_factory=list)
    review_interval: timedelta = timedelta(days=91)
    last_reviewed_at: datetime | None = None
    texts: dict[str, str] = field(default_factory=dict)
    # The line of each front matter key, for messages about its value.
    lines: dict[str, int] = field(default_factory=dict)

    def where(self, key: str) -> str:
        line = self.lines.get(key)
        return f"{self.path}:{line}" if line else self.path


def file_name(playbook: Playbook) -> str:
    return f"{slugify(playbook.title) or 'playbook'}.md"


def _interval_text(value: timedelta) -> str:
    if value == timedelta(days=value.days):
        return f"{value.days} day" if value.days == 1 else f"{value.days} days"
    return duration_string(value)


def _fenced(text: str) -> str:
    """A code block whose fence is longer than any run of backticks inside."""
    longest = max((len(run) for run in re.findall(r"`+", text)), default=0)
    fence = "`" * max(3, longest + 1)
    return f"{fence}{CODE_LANGUAGE}\n{text}\n{fence}"


def render(playbook: Playbook, component_names: list[str]) -> str:
    """The file of a playbook. Empty sections are left out; keys are always written, in a fixed order."""
    reviewed = playbook.last_reviewed_at
    meta: dict[str, Any] = {
        "title": playbook.title,
        "keywords": playbook.keywords,
        "components": sorted(component_names),
        "review_interval": _interval_text(playbook.review_interval),
        "last_reviewed_at": reviewed.astimezone(UTC).isoformat().replace("+00:00", "Z") if reviewed else None,
    }
    front = yaml.safe_dump(meta, sort_keys=False, allow_unicode=True, default_flow_style=False, width=10_000)
    sections = []
    for heading, name in SECTIONS.items():
        text = getattr(playbook, name)
        if text:
            sections.append(f"## {heading}\n\n{_fenced(text) if name == 'diagnosis' else text}\n")
    return f"{FENCE}\n{front}{FENCE}\n\n" + "\n".join(sections)


def _split(path: str, content: str) -> tuple[str, str]:
    """(front matter, body) of a file that starts with a `---` line and has a closing `---` line."""
    if not content.startswith(FENCE + "\n"):
        raise PlaybookFileError(
            _("%(where)s: the file must start with a '---' line opening the front matter") % {"where": f"{path}:1"}
        )
    closing = content.find(f"\n{FENCE}\n", len(FENCE))
    if closing == -1 and content.endswith(f"\n{FENCE}"):
        closing = len(content) - len(FENCE) - 1
    if closing == -1:
        raise PlaybookFileError(_("%(where)s: the front matter is not closed by a '---' line") % {"where": f"{path}:1"})
    front = content[len(FENCE) + 1 : closing + 1]
    body = content[closing + len(FENCE) + 2 :]
    return front, body.removeprefix("\n")


def _front_matter(path: str, front: str) -> tuple[dict[str, Any], dict[str, int]]:
    """The mapping and the file line of each key (the front matter starts on line 2)."""
    try:
        node = yaml.compose(front, Loader=yaml.SafeLoader)
        data = yaml.safe_load(front)
    except yaml.MarkedYAMLError as error:
        mark = error.problem_mark or error.context_mark
        line = mark.line + 2 if mark else 2
        raise PlaybookFileError(
            _("%(where)s: bad front matter: %(problem)s")
            % {"where": f"{path}:{line}", "problem": error.problem or error}
        ) from error
    except yaml.YAMLError as error:
        raise PlaybookFileError(
            _("%(where)s: bad front matter: %(problem)s") % {"where": path, "problem": error}
        ) from error
    if not isinstance(data, dict) or not isinstance(node, yaml.MappingNode):
        raise PlaybookFileError(
            _("%(where)s: the front matter must be a mapping of 'key: value' lines") % {"where": f"{path}:2"}
        )
    lines = {str(key.value): key.start_mark.line + 2 for key, _value in node.value}
    return data, lines


def _body(path: str, body: str, first_line: int) -> dict[str, str]:
    """The text of each `## Section`; anything before the first section is refused, not dropped."""
    parts = SECTION_LINE.split(body)
    if parts[0].strip():
        raise PlaybookFileError(
            _("%(where)s: text outside a section; start it with one of: %(headings)s")
            % {"where": f"{path}:{first_line}", "headings": ", ".join(f"'## {heading}'" for heading in SECTIONS)}
        )
    texts: dict[str, str] = {}
    pairs = list(zip(parts[1::2], parts[2::2], strict=True))
    for index, (heading, chunk) in enumerate(pairs):
        name = SECTIONS[heading]
        if name in texts:
            raise PlaybookFileError(
                _("%(where)s: the section '%(heading)s' appears twice") % {"where": path, "heading": f"## {heading}"}
            )
        # Written as: blank line, text, newline, and a blank line before the next section.
        text = chunk.removeprefix("\n")
        text = text.removesuffix("\n\n") if index < len(pairs) - 1 else text.removesuffix("\n")
        if name == "diagnosis":
            fenced = re.fullmatch(r"(`{3,})" + CODE_LANGUAGE + r"\n(.*)\n\1", text, flags=re.DOTALL)
            text = fenced.group(2) if fenced else text
        texts[name] = text
    return texts


def parse(path: str, content: str) -> PlaybookDocument:
    """A file's playbook, or PlaybookFileError naming the first problem found in it."""
    front, body = _split(path, content)
    data, lines = _front_matter(path, front)
    unknown = [key for key in data if key not in FRONT_MATTER_KEYS]
    if unknown:
        key = str(unknown[0])
        raise PlaybookFileError(
            _("%(where)s: unknown field '%(field)s' (known: %(known)s)")
            % {"where": f"{path}:{lines.get(key, 2)}", "field": key, "known": ", ".join(FRONT_MATTER_KEYS)}
        )
    doc = PlaybookDocument(path=path, title="", lines=lines)
    title = data.get("title")
    if not isinstance(title, str) or not title.strip():
        raise PlaybookFileError(
            _("%(where)s: field '%(field)s': a playbook needs a title")
            % {"where": doc.where("title"), "field": "title"}
        )
    doc.title = title
    keywords = data.get("keywords") or ""
    if isinstance(keywords, list) and all(isinstance(word, str) for word in keywords):
        keywords = ", ".join(keywords)
    if not isinstance(keywords, str):
        raise PlaybookFileError(
            _("%(where)s: field '%(field)s': comma-separated words or a list of words")
            % {"where": doc.where("keywords"), "field": "keywords"}
        )
    doc.keywords = keywords
    components = data.get("components") or []
    if not isinstance(components, list) or not all(isinstance(name, str) for name in components):
        raise PlaybookFileError(
            _("%(where)s: field '%(field)s': a list of component names")
            % {"where": doc.where("components"), "field": "components"}
        )
    doc.components = components
    if data.get("review_interval") is not None:
        doc.review_interval = _parse_interval(doc, data["review_interval"])
    if data.get("last_reviewed_at") is not None:
        doc.last_reviewed_at = _parse_moment(doc, data["last_reviewed_at"])
    front_lines = front.count("\n")
    doc.texts = _body(path, body, first_line=front_lines + 3)
    return doc


def _parse_interval(doc: PlaybookDocument, value: Any) -> timedelta:
    if isinstance(value, int) and not isinstance(value, bool) and value > 0:
        return timedelta(days=value)
    text = str(value).strip()
    days = DAYS.match(text)
    interval = timedelta(days=int(days.group(1))) if days else parse_duration(text)
    if interval is None or interval <= timedelta(0):
        raise PlaybookFileError(
            _("%(where)s: field '%(field)s': %(value)s is not a duration like '91 days'")
            % {"where": doc.where("review_interval"), "field": "review_interval", "value": repr(value)}
        )
    return interval


def _parse_moment(doc: PlaybookDocument, value: Any) -> datetime:
    moment = value if isinstance(value, datetime) else parse_datetime(str(value).strip())
    if moment is None or moment.tzinfo is None:
        raise PlaybookFileError(
            _("%(where)s: field '%(field)s': %(value)s is not a date and time with a time zone, like %(example)s")
            % {
                "where": doc.where("last_reviewed_at"),
                "field": "last_reviewed_at",
                "value": repr(value),
                "example": "2026-01-31T09:00:00Z",
            }
        )
    return moment


def read_directory(directory: Path) -> tuple[list[PlaybookDocument], list[str]]:
    """Every `*.md` file of a directory, in name order: the parsed playbooks and the problems found."""
    documents: list[PlaybookDocument] = []
    problems: list[str] = []
    for path in sorted(directory.glob("*.md")):
        try:
            documents.append(parse(str(path), path.read_text(encoding="utf-8")))
        except UnicodeDecodeError:
            problems.append(_("%(where)s: not a UTF-8 text file") % {"where": path})
        except PlaybookFileError as error:
            problems.append(str(error))
    return documents, problems
