"""Post-mortem writes: the answers to the incident hooks (see receivers.py), content, timeline, 5 whys,
attachments, review states."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import Any

from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import UploadedFile
from django.db import transaction
from django.db.models.fields.files import FieldFile
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop

from incidents.languages import in_site_language
from incidents.models import Incident, TimelineKind
from incidents.timeline import Actor, acting_user
from postmortems import timers
from postmortems.attachments import validate_attachment
from postmortems.models import (
    Attachment,
    AttachmentKind,
    FiveWhy,
    PostMortem,
    PostMortemStatus,
    PostMortemTimelineEntry,
)
from postmortems.services.common import lock_postmortem, log_to_incident, refuse_unknown

# Incident log entries left out of a new post-mortem's timeline by default (the author can keep them).
TIMELINE_KINDS_DROPPED_BY_DEFAULT = (TimelineKind.TIMER, TimelineKind.EDIT, TimelineKind.POSTMORTEM)

# Content an author edits; state, dates and derived figures have their own functions.
EDITABLE_FIELDS = (
    "summary",
    "what_happened",
    "detection",
    "users_affected_pct",
    "features_affected",
    "data_impact",
    "went_well",
    "could_be_better",
    "learned",
    "author",
)


# Prefilled into a new draft's data impact (stored text, so in the site's language).
DATA_IMPACT_PLACEHOLDER = gettext_noop("Data loss or corruption: to be described.")


def _site_text(text: str) -> str:
    with in_site_language():
        return _(text)


# Answers to the incident hooks


def on_incident_resolved(incident: Incident, *, by: Actor) -> None:
    """Called in the transaction that resolves an incident: prefilled draft and its due timer."""
    severity = incident.severity
    existing = PostMortem.objects.filter(incident=incident).first()
    if existing is None and not severity.requires_postmortem:
        return
    postmortem = existing or postmortem_create(incident=incident, by=by)
    if existing is not None:
        postmortem_refresh_timeline(postmortem)  # reopened and resolved again: bring the new entries in
    if postmortem.is_published or severity.postmortem_due_after is None or incident.resolved_at is None:
        return
    postmortem.due_at = incident.resolved_at + severity.postmortem_due_after
    postmortem.save(update_fields=["due_at", "updated_at"])
    timers.plan_postmortem_due(postmortem)


def check_incident_can_close(incident: Incident) -> None:
    """Raise ValidationError when the incident may not be closed yet."""
    if not incident.severity.requires_postmortem:
        return
    postmortem = PostMortem.objects.filter(incident=incident).only("status").first()
    if postmortem is None:
        message = _("%(reference)s is %(severity)s: closing it requires a published post-mortem, and it has none yet.")
    elif not postmortem.is_published:
        message = _(
            "%(reference)s is %(severity)s: closing it requires a published post-mortem, and its post-mortem "
            "is %(status)s."
        )
    else:
        return
    values = {"reference": incident.reference, "severity": incident.severity.level}
    if postmortem is not None:
        values["status"] = postmortem.get_status_display().lower()
    raise ValidationError({"status": message % values})


# Post-mortem


@transaction.atomic
def postmortem_create(
    *, incident: Incident, by: Actor, reviewers: Iterable[Any] | None = None, **content: Any
) -> PostMortem:
    """A draft prefilled from the incident: impact, features and the incident log as its timeline.

    `content` (EDITABLE_FIELDS) and `reviewers` given by the author replace the prefilled values; a refusal
    of any of them refuses the whole creation.
    """
    refuse_unknown(content, EDITABLE_FIELDS)
    if PostMortem.objects.filter(incident=incident).exists():
        raise ValidationError(
            {"incident": _("%(reference)s already has a post-mortem.") % {"reference": incident.reference}}
        )
    components = ", ".join(incident.components.order_by("name").values_list("name", flat=True))
    postmortem = PostMortem.objects.create(
        incident=incident,
        author=incident.commander or acting_user(by),
        summary=incident.summary,
        users_affected_pct=incident.users_affected_pct,
        features_affected="\n".join(name.strip() for name in components.split(",") if name.strip()),
        data_impact=_site_text(DATA_IMPACT_PLACEHOLDER) if incident.data_impact else "",
    )
    _copy_timeline(postmortem)
    if content or reviewers is not None:
        _write_content(postmortem, changes=content, reviewers=reviewers)
    log_to_incident(incident, lambda: _("Post-mortem draft created"), by=by, postmortem=postmortem.pk)
    return postmortem


def _copy_timeline(postmortem: PostMortem) -> int:
    copied = set(
        PostMortemTimelineEntry.objects.filter(postmortem=postmortem, source__isnull=False).values_list(
            "source_id", flat=True
        )
    )
    rows = [
        PostMortemTimelineEntry(
            postmortem=postmortem,
            source=entry,
            at=entry.at,
            text=entry.text,
            included=entry.kind not in TIMELINE_KINDS_DROPPED_BY_DEFAULT,
        )
        for entry in postmortem.incident.timeline.order_by("at", "id")
        if entry.pk not in copied
    ]
    PostMortemTimelineEntry.objects.bulk_create(rows)
    return len(rows)


@transaction.atomic
def postmortem_refresh_timeline(postmortem: PostMortem) -> int:
    """Copy incident log entries written since the draft was made; returns how many."""
    return _copy_timeline(lock_postmortem(postmortem))


def _refuse_if_published(postmortem: PostMortem) -> None:
    if postmortem.is_published:
        raise ValidationError(
            _("The post-mortem of %(reference)s is published; it is final.")
            % {"reference": postmortem.incident.reference}
        )


def _write_content(postmortem: PostMortem, *, changes: dict[str, Any], reviewers: Iterable[Any] | None) -> None:
    """Validate every change first (errors of all fields together), then write; `postmortem` is locked."""
    errors: dict[str, list[str]] = {}
    chosen = None if reviewers is None else list(reviewers)
    if chosen is not None and any(not user.is_active for user in chosen):
        errors["reviewers"] = [_("Reviewers must be active users.")]
    changed = [name for name, value in changes.items() if getattr(postmortem, name) != value]
    for name in changed:
        setattr(postmortem, name, changes[name])
    if changed:
        try:
            postmortem.full_clean(exclude=["incident"])
        except ValidationError as invalid:
            errors.update(invalid.message_dict)
    if errors:
        raise ValidationError(errors)
    if changed:
        postmortem.save(update_fields=[*changed, "updated_at"])
    if chosen is not None:
        postmortem.reviewers.set(chosen)


@transaction.atomic
def postmortem_update(
    postmortem: PostMortem, *, by: Actor, reviewers: Iterable[Any] | None = None, **changes: Any
) -> PostMortem:
    """Edit the content (EDITABLE_FIELDS) and, when given, the reviewers: all of it or, refused, none."""
    refuse_unknown(changes, EDITABLE_FIELDS)
    postmortem = lock_postmortem(postmortem)
    _refuse_if_published(postmortem)
    _write_content(postmortem, changes=changes, reviewers=reviewers)
    return postmortem


@transaction.atomic
def postmortem_set_reviewers(postmortem: PostMortem, *, reviewers: Iterable[Any], by: Actor) -> PostMortem:
    postmortem = lock_postmortem(postmortem)
    _refuse_if_published(postmortem)
    _write_content(postmortem, changes={}, reviewers=reviewers)
    return postmortem


@transaction.atomic
def postmortem_choose_timeline(postmortem: PostMortem, *, keep: Iterable[int], by: Actor) -> int:
    """Keep exactly the given post-mortem timeline entries (by id); returns how many are kept."""
    postmortem = lock_postmortem(postmortem)
    _refuse_if_published(postmortem)
    keep_ids = set(keep)
    entries = PostMortemTimelineEntry.objects.filter(postmortem=postmortem)
    unknown = keep_ids - set(entries.values_list("pk", flat=True))
    if unknown:
        raise ValidationError({"timeline": _("These entries are not in this post-mortem's timeline.")})
    entries.filter(pk__in=keep_ids).update(included=True)
    entries.exclude(pk__in=keep_ids).update(included=False)
    return len(keep_ids)


@transaction.atomic
def postmortem_set_whys(postmortem: PostMortem, *, whys: Sequence[tuple[str, str]], by: Actor) -> list[FiveWhy]:
    """Replace the 5 whys with the given (question, answer) rows, in order."""
    postmortem = lock_postmortem(postmortem)
    _refuse_if_published(postmortem)
    rows = [(question.strip(), answer.strip()) for question, answer in whys if question.strip() or answer.strip()]
    if any(not question for question, _ in rows):
        raise ValidationError({"whys": _("Each why needs its question.")})
    FiveWhy.objects.filter(postmortem=postmortem).delete()
    return FiveWhy.objects.bulk_create(
        FiveWhy(postmortem=postmortem, position=n, question=q, answer=a) for n, (q, a) in enumerate(rows, start=1)
    )


@transaction.atomic
def attachment_add(
    postmortem: PostMortem, *, file: UploadedFile, by: Actor, kind: str = AttachmentKind.LOGS, caption: str = ""
) -> Attachment:
    postmortem = lock_postmortem(postmortem)
    _refuse_if_published(postmortem)
    if kind not in AttachmentKind.values:
        raise ValidationError({"kind": _("Unknown attachment kind %(kind)r.") % {"kind": kind}})
    if not file:
        raise ValidationError({"file": _("Choose a file to attach.")})
    validate_attachment(file)
    return Attachment.objects.create(
        postmortem=postmortem, file=file, kind=kind, caption=caption, uploaded_by=acting_user(by)
    )


@transaction.atomic
def attachment_replace(attachment: Attachment, *, file: UploadedFile, by: Actor) -> Attachment:
    """Put another file in an attachment's place; the old file leaves storage once this commits."""
    _refuse_if_published(lock_postmortem(attachment.postmortem))
    if not file:
        raise ValidationError({"file": _("Choose a file, or tick “Delete” to remove the attachment.")})
    validate_attachment(file)
    attachment = Attachment.objects.select_for_update().get(pk=attachment.pk)
    old = attachment.file
    attachment.file = file
    attachment.uploaded_by = acting_user(by)
    attachment.uploaded_at = timezone.now()
    attachment.save(update_fields=["file", "uploaded_by", "uploaded_at"])
    discard_file_on_commit(old)
    return attachment


