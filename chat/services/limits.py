"""How often a user may send: CHAT_MESSAGES_PER_MINUTE in a fixed
one-minute window counted in the cache (Redis in production). One key per
sending user and minute, expiring after two: the keys are bounded by the
users active in the last two minutes."""

import logging
import time

from django.conf import settings
from django.core.cache import cache
from django.utils.translation import gettext as _

from core.exceptions import RateLimited

logger = logging.getLogger(__name__)


def message_rate_take(*, user_id: int) -> None:
    """Count one message of the user's, or RateLimited when the minute's are spent."""
    now = time.time()
    minute = int(now // 60)
    key = f"chat:rate:{user_id}:{minute}"
    try:
        cache.add(key, 0, timeout=120)
        count = cache.incr(key)
    except ValueError:  # expired between add and incr: a new window
        cache.add(key, 1, timeout=120)
        count = 1
    except Exception:  # the cache is down: messages go on unthrottled rather than all refused
        logger.warning("chat rate limit: cache unavailable, not checked", exc_info=True)
        return
    if count > settings.CHAT_MESSAGES_PER_MINUTE:
        raise RateLimited(
            _("Envió demasiados mensajes; espere un momento (máximo %(limit)d por minuto).")
            % {"limit": settings.CHAT_MESSAGES_PER_MINUTE},
            retry_after=max(1, int((minute + 1) * 60 - now) + 1),
        )
