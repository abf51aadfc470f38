"""A namespaced, versioned cache of bytes, shared by every process.

Apps register namespaces (`cache_namespace_register`, with their timeout)
from their `registrations` module. An entry lives under its namespace's
version, the versions of the scopes it depends on (one listing, one city)
and a digest of its key:

    ns:<namespace>:<namespace version>.<scope version>...:<digest of the key>

A write calls `cache_invalidate(namespace, *scopes)`; when its transaction
commits, the namespace's version (no scopes) or each scope's version is
incremented, so the next read misses and old entries are never read again —
they expire on their own. Nothing ever lists keys.

With CACHE_LOCAL_TIER on (production), each process also keeps the entries
it served in its own memory, at most CACHE_LOCAL_MAX_BYTES of them (least
recently used go first), so a hit costs no network round trip. Those copies
are trusted only while the process is subscribed to the Redis channel on
which every invalidation is announced; a lost subscription drops them all.
The channel is named after the cache's key prefix and Redis database, so
deployments sharing a Redis server never invalidate each other.

Concurrent misses of one entry compute it once (a lock in the shared cache).
If the shared cache is unreachable, values are computed and the failure is
logged: a request never fails because of the cache."""

from __future__ import annotations

import functools
import hashlib
import logging
import os
import pickle
import threading
import time
from collections import OrderedDict
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any, TypeVar

import redis
from django.conf import settings
from django.core.cache import cache
from django.core.exceptions import ImproperlyConfigured
from django.db import transaction
from prometheus_client import Counter
from redis.exceptions import RedisError

from core.breaker import Breaker

logger = logging.getLogger(__name__)

T = TypeVar("T")

# How long a request that found the entry being computed by another waits
# for it before computing it itself.
STAMPEDE_WAIT_SECONDS = 3.0
STAMPEDE_LOCK_SECONDS = 30
# A scope's version outlives the entries made under it; when it expires, a
# fresh version (from the clock) is larger than any it held.
SCOPE_VERSION_LIFETIME_FACTOR = 2

cache_lookups = Counter(
    "travelhub_cache_lookups_total",
    "Lookups in the namespaced cache, by namespace, tier and result.",
    ["namespace", "tier", "result"],
)


@dataclass(frozen=True)
class CacheNamespace:
    name: str
    timeout: int


_namespaces: dict[str, CacheNamespace] = {}


def cache_namespace_register(name: str, *, timeout: int) -> CacheNamespace:
    namespace = CacheNamespace(name, timeout)
    if not name or any(character in name for character in ":| "):
        raise ImproperlyConfigured(f"cache namespace {name!r}: use letters, digits, '-' and '_'")
    if _namespaces.get(name, namespace) != namespace:
        raise ImproperlyConfigured(f"cache namespace {name!r} is registered twice, differently")
    _namespaces[name] = namespace
    return namespace


def cache_namespace(name: str) -> CacheNamespace:
    try:
        return _namespaces[name]
    except KeyError:
        raise ImproperlyConfigured(f"no cache namespace is registered as {name!r}") from None


# --- the shared tier (Redis, or the local-memory cache when embedded) --------------


class SharedCacheUnavailable(Exception):
    """The shared cache (Redis) could not be reached."""


shared_cache_breaker = Breaker()


def _shared(operation: Callable[..., T], *args: Any, **kwargs: Any) -> T:
    if not shared_cache_breaker.allows():
        raise SharedCacheUnavailable
    try:
        return operation(*args, **kwargs)
    except RedisError as error:
        shared_cache_breaker.trip()
        logger.warning("shared cache unavailable: %s", error)
        raise SharedCacheUnavailable from error


def _version_key(namespace: str, scope: str | None = None) -> str:
    if scope is None:
        return f"ns:{namespace}:version"
    return f"ns:{namespace}:scope:{scope}:version"


def _fresh_version() -> int:
    # Larger than any counter this key held before it expired or was
    # evicted, so a lost version never brings back old entries.
    return time.time_ns() // 1000


def _version_timeout(namespace: CacheNamespace, scope: str | None) -> int | None:
    return None if scope is None else namespace.timeout * SCOPE_VERSION_LIFETIME_FACTOR


