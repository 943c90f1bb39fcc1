"""Status page subscribers, writes: subscribe (email with double opt-in, or a webhook), confirm, choose
components, unsubscribe, quarantine, and who is told of what (`audience`). Telling them is `fanout`.

Nothing here tells a visitor whether an address is subscribed: every email subscription request gets the
same answer, and the message (a confirmation, or a link to manage an existing subscription) goes to the
address itself, at most once an hour.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime, timedelta

from django.conf import settings
from django.core import signing
from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.db import transaction
from django.db.models import Count, Q, QuerySet
from django.utils import timezone
from django.utils.translation import gettext, ngettext
from django.utils.translation import gettext_lazy as _

from incidents.languages import in_language, supported_language
from incidents.models import Component, Incident
from incidents.outbox.channels import validate_webhook_url
from incidents.outbox.services import enqueue
from incidents.statuspage.hosts import page_base_url
from incidents.statuspage.models import (
    Subscriber,
    SubscriberKind,
    SubscriberState,
)

LINK_SALT = "warroom.statuspage.subscriber"
LINK_RESEND_INTERVAL = timedelta(hours=1)  # a confirmation (or manage link) at most once an hour per address
MAX_COMPONENTS = 500


class InvalidLink(Exception):
    """A confirmation, manage or unsubscribe link that is tampered with, expired or no longer valid."""


# Links: signed, naming the subscriber's key (a new key revokes them) and what they are for.


def make_token(subscriber: Subscriber, purpose: str) -> str:
    return signing.dumps([subscriber.key, purpose], salt=LINK_SALT, compress=True)


def subscriber_for_token(token: str, purpose: str, *, max_age: timedelta | None = None) -> Subscriber:
    try:
        key, signed_purpose = signing.loads(token, salt=LINK_SALT, max_age=max_age)
    except signing.SignatureExpired as error:
        raise InvalidLink(_("This link has expired.")) from error
    except (signing.BadSignature, ValueError, TypeError) as error:
        raise InvalidLink(_("This link is not valid.")) from error
    if signed_purpose != purpose:
        raise InvalidLink(_("This link is not valid."))
    subscriber = Subscriber.objects.filter(key=key).first()
    if subscriber is None:
        raise InvalidLink(_("This subscription no longer exists."))
    return subscriber


def link(subscriber: Subscriber, purpose: str) -> str:
    """An absolute link on the status page (its own host, or /status/ on the main host); in the
    subscriber's language when it has one (`?lang=`), so the page it opens speaks as its emails do."""
    url = f"{page_base_url()}/subscribe/{purpose}/{make_token(subscriber, purpose)}/"
    return f"{url}?lang={subscriber.language}" if subscriber.language else url


def confirm_max_age() -> timedelta:
    return timedelta(hours=float(settings.SUBSCRIBER_CONFIRM_HOURS))


# Subscribing.


def _components(component_ids: Iterable[int | str]) -> list[Component]:
    ids = list(dict.fromkeys(component_ids))
    if len(ids) > MAX_COMPONENTS:
        raise ValidationError({"components": _("Choose at most %(count)d components.") % {"count": MAX_COMPONENTS}})
    try:
        wanted = {int(pk) for pk in ids}
    except (TypeError, ValueError) as error:
        raise ValidationError({"components": _("Unknown component.")}) from error
    found = list(Component.objects.filter(pk__in=wanted))
    if len(found) != len(wanted):
        raise ValidationError({"components": _("Unknown component.")})
    return found


