"""Caching, conditional GETs, CORS, rate limiting, the HTML pages and the feeds of the public status page."""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET

import pytest
import time_machine
from django.core.cache import cache
from django.test import override_settings
from django.utils.http import http_date

from incidents.statuspage import http as public_http
from incidents.statuspage import services as status_services
from incidents.statuspage.http import drop_status_cache
from tests.factories import IncidentFactory

pytestmark = pytest.mark.django_db

ATOM = "{http://www.w3.org/2005/Atom}"
PUBLIC_PATHS = [
    "/status/",
    "/status/history/",
    "/status/history.atom",
    "/status/history.rss",
    "/status/api/v2/summary.json",
    "/status/api/v2/status.json",
    "/status/api/v2/components.json",
    "/status/api/v2/incidents.json",
    "/status/api/v2/incidents/unresolved.json",
    "/status/api/v2/scheduled-maintenances.json",
    "/status/api/v2/scheduled-maintenances/upcoming.json",
    "/status/api/v2/scheduled-maintenances/active.json",
]


@pytest.fixture(autouse=True)
def fresh_cache():
    cache.clear()
    yield
    cache.clear()


@pytest.mark.parametrize("path", PUBLIC_PATHS)
def test_public_pages_are_anonymous_cacheable_and_conditional(client, incident, path):
    response = client.get(path)
    assert response.status_code == 200
    etag, last_modified = response["ETag"], response["Last-Modified"]
    assert etag.startswith('"')
    assert response["Cache-Control"] == "public, max-age=10"
    assert client.get(path, HTTP_IF_NONE_MATCH=etag).status_code == 304
    assert client.get(path, HTTP_IF_MODIFIED_SINCE=last_modified).status_code == 304
    assert client.get(path, HTTP_IF_NONE_MATCH='"stale"').status_code == 200
    cors = response.get("Access-Control-Allow-Origin")
    assert cors == ("*" if path.endswith(".json") else None)


def test_server_cache_serves_until_something_is_published(
    client, incident, commander, django_capture_on_commit_callbacks
):
    url = "/status/api/v2/summary.json"
    first = client.get(url)
    # A change that bypasses the services and signals is not seen while the cache is fresh...
    type(incident).objects.filter(pk=incident.pk).update(title="Renamed quietly")
    assert client.get(url).content == first.content
    # ...but publishing drops the cache at once.
    with django_capture_on_commit_callbacks(execute=True):
        status_services.status_update_publish(incident, status="identified", body="Found the cause.", by=commander)
    fresh = client.get(url)
    assert fresh["ETag"] != first["ETag"]
    assert client.get(url, HTTP_IF_NONE_MATCH=first["ETag"]).status_code == 200
    body = fresh.json()
    assert body["incidents"][0]["incident_updates"][0]["body"] == "Found the cause."
    assert body["incidents"][0]["name"] == "Renamed quietly"


def test_clients_that_accept_gzip_get_the_body_compressed_with_its_own_etag(client, incident):
    """Compressed once per build; the gzipped body is the same document, under a different ETag, and
    caches are told the response varies by Accept-Encoding."""
    import gzip

    for n in range(20):  # enough updates for a body worth compressing
        status_services.status_update_publish(
            incident, status="identified", body=f"Update {n} " * 20, by=incident.commander
        )
    drop_status_cache()
    url = "/status/api/v2/summary.json"
    plain = client.get(url)
    packed = client.get(url, HTTP_ACCEPT_ENCODING="br, gzip;q=0.9, deflate")
    assert "Content-Encoding" not in plain
    assert packed["Content-Encoding"] == "gzip"
    # LocaleMiddleware adds Accept-Language everywhere; the JSON itself is English whatever it says.
    assert plain["Vary"] == packed["Vary"] == "Accept-Encoding, Accept-Language"
    assert gzip.decompress(packed.content) == plain.content
    assert len(packed.content) < len(plain.content) / 4
    assert packed["ETag"] != plain["ETag"]
    again = client.get(url, HTTP_ACCEPT_ENCODING="gzip", HTTP_IF_NONE_MATCH=packed["ETag"])
    assert again.status_code == 304
    assert client.get(url, HTTP_IF_NONE_MATCH=packed["ETag"]).status_code == 200  # the other representation


def test_small_bodies_go_uncompressed(client, incident):
    response = client.get("/status/api/v2/status.json", HTTP_ACCEPT_ENCODING="gzip")
    assert len(response.content) < public_http.GZIP_MIN_BYTES
    assert "Content-Encoding" not in response
    assert "Accept-Encoding" not in response.get("Vary", "")


@override_settings(STATUS_CACHE_SECONDS=0)
def test_cache_can_be_switched_off(client, incident, commander):
    url = "/status/api/v2/summary.json"
    client.get(url)
    type(incident).objects.filter(pk=incident.pk).update(title="Renamed")
    assert client.get(url).json()["incidents"][0]["name"] == "Renamed"
    assert client.get(url)["Cache-Control"] == "public, max-age=0"


