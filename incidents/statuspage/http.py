"""HTTP behaviour of the public status pages: short server-side cache dropped on publish, ETag and
Last-Modified with 304s, Cache-Control, CORS on the JSON, and a per-client rate limit.

A request needs two small things from the shared cache: the client's request count (rate limit) and
the cache version (changed whenever something is published). Each process reads and adds them at most
once per STATUS_SYNC_SECONDS, for every client at once (`shared_reads`); the rendered body then usually
comes from this process's memory, so a status page under load costs little more than a trivial view.

That memory is bounded whatever URLs are asked for: the LOCAL_CACHE_LIMIT most recently used pages are
kept, and rebuilds are serialized by a fixed set of BUILD_LOCK_STRIPES locks rather than one per URL.

The shared cache may fail (Redis down): the page is then served from this process's memory for at most
STATUS_CACHE_SECONDS, or built, without a rate limit; the failure is reported to `incidents.faults`
(counted, a warning now and then, Redis left alone a few seconds). Dropping the cache after a write never
fails the write.
"""

from __future__ import annotations

import gzip
import hashlib
import math
import re
import threading
import time
from collections import OrderedDict
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime

from django.conf import settings
from django.core.cache import cache
from django.db import transaction
from django.http import HttpRequest, HttpResponse
from django.utils import translation
from django.utils.cache import get_conditional_response, patch_vary_headers
from django.utils.http import http_date

from incidents import faults
from incidents.statuspage.hosts import page_base_url
from incidents.statuspage.languages import API_LANGUAGE, cache_part, english
from incidents.statuspage.shared_reads import SHARED_ERRORS, VERSION_KEY, shared

LOCAL_ONLY = -1  # the version of copies built while the shared cache was unavailable
GZIP_MIN_BYTES = 1024  # smaller bodies go as they are (the gzip header would eat the gain)
ACCEPTS_GZIP = re.compile(r"\bgzip\b")  # as django.middleware.gzip reads Accept-Encoding
LOCAL_CACHE_LIMIT = 256  # pages kept in each process; the status page has about a dozen plus its incidents
BUILD_LOCK_STRIPES = 64
RATE_UNITS = {"s": 1, "sec": 1, "second": 1, "m": 60, "min": 60, "minute": 60, "h": 3600, "hour": 3600, "d": 86400}

Builder = Callable[[], tuple[bytes, str, datetime]]


@dataclass(frozen=True)
class Rendered:
    body: bytes
    content_type: str
    last_modified: float  # epoch seconds
    etag: str
    built_at: float = 0.0  # epoch seconds
    gzipped: bytes | None = None  # the body compressed once, for clients that accept gzip (None: too small)


class _LocalCopies:
    """Responses this process has rendered or fetched, with the cache version they belong to: at most
    `limit` of them, the least recently used dropped first (the shared cache may still have it)."""

    def __init__(self, limit: int) -> None:
        self.limit = limit
        self._entries: OrderedDict[str, tuple[int, Rendered]] = OrderedDict()
        self._lock = threading.Lock()  # reordering is not atomic; threads serve the same keys

    def get(self, key: str) -> tuple[int, Rendered] | None:
        with self._lock:
            entry = self._entries.get(key)
            if entry is not None:
                self._entries.move_to_end(key)
            return entry

    def put(self, key: str, entry: tuple[int, Rendered]) -> None:
        with self._lock:
            self._entries[key] = entry
            self._entries.move_to_end(key)
            while len(self._entries) > self.limit:
                self._entries.popitem(last=False)

    def clear(self) -> None:
        with self._lock:
            self._entries.clear()

    def __len__(self) -> int:
        return len(self._entries)


_local = _LocalCopies(LOCAL_CACHE_LIMIT)
# A key's rebuild holds the lock of its stripe: bounded by construction, so made-up URLs cost nothing
# here. Keys sharing a stripe build one after the other. Not reentrant: a builder must not itself serve
# a public response.
_build_locks: tuple[threading.Lock, ...] = tuple(threading.Lock() for _ in range(BUILD_LOCK_STRIPES))


