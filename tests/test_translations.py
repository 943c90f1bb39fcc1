"""Every user-facing string goes through Django's i18n, and the Italian catalogue has all of them.

Three checks, each able to fail on a new string:
- Python: user-facing arguments (verbose names, help texts, labels, admin descriptions, messages to the
  user, ValidationError texts) must be gettext calls, not bare literals or f-strings.
- Templates: text and the attributes people read (title, aria-label, placeholder, alt) must be inside
  {% translate %} / {% blocktranslate %}.
- Catalogues: `update_translations` (makemessages with fixed options) run on a copy of the project finds
  no msgid the committed catalogues lack, and `msgfmt --check --statistics` reports 0 untranslated and
  0 fuzzy. Needs GNU gettext (CI installs it); skipped without it unless REQUIRE_SERVICES is set.
"""

from __future__ import annotations

import ast
import os
import re
import shutil
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import polib
import pytest
from django.conf import settings
from django.template.base import Lexer, TokenType
from django.utils import translation

ROOT = Path(__file__).resolve().parent.parent
PACKAGES = ("incidents", "postmortems", "config")
# Operator-facing command-line output and settings are English by design (logs, preflight, management
# commands); the runbook defaults are marked with gettext_noop and checked through the catalogue.
NOT_USER_FACING = re.compile(r"((^|/)(migrations|management|tests?)/|^config/(settings|preflight|serve|gunicorn))")

USER_FACING_KEYWORDS = {
    "verbose_name",
    "verbose_name_plural",
    "help_text",
    "label",
    "short_description",
    "description",
    "empty_label",
    "empty_value_display",
    "title",
}
# Calls whose first positional argument is shown to the user.
FIRST_ARGUMENT_SHOWN = {"ValidationError", "PermissionDenied", "Http404", "NotFound", "ParseError"}
# Calls whose second positional argument is shown to the user (request, message).
SECOND_ARGUMENT_SHOWN = {"success", "error", "warning", "info", "message_user", "add_message"}
WORD = re.compile(r"[^\W\d_]{2,}")


def python_files() -> Iterator[Path]:
    for package in PACKAGES:
        for path in sorted((ROOT / package).rglob("*.py")):
            relative = path.relative_to(ROOT).as_posix()
            if not NOT_USER_FACING.search(relative):
                yield path


def is_bare_text(node: ast.AST) -> bool:
    """A literal with words in it, or an f-string: text no translator will ever see."""
    if isinstance(node, ast.Constant) and isinstance(node.value, str):
        return bool(WORD.search(node.value))
    if isinstance(node, ast.JoinedStr):
        return any(isinstance(part, ast.Constant) and WORD.search(str(part.value)) for part in node.values)
    return False


def shown_path(path: Path) -> str:
    return str(path.relative_to(ROOT)) if path.is_relative_to(ROOT) else path.name


def call_name(node: ast.Call) -> str:
    function = node.func
    if isinstance(function, ast.Attribute):
        return function.attr
    if isinstance(function, ast.Name):
        return function.id
    return ""


def untranslated_python(path: Path) -> list[str]:
    tree = ast.parse(path.read_text(), filename=str(path))
    found = []
    for node in ast.walk(tree):
        if not isinstance(node, ast.Call):
            continue
        name = call_name(node)
        shown = [keyword.value for keyword in node.keywords if keyword.arg in USER_FACING_KEYWORDS]
        if name in FIRST_ARGUMENT_SHOWN and node.args:
            shown.append(node.args[0])
        if name in SECOND_ARGUMENT_SHOWN and len(node.args) >= 2:
            shown.append(node.args[1])
        # ValidationError({"field": "text"}): each field's text is shown beside the field.
        shown = [item for value in shown for item in (value.values if isinstance(value, ast.Dict) else [value])]
        for value in shown:
            if value is not None and is_bare_text(value):
                found.append(f"{shown_path(path)}:{value.lineno}: {name}(...) {ast.unparse(value)[:70]}")
    return found


def test_user_facing_python_strings_are_translatable() -> None:
    found = [line for path in python_files() for line in untranslated_python(path)]
    assert not found, "Wrap these in gettext / gettext_lazy (django.utils.translation):\n" + "\n".join(found)