def test_last_modified_follows_the_page(client, incident):
    response = client.get("/status/api/v2/status.json")
    updated = response.json()["page"]["updated_at"]
    from datetime import datetime

    assert response["Last-Modified"] == http_date(int(datetime.fromisoformat(updated).timestamp()))


@override_settings(PUBLIC_API_THROTTLE_RATE="3/minute")
@time_machine.travel("2026-03-01 12:00:30Z", tick=False)  # one fixed window, whatever the wall clock
def test_throttle_answers_429_with_retry_after(client, incident):
    url = "/status/api/v2/status.json"
    assert [client.get(url).status_code for _ in range(3)] == [200, 200, 200]
    refused = client.get(url)
    assert refused.status_code == 429
    assert refused["Retry-After"] == "30"
    assert refused["Access-Control-Allow-Origin"] == "*"
    # Another client has its own allowance.
    assert client.get(url, REMOTE_ADDR="10.1.2.3").status_code == 200


@override_settings(PUBLIC_API_THROTTLE_RATE="")
def test_empty_rate_disables_the_throttle(client, incident):
    assert all(client.get("/status/api/v2/status.json").status_code == 200 for _ in range(30))


@override_settings(PUBLIC_API_THROTTLE_RATE="2/minute", PUBLIC_API_TRUSTED_PROXIES=1)
@time_machine.travel("2026-03-01 12:00:30Z", tick=False)
def test_throttle_behind_a_trusted_proxy_counts_the_forwarded_client(client, incident):
    url = "/status/api/v2/status.json"
    for _ in range(2):
        assert client.get(url, HTTP_X_FORWARDED_FOR="198.51.100.7").status_code == 200
    assert client.get(url, HTTP_X_FORWARDED_FOR="198.51.100.7").status_code == 429
    assert client.get(url, HTTP_X_FORWARDED_FOR="198.51.100.8").status_code == 200


def test_parse_rate():
    assert public_http.parse_rate("600/minute") == (600, 60)
    assert public_http.parse_rate("5/s") == (5, 1)
    assert public_http.parse_rate(" ") is None


def test_json_only_answers_reads(client, incident):
    assert client.post("/status/api/v2/summary.json").status_code == 405
    assert client.head("/status/api/v2/summary.json").status_code == 200


def test_status_page_html(client, incident, commander):
    page = client.get("/status/").content.decode()
    assert "Partial System Outage" in page
    assert "Checkout errors" in page
    assert "We are investigating." in page
    assert 'lang="en"' in page
    assert '<meta name="viewport"' in page
    # Works without JavaScript: the scripts only rewrite times into the visitor's zone (with its words from
    # the page language's catalogue), and none is inline.
    assert re.findall(r"<script[^>]*>", page) == [
        '<script src="/status/jsi18n/?lang=en" defer>',
        '<script src="/static/statuspage/local-time.js" defer>',
    ]
    incident_page = client.get(f"/status/incidents/{incident.public_id}")
    assert incident_page.status_code == 200
    assert "We are investigating." in incident_page.content.decode()
    assert client.get("/status/incidents/nope").status_code == 404


def test_private_incident_has_no_public_page(client, commander, severities):
    private = IncidentFactory.create(by=commander, public=False)
    assert client.get(f"/status/incidents/{private.public_id}").status_code == 404


def test_atom_feed_is_valid_atom(client, incident, commander):
    status_services.status_update_publish(incident, status="identified", body="Root cause found.", by=commander)
    cache.clear()
    response = client.get("/status/history.atom")
    assert response["Content-Type"].startswith("application/atom+xml")
    root = ET.fromstring(response.content)  # noqa: S314
    assert root.tag == f"{ATOM}feed"
    for required in ("id", "title", "updated"):
        assert root.find(f"{ATOM}{required}") is not None, required
    assert root.find(f"{ATOM}link[@rel='alternate']") is not None
    entries = root.findall(f"{ATOM}entry")
    assert len(entries) == 1
    entry = entries[0]
    for required in ("id", "title", "updated"):
        assert entry.find(f"{ATOM}{required}") is not None, required
    assert entry.findtext(f"{ATOM}title") == "Checkout errors"
    link = entry.find(f"{ATOM}link")
    assert link is not None
    assert str(link.get("href")).endswith(f"/incidents/{incident.public_id}")
    content = entry.find(f"{ATOM}summary")
    assert content is not None
    assert content.get("type") == "html"
    # updates newest first
    html = content.text or ""
    assert html.index("Root cause found.") < html.index("We are investigating.")


