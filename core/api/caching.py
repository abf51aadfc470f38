"""HTTP caching of API reads: rendered responses in the namespaced cache,
and Cache-Control per route.

Apps register their cached routes (`cached_route_register`: the first path
segment under /api/, the cache namespace, the query parameters the endpoint
understands) and their Cache-Control rules (`cache_control_register`) from
their `registrations` module.

A hit is answered by CachedResponseMiddleware near the top of the stack: no
session, authentication, CSRF or message handling (a public read needs
none), no URL routing, no DRF, no query — the stored bytes, or a 304 when
the client already holds them. A miss reaches the view, wrapped by
`cached_view`, which renders it once and stores it with an ETag.

Only the parameters a route understands enter its key, and the view sees
only those (so the links a page carries do not echo anything else): a
request with `?x=<random>` is the same entry as one without."""

from __future__ import annotations

import functools
import hashlib
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import NamedTuple
from urllib.parse import urlencode

from django.core.exceptions import ImproperlyConfigured
from django.http import HttpRequest, HttpResponse, HttpResponseNotModified, QueryDict
from django.utils.cache import parse_etags

from core.api.renderers import ORJSONRenderer
from core.cache import cache_get_or_compute, cache_peek
from core.text import search_key


@dataclass(frozen=True)
class CachedRoute:
    # The path under /api/: one segment ("paises": the list and its details)
    # or two ("listings/search": that path alone).
    segment: str
    namespace: str
    params: frozenset[str]
    # The scopes an entry of this route depends on, from its request (e.g.
    # the city searched); none by default.
    scopes: Callable[[HttpRequest], tuple[str, ...]] | None = None
    # A parameter the route does not understand is ignored (left out of the
    # key and of what the view sees), or refused: the request is not served
    # from the cache and the view answers it (a 400).
    refuse_unknown: bool = False


_routes: dict[str, CachedRoute] = {}
_cache_control: dict[str, str] = {}


def cached_route_register(
    segment: str,
    *,
    namespace: str,
    params: Iterable[str] = (),
    scopes: Callable[[HttpRequest], tuple[str, ...]] | None = None,
    refuse_unknown: bool = False,
) -> CachedRoute:
    """Serve GETs of /api/<segment>/ from the cache namespace."""
    # `format=json` stays: without it the view would negotiate from Accept.
    route = CachedRoute(segment, namespace, frozenset([*params, "format"]), scopes, refuse_unknown)
    if _routes.get(segment, route) != route:
        raise ImproperlyConfigured(f"cached route /api/{segment}/ is registered twice, differently")
    _routes[segment] = route
    return route


def cache_control_register(prefix: str, value: str) -> None:
    """Cache-Control of successful reads under `prefix`; the longest
    registered prefix of a path wins."""
    if not prefix.startswith("/"):
        raise ImproperlyConfigured(f"cache-control prefix {prefix!r} must start with '/'")
    if _cache_control.get(prefix, value) != value:
        raise ImproperlyConfigured(f"cache-control for {prefix} is registered twice, differently")
    _cache_control[prefix] = value


@functools.lru_cache(maxsize=2048)
def cache_control_for(path: str) -> str | None:
    matches = [prefix for prefix in _cache_control if path.startswith(prefix)]
    return _cache_control[max(matches, key=len)] if matches else None


class RenderedResponse(NamedTuple):
    body: bytes
    content_type: str
    etag: str
    # The URL pattern the response answered, for the metrics of cache hits.
    route: str

    def to_bytes(self) -> bytes:
        return b"\n".join([self.etag.encode(), self.content_type.encode(), self.route.encode(), self.body])

    @classmethod
    def from_bytes(cls, value: bytes) -> RenderedResponse:
        etag, content_type, route, body = value.split(b"\n", 3)
        return cls(body, content_type.decode(), etag.decode(), route.decode())


def _route_of(request: HttpRequest) -> CachedRoute | None:
    path = request.path_info
    if not path.startswith("/api/"):
        return None
    first, _, rest = path[5:].partition("/")
    if rest and rest.count("/") == 1 and (route := _routes.get(f"{first}/{rest[:-1]}")):
        return route
    route = _routes.get(first)
    return route if route is not None and "/" not in route.segment else None


def _wants_json(request: HttpRequest) -> bool:
    # Read from META: building request.GET and request.headers costs more
    # than the rest of a hit.
    if "format=" in request.META.get("QUERY_STRING", ""):
        return request.GET.get("format") == "json"
    # The browsable API (a browser asking for HTML) is rendered live.
    return "text/html" not in request.META.get("HTTP_ACCEPT", "")


