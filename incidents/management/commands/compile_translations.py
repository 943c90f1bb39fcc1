"""Compile locale/*/LC_MESSAGES/*.po into the .mo files Django reads, without GNU gettext.

Django's `compilemessages` needs GNU msgfmt, which a machine with only Python and make lacks; polib
writes the same catalogue (translated entries only: fuzzy and untranslated ones fall back to English,
as msgfmt's output does). Only catalogues older than their .po are rewritten."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import polib
from django.conf import settings
from django.core.management.base import BaseCommand, CommandError


class Command(BaseCommand):
    help = "Compile the translation catalogues (.po to .mo) with polib; no GNU gettext needed."

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument("--force", action="store_true", help="Rewrite every .mo, even those up to date.")

    def handle(self, *args: Any, force: bool = False, **options: Any) -> None:
        written = 0
        for locale_dir in settings.LOCALE_PATHS:
            for po_path in sorted(Path(locale_dir).glob("*/LC_MESSAGES/*.po")):
                mo_path = po_path.with_suffix(".mo")
                if not force and mo_path.exists() and mo_path.stat().st_mtime >= po_path.stat().st_mtime:
                    continue
                try:
                    catalogue = polib.pofile(str(po_path))
                except (OSError, ValueError) as error:
                    raise CommandError(f"{po_path}: {error}") from error
                catalogue.save_as_mofile(str(mo_path))
                written += 1
                if options["verbosity"] > 1:
                    self.stdout.write(f"{po_path}: {len(catalogue.translated_entries())} translated")
        if options["verbosity"]:
            self.stdout.write(f"{written} catalogue(s) compiled.")