@transaction.atomic
def subscribe_email(email: str, component_ids: Iterable[int | str] = (), *, language: str | None = None) -> None:
    """Ask to subscribe an address. The answer is the same whatever the address's state; what happens is
    told to the address: a confirmation link (new or unconfirmed), or a link to manage the subscription
    (already active). Bounced (quarantined) addresses get nothing.

    `language`: the status page's language at sign-up (empty: the site's); the subscriber's emails are
    in it. A new or unconfirmed address takes it; a confirmed one keeps its own."""
    address = (email or "").strip().lower()
    try:
        validate_email(address)
    except ValidationError as error:
        raise ValidationError({"email": _("Enter a valid email address.")}) from error
    components = _components(component_ids)
    now = timezone.now()
    subscriber = Subscriber.objects.select_for_update().filter(kind=SubscriberKind.EMAIL, email=address).first()
    chosen_language = subscriber_language(language)
    if subscriber is None:
        subscriber = Subscriber.objects.create(
            kind=SubscriberKind.EMAIL, email=address, created_at=now, language=chosen_language
        )
        subscriber.components.set(components)
    elif subscriber.state == SubscriberState.UNCONFIRMED:
        subscriber.components.set(components)
        if subscriber.language != chosen_language:
            subscriber.language = chosen_language
            subscriber.save(update_fields=["language"])
    if subscriber.state not in (SubscriberState.UNCONFIRMED, SubscriberState.ACTIVE):
        return
    if subscriber.confirmation_sent_at and now - subscriber.confirmation_sent_at < LINK_RESEND_INTERVAL:
        return
    Subscriber.objects.filter(pk=subscriber.pk).update(confirmation_sent_at=now)
    with in_language(subscriber.language):
        subject, body = _sign_up_message(subscriber)
    enqueue(target=f"email:{address}", subject=subject, body=body, about=subscriber)


def subscriber_language(language: str | None) -> str:
    """What `Subscriber.language` stores: a language Warroom speaks, or empty for the site's."""
    if not language:
        return ""
    supported = supported_language(language)
    return supported if supported in dict(settings.LANGUAGES) else ""


def _sign_up_message(subscriber: Subscriber) -> tuple[str, str]:
    """(subject, body) of the confirmation, or of the manage link for an address already subscribed."""
    name = settings.STATUS_PAGE_NAME
    if subscriber.state == SubscriberState.UNCONFIRMED:
        hours = int(float(settings.SUBSCRIBER_CONFIRM_HOURS))
        subject = gettext("Confirm your subscription to %(name)s status") % {"name": name}
        body = (
            gettext("Someone, hopefully you, asked to be told by email of incidents on the %(name)s status page.")
            % {"name": name}
            + "\n\n"
            + ngettext(
                "Confirm within %(hours)d hour: %(link)s",
                "Confirm within %(hours)d hours: %(link)s",
                hours,
            )
            % {"hours": hours, "link": link(subscriber, "confirm")}
            + "\n\n"
            + gettext("If it was not you, ignore this message: nothing will be sent without confirmation.")
            + "\n"
        )
        return subject, body
    subject = gettext("Your subscription to %(name)s status") % {"name": name}
    body = (
        gettext("This address is already subscribed to the %(name)s status page.") % {"name": name}
        + "\n\n"
        + gettext("Manage it (components, or unsubscribe): %(link)s") % {"link": link(subscriber, "manage")}
        + "\n"
    )
    return subject, body


@transaction.atomic
def subscribe_webhook(url: str, component_ids: Iterable[int | str] = ()) -> Subscriber:
    """Subscribe a webhook URL (active at once; the signing secret is shown to the subscriber once)."""
    endpoint = (url or "").strip()
    if len(endpoint) > 1000:
        raise ValidationError({"endpoint": _("The URL is too long.")})
    try:
        validate_webhook_url(endpoint)
    except ValidationError as error:
        raise ValidationError({"endpoint": error.messages}) from error
    components = _components(component_ids)
    if Subscriber.objects.filter(kind=SubscriberKind.WEBHOOK, endpoint=endpoint).exists():
        raise ValidationError(
            {"endpoint": _("This URL is already subscribed; its payloads carry a link to manage or remove it.")}
        )
    subscriber = Subscriber.objects.create(
        kind=SubscriberKind.WEBHOOK, endpoint=endpoint, state=SubscriberState.ACTIVE, confirmed_at=timezone.now()
    )
    subscriber.components.set(components)
    return subscriber


@transaction.atomic
def subscription_confirm(token: str) -> Subscriber:
    subscriber = subscriber_for_token(token, "confirm", max_age=confirm_max_age())
    subscriber = Subscriber.objects.select_for_update().get(pk=subscriber.pk)
    if subscriber.state == SubscriberState.UNCONFIRMED:
        subscriber.state = SubscriberState.ACTIVE
        subscriber.confirmed_at = timezone.now()
        subscriber.save(update_fields=["state", "confirmed_at"])
    return subscriber