def test_rss_feed(client, incident):
    root = ET.fromstring(client.get("/status/history.rss").content)  # noqa: S314
    assert root.tag == "rss"
    items = root.findall("channel/item")
    assert [item.findtext("title") for item in items] == ["Checkout errors"]


def test_cached_requests_ask_redis_once_per_sync_interval(client, incident, settings):
    """With Redis, cached public responses within STATUS_SYNC_SECONDS make no round trip at all; a due
    sync is one pipelined round trip (counts + version)."""
    from django.core.cache import caches
    from django.core.cache.backends.redis import RedisCache

    from tests.conftest import need_service

    need_service(isinstance(caches["default"], RedisCache), "needs REDIS_URL (the Redis cache)")
    import redis.client

    settings.STATUS_SYNC_SECONDS = 60
    client.get("/status/api/v2/summary.json")  # fills this process's copy and syncs
    calls = []
    original_execute = redis.client.Pipeline.execute
    original_command = redis.client.Redis.execute_command

    def count_pipeline(self, *args, **kwargs):
        calls.append("pipeline")
        return original_execute(self, *args, **kwargs)

    def count_command(self, *args, **kwargs):
        calls.append(args[0])
        return original_command(self, *args, **kwargs)

    redis.client.Pipeline.execute = count_pipeline  # type: ignore[method-assign]
    redis.client.Redis.execute_command = count_command  # type: ignore[method-assign]
    try:
        for _ in range(20):
            assert client.get("/status/api/v2/summary.json").status_code == 200
        within_interval = list(calls)
        settings.STATUS_SYNC_SECONDS = 0
        assert client.get("/status/api/v2/summary.json").status_code == 200
    finally:
        redis.client.Pipeline.execute = original_execute  # type: ignore[method-assign]
        redis.client.Redis.execute_command = original_command  # type: ignore[method-assign]
    assert within_interval == []
    assert calls == ["pipeline"]


def test_processes_count_one_client_together_at_each_sync(settings):
    """Two processes' local counts add up in the shared cache: after a sync each sees the window's total."""
    from incidents.statuspage.shared_reads import SharedReads

    cache.clear()
    cache.set(public_http.VERSION_KEY, 1, None)
    settings.STATUS_SYNC_SECONDS = 60
    first, second = SharedReads(), SharedReads()
    key = "status:throttle:203.0.113.9:1"
    assert [first.read(key, 60)[0] for _ in range(3)] == [1, 2, 3]  # the first request synced (1)
    assert second.read(key, 60)[0] == 2  # its first request syncs: first's 1 + its own
    assert second.read(key, 60)[0] == 3  # local until the next sync
    settings.STATUS_SYNC_SECONDS = 0
    assert first.read(key, 60)[0] == 5  # first's two unsynced and this one join the shared 2
    assert second.read(key, 60)[0] == 7  # second's unsynced one and this one
    assert cache.get(key) == 7


def test_another_process_shows_a_publish_at_its_next_sync(settings):
    """The publishing process uses the new version at once; another one within STATUS_SYNC_SECONDS."""
    from incidents.statuspage.shared_reads import SharedReads, shared

    settings.STATUS_SYNC_SECONDS = 60
    other = SharedReads()
    public_http.drop_status_cache()
    published = cache.get(public_http.VERSION_KEY)
    assert shared.read(None, 0)[1] == published
    assert other.read(None, 0)[1] == published  # its first read syncs
    public_http.drop_status_cache()
    republished = cache.get(public_http.VERSION_KEY)
    assert republished != published
    assert shared.read(None, 0)[1] == republished  # the writer
    assert other.read(None, 0)[1] == published  # not yet: its interval has not passed
    settings.STATUS_SYNC_SECONDS = 0
    assert other.read(None, 0)[1] == republished


def test_quiet_clients_are_forgotten_at_the_second_sync(settings):
    """Local counts stay bounded: a client not seen since the sync before last is dropped (the shared
    cache keeps its total)."""
    from incidents.statuspage.shared_reads import SharedReads

    cache.clear()
    cache.set(public_http.VERSION_KEY, 1, None)
    settings.STATUS_SYNC_SECONDS = 60
    reads = SharedReads()
    reads.read(None, 0)  # the first sync
    for n in range(100):
        reads.read(f"status:throttle:198.51.100.{n}:1", 60)
    assert len(reads) == 100
    settings.STATUS_SYNC_SECONDS = 0
    reads.read("status:throttle:192.0.2.1:1", 60)  # a sync: everyone was active in the interval
    assert len(reads) == 101
    reads.read("status:throttle:192.0.2.1:1", 60)  # a sync: the 100 were quiet since
    assert len(reads) == 1
    assert cache.get("status:throttle:198.51.100.7:1") == 1


