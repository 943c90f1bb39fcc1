"""The sandbox that renders stored message templates (communication templates edited in the admin).

A template is written by a commander, not by a developer, so it gets neither Django's default engine
nor model instances: a dedicated `Engine` with no loaders and only the tags and filters listed here
(no `{% load %}`, `{% include %}`, `{% extends %}`, `{% debug %}`), a context of plain values
(dicts, lists, strings, numbers, datetimes), and caps on what one render may build: every filter's
result, the whole output and the number of loop iterations. Anything refused raises `TemplateRefused`
with a message for the editor; callers turn it into a `ValidationError` naming the field.
"""

from __future__ import annotations

import functools
from collections.abc import Callable, Iterator, Mapping
from datetime import UTC
from typing import Any

from django.template import (
    Context,
    Engine,
    Library,
    Node,
    NodeList,
    Template,
    TemplateSyntaxError,
    defaultfilters,
    defaulttags,
)
from django.template.base import Lexer, TokenType
from django.template.defaulttags import CommentNode, ForNode, IfNode, SpacelessNode, WithNode
from django.utils import timezone
from django.utils.translation import gettext as _

MAX_OUTPUT_CHARS = 64 * 1024  # a message, not a document
MAX_LOOP_ITERATIONS = 10_000  # nested loops over a long text would otherwise run for hours
MAX_FLOAT_PRECISION = 20


class TemplateRefused(ValueError):
    """A message template that cannot be used: the text says why, for the person editing it."""


register = Library()

# Tags: control flow and formatting only. Each of the words a tag may use is listed so that anything
# else ({% load %}, {% include %}, {% extends %}, {% debug %}, {% url %}, {% lorem %}, ...) is refused
# by name before parsing.
ALLOWED_TAGS: dict[str, Callable[..., Node]] = {
    "if": defaulttags.do_if,
    "for": defaulttags.do_for,
    "with": defaulttags.do_with,
    "firstof": defaulttags.firstof,
    "now": defaulttags.now,
    "comment": defaulttags.comment,
    "spaceless": defaulttags.spaceless,
    "verbatim": defaulttags.verbatim,
    "templatetag": defaulttags.templatetag,
}
TAG_WORDS = set(ALLOWED_TAGS) | {
    "elif",
    "else",
    "endif",
    "empty",
    "endfor",
    "endwith",
    "endcomment",
    "endspaceless",
    "endverbatim",
}
for _name, _compile in ALLOWED_TAGS.items():
    register.tag(_name, _compile)


def _capped(text: Any) -> Any:
    if isinstance(text, str | list) and len(text) > MAX_OUTPUT_CHARS:
        raise TemplateRefused(_("A filter produced more than %(limit)d characters.") % {"limit": MAX_OUTPUT_CHARS})
    return text


def _width(arg: Any) -> int:
    width = int(arg)
    if width > MAX_OUTPUT_CHARS:
        raise TemplateRefused(
            _("A width of %(width)d is more than the %(limit)d characters a message may have.")
            % {"width": width, "limit": MAX_OUTPUT_CHARS}
        )
    return width


def _check_padding(value: Any, arg: Any = None) -> None:
    _width(arg)


def _check_join(value: Any, arg: Any = None) -> None:
    if isinstance(value, list | tuple | str):
        size = sum(len(str(item)) for item in value) + len(str(arg)) * max(len(value) - 1, 0)
        if size > MAX_OUTPUT_CHARS:
            raise TemplateRefused(
                _("A join would produce more than %(limit)d characters.") % {"limit": MAX_OUTPUT_CHARS}
            )


def _check_add(value: Any, arg: Any = None) -> None:
    sized = isinstance(value, str | list | tuple) and isinstance(arg, str | list | tuple)
    if sized and len(value) + len(arg) > MAX_OUTPUT_CHARS:
        raise TemplateRefused(_("An add would produce more than %(limit)d characters.") % {"limit": MAX_OUTPUT_CHARS})


def _check_precision(value: Any, arg: Any = -1) -> None:
    digits = str(arg).rstrip("gu")
    if digits.lstrip("-").isdigit() and abs(int(digits)) > MAX_FLOAT_PRECISION:
        raise TemplateRefused(
            _("floatformat allows at most %(limit)d decimal places.") % {"limit": MAX_FLOAT_PRECISION}
        )


def _guarded(function: Callable[..., Any], check: Callable[..., None] | None) -> Callable[..., Any]:
    """The filter with its argument checked first (where it sizes the result) and its result capped.
    `functools.wraps` keeps the flags (is_safe, expects_localtime) and the signature the parser checks."""

    @functools.wraps(function)
    def guarded(*args: Any, **kwargs: Any) -> Any:
        if check is not None:
            check(*args)
        return _capped(function(*args, **kwargs))

    return guarded


