from pathlib import Path

from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError, CommandParser

from incidents.library.files import read_directory
from incidents.library.services import playbooks_import


class Command(BaseCommand):
    help = (
        "Create or update playbooks (matched by title) from the *.md files of DIR, as written by export_playbooks. "
        "Every file is checked first: if any is malformed, each problem is listed and nothing is imported."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("directory", type=Path)

    def handle(self, *args, **options) -> None:
        directory: Path = options["directory"]
        if not directory.is_dir():
            raise CommandError(f"{directory} is not a directory")
        documents, problems = read_directory(directory)
        if not problems:
            try:
                result = playbooks_import(documents, by=None)
            except ValidationError as error:
                problems = list(error.messages)
        if problems:
            raise CommandError("Nothing imported:\n" + "\n".join(f"  {problem}" for problem in problems))
        self.stdout.write(
            f"Playbooks: {len(result.created)} created, {len(result.updated)} updated, "
            f"{len(result.unchanged)} unchanged."
        )
