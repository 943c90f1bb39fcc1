"""HTTP behaviour of the public status pages: short server-side cache dropped on publish, ETag and
Last-Modified with 304s, Cache-Control, CORS on the JSON, and a per-client rate limit."""

from __future__ import annotations

import hashlib
import math
import secrets
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime

from django.conf import settings
from django.core.cache import cache
from django.core.cache.backends.redis import RedisCache
from django.db import transaction
from django.http import HttpRequest, HttpResponse
from django.utils.cache import get_conditional_response
from django.utils.http import http_date

VERSION_KEY = "status:version"
RATE_UNITS = {"s": 1, "sec": 1, "second": 1, "m": 60, "min": 60, "minute": 60, "h": 3600, "hour": 3600, "d": 86400}


@dataclass(frozen=True)
class Rendered:
    body: bytes
    content_type: str
    last_modified: float  # epoch seconds
    etag: str


def drop_status_cache() -> None:
    """Forget every cached public response (a new version makes old keys unreachable)."""
    cache.set(VERSION_KEY, secrets.token_hex(4), None)


def drop_status_cache_on_commit() -> None:
    transaction.on_commit(drop_status_cache)


def cache_seconds() -> int:
    return int(settings.STATUS_CACHE_SECONDS)


def render_cached(key: str, build: Callable[[], tuple[bytes, str, datetime]]) -> Rendered:
    """The response for `key`, from the cache when fresh, else built and cached."""
    seconds = cache_seconds()
    if seconds <= 0:
        return _rendered(*build())
    version = cache.get(VERSION_KEY)
    if version is None:
        version = secrets.token_hex(4)
        cache.add(VERSION_KEY, version, None)
        version = cache.get(VERSION_KEY, version)
    full_key = f"status:{version}:{key}"
    rendered = cache.get(full_key)
    if rendered is None:
        rendered = _rendered(*build())
        cache.set(full_key, rendered, seconds)
    return rendered


def _rendered(body: bytes, content_type: str, last_modified: datetime) -> Rendered:
    etag = '"' + hashlib.blake2b(body, digest_size=12).hexdigest() + '"'
    return Rendered(body=body, content_type=content_type, last_modified=last_modified.timestamp(), etag=etag)


def public_response(request: HttpRequest, rendered: Rendered, *, cors: bool) -> HttpResponse:
    """200 with the body, or 304 when the client's ETag or date is current."""
    last_modified = math.floor(rendered.last_modified)
    response = get_conditional_response(request, etag=rendered.etag, last_modified=last_modified)
    if response is None:
        response = HttpResponse(rendered.body, content_type=rendered.content_type)
    response["ETag"] = rendered.etag
    response["Last-Modified"] = http_date(last_modified)
    response["Cache-Control"] = f"public, max-age={cache_seconds()}"
    if cors:
        response["Access-Control-Allow-Origin"] = "*"
    return response


# Rate limit: a fixed window per client address, counted in the cache (shared by all web processes).
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


def _count(key: str, period: int) -> int:
    if isinstance(cache, RedisCache):
        # One round trip: INCR and EXPIRE in a pipeline (Django's incr() costs two).
        redis_key = cache.make_and_validate_key(key)
        client = cache._cache.get_client(redis_key, write=True)
        pipe = client.pipeline()
        pipe.incr(redis_key)
        pipe.expire(redis_key, period + 1)
        count, _ = pipe.execute()
        return int(count)
    if cache.add(key, 1, period + 1):
        return 1
    try:
        return int(cache.incr(key))
    except ValueError:  # expired between add and incr
        cache.add(key, 1, period + 1)
        return 1


def throttle_retry_after(request: HttpRequest, now: float | None = None) -> int | None:
    """None when the request may proceed, else the seconds until the client's window reopens."""
    limit = parse_rate(settings.PUBLIC_API_THROTTLE_RATE)
    if limit is None:
        return None
    allowed, period = limit
    now = time.time() if now is None else now
    window = int(now // period)
    count = _count(f"status:throttle:{client_address(request)}:{window}", period)
    if count <= allowed:
        return None
    return max(1, math.ceil((window + 1) * period - now))


def too_many_requests(retry_after: int, *, cors: bool) -> HttpResponse:
    response = HttpResponse(
        b'{"error": "Too many requests; retry later."}', status=429, content_type="application/json"
    )
    response["Retry-After"] = str(retry_after)
    if cors:
        response["Access-Control-Allow-Origin"] = "*"
    return response