def shared_versions(namespace: CacheNamespace, scopes: Sequence[str]) -> tuple[int, ...]:
    """The current versions of the namespace and of each scope, in one round
    trip (two when some are new)."""
    wanted = [None, *scopes]
    keys = [_version_key(namespace.name, scope) for scope in wanted]
    found = _shared(cache.get_many, keys)
    missing = [(key, scope) for key, scope in zip(keys, wanted, strict=True) if key not in found]
    for key, scope in missing:
        _shared(cache.add, key, _fresh_version(), timeout=_version_timeout(namespace, scope))
    if missing:
        found.update(_shared(cache.get_many, [key for key, _ in missing]))
    return tuple(found[key] for key in keys)


def _bump_shared_version(namespace: CacheNamespace, scope: str | None) -> None:
    key = _version_key(namespace.name, scope)
    try:
        _shared(cache.incr, key)
    except ValueError:
        _shared(cache.set, key, _fresh_version(), timeout=_version_timeout(namespace, scope))


def _value_key(namespace: str, versions: tuple[int, ...], key: str) -> str:
    digest = hashlib.blake2b(key.encode(), digest_size=16).hexdigest()
    return f"ns:{namespace}:{'.'.join(map(str, versions))}:{digest}"


def _compute_once(value_key: str, compute: Callable[[], bytes | None], timeout: int) -> bytes | None:
    lock_key = f"{value_key}:lock"
    if _stampede_lock_take(lock_key):
        try:
            value = compute()
            if value is not None:
                _shared(cache.set, value_key, value, timeout=timeout)
            return value
        finally:
            _shared(cache.delete, lock_key)
    deadline = time.monotonic() + STAMPEDE_WAIT_SECONDS
    while time.monotonic() < deadline:
        time.sleep(0.01)
        value = _shared(cache.get, value_key)
        if value is not None:
            return value
        if not _shared(cache.get, lock_key):
            # The holder stores the value before releasing the lock: a value
            # stored between our two reads is there now.
            value = _shared(cache.get, value_key)
            if value is not None:
                return value
            break
    # The computing request failed or is very slow: answer anyway.
    return compute()


def _stampede_lock_take(lock_key: str) -> bool:
    """Whether this request computes the missing value: only the one that adds
    the lock key (an atomic add, in Redis as in local memory); the others wait."""
    return _shared(cache.add, lock_key, os.getpid(), timeout=STAMPEDE_LOCK_SECONDS)


# --- the local tier (this process's memory) -----------------------------------------


@dataclass
class _LocalEntry:
    value: bytes
    expires_at: float
    scopes: tuple[str, ...]


