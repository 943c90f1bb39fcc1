from pathlib import Path

from django.core.management.base import BaseCommand, CommandError, CommandParser

from incidents.library.selectors import playbook_files


class Command(BaseCommand):
    help = "Write every playbook to DIR as one Markdown file with YAML front matter (see import_playbooks)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("directory", type=Path)

    def handle(self, *args, **options) -> None:
        directory: Path = options["directory"]
        files = playbook_files()
        names: dict[str, int] = {}
        for name, _ in files:
            names[name] = names.get(name, 0) + 1
        clashes = sorted(name for name, count in names.items() if count > 1)
        if clashes:
            # Titles that differ only in case or punctuation would overwrite each other's file.
            raise CommandError(f"Several playbooks would be written to the same file: {', '.join(clashes)}")
        if directory.exists() and not directory.is_dir():
            raise CommandError(f"{directory} is not a directory")
        directory.mkdir(parents=True, exist_ok=True)
        for name, content in files:
            (directory / name).write_text(content, encoding="utf-8", newline="\n")
        self.stdout.write(f"Exported {len(files)} playbook(s) to {directory}.")
