import time

import pytest
from django.core.cache import cache

from core import cache as catalog_cache
from core.cache import cache_queryset, get_or_compute, invalidate_catalogs, local_tier
from core.models import Country
from core.tests.concurrency import Outcomes, in_lockstep, run_at_once
from core.tests.factories import CountryFactory

READERS = 8


def _readers_miss_at_once() -> tuple[Outcomes, list[int]]:
    computed: list[int] = []

    def compute():
        computed.append(1)
        time.sleep(0.3)
        return "value"

    outcomes = run_at_once([lambda: get_or_compute("countries", "stampede", compute, timeout=60)] * READERS)
    return outcomes, computed


def test_concurrent_misses_compute_a_value_once():
    outcomes, computed = _readers_miss_at_once()

    assert outcomes.results == ["value"] * READERS
    assert len(computed) == 1


def test_control_without_the_stampede_lock_every_miss_computes(monkeypatch):
    # Every reader takes the lock: none waits for another's value.
    monkeypatch.setattr(catalog_cache, "_stampede_lock_take", in_lockstep(lambda lock_key: True, parties=READERS))

    outcomes, computed = _readers_miss_at_once()

    assert outcomes.results == ["value"] * READERS
    assert len(computed) == READERS


def test_a_failed_computation_lets_the_waiters_compute_themselves():
    calls = []

    def compute():
        calls.append(1)
        if len(calls) == 1:
            time.sleep(0.1)
            raise RuntimeError("database went away")
        return "recovered"

    outcomes = run_at_once([lambda: get_or_compute("countries", "failing", compute, timeout=60)] * 3)

    assert [type(error) for error in outcomes.raised] == [RuntimeError]
    assert outcomes.results.count("recovered") == 2


def test_uncacheable_values_are_not_stored():
    calls = []

    def compute():
        calls.append(1)

    get_or_compute("countries", "error", compute, timeout=60)
    get_or_compute("countries", "error", compute, timeout=60)

    assert len(calls) == 2


@pytest.mark.django_db(transaction=True)
def test_cache_queryset_caches_rows_until_the_catalog_is_invalidated(django_assert_num_queries):
    CountryFactory(code="PE")

    @cache_queryset(timeout=60, key_prefix="countries")
    def country_codes():
        return Country.objects.values_list("code", flat=True).order_by("code")

    assert country_codes() == ["PE"]
    with django_assert_num_queries(0):
        assert country_codes() == ["PE"]

    CountryFactory(code="CL", alpha3="CHL")
    invalidate_catalogs("countries")

    assert country_codes() == ["CL", "PE"]


def test_an_evicted_version_never_brings_back_older_entries():
    first = catalog_cache.shared_catalog_version("cities")
    catalog_cache._invalidate_now(("cities",))
    bumped = catalog_cache.shared_catalog_version("cities")

    cache.delete("catalog:cities:version")  # as Redis would under memory pressure

    assert bumped > first
    assert catalog_cache.shared_catalog_version("cities") > bumped


@pytest.mark.redis
def test_every_process_drops_its_local_copy_when_another_process_writes(settings):
    import redis

    settings.CATALOG_LOCAL_CACHE = True
    get_or_compute("countries", "local", lambda: "old", timeout=60)
    _wait_for(lambda: local_tier.live)
    get_or_compute("countries", "local", lambda: "old", timeout=60)
    assert local_tier.get("countries", local_tier.version("countries"), "local") == "old"

    # Another process: bump the shared version and announce it, as a write does.
    other_process = redis.Redis.from_url(settings.REDIS_URL)
    cache.incr("catalog:countries:version")
    other_process.publish(catalog_cache.INVALIDATION_CHANNEL, "countries")

    _wait_for(lambda: local_tier.version("countries") is None)
    assert get_or_compute("countries", "local", lambda: "new", timeout=60) == "new"


@pytest.mark.redis
def test_local_hits_need_no_round_trip_to_redis(settings, monkeypatch):
    settings.CATALOG_LOCAL_CACHE = True
    get_or_compute("countries", "hot", lambda: "value", timeout=60)
    _wait_for(lambda: local_tier.live)
    get_or_compute("countries", "hot", lambda: "value", timeout=60)

    def no_redis(*args, **kwargs):
        raise AssertionError("a local hit went to Redis")

    monkeypatch.setattr(cache, "get", no_redis)
    assert get_or_compute("countries", "hot", lambda: "other", timeout=60) == "value"


def _wait_for(condition, seconds=3.0):
    deadline = time.monotonic() + seconds
    while not condition():
        assert time.monotonic() < deadline, "condition not met in time"
        time.sleep(0.01)
