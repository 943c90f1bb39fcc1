"""Status page subscribers: email with double opt-in, webhooks in Statuspage's shape signed with HMAC,
the component filter, one-click unsubscribe, failing webhooks disabled, and the refusals."""

from __future__ import annotations

import hashlib
import hmac
import json
import re
import socket
from datetime import timedelta

import pytest
import time_machine
from django.core import mail
from django.core.cache import cache
from django.utils import timezone

from incidents.outbox.models import Notification, NotificationStatus
from incidents.statuspage import services as status_services
from incidents.statuspage import subscribers
from incidents.statuspage.models import Subscriber, SubscriberKind, SubscriberState
from incidents.statuspage.tasks import tell_status_update
from tests.factories import ComponentFactory, IncidentFactory
from tests.receiver import running_receiver
from tests.test_redis_down import broker_gone, redis_cache_gone  # noqa: F401  (fixtures)

pytestmark = pytest.mark.django_db

LINK = re.compile(r"http://127\.0\.0\.1:8000/status/subscribe/(confirm|manage|unsubscribe)/([^/\s]+)/")


@pytest.fixture(autouse=True)
def fresh_cache():
    cache.clear()
    yield
    cache.clear()


@pytest.fixture
def api(severities):
    return ComponentFactory.create(name="API")


@pytest.fixture
def database(severities):
    return ComponentFactory.create(name="Database")


def links(message) -> dict[str, str]:
    return {purpose: f"/status/subscribe/{purpose}/{token}/" for purpose, token in LINK.findall(message.body)}


def subscribe(client, email: str, components=()):
    with_components = {"components": [str(c.pk) for c in components]} if components else {}
    return client.post("/status/subscribe/", {"kind": "email", "email": email, **with_components})


def active_subscriber(email: str, components=()) -> Subscriber:
    subscriber = Subscriber.objects.create(
        kind=SubscriberKind.EMAIL, email=email, state=SubscriberState.ACTIVE, confirmed_at=timezone.now()
    )
    subscriber.components.set(components)
    return subscriber


def publish(incident, by, body="We are investigating.", **kwargs):
    return status_services.status_update_publish(incident, status="investigating", body=body, by=by, **kwargs)


