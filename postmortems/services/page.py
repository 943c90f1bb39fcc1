"""The post-mortem change page as one user action: content, reviewers, the timeline kept, the 5 whys,
attachments and action items written by one service, in one transaction (refused whole or applied whole)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from django.core.files.uploadedfile import UploadedFile
from django.db import transaction

from incidents.models import Incident
from incidents.timeline import Actor
from postmortems.models import ActionItem, ActionStatus, Attachment, PostMortem
from postmortems.services.action_items import action_item_create, action_item_update
from postmortems.services.postmortem import (
    attachment_add,
    attachment_remove,
    attachment_replace,
    postmortem_choose_timeline,
    postmortem_create,
    postmortem_set_whys,
    postmortem_update,
)


@dataclass(frozen=True)
class ActionItemEdit:
    """A new action item (`item` None) or the changed fields of an existing one, with its status."""

    item: ActionItem | None
    fields: dict[str, Any] = field(default_factory=dict)
    status: str | None = None


@dataclass(frozen=True)
class AttachmentUpload:
    file: UploadedFile
    kind: str
    caption: str = ""


@dataclass
class PostMortemPage:
    """What the change page submitted; None or empty means "not changed"."""

    content: dict[str, Any] = field(default_factory=dict)
    reviewers: Sequence[Any] | None = None
    keep_timeline: Sequence[int] | None = None
    whys: Sequence[tuple[str, str]] | None = None
    attachments_added: Sequence[AttachmentUpload] = ()
    attachments_removed: Sequence[Attachment] = ()
    attachments_replaced: Sequence[tuple[Attachment, UploadedFile]] = ()
    action_items: Sequence[ActionItemEdit] = ()


@transaction.atomic
def postmortem_save_page(
    postmortem: PostMortem | None, *, page: PostMortemPage, by: Actor, incident: Incident | None = None
) -> PostMortem:
    """Create (for `incident`) or edit a post-mortem with everything its page changed."""
    if postmortem is None:
        if incident is None:
            raise ValueError("A new post-mortem needs its incident.")
        postmortem = postmortem_create(incident=incident, reviewers=page.reviewers, by=by, **page.content)
    else:
        postmortem = postmortem_update(postmortem, reviewers=page.reviewers, by=by, **page.content)
    if page.keep_timeline is not None:
        postmortem_choose_timeline(postmortem, keep=page.keep_timeline, by=by)
    if page.whys is not None:
        postmortem_set_whys(postmortem, whys=page.whys, by=by)
    for upload in page.attachments_added:
        attachment_add(postmortem, file=upload.file, kind=upload.kind, caption=upload.caption, by=by)
    for attachment, file in page.attachments_replaced:
        attachment_replace(attachment, file=file, by=by)
    for attachment in page.attachments_removed:
        attachment_remove(attachment, by=by)
    for edit in page.action_items:
        if edit.item is None:
            action_item_create(postmortem=postmortem, status=edit.status or ActionStatus.OPEN, by=by, **edit.fields)
        else:
            action_item_update(edit.item, status=edit.status, by=by, **edit.fields)
    return postmortem