def test_one_thread_rebuilds_while_the_others_serve_the_aged_copy():
    """When a cached response ages, concurrent requests do not all rebuild it at once."""
    import threading
    import time

    from django.utils import timezone

    from incidents.statuspage.http import _cached, _local

    builds = []
    started, release = threading.Event(), threading.Event()

    def build():
        builds.append(1)
        if len(builds) == 2:  # the rebuild: hold it until the other requests have been answered
            started.set()
            release.wait(5)
        return b"body %d" % len(builds), "application/json", timezone.now()

    cache.clear()
    _local.clear()
    first = _cached("test:key", build, 1, 10, time.time())
    assert first.body == b"body 1"
    later = time.time() + 11  # aged past STATUS_CACHE_SECONDS
    rebuilt = []
    worker = threading.Thread(target=lambda: rebuilt.append(_cached("test:key", build, 1, 10, later)))
    worker.start()
    assert started.wait(5)
    served = [_cached("test:key", build, 1, 10, later) for _ in range(5)]
    release.set()
    worker.join(5)
    assert [r.body for r in served] == [b"body 1"] * 5  # the aged copy, no extra builds
    assert rebuilt[0].body == b"body 2"
    assert len(builds) == 2
    # After a publish (new version) nobody is given the old copy.
    assert _cached("test:key", build, 2, 10, time.time()).body == b"body 3"


@override_settings(PUBLIC_API_THROTTLE_RATE="")  # one client asks 10,000 times; the limit is not what is tested
@time_machine.travel("2026-03-01 12:00:30Z", tick=False)  # nothing ages however long the loop takes
def test_many_distinct_urls_leave_the_process_memory_bounded(rf):
    """Random incident URLs must not grow the per-process copies or the build locks without end; the
    least recently used entries go, so a page asked for all along stays in memory."""
    from django.utils import timezone

    builds: dict[str, int] = {}

    def builder(key):
        def build():
            builds[key] = builds.get(key, 0) + 1
            return key.encode(), "text/html; charset=utf-8", timezone.now()

        return build

    public_http._local.clear()
    hot = "html:index"
    for n in range(10_000):
        public_id = f"INC-{n:05d}"
        key = f"html:incident:{public_id}"
        response = public_http.serve_public(rf.get(f"/status/incidents/{public_id}"), key, builder(key), cors=False)
        assert response.status_code == 200
        assert response.content == key.encode()
        if n % 50 == 0:
            assert public_http.serve_public(rf.get("/status/"), hot, builder(hot), cors=False).content == b"html:index"
    assert len(public_http._local) <= public_http.LOCAL_CACHE_LIMIT
    assert len(public_http._build_locks) <= public_http.BUILD_LOCK_STRIPES
    assert builds[hot] == 1  # used often enough never to be evicted
    assert len(builds) == 10_001
    # An evicted page is still served, rebuilt or from the shared cache.
    first = "html:incident:INC-00000"
    assert public_http.serve_public(rf.get("/"), first, builder(first), cors=False).content == first.encode()


def test_unknown_incident_urls_leave_no_build_locks_behind(client, incident):
    """A 404 is not cached, and asking for made-up incidents must not leave anything per URL either."""
    import secrets

    locks = len(public_http._build_locks)
    for _ in range(50):
        assert client.get(f"/status/incidents/{secrets.token_hex(6)}").status_code == 404
    assert len(public_http._build_locks) == locks


def test_shared_counter_and_version_agree_with_the_cache():
    """Whatever the backend, a sync sees the version cache.set() wrote, and adds to the same key
    cache.get() and cache.incr() use."""
    from incidents.statuspage.shared_reads import round_trip

    cache.set(public_http.VERSION_KEY, 1234, None)
    key = "status:throttle:203.0.113.9:1"
    assert round_trip({key: (1, 60)}) == ({key: 1}, 1234)
    assert round_trip({key: (2, 60)}) == ({key: 3}, 1234)
    assert cache.get(key) == 3
    assert cache.incr(key) == 4
    assert round_trip({key: (1, 60)}) == ({key: 5}, 1234)
    public_http.drop_status_cache()
    assert round_trip({}) == ({}, cache.get(public_http.VERSION_KEY))


def test_redis_client_is_made_once_from_the_cache_settings():
    from django.core.cache import caches
    from django.core.cache.backends.redis import RedisCache

    from tests.conftest import need_service

    backend = caches["default"]
    need_service(isinstance(backend, RedisCache), "needs REDIS_URL (the Redis cache)")
    from incidents.statuspage.shared_reads import redis_client, round_trip

    client = redis_client()
    assert redis_client() is client  # one pooled client per process
    cache.set("probe", 7)  # same server and database as the cache
    assert client.get(backend.make_and_validate_key("probe")) == b"7"
    key = "status:throttle:203.0.113.9:1"
    round_trip({key: (1, 60)})
    assert 0 < client.ttl(backend.make_and_validate_key(key)) <= 61  # the window expires by itself