def drop_status_cache() -> None:
    """Forget every cached public response: a new version makes the old entries unreachable.
    The version is an integer so that Redis stores it as plain digits, readable in a pipeline.
    Runs after the write committed: an unavailable cache is reported, never raised (other processes then
    serve what they have for at most STATUS_CACHE_SECONDS)."""
    version = time.time_ns()
    try:
        cache.set(VERSION_KEY, version, None)
    except SHARED_ERRORS as error:
        faults.failed(faults.CACHE, error)
        _local.clear()  # this process, at least, shows the change at once
        return
    shared.version_written(version)  # this process at once; the others at their next sync


def drop_status_cache_on_commit() -> None:
    transaction.on_commit(drop_status_cache)


def cache_seconds() -> int:
    return int(settings.STATUS_CACHE_SECONDS)


# Rate limit: a fixed window per client address, counted in the shared cache.
def parse_rate(rate: str) -> tuple[int, int] | None:
    """'600/minute' -> (600, 60); empty -> None (no limit)."""
    rate = (rate or "").strip()
    if not rate:
        return None
    count, _, unit = rate.partition("/")
    return int(count), RATE_UNITS[unit.strip().lower()]


def client_address(request: HttpRequest) -> str:
    """The client's address; behind N trusted proxies (`PUBLIC_API_TRUSTED_PROXIES`), the Nth address
    from the right of X-Forwarded-For."""
    proxies = int(getattr(settings, "PUBLIC_API_TRUSTED_PROXIES", 0) or 0)
    forwarded = request.META.get("HTTP_X_FORWARDED_FOR", "")
    if proxies and forwarded:
        hops = [hop.strip() for hop in forwarded.split(",") if hop.strip()]
        if hops:
            return hops[-min(proxies, len(hops))]
    return request.META.get("REMOTE_ADDR", "") or "unknown"


def serve_public(
    request: HttpRequest, key: str, build: Builder, *, cors: bool, localized: bool = False
) -> HttpResponse:
    """Rate-limit, then answer from the cache (or build), with the conditional-GET headers.

    `localized`: the page is in the reader's language (`statuspage.languages.page_language` chose it):
    the language is part of the cache key and the ETag, and the response varies on Accept-Language.
    Otherwise it is built in English whatever the reader asks (the v2 JSON, the badge)."""
    # The same page differs by where it is served: its links are relative to the URLconf and name the host.
    key = f"{getattr(request, 'urlconf', None) or 'main'}|{page_base_url()}|{request.get_host()}|{key}"
    if not localized:
        with english():
            return _serve(request, key, build, cors=cors)
    response = _serve(request, f"{key}|{cache_part(request)}", build, cors=cors)
    patch_vary_headers(response, ("Accept-Language",))
    response.headers["Content-Language"] = translation.get_language() or ""
    return response


