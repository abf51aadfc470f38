"""Failed logins, counted in the cache per username and per client address.

Past LOGIN_FAILURES_PER_USERNAME failures for one username, or
LOGIN_FAILURES_PER_ADDRESS from one address, within
LOGIN_FAILURES_WINDOW_SECONDS, logins are refused until the window that
began with the first failure ends, even with the right password: guessing
gets a handful of tries per window instead of thousands. A success clears
the username's count, not the address's (one known account must not reset
an attacker's address). Failures are recorded from Django's
user_login_failed signal, so the token endpoint and the admin's login count
alike.
"""

import hashlib
import logging
import time

from django.conf import settings
from django.core.cache import cache

logger = logging.getLogger("travelhub.auth")


def login_lockout_seconds(*, username: str, address: str) -> int:
    """Seconds until a login of `username` from `address` may be tried; 0: now."""
    waits = [0]
    try:
        for key, limit in _counters(username=username, address=address):
            if (cache.get(key) or 0) >= limit:
                waits.append(max(1, int((cache.get(f"{key}:until") or time.time()) - time.time()) + 1))
    except Exception:  # the cache (Redis) is down: logins go on unthrottled rather than all refused
        logger.warning("login throttle: cache unavailable, not checked", exc_info=True)
        return 0
    return max(waits)


def login_failure_record(*, username: str, address: str) -> None:
    window = settings.LOGIN_FAILURES_WINDOW_SECONDS
    try:
        for key, _limit in _counters(username=username, address=address):
            # The window starts at the first failure and is not extended by later ones.
            if cache.add(key, 0, timeout=window):
                cache.set(f"{key}:until", time.time() + window, timeout=window)
            try:
                cache.incr(key)
            except ValueError:  # expired between add and incr: this failure opens a new window
                cache.add(key, 1, timeout=window)
                cache.set(f"{key}:until", time.time() + window, timeout=window)
    except Exception:
        logger.warning("login throttle: cache unavailable, failure not counted", exc_info=True)


def login_success_record(*, username: str) -> None:
    try:
        for key, _limit in _counters(username=username, address=""):
            cache.delete_many([key, f"{key}:until"])
    except Exception:
        logger.warning("login throttle: cache unavailable, count not cleared", exc_info=True)


def _counters(*, username: str, address: str) -> list[tuple[str, int]]:
    counters = []
    if username:
        # Hashed: usernames and e-mails are not written to the cache as they are.
        digest = hashlib.sha256(username.strip().lower().encode()).hexdigest()[:32]
        counters.append((f"login-failures:user:{digest}", settings.LOGIN_FAILURES_PER_USERNAME))
    if address:
        counters.append((f"login-failures:addr:{address}", settings.LOGIN_FAILURES_PER_ADDRESS))
    return counters
