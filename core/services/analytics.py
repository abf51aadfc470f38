"""Recording analytics and log rows without slowing the request, aggregating
them per day, and dropping raw rows after 90 days.

Where a recorded row waits depends on whether it would survive a Redis
restart (ANALYTICS_BUFFER, "auto" by default): when the Redis server writes
an append-only file, recording appends a JSON line to a Redis list (one
round trip, well under a millisecond) and the periodic flush task moves the
lists into the tables in batches; when it does not (a cache-only Redis, as
on these machines), or there is no Redis, the row is written to the
database at once (one INSERT), so a Redis restart loses nothing. A failing
Redis loses the rows it could not take, never the request."""

import json
import logging
from collections import defaultdict
from datetime import date, datetime, time, timedelta
from decimal import Decimal
from time import monotonic
from zoneinfo import ZoneInfo

from django.conf import settings
from django.db import transaction
from django.db.models import Avg, Count, Q
from django.utils import timezone
from django.utils.dateparse import parse_datetime
from django_redis import get_redis_connection
from redis.exceptions import RedisError

from core.models import AnalyticsEvent, DailyMetric, ExternalApiLog, ListingView, UserActivity
from core.services.analytics_partitions import analytics_partitions_drop_before

logger = logging.getLogger(__name__)

RAW_RETENTION_DAYS = 90
AGGREGATE_RETENTION_DAYS = 366
FLUSH_BATCH = 5000
_MODELS = {model._meta.db_table: model for model in (AnalyticsEvent, ListingView, UserActivity, ExternalApiLog)}


def _buffer_key(model) -> str:
    return f"analytics:buffer:{model._meta.db_table}"


def _redis():
    return get_redis_connection("default")


# How long a process trusts what it learnt of the Redis server's persistence.
DURABILITY_RECHECK_SECONDS = 300
_durability = {"checked_at": float("-inf"), "durable": False}


def _buffer_is_durable() -> bool:
    """Whether rows buffered in Redis would survive its restart: the server
    writes an append-only file (ANALYTICS_BUFFER=auto), or settings say so."""
    if settings.ANALYTICS_BUFFER != "auto":
        return settings.ANALYTICS_BUFFER == "redis"
    if not settings.REDIS_URL:
        return False
    if monotonic() - _durability["checked_at"] > DURABILITY_RECHECK_SECONDS:
        try:
            durable = bool(_redis().info("persistence").get("aof_enabled"))
        except RedisError:
            durable = False
        _durability.update(checked_at=monotonic(), durable=durable)
    return _durability["durable"]


def _record(model, **values) -> None:
    time_column = model.PARTITION_COLUMN
    values.setdefault(time_column, timezone.now())
    if not _buffer_is_durable():
        model.objects.create(**values)
        return
    values[time_column] = values[time_column].isoformat()
    try:
        _redis().rpush(_buffer_key(model), json.dumps(values))
    except RedisError:
        logger.warning("analytics: Redis refused a %s row; it is lost", model._meta.db_table, exc_info=True)


def analytics_event_record(*, name: str, user_id: int | None = None, properties: dict | None = None) -> None:
    _record(AnalyticsEvent, name=name, user_id=user_id, properties=properties or {})


def listing_view_record(*, listing_id: int, user_id: int | None = None, session_key: str = "") -> None:
    _record(ListingView, listing_id=listing_id, user_id=user_id, session_key=session_key[:40])


def user_activity_record(*, user_id: int, action: str, path: str = "") -> None:
    _record(UserActivity, user_id=user_id, action=action, path=path[:300])


def external_api_log_record(
    *, service: str, method: str, url: str, status_code: int | None, duration_ms: int, error: str = ""
) -> None:
    _record(
        ExternalApiLog,
        service=service,
        method=method,
        url=url[:500],
        status_code=status_code,
        duration_ms=duration_ms,
        error=error[:500],
    )


def analytics_buffers_flush(*, batch_size: int = FLUSH_BATCH) -> int:
    """Move the buffered rows into their tables. The rows are removed from
    Redis only after they are committed (at least once); a lock keeps two
    flushers from writing the same rows."""
    if not settings.REDIS_URL:
        return 0
    redis = _redis()
    written = 0
    with redis.lock("analytics:flush-lock", timeout=300, blocking_timeout=0) as locked:
        if not locked:
            return 0
        for model in _MODELS.values():
            key = _buffer_key(model)
            while True:
                lines = redis.lrange(key, 0, batch_size - 1)
                if not lines:
                    break
                rows = []
                for line in lines:
                    values = json.loads(line)
                    values[model.PARTITION_COLUMN] = parse_datetime(values[model.PARTITION_COLUMN])
                    rows.append(model(**values))
                with transaction.atomic():
                    model.objects.bulk_create(rows)
                redis.ltrim(key, len(lines), -1)
                written += len(rows)
    return written


