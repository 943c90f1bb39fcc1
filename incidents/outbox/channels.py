"""How a target is written and sent: a user or an address by email (Django's backend), `webhook:<URL>`
as a JSON POST with the row's headers (status page subscribers), anything else through Apprise (Slack,
Teams, PagerDuty...).

Webhook URLs are checked when written and again when sent (the name may resolve elsewhere by then):
https only and no private, loopback or link-local address unless the settings allow them (local
development and tests do)."""

from __future__ import annotations

import ipaddress
import logging
import socket
from urllib.parse import urlsplit

from django.conf import settings
from django.contrib.auth.models import User
from django.core.exceptions import ValidationError
from django.core.mail import EmailMessage
from django.core.validators import validate_email
from django.utils.translation import gettext as _

USER_PREFIX = "user:"
EMAIL_PREFIX = "email:"
WEBHOOK_PREFIX = "webhook:"
WEBHOOK_TIMEOUT_SECONDS = 10


class DeliveryError(Exception):
    pass


# Apprise's generic webhooks: their path is whatever the receiver chose, often a secret (hooks/<token>),
# and Apprise's privacy mode shows it.
GENERIC_WEBHOOK_SCHEMES = {"json", "jsons", "xml", "xmls", "form", "forms"}


def redact_apprise_url(url: str) -> str:
    """The URL as Apprise prints it in privacy mode (tokens shortened, passwords starred), without the
    query string; the path of a generic webhook is hidden too. Unknown URLs keep only their scheme."""
    import apprise

    plugin = apprise.Apprise.instantiate(url.strip())
    scheme = url.split("://", 1)[0].strip() if "://" in url else ""
    if plugin is None:
        return f"{scheme or '?'}://…"
    private = str(plugin.url(privacy=True)).split("?", 1)[0]
    if scheme.lower() in GENERIC_WEBHOOK_SCHEMES:
        head, _sep, path = private.partition("://")[2].partition("/")
        return f"{scheme}://{head}/…" if path.strip("/") else private
    return private


def apprise_secrets(url: str) -> list[str]:
    """The parts of an Apprise URL its privacy-mode form does not show: user, password, path segments
    and query values (what a delivery error must not repeat)."""
    from urllib.parse import parse_qsl, unquote, urlsplit

    try:
        parts = urlsplit(url.strip())
        host = parts.netloc.rpartition("@")[2].split(":", 1)[0]  # not .hostname: that lowercases a token
        candidates = [unquote(parts.username or ""), unquote(parts.password or ""), host]
    except ValueError:
        return []
    candidates += [unquote(segment) for segment in parts.path.split("/")]
    candidates += [value for _name, value in parse_qsl(parts.query)]
    shown = redact_apprise_url(url)
    return sorted({c for c in candidates if len(c) >= 4 and c not in shown}, key=len, reverse=True)


def scrub_secrets(text: str, url: str) -> str:
    """`text` (e.g. an error from a delivery to `url`) with the URL's secret parts starred out."""
    if "://" not in url:
        return text
    text = text.replace(url.strip(), redact_apprise_url(url))
    for secret in apprise_secrets(url):
        text = text.replace(secret, "****")
    return text


def validate_apprise_url(url: str) -> None:
    import apprise

    if apprise.Apprise.instantiate(url.strip()) is None:
        raise ValidationError(
            _("“%(url)s” is not a notification URL Apprise understands (e.g. slack://…, mailto://…).") % {"url": url}
        )


def target_key(target: User | str) -> str:
    """`user:<id>` for a user, `email:<address>` for an address, `webhook:<URL>` as given, otherwise a
    validated Apprise URL."""
    if isinstance(target, str):
        text = target.strip()
        if text.startswith(WEBHOOK_PREFIX):
            # Names are resolved when sending: that is the answer that counts.
            validate_webhook_url(text.removeprefix(WEBHOOK_PREFIX), resolve=False)
            return text
        if text.startswith(EMAIL_PREFIX) or ("@" in text and "://" not in text):
            address = text.removeprefix(EMAIL_PREFIX)
            try:
                validate_email(address)
            except ValidationError as error:
                raise ValidationError(_("%(address)s is not an email address.") % {"address": repr(address)}) from error
            return EMAIL_PREFIX + address
        validate_apprise_url(text)
        return text
    if getattr(target, "pk", None) is None:
        raise ValidationError(
            _("Cannot notify %(target)s: give a user, an email address or an Apprise URL.") % {"target": repr(target)}
        )
    return f"{USER_PREFIX}{target.pk}"


