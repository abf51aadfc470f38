"""Request-level observability (HTTP cache headers: core.api.caching)."""

import functools
import logging
import re
import time

from django.conf import settings
from django.core.exceptions import MiddlewareNotUsed
from django.db import connection
from django.http import JsonResponse
from django.utils.translation import gettext as _
from prometheus_client import Histogram

logger = logging.getLogger("travelhub.requests")

request_duration = Histogram(
    "travelhub_http_request_duration_seconds",
    "Time to answer a request, by route.",
    ["route", "method", "status"],
    buckets=(0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10),
)


class RequestMetricsMiddleware:
    """Latency histogram labelled by URL pattern (not by raw path, which
    would create a series per id)."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        started = time.perf_counter()
        response = self.get_response(request)
        # A response from the cache (core.api.caching) names the route it
        # answered: no URL was resolved for it.
        match = getattr(request, "resolver_match", None)
        raw_route = getattr(request, "metrics_route", None) or (match.route if match else None)
        route = _readable_route(raw_route) if raw_route else "unmatched"
        request_duration.labels(route, request.method, response.status_code).observe(time.perf_counter() - started)
        return response


@functools.lru_cache(maxsize=512)
def _readable_route(route: str) -> str:
    """'api/paises/(?P<code>[^/]+)/$' -> 'api/paises/{code}/' (router patterns are regexes)."""
    route = re.sub(r"\(\?P<(\w+)>[^)]*\)", r"{\1}", route)
    return route.replace("^", "").replace("$", "")


class QueryCountDebugMiddleware:
    """Logs method, path, status, query count and time of each request, warns
    above QUERY_COUNT_WARNING queries, and adds a Server-Timing header."""

    def __init__(self, get_response):
        if not settings.QUERY_COUNT_MIDDLEWARE:
            raise MiddlewareNotUsed
        self.get_response = get_response

    def __call__(self, request):
        counter = QueryCounter()
        started = time.perf_counter()
        with connection.execute_wrapper(counter):
            response = self.get_response(request)
        total_ms = (time.perf_counter() - started) * 1000
        db_ms = counter.seconds * 1000
        response["Server-Timing"] = f'db;dur={db_ms:.1f};desc="{counter.count} queries", total;dur={total_ms:.1f}'
        level = logging.WARNING if counter.count > settings.QUERY_COUNT_WARNING else logging.INFO
        logger.log(
            level,
            "%s %s %s %d queries %.1f ms db %.1f ms total",
            request.method,
            request.get_full_path(),
            response.status_code,
            counter.count,
            db_ms,
            total_ms,
        )
        return response


class QueryCounter:
    def __init__(self) -> None:
        self.count = 0
        self.seconds = 0.0

    def __call__(self, execute, sql, params, many, context):
        started = time.perf_counter()
        try:
            return execute(sql, params, many, context)
        finally:
            self.count += 1
            self.seconds += time.perf_counter() - started


# C0 and C1 control characters (NUL, U+001E, DEL…): no path segment or query
# parameter of ours means anything with one, and PostgreSQL refuses NUL in text.
_CONTROL_CHARACTER = re.compile(r"[\x00-\x1f\x7f-\x9f]")


class ControlCharactersMiddleware:
    """A path or query parameter (name or value) with a control character is
    a 400 with a JSON body before any view, cache or database sees it."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        if _has_control_character(request):
            return JsonResponse(
                {
                    "detail": _("La dirección o sus parámetros contienen caracteres de control (como NUL)."),
                    "code": "control_characters",
                },
                status=400,
            )
        return self.get_response(request)


def _has_control_character(request) -> bool:
    if _CONTROL_CHARACTER.search(request.path):
        return True
    return any(
        _CONTROL_CHARACTER.search(name) or any(_CONTROL_CHARACTER.search(value) for value in values)
        for name, values in request.GET.lists()
    )
