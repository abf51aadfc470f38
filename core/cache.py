"""Caching of catalog reads.

Keys are versioned per catalog: every entry of the catalog "countries" lives
under `catalog:countries:v<version>:...`. A write increments the version, so
the next read misses and old entries are never read again; they expire on
their own. Nothing ever lists keys (no KEYS, no SCAN).

With CATALOG_LOCAL_CACHE on (production), each process also keeps the
entries it served in its own memory, so a hit costs no network round trip.
Those copies are trusted only while the process is subscribed to the Redis
channel on which every write announces the catalog it changed: a message
drops that catalog's local entries, and a lost subscription drops them all
and turns the local tier off until it is back.

If the shared cache is unreachable, reads are computed from the database and
the failure is logged; a catalog request never fails because of the cache.
"""

from __future__ import annotations

import functools
import hashlib
import logging
import os
import threading
import time
from collections.abc import Callable
from typing import Any, TypeVar

import redis
from django.conf import settings
from django.core.cache import cache
from django.db import transaction
from prometheus_client import Counter
from redis.exceptions import RedisError

logger = logging.getLogger(__name__)

T = TypeVar("T")

INVALIDATION_CHANNEL = "travelhub:catalog-invalidations"
# How long a request that found the key being computed by another waits for
# it before computing it itself.
STAMPEDE_WAIT_SECONDS = 3.0
STAMPEDE_LOCK_SECONDS = 30

catalog_cache_lookups = Counter(
    "travelhub_catalog_cache_lookups_total",
    "Catalog cache lookups by tier and result.",
    ["catalog", "tier", "result"],
)


class SharedCacheUnavailable(Exception):
    """The shared cache (Redis) could not be reached."""


class SharedCacheBreaker:
    """After a failure the shared cache is left alone for a few seconds, so a
    dead Redis costs each process one connect timeout now and then instead of
    one per request."""

    pause_seconds = 5.0

    def __init__(self) -> None:
        self.closed_until = 0.0

    def allows(self) -> bool:
        return time.monotonic() >= self.closed_until

    def trip(self) -> None:
        self.closed_until = time.monotonic() + self.pause_seconds

    def reset(self) -> None:
        self.closed_until = 0.0


shared_cache_breaker = SharedCacheBreaker()


def _shared(operation: Callable[..., T], *args: Any, **kwargs: Any) -> T:
    if not shared_cache_breaker.allows():
        raise SharedCacheUnavailable
    try:
        return operation(*args, **kwargs)
    except RedisError as error:
        shared_cache_breaker.trip()
        logger.warning("shared cache unavailable: %s", error)
        raise SharedCacheUnavailable from error


def _version_key(catalog: str) -> str:
    return f"catalog:{catalog}:version"


def _fresh_version() -> int:
    # A version made from the clock is larger than any counter this key held
    # before it was evicted, so an evicted key never brings back old entries.
    return time.time_ns() // 1000


def shared_catalog_version(catalog: str) -> int:
    version = _shared(cache.get, _version_key(catalog))
    if version is None:
        _shared(cache.add, _version_key(catalog), _fresh_version(), timeout=None)
        version = _shared(cache.get, _version_key(catalog))
    return version


def _bump_shared_version(catalog: str) -> None:
    try:
        _shared(cache.incr, _version_key(catalog))
    except ValueError:
        _shared(cache.set, _version_key(catalog), _fresh_version(), timeout=None)


