"""What every public status request needs from the shared cache: the cache version (changed whenever
something is published) and the client's request count (rate limit).

Asking Redis on every request costs a round trip that weighs as much as the rest of a cached response.
So each process asks at most once per STATUS_SYNC_SECONDS: between two syncs it counts requests
locally and keeps the version it last read; a sync adds the local counts to the shared ones (INCRBY)
and reads the version back, for every client at once, in one pipelined round trip.

What that costs, and why it is acceptable for a status page:
- another process shows a publish at most STATUS_SYNC_SECONDS late (the publishing process at once);
- a client can exceed its limit by what the other processes serve it within one sync interval.
Set STATUS_SYNC_SECONDS to 0 for a round trip on every request (exact counts, no delay).
"""

from __future__ import annotations

import math
import re
import threading
import time
from dataclasses import dataclass
from typing import Any

import redis
from django.conf import settings
from django.core.cache import cache, caches
from django.core.cache.backends.redis import RedisCache
from django.utils.module_loading import import_string

VERSION_KEY = "status:version"
SHARED_ERRORS = (redis.RedisError, OSError)  # what an unreachable or failing Redis raises
# Clients counted locally between syncs; more than this forces a sync early, which forgets the idle ones.
MAX_TRACKED_CLIENTS = 10_000

_redis_client: tuple[tuple[Any, Any], redis.Redis] | None = None  # (the settings it was made from, client)
_redis_lock = threading.Lock()


def redis_client() -> redis.Redis:
    """One client per process (thread-safe, pooled) for the default cache; Django's cache builds a new
    one per call. Made again only if the cache settings change (tests override them)."""
    global _redis_client
    config = settings.CACHES["default"]
    wanted = (config["LOCATION"], config.get("OPTIONS", {}))
    current = _redis_client
    if current is None or current[0] != wanted:
        with _redis_lock:
            current = _redis_client
            if current is None or current[0] != wanted:
                current = _redis_client = (wanted, _connect(*wanted))
    return current[1]


def _connect(location: str | list[str], options: dict[str, Any]) -> redis.Redis:
    """Connect as Django's RedisCache connects for writes (INCRBY is one): to the first server of
    LOCATION, with the connection OPTIONS it documents."""
    servers = re.split("[;,]", location) if isinstance(location, str) else location
    options = dict(options)
    # The serializer is the cache's own; its default stores integers as plain digits, so the version
    # set with cache.set() is read here and the counts added here are what cache.get() returns.
    options.pop("serializer", None)
    pool_class = options.pop("pool_class", None) or redis.ConnectionPool
    if isinstance(pool_class, str):
        pool_class = import_string(pool_class)
    if isinstance(options.get("parser_class"), str):
        options["parser_class"] = import_string(options["parser_class"])
    return redis.Redis(connection_pool=pool_class.from_url(servers[0], **options))


def round_trip(additions: dict[str, tuple[int, int]]) -> tuple[dict[str, int], int | None]:
    """Add each count to its shared key ({key: (count, window seconds)}) and read the version: the new
    shared totals and the version (None if unset), in one round trip on Redis."""
    backend = caches["default"]  # `cache` is a proxy; the backend tells whether Redis is behind it
    totals: dict[str, int] = {}
    if isinstance(backend, RedisCache):
        pipe = redis_client().pipeline(transaction=False)
        for key, (count, period) in additions.items():
            redis_key = backend.make_and_validate_key(key)
            pipe.incrby(redis_key, count)
            pipe.expire(redis_key, period + 1)
        pipe.get(backend.make_and_validate_key(VERSION_KEY))
        replies = pipe.execute()
        for index, key in enumerate(additions):
            totals[key] = int(replies[2 * index])
        try:
            version = int(replies[-1]) if replies[-1] is not None else None
        except ValueError:  # not a version this code wrote: start a new one
            version = None
        return totals, version
    for key, (count, period) in additions.items():
        if cache.add(key, count, period + 1):
            totals[key] = count
            continue
        try:
            totals[key] = int(cache.incr(key, count))
        except ValueError:  # expired between add and incr
            cache.add(key, count, period + 1)
            totals[key] = count
    return totals, cache.get(VERSION_KEY)


@dataclass
class _Count:
    period: int
    shared: int = 0  # the window's total over every process, as of the last sync
    unsynced: int = 0  # counted by this process since then
    active: bool = True  # counted since the sync before last


class SharedReads:
    """One per process: the local counts and the version last read, synced as the module says."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._version: int | None = None
        self._synced_at = -math.inf  # time.monotonic() of the last sync
        self._syncing = False
        self._counts: dict[str, _Count] = {}

    def read(self, throttle_key: str | None, period: int) -> tuple[int | None, int | None]:
        """Count one request of this client (if limited); (its count in the window or None, the version).
        Raises SHARED_ERRORS when a due sync fails; nothing counted is lost then."""
        with self._lock:
            count = self._count(throttle_key, period)
            now = time.monotonic()
            due = (
                self._version is None
                or now - self._synced_at >= float(settings.STATUS_SYNC_SECONDS)
                or len(self._counts) > MAX_TRACKED_CLIENTS
            )
            if not due or (self._syncing and self._version is not None):
                return count, self._version  # another thread is syncing: what we have is recent enough
            # Only one thread at a time hands the local counts over; a second one, at start-up, only reads.
            owner = not self._syncing
            additions: dict[str, tuple[int, int]] = {}
            if owner:
                additions = {
                    key: (entry.unsynced, entry.period) for key, entry in self._counts.items() if entry.unsynced
                }
                self._syncing, self._synced_at = True, now
        try:
            totals, version = round_trip(additions)
        except SHARED_ERRORS:
            if owner:
                with self._lock:
                    self._syncing, self._synced_at = False, -math.inf
            raise
        with self._lock:
            if owner:
                self._syncing = False
            for key, total in totals.items():
                entry = self._counts.get(key)
                if entry is not None:
                    entry.shared, entry.unsynced = total, entry.unsynced - additions[key][0]
            # Windows that ended and clients that went quiet: the shared cache keeps their totals.
            for key, entry in list(self._counts.items()) if owner else ():
                if entry.active:
                    entry.active = False
                elif not entry.unsynced:
                    del self._counts[key]
            self._version = version
            entry = self._counts.get(throttle_key) if throttle_key is not None else None
            return (entry.shared + entry.unsynced if entry is not None else count), version

    def _count(self, throttle_key: str | None, period: int) -> int | None:
        if throttle_key is None:
            return None
        entry = self._counts.get(throttle_key)
        if entry is None:
            entry = self._counts[throttle_key] = _Count(period=period)
        entry.unsynced += 1
        entry.active = True
        return entry.shared + entry.unsynced

    def version_written(self, version: int) -> None:
        """This process wrote a new version: use it at once, without waiting for the next sync."""
        with self._lock:
            self._version = version

    def forget(self) -> None:
        """Back to a fresh process's state: the next request syncs."""
        with self._lock:
            self._version, self._synced_at, self._syncing = None, -math.inf, False
            self._counts.clear()

    def __len__(self) -> int:
        return len(self._counts)


shared = SharedReads()
