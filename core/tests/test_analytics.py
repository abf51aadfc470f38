"""Analytics: buffered recording, daily figures, monthly partitions made
ahead, and retention that drops only whole old partitions (after
aggregating them)."""

from datetime import UTC, date, datetime, timedelta

import pytest
from django.db import connection
from django_redis import get_redis_connection
from redis.exceptions import RedisError

from core.models import DailyMetric, ListingView
from core.services import analytics
from core.services.analytics_partitions import analytics_partitions, analytics_partitions_ensure


@pytest.mark.postgresql
@pytest.mark.django_db(transaction=True)
def test_partitions_are_made_ahead_and_retention_drops_only_old_months():
    # given: partitions from January to a few months past June, with views in January and June
    created = analytics_partitions_ensure(today=date(2026, 1, 10), months_ahead=5)
    assert "core_listing_views_p202601" in created
    assert analytics_partitions_ensure(today=date(2026, 1, 10), months_ahead=5) == []
    ListingView.objects.bulk_create(
        [
            ListingView(listing_id=7, viewed_at=datetime(2026, 1, 15, 15, tzinfo=UTC)),
            ListingView(listing_id=7, viewed_at=datetime(2026, 1, 15, 16, tzinfo=UTC)),
            ListingView(listing_id=8, viewed_at=datetime(2026, 6, 1, 15, tzinfo=UTC)),
        ]
    )

    # when: retention runs on 2026-05-10 (cutoff 2026-02-09: only January is wholly older)
    result = analytics.analytics_retention(now=datetime(2026, 5, 10, tzinfo=UTC))

    # then: January is gone, its figures kept; later months untouched
    months = [start for _, start in analytics_partitions("core_listing_views")]
    assert date(2026, 1, 1) not in months
    assert date(2026, 2, 1) in months
    assert result["partitions_dropped"] == 4  # January of each of the four tables
    assert list(ListingView.objects.values_list("listing_id", flat=True)) == [8]
    assert DailyMetric.objects.get(day=date(2026, 1, 15), metric="listing_views", dimension="7").value == 2
    with connection.cursor() as cursor:
        cursor.execute("SELECT relkind FROM pg_class WHERE relname = 'core_listing_views'")
        assert cursor.fetchone()[0] == "p"  # declaratively partitioned


@pytest.mark.django_db
def test_daily_figures_use_the_business_day(settings):
    # 2026-03-02 03:00 UTC is still 1 March in Lima
    ListingView.objects.create(listing_id=3, viewed_at=datetime(2026, 3, 2, 3, tzinfo=UTC))
    ListingView.objects.create(listing_id=3, viewed_at=datetime(2026, 3, 2, 6, tzinfo=UTC))

    analytics.analytics_daily_job(now=datetime(2026, 3, 3, 6, tzinfo=UTC))
    analytics.analytics_day_aggregate(day=date(2026, 3, 1))

    assert DailyMetric.objects.get(day=date(2026, 3, 2), metric="listing_views").value == 1
    assert DailyMetric.objects.get(day=date(2026, 3, 1), metric="listing_views").value == 1


@pytest.fixture(autouse=True)
def _persistence_unknown():
    # Each test learns afresh whether its Redis persists writes.
    analytics._durability["checked_at"] = float("-inf")


@pytest.mark.redis
@pytest.mark.django_db
def test_recording_is_buffered_until_the_flush(settings):
    settings.ANALYTICS_BUFFER = "redis"
    analytics.listing_view_record(listing_id=5, user_id=1)
    analytics.analytics_event_record(name="search", properties={"city": "Lima"})
    assert not ListingView.objects.exists()

    assert analytics.analytics_buffers_flush() == 2

    assert ListingView.objects.get().listing_id == 5


@pytest.mark.django_db
def test_on_sqlite_retention_deletes_rows_older_than_ninety_days():
    if connection.vendor == "postgresql":
        pytest.skip("PostgreSQL drops partitions (test above)")
    now = datetime(2026, 5, 10, tzinfo=UTC)
    ListingView.objects.create(listing_id=1, viewed_at=now - timedelta(days=91))
    ListingView.objects.create(listing_id=2, viewed_at=now - timedelta(days=10))

    analytics.analytics_retention(now=now)

    assert list(ListingView.objects.values_list("listing_id", flat=True)) == [2]
    assert DailyMetric.objects.filter(metric="listing_views", dimension="1").exists()


@pytest.mark.redis
@pytest.mark.django_db
def test_a_redis_that_keeps_nothing_on_disk_is_no_buffer_rows_are_written_at_once():
    redis = get_redis_connection("default")
    assert not redis.info("persistence")["aof_enabled"]  # as Redis runs here: nothing survives a restart

    analytics.listing_view_record(listing_id=7, user_id=1)

    assert ListingView.objects.get().listing_id == 7
    assert redis.llen(analytics._buffer_key(ListingView)) == 0


@pytest.mark.redis
@pytest.mark.django_db
def test_a_redis_that_persists_its_writes_buffers_the_rows():
    redis = get_redis_connection("default")
    try:
        redis.config_set("appendonly", "yes")
    except RedisError as refused:
        pytest.skip(f"this Redis does not let the test switch its append-only file on: {refused}")
    try:
        analytics.listing_view_record(listing_id=8, user_id=1)

        assert not ListingView.objects.exists()
        assert redis.llen(analytics._buffer_key(ListingView)) == 1
        assert analytics.analytics_buffers_flush() == 1
    finally:
        redis.config_set("appendonly", "no")
    assert ListingView.objects.get().listing_id == 8