class LocalTier:
    """This process's copies of entries, bounded in bytes, least recently used
    out first; trusted only while subscribed to the invalidation channel."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._entries: OrderedDict[tuple[str, str], _LocalEntry] = OrderedDict()
        self._by_scope: dict[tuple[str, str], set[str]] = {}
        self._generations: dict[str, int] = {}
        self.bytes = 0
        self.live = False
        self._pid: int | None = None

    def __len__(self) -> int:
        return len(self._entries)

    def ensure_listening(self) -> None:
        if self._pid == os.getpid():
            return
        with self._lock:
            if self._pid == os.getpid():
                return
            # A forked child inherits a copy of the parent's state but not its thread.
            self._entries.clear()
            self._by_scope.clear()
            self.bytes = 0
            self.live = False
            self._pid = os.getpid()
            threading.Thread(target=self._listen, name="cache-invalidations", daemon=True).start()

    def generation(self, namespace: str) -> int:
        return self._generations.get(namespace, 0)

    def get(self, namespace: str, key: str) -> bytes | None:
        if not self.live:
            return None
        with self._lock:
            entry = self._entries.get((namespace, key))
            if entry is None or entry.expires_at < time.monotonic():
                return None
            self._entries.move_to_end((namespace, key))
            return entry.value

    def put(
        self, namespace: str, key: str, scopes: tuple[str, ...], value: bytes, timeout: int, generation: int
    ) -> None:
        max_bytes = settings.CACHE_LOCAL_MAX_BYTES
        if len(value) > max_bytes:
            return
        with self._lock:
            # An invalidation that arrived while the value was being read
            # could be older than the value; keep nothing in that case.
            if not self.live or generation != self._generations.get(namespace, 0):
                return
            self._remove((namespace, key))
            self._entries[(namespace, key)] = _LocalEntry(value, time.monotonic() + timeout, scopes)
            self.bytes += len(value)
            for scope in scopes:
                self._by_scope.setdefault((namespace, scope), set()).add(key)
            while self.bytes > max_bytes:
                self._remove(next(iter(self._entries)))

    def drop(self, namespace: str | None = None, scope: str | None = None) -> None:
        """Forget the namespace's entries (or only those depending on `scope`);
        everything without a namespace."""
        with self._lock:
            if namespace is None:
                self._entries.clear()
                self._by_scope.clear()
                self.bytes = 0
                self._generations = {name: generation + 1 for name, generation in self._generations.items()}
                return
            self._generations[namespace] = self._generations.get(namespace, 0) + 1
            if scope is None:
                doomed = [entry_key for entry_key in self._entries if entry_key[0] == namespace]
            else:
                doomed = [(namespace, key) for key in self._by_scope.pop((namespace, scope), ())]
            for entry_key in doomed:
                self._remove(entry_key)

    def _remove(self, entry_key: tuple[str, str]) -> None:
        entry = self._entries.pop(entry_key, None)
        if entry is None:
            return
        self.bytes -= len(entry.value)
        for scope in entry.scopes:
            keys = self._by_scope.get((entry_key[0], scope))
            if keys is not None:
                keys.discard(entry_key[1])
                if not keys:
                    del self._by_scope[(entry_key[0], scope)]

    def _listen(self) -> None:
        pause = 0.5
        while True:
            try:
                client = redis.Redis.from_url(
                    _cache_location(), socket_connect_timeout=2, socket_keepalive=True, health_check_interval=5
                )
                pubsub = client.pubsub()
                pubsub.subscribe(invalidation_channel())
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
                        namespace, _, scope = message["data"].decode().partition("|")
                        self.drop(namespace, scope or None)
            except RedisError as error:
                logger.warning("cache invalidation channel lost: %s", error)
            finally:
                self.live = False
                self.drop()
            time.sleep(pause)
            pause = min(pause * 2, 10)


local_tier = LocalTier()


def _cache_location() -> str:
    return settings.CACHES["default"]["LOCATION"]


@functools.cache
def invalidation_channel() -> str:
    """`<key prefix>:<Redis database>:cache-invalidations`: Redis delivers a
    message to subscribers of every database, so both are in the name."""
    database = redis.connection.parse_url(_cache_location()).get("db", 0)
    return f"{settings.CACHES['default'].get('KEY_PREFIX', '')}:{database}:cache-invalidations"


def _local_enabled() -> bool:
    if not settings.CACHE_LOCAL_TIER:
        return False
    local_tier.ensure_listening()
    return True


# --- reading and invalidating ----------------------------------------------------------


def cache_get_or_compute(
    namespace: str,
    key: str,
    compute: Callable[[], bytes | None] | None,
    *,
    scopes: Sequence[str] | Callable[[], Sequence[str]] = (),
    timeout: int | None = None,
) -> bytes | None:
    """The cached bytes of `key` in `namespace` (depending on `scopes`),
    computing them at most once across processes when missing. `compute` may
    return None for a value that must not be cached (an error response, say);
    without `compute` a miss is just None. `scopes` may be a function: it is
    called only when this process's copy does not answer."""
    space = cache_namespace(namespace)
    if not settings.CACHE_ENABLED:
        return compute() if compute else None
    use_local = _local_enabled()
    generation = local_tier.generation(namespace)
    if use_local:
        value = local_tier.get(namespace, key)
        if value is not None:
            cache_lookups.labels(namespace, "local", "hit").inc()
            return value
    scopes = tuple(scopes() if callable(scopes) else scopes)
    try:
        value_key = _value_key(namespace, shared_versions(space, scopes), key)
        value = _shared(cache.get, value_key)
        if value is not None:
            cache_lookups.labels(namespace, "shared", "hit").inc()
        else:
            cache_lookups.labels(namespace, "shared", "miss").inc()
            if compute is None:
                return None
            value = _compute_once(value_key, compute, timeout or space.timeout)
    except SharedCacheUnavailable:
        cache_lookups.labels(namespace, "shared", "error").inc()
        return compute() if compute else None
    if value is not None and use_local:
        local_tier.put(namespace, key, scopes, value, timeout or space.timeout, generation)
    return value