@transaction.atomic
def attachment_remove(attachment: Attachment, *, by: Actor) -> None:
    """Remove an attachment from a post-mortem that is not yet published (a published one is the record).
    Its file leaves storage once this commits (see `attachment_deleted`)."""
    _refuse_if_published(lock_postmortem(attachment.postmortem))
    attachment.delete()


def discard_file_on_commit(file: FieldFile) -> None:
    """Delete a stored file after the transaction commits (a rollback keeps it, and the row with it)."""
    name, storage = file.name, file.storage
    if name:
        transaction.on_commit(lambda: storage.delete(name))


def attachment_deleted(sender: Any, instance: Attachment, **kwargs: Any) -> None:
    """post_delete of every Attachment row, also those deleted with their post-mortem or incident."""
    discard_file_on_commit(instance.file)


def _missing_for_review(postmortem: PostMortem) -> dict[str, str]:
    missing: dict[str, str] = {}
    if not postmortem.summary.strip():
        missing["summary"] = _("Write the summary first.")
    if not postmortem.what_happened.strip():
        missing["what_happened"] = _("Describe what happened first.")
    return missing


@transaction.atomic
def postmortem_submit(postmortem: PostMortem, *, by: Actor) -> PostMortem:
    """Draft → in review."""
    postmortem = lock_postmortem(postmortem)
    if postmortem.status != PostMortemStatus.DRAFT:
        raise ValidationError(
            {
                "status": _("The post-mortem is %(status)s; only a draft can be submitted.")
                % {"status": postmortem.get_status_display().lower()}
            }
        )
    missing = _missing_for_review(postmortem)
    if missing:
        raise ValidationError(missing)
    postmortem.status = PostMortemStatus.IN_REVIEW
    postmortem.submitted_at = timezone.now()
    postmortem.save(update_fields=["status", "submitted_at", "updated_at"])
    log_to_incident(postmortem.incident, lambda: _("Post-mortem submitted for review"), by=by, postmortem=postmortem.pk)
    return postmortem