class LocalTier:
    """Per-process copies of catalog entries, valid while subscribed."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._catalogs: dict[str, tuple[int, dict[str, tuple[float, Any]]]] = {}
        self.generation = 0
        self.live = False
        self._pid: int | None = None

    def ensure_listening(self) -> None:
        if self._pid == os.getpid():
            return
        with self._lock:
            if self._pid == os.getpid():
                return
            # A forked child inherits a copy of the parent's state but not its thread.
            self._catalogs.clear()
            self.live = False
            self._pid = os.getpid()
            threading.Thread(target=self._listen, name="catalog-invalidations", daemon=True).start()

    def version(self, catalog: str) -> int | None:
        held = self._catalogs.get(catalog)
        return held[0] if held and self.live else None

    def get(self, catalog: str, version: int, variant: str) -> Any | None:
        held = self._catalogs.get(catalog)
        if not self.live or held is None or held[0] != version:
            return None
        found = held[1].get(variant)
        if found is None or found[0] < time.monotonic():
            return None
        return found[1]

    def put(self, catalog: str, version: int, variant: str, value: Any, timeout: int, generation: int) -> None:
        with self._lock:
            # An invalidation that arrived while the value was being read
            # could be older than the value; keep nothing in that case.
            if not self.live or generation != self.generation:
                return
            held = self._catalogs.get(catalog)
            if held is None or held[0] != version:
                held = (version, {})
                self._catalogs[catalog] = held
            held[1][variant] = (time.monotonic() + timeout, value)

    def drop(self, catalog: str | None = None) -> None:
        with self._lock:
            self.generation += 1
            if catalog is None:
                self._catalogs.clear()
            else:
                self._catalogs.pop(catalog, None)

    def _listen(self) -> None:
        pause = 0.5
        while True:
            try:
                client = redis.Redis.from_url(
                    settings.REDIS_URL, socket_connect_timeout=2, socket_keepalive=True, health_check_interval=5
                )
                pubsub = client.pubsub()
                pubsub.subscribe(INVALIDATION_CHANNEL)
                while True:
                    message = pubsub.get_message(timeout=1.0)
                    if message is None:
                        continue
                    if message["type"] == "subscribe":
                        # Writes may have happened while unsubscribed.
                        self.drop()
                        self.live = True
                        pause = 0.5
                    elif message["type"] == "message":
                        self.drop(message["data"].decode())
            except RedisError as error:
                logger.warning("catalog invalidation channel lost: %s", error)
            finally:
                self.live = False
                self.drop()
            time.sleep(pause)
            pause = min(pause * 2, 10)


local_tier = LocalTier()


def _local_enabled() -> bool:
    if not settings.CATALOG_LOCAL_CACHE:
        return False
    local_tier.ensure_listening()
    return True


def catalog_cache_enabled() -> bool:
    return settings.CATALOG_CACHE_ENABLED


def _variant_key(catalog: str, version: int, variant: str) -> str:
    digest = hashlib.blake2b(variant.encode(), digest_size=16).hexdigest()
    return f"catalog:{catalog}:v{version}:{digest}"


def get_or_compute(catalog: str, variant: str, compute: Callable[[], T | None] | None, timeout: int) -> T | None:
    """Return the cached value of `variant` of `catalog`, computing it at most
    once across processes when it is missing. `compute` may return None for a
    value that must not be cached (an error response, say); without `compute`
    a miss is just None."""
    if not catalog_cache_enabled():
        return compute() if compute else None
    use_local = _local_enabled()
    generation = local_tier.generation
    version = local_tier.version(catalog) if use_local else None
    if version is not None:
        value = local_tier.get(catalog, version, variant)
        if value is not None:
            catalog_cache_lookups.labels(catalog, "local", "hit").inc()
            return value
    try:
        if version is None:
            version = shared_catalog_version(catalog)
        key = _variant_key(catalog, version, variant)
        value = _shared(cache.get, key)
        if value is not None:
            catalog_cache_lookups.labels(catalog, "shared", "hit").inc()
        elif compute is None:
            return None
        else:
            catalog_cache_lookups.labels(catalog, "shared", "miss").inc()
            value = _compute_once(key, compute, timeout)
    except SharedCacheUnavailable:
        catalog_cache_lookups.labels(catalog, "shared", "error").inc()
        return compute() if compute else None
    if value is not None and use_local:
        local_tier.put(catalog, version, variant, value, timeout, generation)
    return value


def peek(catalog: str, variant: str, timeout: int) -> Any | None:
    """The cached value, or None: never computes."""
    return get_or_compute(catalog, variant, None, timeout)


def _compute_once(key: str, compute: Callable[[], T | None], timeout: int) -> T | None:
    lock_key = f"{key}:lock"
    if _stampede_lock_take(lock_key):
        try:
            value = compute()
            if value is not None:
                _shared(cache.set, key, value, timeout=timeout)
            return value
        finally:
            _shared(cache.delete, lock_key)
    deadline = time.monotonic() + STAMPEDE_WAIT_SECONDS
    while time.monotonic() < deadline:
        time.sleep(0.01)
        value = _shared(cache.get, key)
        if value is not None:
            return value
        if not _shared(cache.get, lock_key):
            # The holder stores the value before releasing the lock: a value
            # stored between our two reads is there now.
            value = _shared(cache.get, key)
            if value is not None:
                return value
            break
    # The computing request failed or is very slow: answer anyway.
    return compute()


def _stampede_lock_take(lock_key: str) -> bool:
    """Whether this request computes the missing value: only the one that adds
    the lock key (an atomic add, in Redis as in local memory); the others wait."""
    return _shared(cache.add, lock_key, os.getpid(), timeout=STAMPEDE_LOCK_SECONDS)


def invalidate_catalogs(*catalogs: str) -> None:
    """Make the next read of each catalog see the database, in every process.

    Runs when the current transaction commits: a reader that refilled the
    cache before the commit would otherwise store the old rows under the new
    version."""
    transaction.on_commit(functools.partial(_invalidate_now, catalogs))


def _invalidate_now(catalogs: tuple[str, ...]) -> None:
    for catalog in catalogs:
        local_tier.drop(catalog)
        try:
            _bump_shared_version(catalog)
        except SharedCacheUnavailable:
            logger.error("could not invalidate catalog %s: shared cache unavailable", catalog)
            continue
        if settings.REDIS_URL:
            try:
                _shared(cache.client.get_client(write=True).publish, INVALIDATION_CHANNEL, catalog)
            except SharedCacheUnavailable:
                logger.error("could not announce invalidation of catalog %s", catalog)


def cache_queryset(timeout: int, key_prefix: str) -> Callable[[Callable[..., Any]], Callable[..., list]]:
    """Cache the rows returned by a queryset function, evaluated to a list.

    `key_prefix` names the catalog whose writes invalidate the result
    (`invalidate_catalogs(key_prefix)`); the arguments are part of the key."""

    def decorator(function: Callable[..., Any]) -> Callable[..., list]:
        @functools.wraps(function)
        def wrapper(*args: Any, **kwargs: Any) -> list:
            variant = f"queryset:{function.__module__}.{function.__qualname__}:{args!r}:{sorted(kwargs.items())!r}"
            return get_or_compute(key_prefix, variant, lambda: list(function(*args, **kwargs)), timeout)

        wrapper.uncached = function
        return wrapper

    return decorator