def validate_webhook_url(url: str, *, resolve: bool = True) -> None:
    """Refuse what a webhook must not reach: plain http where https is required, and hosts that are (or
    resolve to) private, loopback, link-local or otherwise non-public addresses."""
    parts = urlsplit(url)
    if parts.scheme not in ("https", "http") or not parts.hostname:
        raise ValidationError(_("Give a full URL, e.g. https://example.com/hooks/status."))
    if parts.scheme != "https" and settings.WEBHOOK_HTTPS_ONLY:
        raise ValidationError(_("Webhook URLs must use https."))
    if parts.username or parts.password:
        raise ValidationError(_("Webhook URLs cannot carry a user name or password."))
    if settings.WEBHOOK_ALLOW_PRIVATE_NETWORKS:
        return
    for address in _addresses(parts.hostname, parts.port or (443 if parts.scheme == "https" else 80), resolve):
        if not address.is_global:
            raise ValidationError(_("Webhook URLs cannot point at private, loopback or link-local addresses."))


def _addresses(host: str, port: int, resolve: bool) -> list[ipaddress.IPv4Address | ipaddress.IPv6Address]:
    try:
        return [ipaddress.ip_address(host.strip("[]"))]
    except ValueError:
        pass
    if host.lower() == "localhost" or host.lower().endswith(".localhost"):
        return [ipaddress.ip_address("127.0.0.1")]
    if not resolve:
        return []
    try:
        infos = socket.getaddrinfo(host, port, proto=socket.IPPROTO_TCP)
    except OSError as error:
        raise ValidationError(_("The host %(host)s cannot be resolved.") % {"host": host}) from error
    return [ipaddress.ip_address(str(info[4][0]).split("%", 1)[0]) for info in infos]


def send_webhook(url: str, body: str, headers: dict[str, str]) -> None:
    """POST the JSON body; only a 2xx answer is a delivery (redirects are not followed)."""
    import requests

    try:
        validate_webhook_url(url)
    except ValidationError as error:
        raise DeliveryError(" ".join(error.messages)) from error
    try:
        response = requests.post(
            url,
            data=body.encode(),
            headers={"Content-Type": "application/json", "User-Agent": "Warroom", **headers},
            timeout=WEBHOOK_TIMEOUT_SECONDS,
            allow_redirects=False,
        )
    except requests.RequestException as error:
        raise DeliveryError(f"{type(error).__name__}: {error}") from error
    if not 200 <= response.status_code < 300:
        raise DeliveryError(_("The webhook answered %(status)s.") % {"status": response.status_code})


def send_email(
    address: str,
    subject: str,
    body: str,
    attachments: list[dict[str, str]],
    headers: dict[str, str] | None = None,
) -> None:
    message = EmailMessage(subject, body, settings.DEFAULT_FROM_EMAIL, [address], headers=headers or None)
    for attachment in attachments:
        message.attach(attachment["filename"], attachment["content"], attachment.get("mimetype"))
    message.send(fail_silently=False)


def send_apprise(url: str, subject: str, body: str) -> None:
    import apprise

    sender = apprise.Apprise()
    if not sender.add(url):
        raise DeliveryError(_("Apprise does not understand this URL."))
    with apprise.LogCapture(level=logging.WARNING) as captured:
        ok = sender.notify(title=subject, body=body)
    if not ok:
        text = captured.getvalue().strip() if hasattr(captured, "getvalue") else ""
        raise DeliveryError(scrub_secrets(_last_lines(text), url) or _("Apprise reported a failed delivery."))


def _last_lines(text: str, count: int = 3) -> str:
    lines = [line.split(" - ", 2)[-1] for line in text.splitlines() if line.strip()]
    return " ".join(lines[-count:])
