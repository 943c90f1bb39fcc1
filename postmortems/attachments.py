"""What a post-mortem attachment may be: at most `ATTACHMENT_MAX_BYTES`, and one of the allowed types
(`ATTACHMENT_ALLOWED_EXTENSIONS`). Both the file's extension and the content type the browser declared
must fit, and the first bytes must not be HTML or SVG (a file a browser would run as a page). HTML,
SVG, scripts and executables are refused even if configured: attachments are read by staff who are
logged in to Warroom."""

from __future__ import annotations

import mimetypes
from typing import Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.template.defaultfilters import filesizeformat
from django.utils.translation import gettext as _

DEFAULT_MAX_BYTES = 10 * 1024 * 1024
DEFAULT_EXTENSIONS = ("png", "jpg", "jpeg", "gif", "webp", "pdf", "txt", "log", "csv", "json")

# Content types a browser declares for each default extension (Windows sends CSV as Excel's type).
DECLARED_TYPES = {
    "png": {"image/png"},
    "jpg": {"image/jpeg", "image/pjpeg"},
    "jpeg": {"image/jpeg", "image/pjpeg"},
    "gif": {"image/gif"},
    "webp": {"image/webp"},
    "pdf": {"application/pdf"},
    "txt": {"text/plain"},
    "log": {"text/plain", "text/x-log"},
    "csv": {"text/csv", "application/csv", "text/plain", "application/vnd.ms-excel"},
    "json": {"application/json", "text/json", "text/plain"},
}
UNKNOWN_TYPE = {"", "application/octet-stream"}  # the browser did not know: the extension decides

NEVER_EXTENSIONS = {
    "htm", "html", "xhtml", "shtml", "svg", "svgz", "xml", "js", "mjs", "hta", "swf",
    "exe", "dll", "com", "bat", "cmd", "msi", "ps1", "scr", "sh", "jar", "app", "apk",
}  # fmt: skip
NEVER_TYPES = ("text/html", "application/xhtml", "image/svg", "javascript", "ecmascript", "application/x-msdownload")
# Leading bytes (lowercased, after whitespace) of a document a browser would render as a page.
PAGE_SIGNATURES = (b"<!doctype", b"<html", b"<svg", b"<script", b"<?xml", b"<head", b"<body", b"<iframe")


def max_bytes() -> int:
    return int(getattr(settings, "ATTACHMENT_MAX_BYTES", DEFAULT_MAX_BYTES))


def allowed_extensions() -> list[str]:
    configured = getattr(settings, "ATTACHMENT_ALLOWED_EXTENSIONS", DEFAULT_EXTENSIONS)
    return [
        ext.strip().lower().lstrip(".") for ext in configured if ext.strip().lower().lstrip(".") not in NEVER_EXTENSIONS
    ]


def declared_types(extension: str) -> set[str]:
    guessed = mimetypes.guess_type(f"file.{extension}")[0]
    return DECLARED_TYPES.get(extension) or ({guessed} if guessed else set())


def _first_bytes(file: Any, count: int = 512) -> bytes:
    try:
        position = file.tell()
        file.seek(0)
        head = file.read(count)
        file.seek(position)
    except (AttributeError, OSError, ValueError):
        return b""
    return head if isinstance(head, bytes) else str(head).encode()


def validate_attachment(file: Any) -> None:
    """Raise a ValidationError on `file` saying why this upload is refused."""
    name = str(getattr(file, "name", "") or "")
    extension = name.rsplit(".", 1)[-1].lower() if "." in name else ""
    allowed = allowed_extensions()
    if extension not in allowed:
        raise ValidationError(
            {
                "file": _("“%(name)s”: files of this type cannot be attached; allowed: %(allowed)s.")
                % {"name": name, "allowed": ", ".join(allowed)}
            }
        )
    size = getattr(file, "size", None)
    if size is not None and size > max_bytes():
        raise ValidationError(
            {
                "file": _("“%(name)s” is %(size)s; attachments may be at most %(limit)s.")
                % {"name": name, "size": filesizeformat(size), "limit": filesizeformat(max_bytes())}
            }
        )
    declared = str(getattr(file, "content_type", "") or "").split(";", 1)[0].strip().lower()
    if any(kind in declared for kind in NEVER_TYPES) or (
        declared not in UNKNOWN_TYPE and declared not in declared_types(extension)
    ):
        raise ValidationError(
            {
                "file": _("“%(name)s” was sent as %(type)s, which is not allowed for .%(extension)s files.")
                % {"name": name, "type": declared, "extension": extension}
            }
        )
    if _first_bytes(file).lstrip().lower().startswith(PAGE_SIGNATURES):
        raise ValidationError(
            {"file": _("“%(name)s” contains HTML or SVG, which cannot be attached.") % {"name": name}}
        )