@transaction.atomic
def postmortem_return_to_draft(postmortem: PostMortem, *, by: Actor, reason: str = "") -> PostMortem:
    postmortem = lock_postmortem(postmortem)
    if postmortem.status != PostMortemStatus.IN_REVIEW:
        raise ValidationError({"status": _("Only a post-mortem in review can go back to draft.")})
    postmortem.status = PostMortemStatus.DRAFT
    postmortem.save(update_fields=["status", "updated_at"])
    log_to_incident(
        postmortem.incident,
        lambda: (
            _("Post-mortem sent back to draft: %(reason)s") % {"reason": reason}
            if reason
            else _("Post-mortem sent back to draft")
        ),
        by=by,
        postmortem=postmortem.pk,
    )
    return postmortem


@transaction.atomic
def postmortem_publish(postmortem: PostMortem, *, by: Actor) -> PostMortem:
    """In review → published: final, stops the due reminders, allows closing the incident."""
    postmortem = lock_postmortem(postmortem)
    if postmortem.status != PostMortemStatus.IN_REVIEW:
        raise ValidationError(
            {
                "status": _("The post-mortem is %(status)s; submit it for review first.")
                % {"status": postmortem.get_status_display().lower()}
            }
        )
    missing = _missing_for_review(postmortem)
    if not postmortem.timeline.filter(included=True).exists():
        missing["timeline"] = _("Keep at least one timeline entry.")
    if missing:
        raise ValidationError(missing)
    postmortem.status = PostMortemStatus.PUBLISHED
    postmortem.published_at = timezone.now()
    postmortem.published_by = acting_user(by)
    postmortem.save(update_fields=["status", "published_at", "published_by", "updated_at"])
    timers.cancel_postmortem_due(postmortem)
    log_to_incident(postmortem.incident, lambda: _("Post-mortem published"), by=by, postmortem=postmortem.pk)
    return postmortem
