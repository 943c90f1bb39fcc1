"""Extract every translatable string into locale/<language>/LC_MESSAGES/django.po and djangojs.po.

One command with fixed options, so that translators and the completeness test extract the same strings.
Needs GNU gettext (xgettext, msgmerge): `apt-get install gettext`. New strings arrive untranslated and
changed ones fuzzy; translate them, then `make messages` compiles (see README, "Adding a translation")."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.core.management import call_command
from django.core.management.base import BaseCommand

# What is not Warroom's own user-facing text: tests, benchmarks, tooling, installed packages.
IGNORED = [".venv", "var", "tests", "benchmarks", "docs", "deploy", "build", "node_modules", "*/vendor/*", ".*"]


def catalogue_languages() -> list[str]:
    """Every language but English, the language the source strings are written in."""
    return [code for code, _name in settings.LANGUAGES if code != "en"]


class Command(BaseCommand):
    help = "Extract translatable strings into the catalogues of every language in LANGUAGES but English."

    def handle(self, *args: Any, **options: Any) -> None:
        for domain, extensions in (("django", ["html", "txt", "py"]), ("djangojs", ["js"])):
            call_command(
                "makemessages",
                locale=catalogue_languages(),
                domain=domain,
                extensions=extensions,
                ignore_patterns=IGNORED,
                no_obsolete=True,
                # File names without line numbers: a line moving elsewhere does not change the catalogue.
                add_location="file",
                verbosity=options["verbosity"],
            )