# Filters: text and date formatting. Not stringformat ("%030000000d"), not the HTML ones (the
# messages are plain text), not those that reach other templates or the settings.
_SIZING_CHECKS: dict[str, Callable[..., None] | None] = {
    "add": _check_add,
    "capfirst": None,
    "center": _check_padding,
    "cut": None,
    "date": None,
    "default": None,
    "default_if_none": None,
    "divisibleby": None,
    "filesizeformat": None,
    "first": None,
    "floatformat": _check_precision,
    "join": _check_join,
    "last": None,
    "length": None,
    "ljust": _check_padding,
    "lower": None,
    "pluralize": None,
    "rjust": _check_padding,
    "slice": None,
    "slugify": None,
    "time": None,
    "timesince": None,
    "timeuntil": None,
    "title": None,
    "truncatechars": None,
    "truncatewords": None,
    "upper": None,
    "urlencode": None,
    "wordcount": None,
    "wordwrap": None,
    "yesno": None,
}
ALLOWED_FILTERS = sorted(_SIZING_CHECKS)
for _name, _check in _SIZING_CHECKS.items():
    register.filter(_name, _guarded(defaultfilters.register.filters[_name], _check))


class _SandboxEngine(Engine):
    default_builtins = []  # type: ignore[misc]  # not Django's defaults: only this module's tags and filters


ENGINE = _SandboxEngine(
    dirs=[],
    app_dirs=False,
    loaders=[],
    libraries={},
    builtins=["incidents.library.sandbox"],
    autoescape=False,
    debug=False,
    string_if_invalid="",
)


class MeteredContext(Context):
    """A context that counts what one render produced, so a loop cannot build an unbounded message."""

    def __init__(self, values: Mapping[str, Any]) -> None:
        super().__init__(dict(values), autoescape=False)
        self.output_chars = 0
        self.loop_iterations = 0


class _Meter(Node):
    """Wraps a node that produces text (text, a variable, {% firstof %}, ...) and counts its output."""

    child_nodelists = ()

    def __init__(self, inner: Node) -> None:
        self.inner = inner
        self.token = inner.token
        self.origin = inner.origin

    def render(self, context: Context) -> str:
        output = str(self.inner.render_annotated(context))
        if isinstance(context, MeteredContext):
            context.output_chars += len(output)
            if context.output_chars > MAX_OUTPUT_CHARS:
                raise TemplateRefused(
                    _("The message is longer than %(limit)d characters.") % {"limit": MAX_OUTPUT_CHARS}
                )
        return output


class _LoopCounter(Node):
    """First node of every loop body: counts iterations across the whole render."""

    child_nodelists = ()

    def render(self, context: Context) -> str:
        if isinstance(context, MeteredContext):
            context.loop_iterations += 1
            if context.loop_iterations > MAX_LOOP_ITERATIONS:
                raise TemplateRefused(_("The loops ran more than %(limit)d times.") % {"limit": MAX_LOOP_ITERATIONS})
        return ""


# Nodes whose output is only their children's output (or less): their children are metered instead.
_CONTAINERS = (IfNode, ForNode, WithNode, SpacelessNode, CommentNode)


def _nodelists_of(node: Node) -> Iterator[NodeList]:
    if isinstance(node, IfNode):
        yield from (nodelist for _, nodelist in node.conditions_nodelists)
        return
    for attribute in node.child_nodelists:
        nodelist = getattr(node, attribute, None)
        if isinstance(nodelist, NodeList):
            yield nodelist


def _meter(nodelist: NodeList) -> None:
    for index, node in enumerate(nodelist):
        if isinstance(node, _CONTAINERS):
            for child in _nodelists_of(node):
                _meter(child)
            if isinstance(node, ForNode):
                node.nodelist_loop.insert(0, _LoopCounter())  # type: ignore[arg-type]
        else:
            nodelist[index] = _Meter(node)


def _check_tags(source: str) -> None:
    for token in Lexer(source).tokenize():
        if token.token_type != TokenType.BLOCK:
            continue
        word = token.contents.split()[0] if token.contents.split() else ""
        if word not in TAG_WORDS:
            raise TemplateRefused(
                _("{%% %(tag)s %%} is not available in message templates; the tags are: %(tags)s.")
                % {"tag": word, "tags": ", ".join(ALLOWED_TAGS)}
            )


def compile_template(source: str) -> Template:
    """Parse a stored template in the sandbox, or raise `TemplateRefused` saying what is wrong."""
    _check_tags(source)
    try:
        template = Template(source, engine=ENGINE)
        _meter(template.nodelist)
    except TemplateSyntaxError as error:
        raise TemplateRefused(str(error)) from error
    except RecursionError as error:
        raise TemplateRefused(_("The tags are nested too deeply.")) from error
    return template


def render_template(source: str, values: Mapping[str, Any]) -> str:
    """Render a stored template from plain values, or raise `TemplateRefused` (never anything else)."""
    template = compile_template(source)
    try:
        # Messages go to many readers and the shipped templates say "UTC": dates render in UTC whatever
        # zone the composing user reads the admin in.
        with timezone.override(UTC):
            output = template.render(MeteredContext(values))
    except TemplateRefused:
        raise
    except Exception as error:  # a filter given a bad argument (ljust:"x"), a failed lookup, ...: the editor's to fix
        raise TemplateRefused(f"{type(error).__name__}: {error}") from error
    if len(output) > MAX_OUTPUT_CHARS:
        raise TemplateRefused(_("The message is longer than %(limit)d characters.") % {"limit": MAX_OUTPUT_CHARS})
    return output
