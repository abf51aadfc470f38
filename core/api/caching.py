"""Serve catalog GETs as rendered bytes from the catalog cache.

A hit is answered by CatalogCacheMiddleware near the top of the stack: no
session, authentication, CSRF or message handling (a public catalog read
needs none), no URL routing, no DRF, no query — the stored bytes, or a 304
when the client already holds them. A miss reaches the view, wrapped by
`cached_catalog_view`, which renders it once and stores it with an ETag."""

import functools
import hashlib
from typing import NamedTuple
from urllib.parse import urlencode

from django.http import HttpRequest, HttpResponse, HttpResponseNotModified, QueryDict
from django.utils.cache import parse_etags

from core.cache import get_or_compute, peek
from core.selectors.catalogs import CATALOG_TIMEOUTS
from core.text import search_key

# The first path segment under /api/ of each cached catalog.
CATALOG_OF_ROUTE = {
    "paises": "countries",
    "monedas": "currencies",
    "ciudades": "cities",
    "aerolineas": "airlines",
    "aeropuertos": "airports",
}


class RenderedResponse(NamedTuple):
    body: bytes
    content_type: str
    etag: str


def _catalog_of(request: HttpRequest) -> str | None:
    path = request.path_info
    if not path.startswith("/api/"):
        return None
    return CATALOG_OF_ROUTE.get(path[5:].partition("/")[0])


def _wants_json(request: HttpRequest) -> bool:
    # Read from META: building request.GET and request.headers costs more
    # than the rest of a hit.
    if "format=" in request.META.get("QUERY_STRING", ""):
        return request.GET.get("format") == "json"
    # The browsable API (a browser asking for HTML) is rendered live.
    return "text/html" not in request.META.get("HTTP_ACCEPT", "")


@functools.lru_cache(maxsize=4096)
def _normalized_query(query_string: str) -> str:
    pairs = []
    for name, values in sorted(QueryDict(query_string).lists()):
        if name == "format":
            continue
        for value in values:
            value = search_key(value) if name == "search" else value.strip()
            if value:
                pairs.append((name, value))
    return urlencode(pairs)


def _variant(request: HttpRequest) -> str:
    # Paginated bodies hold absolute next/previous links, so scheme and host
    # are part of it; get_host() also refuses hosts outside ALLOWED_HOSTS.
    return "|".join(
        [
            request.LANGUAGE_CODE,
            request.scheme,
            request.get_host(),
            request.path,
            _normalized_query(request.META.get("QUERY_STRING", "")),
        ]
    )


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
    return response


class CatalogCacheMiddleware:
    """Answers cached catalog GETs before the rest of the stack. Place it
    after LocaleMiddleware (the language is part of the key) and below the
    middleware whose headers every response carries."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        if request.method in ("GET", "HEAD"):
            catalog = _catalog_of(request)
            if catalog and _wants_json(request):
                rendered = peek(catalog, _variant(request), CATALOG_TIMEOUTS[catalog])
                if rendered is not None:
                    return _respond(request, rendered)
        return self.get_response(request)


def cached_catalog_view(view, *, catalog: str, timeout: int):
    @functools.wraps(view)
    def cached_view(request: HttpRequest, *args, **kwargs) -> HttpResponse:
        if request.method not in ("GET", "HEAD") or not _wants_json(request):
            return view(request, *args, **kwargs)
        live = {}

        def render() -> RenderedResponse | None:
            response = view(request, *args, **kwargs)
            response.render()
            live["response"] = response
            if response.status_code != 200:
                return None
            return RenderedResponse(response.content, response["Content-Type"], _etag(response.content))

        rendered = get_or_compute(catalog, _variant(request), render, timeout)
        if rendered is None:
            return live["response"]
        return _respond(request, rendered)

    return cached_view