@transaction.atomic
def subscription_components_set(token: str, component_ids: Iterable[int | str]) -> Subscriber:
    subscriber = subscriber_for_token(token, "manage")
    subscriber.components.set(_components(component_ids))
    return subscriber


@transaction.atomic
def unsubscribe(token: str) -> None:
    """Remove the subscription (by its unsubscribe or manage link). The row goes: nothing is kept."""
    try:
        subscriber = subscriber_for_token(token, "unsubscribe")
    except InvalidLink:
        subscriber = subscriber_for_token(token, "manage")
    Subscriber.objects.filter(pk=subscriber.pk).delete()


@transaction.atomic
def subscribers_quarantine(subscribers: Iterable[Subscriber], *, reason: str = "Bounced") -> int:
    """Stop mailing addresses that bounced (marked by hand in the admin)."""
    return Subscriber.objects.filter(pk__in=[s.pk for s in subscribers]).update(
        state=SubscriberState.QUARANTINED, state_reason=reason[:300]
    )


@transaction.atomic
def subscribers_reactivate(subscribers: Iterable[Subscriber]) -> int:
    """Bring disabled or quarantined subscribers back (confirmed ones only)."""
    return (
        Subscriber.objects.filter(pk__in=[s.pk for s in subscribers], confirmed_at__isnull=False)
        .exclude(state=SubscriberState.UNCONFIRMED)
        .update(state=SubscriberState.ACTIVE, state_reason="", failing_since=None)
    )


@transaction.atomic
def subscriber_components_set(
    subscriber: Subscriber, components: Iterable[Component], *, language: str | None = None
) -> Subscriber:
    """The admin's edit of a subscriber: which components it is told of, and (when given) the language
    of its emails (empty: the site's)."""
    subscriber = Subscriber.objects.select_for_update().get(pk=subscriber.pk)
    subscriber.components.set(list(components))
    if language is not None and subscriber.language != subscriber_language(language):
        subscriber.language = subscriber_language(language)
        subscriber.save(update_fields=["language"])
    return subscriber


@transaction.atomic
def subscribers_delete(subscribers: Iterable[Subscriber]) -> int:
    deleted, _ = Subscriber.objects.filter(pk__in=[s.pk for s in subscribers]).delete()
    return deleted


# Who is told.


def unconfirmed_purge(now: datetime | None = None) -> int:
    """Forget addresses that never confirmed once their last confirmation link has expired: nobody asked
    for their mail, so it is not kept (they may subscribe again). Returns how many were removed."""
    expired_before = (now or timezone.now()) - confirm_max_age()
    stale = Subscriber.objects.filter(state=SubscriberState.UNCONFIRMED).filter(
        Q(confirmation_sent_at__lt=expired_before) | Q(confirmation_sent_at__isnull=True, created_at__lt=expired_before)
    )
    _rows, per_model = stale.delete()  # the total counts their component links too
    return per_model.get(Subscriber._meta.label, 0)


def counts_per_component() -> list[tuple[str, int]]:
    """Active subscribers per component, with those subscribed to everything first. Two queries."""
    active = Subscriber.objects.filter(state=SubscriberState.ACTIVE)
    counts = [(gettext("All components"), active.filter(components__isnull=True).count())]
    rows = Component.objects.annotate(
        told=Count("subscribers", filter=Q(subscribers__state=SubscriberState.ACTIVE))
    ).order_by("group", "position", "name")
    return counts + [(component.name, component.told) for component in rows]  # type: ignore[attr-defined]


def audience(component_ids: Iterable[int]) -> QuerySet[Subscriber]:
    """Active subscribers of any of these components, or of all components."""
    ids = list(component_ids)
    return (
        Subscriber.objects.filter(state=SubscriberState.ACTIVE)
        .filter(Q(components__isnull=True) | Q(components__in=ids))
        .distinct()
    )


def audience_size(incident: Incident) -> int:
    """How many subscribers an update of this incident would reach (shown before publishing)."""
    if not incident.public:
        return 0
    return audience(incident.components.values_list("pk", flat=True)).count()