def cache_peek(namespace: str, key: str, *, scopes: Sequence[str] | Callable[[], Sequence[str]] = ()) -> bytes | None:
    """The cached bytes, or None: never computes."""
    return cache_get_or_compute(namespace, key, None, scopes=scopes)


def cache_invalidate(namespace: str, *scopes: str) -> None:
    """Make the next read of the namespace (or of the entries depending on
    one of `scopes`) see the database, in every process.

    Runs when the current transaction commits: a reader that refilled the
    cache before the commit would otherwise store the old rows under the new
    version."""
    space = cache_namespace(namespace)
    transaction.on_commit(functools.partial(_invalidate_now, space, scopes or (None,)))


def _invalidate_now(namespace: CacheNamespace, scopes: tuple[str | None, ...]) -> None:
    for scope in scopes:
        local_tier.drop(namespace.name, scope)
    try:
        if settings.REDIS_URL:
            _bump_and_announce_in_redis(namespace, scopes)
        else:
            for scope in scopes:
                _bump_shared_version(namespace, scope)
    except SharedCacheUnavailable:
        logger.error("could not invalidate cache %s (%d scopes): shared cache unavailable", namespace.name, len(scopes))


# Every scope's version bumped (or started afresh when it expired) and each
# bump announced, in one round trip however many scopes a write touched.
# KEYS: the version keys; ARGV: a fresh version, then per key its lifetime
# in seconds (0: none) and its announcement, then the channel last.
_BUMP_AND_ANNOUNCE = """
local channel = ARGV[#ARGV]
for i, key in ipairs(KEYS) do
  if redis.call('INCR', key) == 1 then
    local lifetime = tonumber(ARGV[2 * i])
    if lifetime > 0 then
      redis.call('SET', key, ARGV[1], 'EX', lifetime)
    else
      redis.call('SET', key, ARGV[1])
    end
  end
  redis.call('PUBLISH', channel, ARGV[2 * i + 1])
end
return #KEYS
"""


@functools.cache
def _bump_and_announce_script(client: redis.Redis):
    return client.register_script(_BUMP_AND_ANNOUNCE)


def _bump_and_announce_in_redis(namespace: CacheNamespace, scopes: tuple[str | None, ...]) -> None:
    keys, arguments = [], [_fresh_version()]
    for scope in scopes:
        keys.append(cache.make_key(_version_key(namespace.name, scope)))
        arguments.append(_version_timeout(namespace, scope) or 0)
        arguments.append(namespace.name if scope is None else f"{namespace.name}|{scope}")
    arguments.append(invalidation_channel())
    script = _bump_and_announce_script(cache.client.get_client(write=True))
    _shared(script, keys=keys, args=arguments)


def cache_queryset(timeout: int, key_prefix: str) -> Callable[[Callable[..., Any]], Callable[..., list]]:
    """Cache the rows returned by a queryset function, evaluated to a list.

    `key_prefix` names the namespace whose invalidation drops the result
    (`cache_invalidate(key_prefix)`); the arguments are part of the key."""

    def decorator(function: Callable[..., Any]) -> Callable[..., list]:
        @functools.wraps(function)
        def wrapper(*args: Any, **kwargs: Any) -> list:
            key = f"queryset:{function.__module__}.{function.__qualname__}:{args!r}:{sorted(kwargs.items())!r}"
            value = cache_get_or_compute(
                key_prefix, key, lambda: pickle.dumps(list(function(*args, **kwargs))), timeout=timeout
            )
            return pickle.loads(value)

        wrapper.uncached = function
        return wrapper

    return decorator