# --- daily aggregates -----------------------------------------------------------


def _business_day_bounds(day: date) -> tuple[datetime, datetime]:
    zone = ZoneInfo(settings.TIME_ZONE)
    start = datetime.combine(day, time.min, tzinfo=zone)
    end = datetime.combine(day + timedelta(days=1), time.min, tzinfo=zone)
    return start, end


def analytics_day_aggregate(*, day: date) -> int:
    """Compute the figures of one business day (America/Lima) from the raw
    rows, replacing what was there. Returns the number of figures."""
    start, end = _business_day_bounds(day)
    figures: dict[tuple[str, str], Decimal] = defaultdict(Decimal)
    for name, count in (
        AnalyticsEvent.objects.filter(occurred_at__gte=start, occurred_at__lt=end)
        .values_list("name")
        .annotate(count=Count("id"))
    ):
        figures[("events", name)] = Decimal(count)
    for listing_id, count, visitors in (
        ListingView.objects.filter(viewed_at__gte=start, viewed_at__lt=end)
        .values_list("listing_id")
        .annotate(count=Count("id"), visitors=Count("user_id", distinct=True))
    ):
        figures[("listing_views", str(listing_id))] = Decimal(count)
        figures[("listing_visitors", str(listing_id))] = Decimal(visitors)
    for action, count, users in (
        UserActivity.objects.filter(occurred_at__gte=start, occurred_at__lt=end)
        .values_list("action")
        .annotate(count=Count("id"), users=Count("user_id", distinct=True))
    ):
        figures[("activity", action)] = Decimal(count)
        figures[("active_users", action)] = Decimal(users)
    for service, count, errors, average in (
        ExternalApiLog.objects.filter(occurred_at__gte=start, occurred_at__lt=end)
        .values_list("service")
        .annotate(
            count=Count("id"),
            errors=Count("id", filter=Q(status_code__gte=500) | Q(status_code__isnull=True) | ~Q(error="")),
            average=Avg("duration_ms"),
        )
    ):
        figures[("api_calls", service)] = Decimal(count)
        figures[("api_errors", service)] = Decimal(errors)
        figures[("api_avg_ms", service)] = Decimal(average or 0).quantize(Decimal("0.01"))
    with transaction.atomic():
        DailyMetric.objects.filter(day=day).delete()
        DailyMetric.objects.bulk_create(
            DailyMetric(day=day, metric=metric, dimension=dimension, value=value)
            for (metric, dimension), value in figures.items()
        )
    return len(figures)


def analytics_daily_job(*, now: datetime | None = None) -> int:
    """The nightly run (01:00 America/Lima): yesterday's figures."""
    now = now or timezone.now()
    yesterday = timezone.localdate(now) - timedelta(days=1)
    return analytics_day_aggregate(day=yesterday)


def analytics_retention(*, now: datetime | None = None) -> dict[str, int]:
    """Drop raw rows older than 90 days — whole partitions on PostgreSQL,
    after aggregating the days they hold that have no figures yet — and
    aggregates older than a year."""
    now = now or timezone.now()
    cutoff = now - timedelta(days=RAW_RETENTION_DAYS)

    def aggregate_missing_days(start: datetime, end: datetime) -> None:
        day = timezone.localdate(start)
        last = timezone.localdate(end)
        aggregated = set(DailyMetric.objects.filter(day__gte=day, day__lte=last).values_list("day", flat=True))
        while day <= last:
            if day not in aggregated:
                analytics_day_aggregate(day=day)
            day += timedelta(days=1)

    dropped = analytics_partitions_drop_before(cutoff=cutoff, before_drop=aggregate_missing_days)
    deleted_aggregates, _ = DailyMetric.objects.filter(
        day__lt=timezone.localdate(now) - timedelta(days=AGGREGATE_RETENTION_DAYS)
    ).delete()
    return {"partitions_dropped": dropped, "aggregates_deleted": deleted_aggregates}