def _serve(request: HttpRequest, key: str, build: Builder, *, cors: bool) -> HttpResponse:
    limit = parse_rate(settings.PUBLIC_API_THROTTLE_RATE)
    now = time.time()
    throttle_key, period, allowed = None, 0, 0
    if limit is not None:
        allowed, period = limit
        window = int(now // period)
        throttle_key = f"status:throttle:{client_address(request)}:{window}"
    seconds = cache_seconds()
    if seconds <= 0 and throttle_key is None:
        return public_response(request, _rendered(*build()), cors=cors)
    if not faults.available(faults.CACHE):  # it failed a moment ago: do without it for now
        return _without_shared_cache(request, key, build, seconds, now, cors=cors)
    try:
        count, version = shared.read(throttle_key, period)
    except SHARED_ERRORS as error:
        faults.failed(faults.CACHE, error)
        return _without_shared_cache(request, key, build, seconds, now, cors=cors)
    if count is not None and count > allowed:
        retry_after = max(1, math.ceil((int(now // period) + 1) * period - now))
        return too_many_requests(retry_after, cors=cors)
    if seconds <= 0:
        return public_response(request, _rendered(*build()), cors=cors)
    if version is None:
        version = time.time_ns()
        try:
            cache.set(VERSION_KEY, version, None)
        except SHARED_ERRORS as error:
            faults.failed(faults.CACHE, error)
            return _without_shared_cache(request, key, build, seconds, now, cors=cors)
        shared.version_written(version)
    return public_response(request, _cached(key, build, version, seconds, now), cors=cors)


def _without_shared_cache(
    request: HttpRequest, key: str, build: Builder, seconds: int, now: float, *, cors: bool
) -> HttpResponse:
    """No rate limit, and this process's copy (at most STATUS_CACHE_SECONDS old) or a fresh build."""
    if seconds <= 0:
        return public_response(request, _rendered(*build()), cors=cors)
    return public_response(request, _cached(key, build, LOCAL_ONLY, seconds, now), cors=cors)


def _cached(key: str, build: Builder, version: int, seconds: int, now: float) -> Rendered:
    """From this process's memory, else the shared cache, else built and shared; each only while it
    belongs to the current version and is younger than STATUS_CACHE_SECONDS.

    One thread per process rebuilds a key; while it does, the others answer with the copy they have
    when it merely aged (same version), and wait for the new one after a publish (new version). The same
    holds while the key's stripe is busy with another key."""
    local = _local.get(key)
    if local is not None and local[0] == version and now - local[1].built_at < seconds:
        return local[1]
    lock = _build_locks[hash(key) % BUILD_LOCK_STRIPES]
    if not lock.acquire(blocking=False):
        if local is not None and local[0] == version:
            return local[1]
        lock.acquire()
    try:
        local = _local.get(key)
        if local is not None and local[0] == version and now - local[1].built_at < seconds:
            return local[1]  # built by the thread we waited for
        full_key = f"status:{version}:{key}"
        rendered = _shared_get(full_key) if version != LOCAL_ONLY else None
        if rendered is None or now - rendered.built_at >= seconds:
            rendered = _rendered(*build())
            if version != LOCAL_ONLY:
                _shared_set(full_key, rendered, seconds)
        _local.put(key, (version, rendered))
        return rendered
    finally:
        lock.release()


def _shared_get(full_key: str) -> Rendered | None:
    try:
        return cache.get(full_key)
    except SHARED_ERRORS as error:
        faults.failed(faults.CACHE, error)
        return None


def _shared_set(full_key: str, rendered: Rendered, seconds: int) -> None:
    try:
        cache.set(full_key, rendered, seconds)
    except SHARED_ERRORS as error:
        faults.failed(faults.CACHE, error)


def _rendered(body: bytes, content_type: str, last_modified: datetime) -> Rendered:
    # Other languages than English are part of the ETag too, though their texts differ already: a
    # revalidation never matches another language's copy. (English keeps the plain hash: the JSON's
    # ETags are those its clients already hold.)
    language = translation.get_language() or API_LANGUAGE
    tag = b"" if language == API_LANGUAGE else language.encode() + b"|"
    etag = '"' + hashlib.blake2b(tag + body, digest_size=12).hexdigest() + '"'
    # Compressed once per build rather than per response: summary.json is tens of kilobytes.
    gzipped = gzip.compress(body, compresslevel=6, mtime=0) if len(body) >= GZIP_MIN_BYTES else None
    return Rendered(
        body=body,
        content_type=content_type,
        last_modified=last_modified.timestamp(),
        etag=etag,
        built_at=time.time(),
        gzipped=gzipped,
    )


def public_response(request: HttpRequest, rendered: Rendered, *, cors: bool) -> HttpResponse:
    """200 with the body (gzipped for clients that accept it), or 304 when the client's ETag or date is
    current. The gzipped representation has an ETag of its own, as HTTP requires of a different body."""
    last_modified = math.floor(rendered.last_modified)
    compressed = rendered.gzipped is not None and ACCEPTS_GZIP.search(request.META.get("HTTP_ACCEPT_ENCODING", ""))
    etag = rendered.etag[:-1] + '-gzip"' if compressed else rendered.etag
    response = get_conditional_response(request, etag=etag, last_modified=last_modified)
    if response is None:
        body = rendered.gzipped if compressed and rendered.gzipped is not None else rendered.body
        response = HttpResponse(body, content_type=rendered.content_type)
        if compressed:
            response["Content-Encoding"] = "gzip"
    response["ETag"] = etag
    response["Last-Modified"] = http_date(last_modified)
    response["Cache-Control"] = f"public, max-age={cache_seconds()}"
    if rendered.gzipped is not None:
        patch_vary_headers(response, ("Accept-Encoding",))
    if cors:
        response["Access-Control-Allow-Origin"] = "*"
    return response


def too_many_requests(retry_after: int, *, cors: bool) -> HttpResponse:
    response = HttpResponse(
        b'{"error": "Too many requests; retry later."}', status=429, content_type="application/json"
    )
    response["Retry-After"] = str(retry_after)
    if cors:
        response["Access-Control-Allow-Origin"] = "*"
    return response
