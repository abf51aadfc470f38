"""Presence: "online" is a key in the cache (Redis) that lives
CHAT_PRESENCE_TTL_SECONDS after the last heartbeat or socket connect; the
last time a user was seen is written to the database at most once a minute
(one conditional UPDATE), not per heartbeat."""

import logging
from dataclasses import dataclass
from datetime import datetime, timedelta

from django.conf import settings
from django.core.cache import cache
from django.db import connection
from django.utils import timezone

from chat.models import UserPresence
from core.models import User

logger = logging.getLogger(__name__)

PERSIST_EVERY = timedelta(minutes=1)


@dataclass(frozen=True)
class Presence:
    online: bool
    last_seen_at: datetime | None


def _online_key(user_id: int) -> str:
    return f"chat:online:{user_id}"


def presence_touch(*, user: User, now: datetime | None = None) -> Presence:
    """The user is here (a heartbeat, a socket connecting): online for the
    TTL, and their last-seen time written if it is a minute old."""
    now = now or timezone.now()
    try:
        cache.set(_online_key(user.pk), 1, timeout=settings.CHAT_PRESENCE_TTL_SECONDS)
        # Most heartbeats stop here: the database was written less than a minute ago.
        due = cache.add(f"chat:seen-written:{user.pk}", 1, timeout=int(PERSIST_EVERY.total_seconds()))
    except Exception:  # the cache is down: presence is best effort, the request goes on
        logger.warning("chat presence: cache unavailable", exc_info=True)
        due = True
    if due:
        last_seen_persist(user_id=user.pk, now=now)
    return Presence(online=True, last_seen_at=now)


def last_seen_persist(*, user_id: int, now: datetime) -> bool:
    """Write `now` as the user's last-seen time unless it was written less
    than a minute ago: one statement (an INSERT the first time, else an
    UPDATE guarded by the age of the stored time). Returns whether it wrote."""
    table = UserPresence._meta.db_table
    adapt = connection.ops.adapt_datetimefield_value
    with connection.cursor() as cursor:
        cursor.execute(
            f"INSERT INTO {table} (user_id, last_seen_at) VALUES (%s, %s) "
            f"ON CONFLICT (user_id) DO UPDATE SET last_seen_at = excluded.last_seen_at "
            f"WHERE {table}.last_seen_at <= %s",
            [user_id, adapt(now), adapt(now - PERSIST_EVERY)],
        )
        return cursor.rowcount == 1


def online_users(user_ids: list[int]) -> set[int]:
    """Which of these users are online: one round trip to the cache."""
    if not user_ids:
        return set()
    try:
        found = cache.get_many([_online_key(user_id) for user_id in user_ids])
    except Exception:
        logger.warning("chat presence: cache unavailable, everyone shown offline", exc_info=True)
        return set()
    return {user_id for user_id in user_ids if _online_key(user_id) in found}
