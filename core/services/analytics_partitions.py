"""Monthly partitions of the analytics and log tables on PostgreSQL.

Partitions are named <table>_pYYYYMM and cover one UTC month; they are made
a few months ahead by a periodic task, so rows never land in the default
partition (which only exists so that no row is ever refused). Retention
drops whole partitions — instant, no row-by-row delete, no bloat. On SQLite
the tables are plain and retention deletes rows."""

import logging
import re
from collections.abc import Callable
from datetime import UTC, date, datetime

from django.db import connection, transaction

from core.models.analytics import PARTITIONED_MODELS

logger = logging.getLogger(__name__)

MONTHS_AHEAD = 3
_PARTITION_NAME = re.compile(r"_p(\d{4})(\d{2})$")


def _month_start(day: date) -> date:
    return day.replace(day=1)


def _next_month(month: date) -> date:
    return date(month.year + month.month // 12, month.month % 12 + 1, 1)


def _is_partitioned() -> bool:
    return connection.vendor == "postgresql"


def analytics_partitions(table: str) -> list[tuple[str, date]]:
    """(partition name, first day of its month) of `table`, oldest first."""
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT child.relname FROM pg_inherits "
            "JOIN pg_class parent ON parent.oid = pg_inherits.inhparent "
            "JOIN pg_class child ON child.oid = pg_inherits.inhrelid "
            "WHERE parent.relname = %s",
            [table],
        )
        names = [row[0] for row in cursor.fetchall()]
    months = []
    for name in names:
        match = _PARTITION_NAME.search(name)
        if match:
            months.append((name, date(int(match[1]), int(match[2]), 1)))
    return sorted(months, key=lambda item: item[1])


def analytics_partitions_ensure(*, today: date | None = None, months_ahead: int = MONTHS_AHEAD) -> list[str]:
    """Create the partitions of this month and the next `months_ahead`;
    returns the names it created (none when they all exist)."""
    if not _is_partitioned():
        return []
    month = _month_start(today or datetime.now(UTC).date())
    months = [month]
    for _ in range(months_ahead):
        months.append(_next_month(months[-1]))
    created = []
    with transaction.atomic(), connection.cursor() as cursor:
        for model in PARTITIONED_MODELS:
            table = model._meta.db_table
            existing = {start for _, start in analytics_partitions(table)}
            for start in months:
                if start in existing:
                    continue
                name = f"{table}_p{start:%Y%m}"
                cursor.execute(
                    f'CREATE TABLE "{name}" PARTITION OF "{table}" '
                    f"FOR VALUES FROM ('{start.isoformat()} 00:00+00') TO ('{_next_month(start).isoformat()} 00:00+00')"
                )
                created.append(name)
    if created:
        logger.info("analytics partitions created: %s", ", ".join(created))
    return created


def analytics_partitions_drop_before(
    *, cutoff: datetime, before_drop: Callable[[datetime, datetime], None] | None = None
) -> int:
    """Drop every partition whose whole month ends on or before `cutoff`,
    calling `before_drop(start, end)` first for the period it holds. On
    SQLite, delete the rows older than `cutoff` instead. Returns partitions
    dropped (rows deleted on SQLite)."""
    if not _is_partitioned():
        oldest = min(
            (
                value
                for model in PARTITIONED_MODELS
                if (
                    value := model.objects.order_by(model.PARTITION_COLUMN)
                    .values_list(model.PARTITION_COLUMN, flat=True)
                    .first()
                )
            ),
            default=None,
        )
        if oldest is None or oldest >= cutoff:
            return 0
        if before_drop:
            before_drop(oldest, cutoff)
        return sum(
            model.objects.filter(**{f"{model.PARTITION_COLUMN}__lt": cutoff}).delete()[0]
            for model in PARTITIONED_MODELS
        )
    dropped = 0
    for model in PARTITIONED_MODELS:
        table = model._meta.db_table
        for name, start in analytics_partitions(table):
            end = _next_month(start)
            end_at = datetime(end.year, end.month, 1, tzinfo=UTC)
            if end_at > cutoff:
                continue
            if before_drop:
                before_drop(datetime(start.year, start.month, 1, tzinfo=UTC), end_at)
            with connection.cursor() as cursor:
                cursor.execute(f'DROP TABLE "{name}"')
            logger.info("analytics partition %s dropped (retention)", name)
            dropped += 1
    return dropped