def test_the_python_check_catches_a_bare_string(tmp_path: Path) -> None:
    module = tmp_path / "probe.py"
    module.write_text(
        "from django.core.exceptions import ValidationError\n"
        "from django.utils.translation import gettext as _\n"
        "def check(name):\n"
        "    raise ValidationError(f'{name} is taken')\n"
        "def fine():\n"
        "    raise ValidationError(_('Taken'))\n"
    )
    found = untranslated_python(module)
    assert len(found) == 1
    assert found[0].startswith("probe.py:4:")


TEMPLATE_DIRS = [ROOT / "templates", *sorted(ROOT.glob("*/templates")), *sorted(ROOT.glob("incidents/*/templates"))]
TAG = re.compile(r"<[^>]*>", re.DOTALL)
HTML_COMMENT = re.compile(r"<!--.*?-->", re.DOTALL)
ENTITY = re.compile(r"&#?\w+;")
READ_ATTRIBUTE = re.compile(r"""\b(title|aria-label|placeholder|alt|aria-description)=["']([^"']*)["']""")
# Names and codes that read the same in every language.
UNTRANSLATED_WORDS = {"Warroom", "UTC", "API", "CSV", "ICS", "RSS", "Atom", "JSON", "SLA", "INC"}


def template_files() -> Iterator[Path]:
    for directory in TEMPLATE_DIRS:
        yield from sorted(p for p in directory.rglob("*") if p.suffix in {".html", ".txt"})


def blank_out(pattern: re.Pattern[str], text: str) -> str:
    """`text` with each match replaced by spaces, keeping its newlines (so line numbers stay right)."""
    return pattern.sub(lambda match: re.sub(r"[^\n]", " ", match.group()), text)


FILE_NAME = re.compile(r"\b[\w-]+\.(json|svg|xml|ics|csv|md|txt)\b")


def words_left(text: str) -> list[str]:
    return [word for word in WORD.findall(FILE_NAME.sub(" ", text)) if word not in UNTRANSLATED_WORDS]


def text_outside_translation(source: str) -> str:
    """The template's own text with every tag and variable replaced by "0" and everything inside
    {% blocktranslate %} / {% comment %} dropped; newlines are kept, so line numbers stay right. An HTML tag
    holding a template tag (`<a href="{% url 'x' %}">`) stays one tag."""
    kept: list[str] = []
    skipping = 0
    for token in Lexer(source).tokenize():
        raw = token.contents
        if token.token_type == TokenType.BLOCK:
            tag = raw.split()[0] if raw else ""
            if tag in {"blocktranslate", "blocktrans", "comment"}:
                skipping += 1
            elif tag in {"endblocktranslate", "endblocktrans", "endcomment"}:
                skipping -= 1
        if token.token_type == TokenType.TEXT and not skipping:
            kept.append(raw)
        else:
            newlines = raw.count("\n")
            kept.append("0" + "\n" * newlines if token.token_type != TokenType.TEXT else "\n" * newlines)
    return "".join(kept)


def untranslated_template_text(path: Path) -> list[str]:
    text = blank_out(HTML_COMMENT, text_outside_translation(path.read_text()))
    found = []
    for match in READ_ATTRIBUTE.finditer(text):
        if words_left(match.group(2)):
            line = 1 + text.count("\n", 0, match.start())
            found.append(f"{shown_path(path)}:{line}: {match.group(1)}={match.group(2)!r}")
    visible = ENTITY.sub(" ", blank_out(TAG, text))
    for offset, line_text in enumerate(visible.split("\n")):
        if words_left(line_text):
            found.append(f"{shown_path(path)}:{1 + offset}: {' '.join(line_text.split())[:70]!r}")
    return found


def test_template_text_is_translatable() -> None:
    found = [line for path in template_files() for line in untranslated_template_text(path)]
    assert not found, "Wrap these in {% translate %} or {% blocktranslate %}:\n" + "\n".join(found)


def test_the_template_check_catches_bare_text(tmp_path: Path) -> None:
    probe = tmp_path / "probe.html"
    probe.write_text(
        '{% load i18n %}<h1>{% translate "Status" %}</h1>\n<p>All systems go</p>\n'
        '<a title="Open it" href="/">{% blocktranslate %}Open {{ name }}{% endblocktranslate %}</a>\n'
        '<a href="{% url "admin:index" %}"\n class="x">{{ name }} {% translate "Home" %}</a> Back'
    )
    found = untranslated_template_text(probe)
    assert found == ["probe.html:3: title='Open it'", "probe.html:2: 'All systems go'", "probe.html:5: '0 0 Back'"]


