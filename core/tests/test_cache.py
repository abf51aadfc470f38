"""The namespaced cache: computed once under concurrent misses, invalidated
per namespace or per scope when a write commits, a local tier bounded in
bytes and kept coherent across processes, and never an error when Redis is
gone."""

import time

import pytest
import redis
from django.core.cache import cache
from django.db import transaction

from core import cache as namespaced_cache
from core.cache import (
    cache_get_or_compute,
    cache_invalidate,
    cache_namespace,
    cache_namespace_register,
    cache_queryset,
    invalidation_channel,
    local_tier,
    shared_versions,
)
from core.models import Country
from core.tests.concurrency import Outcomes, in_lockstep, run_at_once
from core.tests.factories import CountryFactory

# A namespace of the tests' own, as an app would register it.
cache_namespace_register("test-listings", timeout=60)


def _compute(value: bytes, calls: list):
    def compute() -> bytes:
        calls.append(1)
        return value

    return compute


READERS = 8


def _readers_miss_at_once() -> tuple[Outcomes, list[int]]:
    computed: list[int] = []

    def compute():
        computed.append(1)
        time.sleep(0.3)
        return b"value"

    outcomes = run_at_once([lambda: cache_get_or_compute("test-listings", "stampede", compute)] * READERS)
    return outcomes, computed


def test_concurrent_misses_compute_a_value_once():
    outcomes, computed = _readers_miss_at_once()

    assert outcomes.results == [b"value"] * READERS
    assert len(computed) == 1


def test_control_without_the_stampede_lock_every_miss_computes(monkeypatch):
    # Every reader takes the lock: none waits for another's value.
    monkeypatch.setattr(namespaced_cache, "_stampede_lock_take", in_lockstep(lambda lock_key: True, parties=READERS))

    outcomes, computed = _readers_miss_at_once()

    assert outcomes.results == [b"value"] * READERS
    assert len(computed) == READERS


def test_a_failed_computation_lets_the_waiters_compute_themselves():
    calls = []

    def compute():
        calls.append(1)
        if len(calls) == 1:
            time.sleep(0.1)
            raise RuntimeError("database went away")
        return b"recovered"

    outcomes = run_at_once([lambda: cache_get_or_compute("test-listings", "failing", compute)] * 3)

    assert [type(error) for error in outcomes.raised] == [RuntimeError]
    assert outcomes.results.count(b"recovered") == 2


def test_uncacheable_values_are_not_stored():
    calls = []

    def compute():
        calls.append(1)

    cache_get_or_compute("test-listings", "error", compute)
    cache_get_or_compute("test-listings", "error", compute)

    assert len(calls) == 2


@pytest.mark.django_db(transaction=True)
def test_invalidating_a_scope_drops_only_the_entries_that_depend_on_it():
    calls = []
    cache_get_or_compute("test-listings", "listing 1", _compute(b"one", calls), scopes=["listing:1"])
    cache_get_or_compute("test-listings", "listing 2", _compute(b"two", calls), scopes=["listing:2"])
    cache_get_or_compute("test-listings", "search", _compute(b"both", calls), scopes=["listing:1", "listing:2"])
    assert len(calls) == 3

    with transaction.atomic():
        cache_invalidate("test-listings", "listing:1")
        # Nothing changes before the commit.
        cache_get_or_compute("test-listings", "listing 1", _compute(b"one", calls), scopes=["listing:1"])
        assert len(calls) == 3

    cache_get_or_compute("test-listings", "listing 1", _compute(b"one", calls), scopes=["listing:1"])
    cache_get_or_compute("test-listings", "listing 2", _compute(b"two", calls), scopes=["listing:2"])
    cache_get_or_compute("test-listings", "search", _compute(b"both", calls), scopes=["listing:1", "listing:2"])
    assert len(calls) == 5  # listing 1 and the search, not listing 2


@pytest.mark.django_db(transaction=True)
def test_invalidating_the_namespace_drops_every_entry_and_a_rollback_drops_none():
    calls = []
    cache_get_or_compute("test-listings", "a", _compute(b"a", calls), scopes=["listing:1"])
    cache_get_or_compute("test-listings", "b", _compute(b"b", calls))

    def rolled_back():
        with transaction.atomic():
            cache_invalidate("test-listings")
            raise RuntimeError("the write fails")

    with pytest.raises(RuntimeError):
        rolled_back()
    cache_get_or_compute("test-listings", "a", _compute(b"a", calls), scopes=["listing:1"])
    assert len(calls) == 2

    cache_invalidate("test-listings")  # outside a transaction: at once
    cache_get_or_compute("test-listings", "a", _compute(b"a", calls), scopes=["listing:1"])
    cache_get_or_compute("test-listings", "b", _compute(b"b", calls))
    assert len(calls) == 4


@pytest.mark.django_db(transaction=True)
def test_cache_queryset_caches_rows_until_the_namespace_is_invalidated(django_assert_num_queries):
    CountryFactory(code="PE")

    @cache_queryset(timeout=60, key_prefix="countries")
    def country_codes():
        return Country.objects.values_list("code", flat=True).order_by("code")

    assert country_codes() == ["PE"]
    with django_assert_num_queries(0):
        assert country_codes() == ["PE"]

    CountryFactory(code="CL", alpha3="CHL")
    cache_invalidate("countries")

    assert country_codes() == ["CL", "PE"]