def _normalized_query(request: HttpRequest, params: frozenset[str]) -> tuple[str, bool]:
    """The query reduced to `params` (sorted, trimmed), and whether it held
    anything else."""
    # WSGI hands the query string over decoded as ISO-8859-1; QueryDict reads its bytes as UTF-8.
    return _normalized(request.META.get("QUERY_STRING", "").encode("iso-8859-1", errors="replace"), params)


@functools.lru_cache(maxsize=4096)
def _normalized(query_string: bytes, params: frozenset[str]) -> tuple[str, bool]:
    pairs = []
    unknown = False
    for name, values in sorted(QueryDict(query_string).lists()):
        if name not in params:
            unknown = True
            continue
        for value in values:
            value = search_key(value) if name == "search" else value.strip()
            if value:
                pairs.append((name, value))
    return urlencode(pairs), unknown


def _key(request: HttpRequest, query: str) -> str:
    # Paginated bodies hold absolute next/previous links, so scheme and host
    # are part of it; get_host() also refuses hosts outside ALLOWED_HOSTS.
    return "|".join([request.LANGUAGE_CODE, request.scheme, request.get_host(), request.path, query])


def _etag(body: bytes) -> str:
    return f'"{hashlib.blake2b(body, digest_size=16).hexdigest()}"'


def _respond(request: HttpRequest, rendered: RenderedResponse) -> HttpResponse:
    if_none_match = request.META.get("HTTP_IF_NONE_MATCH")
    if if_none_match and rendered.etag in parse_etags(if_none_match):
        response = HttpResponseNotModified()
    else:
        response = HttpResponse(rendered.body, content_type=rendered.content_type)
    response["ETag"] = rendered.etag
    response["Vary"] = "Accept, Accept-Language"
    request.metrics_route = rendered.route
    return response


def _scopes(route: CachedRoute, request: HttpRequest) -> tuple[str, ...]:
    return route.scopes(request) if route.scopes else ()


class CachedResponseMiddleware:
    """Answers cached GETs before the rest of the stack. Place it after
    LocaleMiddleware (the language is part of the key) and below the
    middleware whose headers every response carries."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        if request.method in ("GET", "HEAD"):
            route = _route_of(request)
            if route is not None and _wants_json(request):
                query, unknown = _normalized_query(request, route.params)
                if unknown and route.refuse_unknown:
                    return self.get_response(request)
                value = cache_peek(route.namespace, _key(request, query), scopes=lambda: _scopes(route, request))
                if value is not None:
                    return _respond(request, RenderedResponse.from_bytes(value))
        return self.get_response(request)


def cached_view(view):
    """Wrap a view of a registered cached route: its successful JSON reads are
    rendered once and stored; everything else goes to the view."""

    @functools.wraps(view)
    def caching_view(request: HttpRequest, *args, **kwargs) -> HttpResponse:
        route = _route_of(request)
        if route is None or request.method not in ("GET", "HEAD") or not _wants_json(request):
            return view(request, *args, **kwargs)
        query, unknown = _normalized_query(request, route.params)
        if unknown and route.refuse_unknown:
            return view(request, *args, **kwargs)
        # The view sees the parameters the key holds, and nothing else.
        request.META["QUERY_STRING"] = query
        request.GET = QueryDict(query)
        live = {}

        def render() -> bytes | None:
            response = view(request, *args, **kwargs)
            response.render()
            live["response"] = response
            if response.status_code != 200:
                return None
            match = request.resolver_match
            return RenderedResponse(
                response.content, response["Content-Type"], _etag(response.content), match.route if match else ""
            ).to_bytes()

        value = cache_get_or_compute(
            route.namespace, _key(request, query), render, scopes=lambda: _scopes(route, request)
        )
        if value is None:
            return live["response"]
        return _respond(request, RenderedResponse.from_bytes(value))

    return caching_view


def cached_json_response(
    request: HttpRequest,
    *,
    namespace: str,
    key: str,
    compute: Callable[[], object],
    scopes: tuple[str, ...] = (),
) -> HttpResponse:
    """For a view that checked the caller may see it: the JSON of `compute()`
    from the cache namespace, rendered once, with an ETag (a 304 when the
    client holds it). An error `compute` raises reaches the view's handler."""

    def render() -> bytes:
        body = ORJSONRenderer().render(compute())
        match = request.resolver_match
        return RenderedResponse(body, "application/json", _etag(body), match.route if match else "").to_bytes()

    return _respond(request, RenderedResponse.from_bytes(cache_get_or_compute(namespace, key, render, scopes=scopes)))


class CacheControlMiddleware:
    """Sets Cache-Control on successful reads from the registered rules,
    unless the view set its own."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self.get_response(request)
        if request.method in ("GET", "HEAD") and response.status_code in (200, 304) and "Cache-Control" not in response:
            value = cache_control_for(request.path)
            if value:
                response["Cache-Control"] = value
        return response
