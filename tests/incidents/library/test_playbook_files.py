"""Playbooks as Markdown files: export, import, the round trip and the refusals."""

from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from django.core.management import CommandError, call_command

from incidents.library.models import Playbook
from incidents.library.seed import PLAYBOOK_DEFAULTS
from incidents.models import Component

pytestmark = pytest.mark.django_db

GOOD = """---
title: Disk full
keywords: disk, space, enospc
components:
- Database
review_interval: 30 days
last_reviewed_at: '2026-01-02T03:04:05Z'
---

## Symptoms

Writes failing with ENOSPC

## Resolution

Delete old logs
"""


def files(directory: Path) -> dict[str, bytes]:
    return {path.name: path.read_bytes() for path in sorted(directory.glob("*.md"))}


def playbook_rows() -> list[tuple]:
    return [
        (*row, sorted(Playbook.objects.get(title=row[0]).components.values_list("name", flat=True)))
        for row in Playbook.objects.order_by("title").values_list(
            "title",
            "symptoms",
            "diagnosis",
            "resolution",
            "prevention",
            "keywords",
            "review_interval",
            "last_reviewed_at",
        )
    ]


def test_seeded_playbooks_round_trip_byte_for_byte(tmp_path):
    database = Component.objects.create(name="Database")
    first = Playbook.objects.get(title="Database connection pool exhaustion")
    first.components.add(database)
    first.last_reviewed_at = datetime(2026, 3, 1, 9, 30, tzinfo=UTC)
    first.review_interval = timedelta(days=30, hours=12)
    first.save()
    before = playbook_rows()
    call_command("export_playbooks", tmp_path / "one")
    exported = files(tmp_path / "one")
    assert len(exported) == len(PLAYBOOK_DEFAULTS)
    assert "database-connection-pool-exhaustion.md" in exported

    Playbook.objects.all().delete()
    call_command("import_playbooks", tmp_path / "one")
    assert playbook_rows() == before
    call_command("export_playbooks", tmp_path / "two")
    assert files(tmp_path / "two") == exported


def test_import_twice_changes_nothing(tmp_path, capsys):
    call_command("export_playbooks", tmp_path)
    (tmp_path / "disk-full.md").write_text(GOOD)
    Component.objects.create(name="Database")
    call_command("import_playbooks", tmp_path)
    assert "1 created, 0 updated, 5 unchanged" in capsys.readouterr().out
    history = Playbook.history.count()
    rows = playbook_rows()
    call_command("import_playbooks", tmp_path)
    assert "0 created, 0 updated, 6 unchanged" in capsys.readouterr().out
    assert Playbook.history.count() == history
    assert playbook_rows() == rows


def test_import_updates_the_playbook_with_the_same_title(tmp_path):
    Component.objects.create(name="Database")
    call_command("export_playbooks", tmp_path)
    path = tmp_path / "high-memory-usage.md"
    path.write_text(path.read_text().replace("Restart affected tasks", "Restart affected tasks one by one"))
    call_command("import_playbooks", tmp_path)
    playbook = Playbook.objects.get(title="High memory usage")
    assert "Restart affected tasks one by one" in playbook.resolution
    assert Playbook.objects.count() == len(PLAYBOOK_DEFAULTS)


@pytest.mark.parametrize(
    ("content", "problem"),
    [
        ("title: Disk full\n\n## Symptoms\n\nFull\n", "disk-full.md:1: the file must start with a '---' line"),
        ("---\ntitle: Disk full\n", "disk-full.md:1: the front matter is not closed"),
        ("---\ntitle: [Disk full\n---\n", "disk-full.md:3: bad front matter"),
        ("---\n- a list\n---\n", "disk-full.md:2: the front matter must be a mapping"),
        ("---\ntitle: Disk full\nseverity: P1\n---\n", "disk-full.md:3: unknown field 'severity'"),
        ("---\nkeywords: disk\n---\n", "disk-full.md: field 'title': a playbook needs a title"),
        ("---\ntitle: '  '\n---\n", "disk-full.md:2: field 'title': a playbook needs a title"),
        ("---\ntitle: Disk full\nreview_interval: soon\n---\n", "disk-full.md:3: field 'review_interval'"),
        ("---\ntitle: Disk full\nlast_reviewed_at: yesterday\n---\n", "disk-full.md:3: field 'last_reviewed_at'"),
        ("---\ntitle: Disk full\ncomponents: Database\n---\n", "disk-full.md:3: field 'components'"),
        ("---\ntitle: Disk full\ncomponents: [Mainframe]\n---\n", "disk-full.md:3: field 'components': no component"),
        (f"---\ntitle: {'x' * 201}\n---\n", "disk-full.md:2: field 'title': Ensure this value has at most 200"),
        ("---\ntitle: Disk full\n---\nStray text\n", "disk-full.md:4: text outside a section"),
        (GOOD + "\n## Symptoms\n\nAgain\n", "disk-full.md: the section '## Symptoms' appears twice"),
    ],
)
def test_a_malformed_file_is_named_and_nothing_is_imported(tmp_path, content, problem):
    Component.objects.create(name="Database")
    call_command("export_playbooks", tmp_path)
    path = tmp_path / "high-memory-usage.md"
    path.write_text(path.read_text().replace("Deploy fix", "Deploy the fix"))
    (tmp_path / "a-good-one.md").write_text(GOOD.replace("Disk full", "Inode exhaustion"))
    (tmp_path / "disk-full.md").write_text(content)
    rows = playbook_rows()
    with pytest.raises(CommandError) as refused:
        call_command("import_playbooks", tmp_path)
    assert problem in str(refused.value)
    assert str(tmp_path) in str(refused.value)
    # Neither the valid new file nor the edit of an existing one went in.
    assert playbook_rows() == rows


def test_two_files_with_the_same_title_are_both_named(tmp_path):
    Component.objects.create(name="Database")
    (tmp_path / "disk-full.md").write_text(GOOD)
    (tmp_path / "disk-full-again.md").write_text(GOOD)
    with pytest.raises(CommandError) as refused:
        call_command("import_playbooks", tmp_path)
    message = str(refused.value)
    assert "disk-full.md:2: field 'title': 'Disk full' is also the title in" in message
    assert "disk-full-again.md" in message
    assert not Playbook.objects.filter(title="Disk full").exists()


def test_every_problem_of_every_file_is_listed(tmp_path):
    (tmp_path / "one.md").write_text("---\ntitle: One\nowner: me\n---\n")
    (tmp_path / "two.md").write_text("no front matter\n")
    with pytest.raises(CommandError) as refused:
        call_command("import_playbooks", tmp_path)
    assert "one.md:3: unknown field 'owner'" in str(refused.value)
    assert "two.md:1:" in str(refused.value)


def test_titles_that_share_a_file_name_are_refused_on_export(tmp_path):
    Playbook.objects.create(title="Disk full")
    Playbook.objects.create(title="Disk: full!")
    with pytest.raises(CommandError, match=r"disk-full\.md"):
        call_command("export_playbooks", tmp_path)
    assert not list(tmp_path.glob("*.md"))


def test_a_diagnosis_holding_a_code_fence_survives(tmp_path):
    Playbook.objects.create(title="Fenced", diagnosis="```sh\nls\n```\n\n  indented\n", symptoms="\nstarts blank")
    call_command("export_playbooks", tmp_path)
    Playbook.objects.filter(title="Fenced").delete()
    call_command("import_playbooks", tmp_path)
    playbook = Playbook.objects.get(title="Fenced")
    assert playbook.diagnosis == "```sh\nls\n```\n\n  indented\n"
    assert playbook.symptoms == "\nstarts blank"