def test_a_lost_version_never_brings_back_older_entries():
    namespace = cache_namespace("test-listings")
    first = shared_versions(namespace, ["listing:9"])
    namespaced_cache._invalidate_now(namespace, ("listing:9",))
    bumped = shared_versions(namespace, ["listing:9"])

    cache.delete("ns:test-listings:scope:listing:9:version")  # as Redis would under memory pressure

    assert bumped > first
    assert shared_versions(namespace, ["listing:9"]) > bumped


def test_the_local_tier_is_bounded_in_bytes_and_keeps_the_recently_used(settings):
    settings.CACHE_LOCAL_MAX_BYTES = 1000
    tier = namespaced_cache.LocalTier()
    tier.live = True
    for number in range(5):
        tier.put("test-listings", f"entry {number}", (), b"x" * 300, 60, tier.generation("test-listings"))
        if number == 2:
            assert tier.get("test-listings", "entry 0") is not None  # used: kept over entry 1

    assert tier.bytes <= 1000
    assert len(tier) == 3
    assert tier.get("test-listings", "entry 0") is not None
    assert tier.get("test-listings", "entry 1") is None
    assert tier.get("test-listings", "entry 4") is not None


@pytest.mark.redis
def test_every_process_drops_its_local_copy_when_another_process_writes(settings):
    settings.CACHE_LOCAL_TIER = True
    calls = []
    cache_get_or_compute("test-listings", "local", _compute(b"old", calls), scopes=["listing:1"])
    _wait_for(lambda: local_tier.live)
    cache_get_or_compute("test-listings", "local", _compute(b"old", calls), scopes=["listing:1"])
    assert local_tier.get("test-listings", "local") == b"old"

    # Another process: bump the scope's shared version and announce it, as a write does.
    other_process = redis.Redis.from_url(settings.REDIS_URL)
    cache.incr("ns:test-listings:scope:listing:1:version")
    other_process.publish(invalidation_channel(), "test-listings|listing:1")

    _wait_for(lambda: local_tier.get("test-listings", "local") is None)
    assert cache_get_or_compute("test-listings", "local", _compute(b"new", calls), scopes=["listing:1"]) == b"new"


@pytest.mark.django_db
def test_a_write_touching_many_scopes_invalidates_each_and_lets_others_be(settings, django_capture_on_commit_callbacks):
    settings.CACHE_LOCAL_TIER = False
    stays = [f"listing:{number}" for number in range(1, 6)]
    for scope in [*stays, "listing:99"]:
        cache_get_or_compute("test-listings", scope, _compute(b"old", []), scopes=[scope])
    cache.delete("ns:test-listings:scope:listing:3:version")  # expired meanwhile

    with django_capture_on_commit_callbacks(execute=True):
        cache_invalidate("test-listings", *stays)

    for scope in stays:
        assert cache_get_or_compute("test-listings", scope, _compute(b"new", []), scopes=[scope]) == b"new"
    assert cache_get_or_compute("test-listings", "listing:99", _compute(b"new", []), scopes=["listing:99"]) == b"old"


@pytest.mark.redis
def test_each_scope_of_a_write_is_announced_to_other_processes(settings):
    settings.CACHE_LOCAL_TIER = True
    for scope in ("listing:11", "listing:12"):
        cache_get_or_compute("test-listings", scope, _compute(b"old", []), scopes=[scope])
    _wait_for(lambda: local_tier.live)
    for scope in ("listing:11", "listing:12"):
        cache_get_or_compute("test-listings", scope, _compute(b"old", []), scopes=[scope])
        assert local_tier.get("test-listings", scope) == b"old"

    # The bump as another process would make it: this one learns of it only by the announcements.
    other_process = namespaced_cache._bump_and_announce_in_redis
    other_process(cache_namespace("test-listings"), ("listing:11", "listing:12"))

    _wait_for(lambda: local_tier.get("test-listings", "listing:12") is None)
    assert local_tier.get("test-listings", "listing:11") is None


@pytest.mark.redis
def test_another_deployment_on_the_same_redis_does_not_invalidate_this_one(settings):
    settings.CACHE_LOCAL_TIER = True
    cache_get_or_compute("test-listings", "mine", _compute(b"kept", []))
    _wait_for(lambda: local_tier.live)
    cache_get_or_compute("test-listings", "mine", _compute(b"kept", []))

    other_deployment = redis.Redis.from_url(settings.REDIS_URL)
    other_deployment.publish("otherprefix:0:cache-invalidations", "test-listings")
    other_deployment.publish(invalidation_channel().replace(":0:", ":7:"), "test-listings")
    time.sleep(0.3)

    assert local_tier.get("test-listings", "mine") == b"kept"
    assert invalidation_channel().startswith(f"{settings.CACHES['default']['KEY_PREFIX']}:")


@pytest.mark.redis
def test_local_hits_need_no_round_trip_to_redis(settings, monkeypatch):
    settings.CACHE_LOCAL_TIER = True
    cache_get_or_compute("test-listings", "hot", _compute(b"value", []))
    _wait_for(lambda: local_tier.live)
    cache_get_or_compute("test-listings", "hot", _compute(b"value", []))

    def no_redis(*args, **kwargs):
        raise AssertionError("a local hit went to Redis")

    monkeypatch.setattr(cache, "get", no_redis)
    monkeypatch.setattr(cache, "get_many", no_redis)
    assert cache_get_or_compute("test-listings", "hot", _compute(b"other", [])) == b"value"


def _wait_for(condition, seconds=3.0):
    deadline = time.monotonic() + seconds
    while not condition():
        assert time.monotonic() < deadline, "condition not met in time"
        time.sleep(0.01)
