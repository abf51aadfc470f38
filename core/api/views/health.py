"""Liveness and readiness probes for the load balancer and orchestrator."""

from django.conf import settings
from django.core.cache import cache
from django.db import connection
from django.http import JsonResponse
from django.views.decorators.cache import never_cache
from kombu import Connection
from redis.exceptions import RedisError

READINESS_TIMEOUT_SECONDS = 2


@never_cache
def live(request):
    return JsonResponse({"status": "ok"})


@never_cache
def ready(request):
    checks = {"database": _check_database(), "cache": _check_cache(), "broker": _check_broker()}
    healthy = all(result in ("ok", "in-process") for result in checks.values())
    body = {"status": "ok" if healthy else "unavailable", "checks": checks}
    return JsonResponse(body, status=200 if healthy else 503)


def _check_database() -> str:
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
    except Exception as error:  # any driver error means "not ready"; it is reported, not hidden
        return f"error: {error.__class__.__name__}: {error}"
    return "ok"


def _check_cache() -> str:
    try:
        cache.set("health:ready", "1", timeout=10)
        if cache.get("health:ready") != "1":
            return "error: value not kept"
    except RedisError as error:
        return f"error: {error.__class__.__name__}: {error}"
    return "ok"


def _check_broker() -> str:
    if settings.CELERY_TASK_ALWAYS_EAGER:
        return "in-process"
    try:
        with Connection(settings.CELERY_BROKER_URL, connect_timeout=READINESS_TIMEOUT_SECONDS) as broker:
            broker.ensure_connection(max_retries=1, timeout=READINESS_TIMEOUT_SECONDS)
    except Exception as error:  # kombu raises transport-specific errors
        return f"error: {error.__class__.__name__}: {error}"
    return "ok"
