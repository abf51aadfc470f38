"""Liveness and readiness probes for the load balancer and orchestrator.

Readiness answers within HEALTH_READY_TIMEOUT_SECONDS whatever the
dependencies do: each check runs in a thread of its own, and one that has
not answered by then is reported as a timeout. The body names the failing
part only; addresses and driver errors go to the log, not to whoever asks.
"""

import logging
import threading
import time

from django.conf import settings
from django.core.cache import cache
from django.db import connection
from django.http import JsonResponse
from django.views.decorators.cache import never_cache
from kombu import Connection

logger = logging.getLogger("travelhub.health")


@never_cache
def live(request):
    return JsonResponse({"status": "ok"})


@never_cache
def ready(request):
    checks = checks_run(
        {"database": _check_database, "cache": _check_cache, "broker": _check_broker},
        timeout=settings.HEALTH_READY_TIMEOUT_SECONDS,
    )
    healthy = all(result in ("ok", "in-process") for result in checks.values())
    body = {"status": "ok" if healthy else "unavailable", "checks": checks}
    return JsonResponse(body, status=200 if healthy else 503)


def checks_run(checks: dict, *, timeout: float) -> dict[str, str]:
    """Run each check in a daemon thread; "ok" (or what it returns), "error"
    if it raised, "timeout" if it had not finished when `timeout` ran out.
    A check left running ends by its own timeouts (DB_CONNECT_TIMEOUT, the
    Redis socket timeouts) and cannot keep the process alive."""
    results: dict[str, str] = {}
    threads = []
    for name, check in checks.items():
        thread = threading.Thread(target=_check_into, args=(name, check, results), daemon=True)
        thread.start()
        threads.append(thread)
    deadline = time.monotonic() + timeout
    for thread in threads:
        thread.join(max(0.0, deadline - time.monotonic()))
    return {name: results.get(name, "timeout") for name in checks}


def _check_into(name: str, check, results: dict) -> None:
    try:
        results[name] = check()
    except Exception:  # any failure means "not ready"; the details are for the log only
        logger.warning("readiness: %s check failed", name, exc_info=True)
        results[name] = "error"


def _check_database() -> str:
    # This thread's own connection: closed again, so probes never pile up connections.
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
    finally:
        connection.close()
    return "ok"


def _check_cache() -> str:
    cache.set("health:ready", "1", timeout=10)
    if cache.get("health:ready") != "1":
        raise RuntimeError("the cache did not keep a value")
    return "ok"


def _check_broker() -> str:
    if settings.CELERY_TASK_ALWAYS_EAGER:
        return "in-process"
    timeout = settings.HEALTH_READY_TIMEOUT_SECONDS
    with Connection(settings.CELERY_BROKER_URL, connect_timeout=timeout) as broker:
        # One retry at once: a refused broker is an "error" well before the deadline.
        broker.ensure_connection(max_retries=1, interval_start=0, interval_step=0, interval_max=0, timeout=timeout)
    return "ok"