def test_double_opt_in(client, api, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        response = subscribe(client, "Ada@Example.com", [api])
    assert response.status_code == 200
    assert b"Check your inbox" in response.content
    assert response["Cache-Control"] == "no-store"
    subscriber = Subscriber.objects.get()
    assert (subscriber.email, subscriber.state) == ("ada@example.com", SubscriberState.UNCONFIRMED)
    assert list(subscriber.components.all()) == [api]
    (message,) = mail.outbox
    assert message.to == ["ada@example.com"]
    confirm = links(message)["confirm"]

    assert client.get(confirm).status_code == 200  # a mail scanner opening the link confirms nothing
    assert Subscriber.objects.get().state == SubscriberState.UNCONFIRMED
    response = client.post(confirm)
    assert b"Subscribed" in response.content
    assert Subscriber.objects.get().state == SubscriberState.ACTIVE


def test_the_answer_never_tells_whether_an_address_is_subscribed(client, api, django_capture_on_commit_callbacks):
    active_subscriber("known@example.com")
    with django_capture_on_commit_callbacks(execute=True):
        known = subscribe(client, "known@example.com")
        unknown = subscribe(client, "unknown@example.com")
    strip = re.compile(rb'name="csrfmiddlewaretoken" value="[^"]*"')
    assert strip.sub(b"", known.content) == strip.sub(b"", unknown.content)
    assert known.status_code == unknown.status_code == 200
    # Each address is told by mail what applies to it: a manage link, or a confirmation.
    by_address = {m.to[0]: m for m in mail.outbox}
    assert "manage" in links(by_address["known@example.com"])
    assert "confirm" in links(by_address["unknown@example.com"])


def test_a_confirmation_at_most_once_an_hour(client, api, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        for _ in range(3):
            subscribe(client, "ada@example.com")
    assert len(mail.outbox) == 1
    with time_machine.travel(timezone.now() + timedelta(minutes=61)), django_capture_on_commit_callbacks(execute=True):
        subscribe(client, "ada@example.com")
    assert len(mail.outbox) == 2


def test_an_expired_or_tampered_link_changes_nothing(client, api, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        subscribe(client, "ada@example.com")
    confirm = links(mail.outbox[0])["confirm"]
    with time_machine.travel(timezone.now() + timedelta(hours=49)):
        response = client.post(confirm)
    assert response.status_code == 400
    assert b"expired" in response.content
    tampered = confirm.replace(confirm[-8:-1], "AAAAAAA")
    for bad in (tampered, "/status/subscribe/confirm/nonsense/", "/status/subscribe/unsubscribe/x%00y/"):
        response = client.post(bad)
        assert response.status_code in (400, 404), bad
    # A manage link is not a confirmation link.
    subscriber = Subscriber.objects.get()
    assert client.post(f"/status/subscribe/confirm/{subscribers.make_token(subscriber, 'manage')}/").status_code == 400
    assert Subscriber.objects.get().state == SubscriberState.UNCONFIRMED


@pytest.mark.parametrize(
    ("data", "field_text"),
    [
        ({"kind": "email", "email": "not an address"}, b"Enter a valid email address."),
        ({"kind": "email", "email": "a@example.com", "components": ["999999"]}, b"Unknown component."),
        ({"kind": "email", "email": "a@example.com", "components": ["x"]}, b"Unknown component."),
        ({"kind": "webhook", "endpoint": "ftp://example.com/x"}, b"Give a full URL"),
    ],
)
def test_bad_subscriptions_are_refused_with_the_reason(client, api, data, field_text):
    response = client.post("/status/subscribe/", data)
    assert response.status_code == 400
    assert field_text in response.content
    assert not Subscriber.objects.exists()


def test_subscribe_floods_are_limited_per_client(client, api, settings):
    settings.SUBSCRIBE_THROTTLE_RATE = "2/hour"
    assert subscribe(client, "a@example.com").status_code == 200
    assert subscribe(client, "b@example.com").status_code == 200
    response = subscribe(client, "c@example.com")
    assert response.status_code == 429
    assert not Subscriber.objects.filter(email="c@example.com").exists()


def test_subscribers_of_other_components_are_not_told(commander, api, database, django_capture_on_commit_callbacks):
    everything = active_subscriber("all@example.com")
    of_api = active_subscriber("api@example.com", [api])
    active_subscriber("db@example.com", [database])
    Subscriber.objects.create(kind=SubscriberKind.EMAIL, email="pending@example.com")  # never confirmed
    incident = IncidentFactory.create(by=commander, level="P2", public=True, components=[api], title="API errors")
    assert subscribers.audience_size(incident) == 2
    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        publish(incident, commander)
    told = sorted(m.to[0] for m in mail.outbox)
    assert told == ["all@example.com", "api@example.com"]
    message = next(m for m in mail.outbox if m.to == ["api@example.com"])
    assert message.subject == "[Warroom] API errors: Investigating"
    assert "We are investigating." in message.body
    assert message.extra_headers["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    unsubscribe_url = message.extra_headers["List-Unsubscribe"].strip("<>")
    assert unsubscribe_url.startswith("http://127.0.0.1:8000/status/subscribe/unsubscribe/")
    assert {n.about for n in Notification.objects.all()} == {everything, of_api}


def test_one_message_per_subscriber_per_update(commander, api, django_capture_on_commit_callbacks):
    active_subscriber("api@example.com", [api])
    incident = IncidentFactory.create(by=commander, level="P2", public=True, components=[api])
    with django_capture_on_commit_callbacks(execute=True):
        update = publish(incident, commander)
    assert tell_status_update(update.pk) == 1  # the task run again (a retry) writes nothing new
    assert Notification.objects.count() == 1


def test_the_commander_may_tell_nobody_and_private_incidents_tell_nobody(
    commander, api, django_capture_on_commit_callbacks
):
    active_subscriber("api@example.com")
    public = IncidentFactory.create(by=commander, level="P2", public=True, components=[api])
    private = IncidentFactory.create(by=commander, level="P2", public=False, components=[api])
    with django_capture_on_commit_callbacks(execute=True):
        quiet = publish(public, commander, deliver_notifications=False)
        publish(private, commander)
    assert quiet.deliver_notifications is False
    assert subscribers.audience_size(private) == 0
    assert not Notification.objects.exists()


def test_one_click_unsubscribe_by_the_mail_header(client, commander, api, django_capture_on_commit_callbacks):
    active_subscriber("api@example.com")
    incident = IncidentFactory.create(by=commander, level="P2", public=True, components=[api])
    with django_capture_on_commit_callbacks(execute=True):
        publish(incident, commander)
    url = mail.outbox[-1].extra_headers["List-Unsubscribe"].strip("<>").removeprefix("http://127.0.0.1:8000")
    client.handler.enforce_csrf_checks = True  # mail clients send no CSRF token
    response = client.post(url, "List-Unsubscribe=One-Click", content_type="application/x-www-form-urlencoded")
    assert response.status_code == 200
    assert not Subscriber.objects.exists()
    assert client.post(url).status_code == 400  # used once: the subscription is gone


def test_manage_components_and_unsubscribe_by_link(client, api, database):
    subscriber = active_subscriber("ada@example.com", [api])
    manage = f"/status/subscribe/manage/{subscribers.make_token(subscriber, 'manage')}/"
    page = client.get(manage)
    assert page.status_code == 200
    assert f'value="{api.pk}" id="component-{api.pk}" checked'.encode() in page.content
    response = client.post(manage, {"action": "save", "components": [str(database.pk)]})
    assert b"Saved." in response.content
    assert list(Subscriber.objects.get().components.all()) == [database]
    client.post(manage, {"action": "unsubscribe"})
    assert not Subscriber.objects.exists()


def webhook_subscription(client, url: str) -> tuple[Subscriber, str]:
    response = client.post("/status/subscribe/", {"kind": "webhook", "endpoint": url})
    assert response.status_code == 200, response.content
    found = re.search(rb'<code class="secret">([^<]+)</code>', response.content)
    assert found is not None
    secret = found.group(1).decode()
    return Subscriber.objects.get(endpoint=url), secret


def test_webhook_payloads_in_statuspage_shape_signed_with_hmac(
    client, commander, api, django_capture_on_commit_callbacks
):
    with running_receiver() as receiver:
        subscriber, secret = webhook_subscription(client, receiver.http_url("hook"))
        incident = IncidentFactory.create(by=commander, level="P1", public=True, components=[api], title="API down")
        with django_capture_on_commit_callbacks(execute=True):
            publish(incident, commander, body="Looking into it.")
        assert Notification.objects.get(about_id=subscriber.pk).status == NotificationStatus.SENT
        ((_, headers, raw),) = [r for r in receiver.requests if r[0] == "hook" and b'"incident"' in r[2]]
    payload = json.loads(raw)
    assert set(payload) == {"meta", "page", "incident"}
    assert set(payload["meta"]) == {"unsubscribe", "documentation"}
    assert payload["page"] == {
        "id": payload["page"]["id"],
        "status_indicator": "critical",
        "status_description": "Major Service Outage",
    }
    incident_json = payload["incident"]
    assert incident_json["name"] == "API down"
    assert incident_json["backfilled"] is False
    assert incident_json["incident_updates"][0]["body"] == "Looking into it."
    for field in ("id", "status", "impact", "created_at", "updated_at", "resolved_at", "shortlink"):
        assert field in incident_json
    signed = re.fullmatch(r"t=(\d+),v1=([0-9a-f]{64})", headers["X-Warroom-Signature"])
    assert signed is not None
    timestamp, digest = signed.groups()
    expected = hmac.new(secret.encode(), f"{timestamp}.".encode() + raw, hashlib.sha256).hexdigest()
    assert hmac.compare_digest(digest, expected)


def test_webhooks_are_told_when_a_component_changes(client, commander, api, django_capture_on_commit_callbacks):
    from incidents.statuspage.tasks import record_public_statuses

    with running_receiver() as receiver:
        webhook_subscription(client, receiver.http_url("hook"))
        record_public_statuses()  # the first record of a component is no change
        incident = IncidentFactory.create(by=commander, level="P2", public=True, components=[api])
        publish(incident, commander, deliver_notifications=False)
        with django_capture_on_commit_callbacks(execute=True):
            assert record_public_statuses() == 1  # API: operational -> partial outage (the P2's impact)
        events = [body for body in receiver.delivered("hook") if "component_update" in body]
    (event,) = events
    assert event["component_update"]["old_status"] == "operational"
    assert event["component_update"]["new_status"] == "partial_outage"
    assert event["component"] == {
        "created_at": event["component"]["created_at"],
        "id": api.public_id,
        "name": "API",
        "status": "partial_outage",
    }


def test_a_webhook_failing_for_days_in_a_row_is_disabled(
    client, commander, api, settings, django_capture_on_commit_callbacks
):
    settings.NOTIFY_MAX_ATTEMPTS = 1
    settings.SUBSCRIBER_WEBHOOK_DISABLE_DAYS = 3
    with running_receiver() as receiver:
        receiver.script["broken"] = [500]
        subscriber, _ = webhook_subscription(client, receiver.http_url("broken"))
        incident = IncidentFactory.create(by=commander, level="P2", public=True, components=[api])
        start = timezone.now()
        with time_machine.travel(start), django_capture_on_commit_callbacks(execute=True):
            publish(incident, commander, body="First.")
        subscriber.refresh_from_db()
        assert subscriber.failing_since is not None
        assert subscriber.state == SubscriberState.ACTIVE
        with (
            time_machine.travel(start + timedelta(days=3, minutes=1)),
            django_capture_on_commit_callbacks(execute=True),
        ):
            publish(incident, commander, body="Second.")
        subscriber.refresh_from_db()
        assert subscriber.state == SubscriberState.DISABLED
        assert "500" in subscriber.state_reason
        with django_capture_on_commit_callbacks(execute=True):
            publish(incident, commander, body="Third.")
    assert Notification.objects.filter(about_id=subscriber.pk).count() == 2  # a disabled webhook is not told


@pytest.mark.parametrize(
    "url",
    [
        "https://127.0.0.1/hook",
        "https://10.1.2.3/hook",
        "https://172.16.0.5/hook",
        "https://192.168.1.1/hook",
        "https://169.254.169.254/latest/meta-data",
        "https://[::1]/hook",
        "https://localhost/hook",
        "https://internal.example.test/hook",  # resolves to a private address
        "http://example.com/hook",  # https only
    ],
)
def test_webhooks_to_private_networks_are_refused(client, api, settings, monkeypatch, url):
    settings.WEBHOOK_ALLOW_PRIVATE_NETWORKS = False
    settings.WEBHOOK_HTTPS_ONLY = True
    real = socket.getaddrinfo

    def resolve(host, *args, **kwargs):
        if host == "internal.example.test":
            return [(socket.AF_INET, socket.SOCK_STREAM, 6, "", ("10.0.0.7", 443))]
        return real(host, *args, **kwargs)

    monkeypatch.setattr(socket, "getaddrinfo", resolve)
    response = client.post("/status/subscribe/", {"kind": "webhook", "endpoint": url})
    assert response.status_code == 400
    assert not Subscriber.objects.exists()


def test_a_host_that_resolves_privately_by_delivery_time_is_not_called(
    commander, api, settings, monkeypatch, django_capture_on_commit_callbacks
):
    settings.NOTIFY_MAX_ATTEMPTS = 1
    subscriber = Subscriber.objects.create(
        kind=SubscriberKind.WEBHOOK, endpoint="https://hooks.example.test/x", state=SubscriberState.ACTIVE
    )
    settings.WEBHOOK_ALLOW_PRIVATE_NETWORKS = False
    monkeypatch.setattr(
        socket, "getaddrinfo", lambda *a, **k: [(socket.AF_INET, socket.SOCK_STREAM, 6, "", ("127.0.0.1", 443))]
    )
    incident = IncidentFactory.create(by=commander, level="P2", public=True, components=[api])
    with django_capture_on_commit_callbacks(execute=True):
        publish(incident, commander)
    notification = Notification.objects.get(about_id=subscriber.pk)
    assert notification.status == NotificationStatus.FAILED
    assert "private" in notification.last_error


@pytest.mark.usefixtures("broker_gone")
def test_publishing_answers_201_when_the_broker_is_down(
    commander_api, commander, api, django_capture_on_commit_callbacks
):
    from incidents import faults

    active_subscriber("api@example.com")
    incident = IncidentFactory.create(by=commander, level="P2", public=True, components=[api])
    with django_capture_on_commit_callbacks(execute=True):
        response = commander_api.post(
            f"/api/incidents/{incident.reference}/status-updates/", {"status": "identified", "body": "Found it."}
        )
    assert response.status_code == 201, response.content
    assert faults.counts()[faults.BROKER] >= 1


def test_subscribers_of_an_update_whose_fanout_was_lost_are_told_by_the_sweep(
    commander, api, django_capture_on_commit_callbacks
):
    """The fan-out task queued on commit never ran (broker down, worker died): beat's sweep queues it
    again once the grace has passed, and only once it is done does it stop."""
    from incidents.statuspage.tasks import tell_untold_updates

    active_subscriber("ada@example.com")
    incident = IncidentFactory.create(by=commander, level="P2", public=True, components=[api])
    with time_machine.travel("2026-03-01 12:00:00Z", tick=False):
        with django_capture_on_commit_callbacks(execute=False):  # the queued fan-out is lost
            update = publish(incident, commander)
        assert not Notification.objects.filter(about_id__isnull=False, target="email:ada@example.com").exists()
        assert tell_untold_updates() == 0  # within the grace the normal fan-out may still come
    with time_machine.travel("2026-03-01 12:03:00Z", tick=False):
        assert tell_untold_updates() == 1
        assert Notification.objects.filter(target="email:ada@example.com").count() == 1
        update.refresh_from_db()
        assert update.subscribers_told_at is not None
        assert tell_untold_updates() == 0


def test_the_sweep_leaves_old_private_and_silent_updates_alone(commander, api):
    from incidents.statuspage.tasks import tell_untold_updates

    active_subscriber("ada@example.com")
    public = IncidentFactory.create(by=commander, level="P2", public=True, components=[api])
    private = IncidentFactory.create(by=commander, level="P2", public=False, components=[api])
    with time_machine.travel("2026-03-01 12:00:00Z", tick=False):
        publish(public, commander, deliver_notifications=False)
        publish(private, commander)
    with time_machine.travel("2026-03-01 12:05:00Z", tick=False):
        assert tell_untold_updates() == 0
    with time_machine.travel("2026-03-02 12:00:00Z", tick=False):
        publish(public, commander)
    with time_machine.travel("2026-03-03 12:01:00Z", tick=False):  # a day and a minute later: too late
        assert tell_untold_updates() == 0
    assert not Notification.objects.filter(target="email:ada@example.com").exists()


def test_addresses_that_never_confirm_are_forgotten_once_their_link_expires(
    client, api, settings, django_capture_on_commit_callbacks
):
    from incidents.statuspage.tasks import purge_unconfirmed_subscribers

    settings.SUBSCRIBER_CONFIRM_HOURS = 48
    confirmed = active_subscriber("kept@example.com", [api])
    with time_machine.travel("2026-03-01 12:00:00Z", tick=False), django_capture_on_commit_callbacks(execute=True):
        subscribe(client, "late@example.com", [api])
        subscribe(client, "never@example.com")
    # "late" asks again a day later: a new link.
    with time_machine.travel("2026-03-02 13:00:00Z", tick=False), django_capture_on_commit_callbacks(execute=True):
        subscribe(client, "late@example.com", [api])
    with time_machine.travel("2026-03-03 11:59:00Z", tick=False):
        assert purge_unconfirmed_subscribers() == 0  # every link still valid
    with time_machine.travel("2026-03-03 12:01:00Z", tick=False):
        assert purge_unconfirmed_subscribers() == 1
    assert sorted(Subscriber.objects.values_list("email", flat=True)) == ["kept@example.com", "late@example.com"]
    with time_machine.travel("2026-03-04 13:01:00Z", tick=False):
        assert purge_unconfirmed_subscribers() == 1
    assert list(Subscriber.objects.all()) == [confirmed]


def test_a_component_change_whose_event_was_lost_is_sent_by_the_sweep(commander, api):
    """The change was recorded but its webhook task never ran: beat's sweep rebuilds the event from the
    history (old status from the record before) and sends it once."""
    from incidents.statuspage import uptime
    from incidents.statuspage.models import ComponentStatusChange
    from incidents.statuspage.tasks import tell_untold_updates

    hook = Subscriber.objects.create(
        kind=SubscriberKind.WEBHOOK, endpoint="https://hooks.example.com/status", state=SubscriberState.ACTIVE
    )
    with time_machine.travel("2026-03-01 12:00:00Z", tick=False):
        uptime.public_statuses_record()  # the first record: no change, nobody to tell
        incident = IncidentFactory.create(by=commander, level="P2", public=True, components=[api])
        publish(incident, commander, deliver_notifications=False)
    with time_machine.travel("2026-03-01 12:01:00Z", tick=False):
        (lost,) = uptime.public_statuses_record()  # recorded; the task that would tell is lost
        assert tell_untold_updates() == 0  # within the grace
    with time_machine.travel("2026-03-01 12:04:00Z", tick=False):
        assert tell_untold_updates() == 1
        assert tell_untold_updates() == 0
    (notification,) = Notification.objects.filter(about_id=hook.pk)
    event = json.loads(notification.body)
    assert event["component_update"]["old_status"] == "operational"
    assert event["component_update"]["new_status"] == "partial_outage"
    assert event["component_update"]["id"] == lost["id"]
    assert not ComponentStatusChange.objects.filter(subscribers_told_at__isnull=True).exists()
