"""Post-mortem attachments: size and type limits, refused uploads say why, files leave storage with
their rows, downloads are never rendered by the browser."""

from __future__ import annotations

from pathlib import Path

import pytest
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from postmortems import services
from postmortems.models import Attachment
from tests.factories import resolved_incident
from tests.postmortems.test_admin import change_form_data

pytestmark = pytest.mark.django_db


@pytest.fixture
def postmortem(commander, severities, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    return resolved_incident(by=commander).postmortem


def stored(attachment: Attachment) -> Path:
    return Path(attachment.file.path)


def upload(commander_client, postmortem, file: SimpleUploadedFile, row: int | None = None):
    url = reverse("admin:postmortems_postmortem_change", args=[postmortem.pk])
    data = change_form_data(commander_client.get(url))
    if row is None:
        row = int(str(data["attachments-TOTAL_FORMS"]))
        data["attachments-TOTAL_FORMS"] = str(row + 1)
        data.update({f"attachments-{row}-kind": "logs", f"attachments-{row}-caption": "upload"})
        data[f"attachments-{row}-postmortem"] = str(postmortem.pk)
    data[f"attachments-{row}-file"] = file
    return commander_client.post(url, data)


@pytest.mark.parametrize(
    ("name", "content", "content_type", "reason"),
    [
        ("page.html", b"<p>hi</p>", "text/html", "cannot be attached; allowed: png"),
        ("logo.svg", b"<svg onload=alert(1)>", "image/svg+xml", "cannot be attached"),
        ("tool.exe", b"MZ\x90\x00", "application/x-msdownload", "cannot be attached"),
        ("shot.png", b"\x89PNG\r\n", "text/html", "was sent as text/html"),
        ("notes.txt", b"  <!DOCTYPE html><script>alert(1)</script>", "text/plain", "contains HTML or SVG"),
    ],
)
def test_refused_types_say_so_on_the_field(commander_client, postmortem, name, content, content_type, reason):
    response = upload(commander_client, postmortem, SimpleUploadedFile(name, content, content_type=content_type))
    assert response.status_code == 200
    errors = [form.errors for form in response.context["inline_admin_formsets"][-1].formset.forms if form.errors]
    assert reason in errors[0]["file"][0]
    assert not Attachment.objects.filter(postmortem=postmortem).exists()


def test_size_limit_comes_from_the_setting(commander_client, postmortem, settings):
    settings.ATTACHMENT_MAX_BYTES = 100
    response = upload(commander_client, postmortem, SimpleUploadedFile("big.log", b"x" * 101, "text/plain"))
    assert response.status_code == 200
    assert "attachments may be at most 100" in response.content.decode()
    assert not Attachment.objects.filter(postmortem=postmortem).exists()
    assert (
        upload(commander_client, postmortem, SimpleUploadedFile("ok.log", b"x" * 100, "text/plain")).status_code == 302
    )


def test_the_service_refuses_too(postmortem, commander):
    for file in (
        SimpleUploadedFile("x.svg", b"<svg/>", "image/svg+xml"),
        SimpleUploadedFile("x.json", b"{}", "text/html"),
    ):
        with pytest.raises(ValidationError) as refused:
            services.attachment_add(postmortem, file=file, by=commander)
        assert "file" in refused.value.message_dict
    pdf = services.attachment_add(
        postmortem, file=SimpleUploadedFile("r.pdf", b"%PDF-1.7", "application/pdf"), by=commander
    )
    assert pdf.filename.endswith(".pdf")


def test_removing_an_attachment_deletes_its_file_after_commit(
    commander_client, postmortem, commander, django_capture_on_commit_callbacks
):
    attachment = services.attachment_add(
        postmortem, file=SimpleUploadedFile("api.log", b"500\n", "text/plain"), by=commander
    )
    path = stored(attachment)
    assert path.exists()
    url = reverse("admin:postmortems_postmortem_change", args=[postmortem.pk])
    data = change_form_data(commander_client.get(url))
    data["attachments-0-DELETE"] = "on"
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        assert commander_client.post(url, data).status_code == 302
        assert path.exists()  # not before the commit
    for callback in callbacks:
        callback()
    assert not path.exists()
    assert not Attachment.objects.exists()


def test_replacing_the_file_deletes_the_old_one(
    commander_client, postmortem, commander, django_capture_on_commit_callbacks
):
    attachment = services.attachment_add(
        postmortem, file=SimpleUploadedFile("old.log", b"old\n", "text/plain"), by=commander
    )
    old = stored(attachment)
    with django_capture_on_commit_callbacks(execute=True):
        response = upload(commander_client, postmortem, SimpleUploadedFile("new.log", b"new\n", "text/plain"), row=0)
    assert response.status_code == 302
    attachment.refresh_from_db()
    assert attachment.filename.startswith("new")
    assert stored(attachment).read_bytes() == b"new\n"
    assert not old.exists()


def test_files_leave_storage_when_their_post_mortem_is_deleted(
    postmortem, commander, django_capture_on_commit_callbacks
):
    attachment = services.attachment_add(
        postmortem, file=SimpleUploadedFile("a.csv", b"a,b\n", "text/csv"), by=commander
    )
    path = stored(attachment)
    with django_capture_on_commit_callbacks(execute=True):
        postmortem.delete()
    assert not path.exists()


def test_download_is_an_attachment_the_browser_does_not_sniff(commander_client, postmortem, commander):
    attachment = services.attachment_add(
        postmortem, file=SimpleUploadedFile("notes.txt", b"hello", "text/plain"), by=commander
    )
    response = commander_client.get(
        reverse("admin:postmortems_postmortem_attachment", args=[postmortem.pk, attachment.pk])
    )
    assert response.status_code == 200
    assert response["Content-Disposition"].startswith("attachment;")
    assert response["X-Content-Type-Options"] == "nosniff"
    assert response["Content-Type"] == "application/octet-stream"