def gettext_tools_present() -> bool:
    return all(shutil.which(tool) for tool in ("xgettext", "msgmerge", "msgfmt"))


# What a copy for extraction leaves out when the project is not a git checkout (a release tarball).
NOT_COPIED = shutil.ignore_patterns(".git", ".venv", "var", "*.mo", "__pycache__", ".*_cache", "node_modules")


def project_copy(destination: Path) -> Path:
    """The project's tracked and new files (not .venv, var, caches) in `destination`."""
    listed = subprocess.run(
        ["git", "ls-files", "--cached", "--others", "--exclude-standard", "-z"],
        cwd=ROOT,
        capture_output=True,
        check=False,
    )
    if listed.returncode != 0:
        shutil.copytree(ROOT, destination, ignore=NOT_COPIED, dirs_exist_ok=True)
        return destination
    for name in filter(None, listed.stdout.split(b"\0")):
        source = ROOT / name.decode()
        if source.is_file():
            target = destination / name.decode()
            target.parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(source, target)
    return destination


@pytest.fixture(scope="module")
def extracted_catalogues(tmp_path_factory: pytest.TempPathFactory) -> list[Path]:
    if not gettext_tools_present():
        if os.environ.get("REQUIRE_SERVICES"):
            pytest.fail("GNU gettext (xgettext, msgmerge, msgfmt) is required: apt-get install gettext")
        pytest.skip("GNU gettext is not installed")
    copy = project_copy(tmp_path_factory.mktemp("project"))
    environment = {**os.environ, "DJANGO_SETTINGS_MODULE": "config.settings.test", "PYTHONPATH": str(copy)}
    subprocess.run(
        [sys.executable, "manage.py", "update_translations", "--verbosity", "0"],
        cwd=copy,
        env=environment,
        check=True,
    )
    catalogues = sorted((copy / "locale").glob("*/LC_MESSAGES/*.po"))
    assert catalogues, "update_translations wrote no catalogue"
    return catalogues


def test_every_extracted_string_is_translated(extracted_catalogues: list[Path]) -> None:
    problems = []
    for catalogue in extracted_catalogues:
        entries = polib.pofile(str(catalogue))
        for entry in entries.untranslated_entries() + entries.fuzzy_entries():
            state = "fuzzy" if entry.fuzzy else "untranslated"
            problems.append(f"{catalogue.parent.parent.name}/{catalogue.name}: {state}: {entry.msgid[:80]!r}")
    assert not problems, "Run `make translations`, translate these in locale/, then `make messages`:\n" + "\n".join(
        problems
    )


def test_msgfmt_reports_nothing_untranslated_or_fuzzy(extracted_catalogues: list[Path]) -> None:
    for catalogue in extracted_catalogues:
        result = subprocess.run(
            ["msgfmt", "--check", "--statistics", "-o", os.devnull, str(catalogue)],
            capture_output=True,
            text=True,
            env={**os.environ, "LC_ALL": "C"},
        )
        assert result.returncode == 0, result.stderr
        assert re.fullmatch(r"\d+ translated messages?\.\n", result.stderr), f"{catalogue.name}: {result.stderr}"


def test_committed_catalogues_match_the_extraction(extracted_catalogues: list[Path]) -> None:
    """No translation is kept for a string the code no longer has, and none is missing."""
    for extracted in extracted_catalogues:
        committed = ROOT / extracted.relative_to(extracted.parents[3])
        assert committed.exists(), f"{committed} is missing: run `make translations`"
        assert {e.msgid for e in polib.pofile(str(committed)) if not e.obsolete} == {
            e.msgid for e in polib.pofile(str(extracted)) if not e.obsolete
        }, f"{committed.relative_to(ROOT)} is out of date: run `make translations`"


def test_every_language_has_a_compiled_catalogue_django_reads() -> None:
    for code, _name in settings.LANGUAGES:
        if code == "en":
            continue
        catalogue = ROOT / "locale" / code / "LC_MESSAGES" / "django.po"
        translated = [e for e in polib.pofile(str(catalogue)).translated_entries() if "%" not in e.msgid]
        assert (catalogue.with_suffix(".mo")).exists(), "run `make messages`"
        sample = translated[len(translated) // 2]
        with translation.override(code):
            shown = (
                translation.pgettext(sample.msgctxt, sample.msgid)
                if sample.msgctxt
                else translation.gettext(sample.msgid)
            )
        assert shown == sample.msgstr
