"""Serve catalog GETs as rendered bytes from the catalog cache.

A hit never enters DRF: no serializer, no query, just the stored bytes (or a
304 when the client already holds them). A miss runs the real view and
stores its rendered JSON with an ETag."""

import functools
import hashlib
from typing import NamedTuple
from urllib.parse import urlencode

from django.http import HttpRequest, HttpResponse, HttpResponseNotModified
from django.utils.cache import parse_etags

from core.cache import get_or_compute
from core.text import search_key


class RenderedResponse(NamedTuple):
    body: bytes
    content_type: str
    etag: str


def _wants_json(request: HttpRequest) -> bool:
    requested_format = request.GET.get("format")
    if requested_format is not None:
        return requested_format == "json"
    # The browsable API (a browser asking for HTML) is rendered live.
    return "text/html" not in request.headers.get("Accept", "")


def _normalized_query(request: HttpRequest) -> str:
    pairs = []
    for name, values in sorted(request.GET.lists()):
        if name == "format":
            continue
        for value in values:
            value = search_key(value) if name == "search" else value.strip()
            if value:
                pairs.append((name, value))
    return urlencode(pairs)


def _variant(request: HttpRequest) -> str:
    # Paginated bodies hold absolute next/previous links, so the host is part of it.
    return "|".join(
        [request.LANGUAGE_CODE, request.scheme, request.get_host(), request.path, _normalized_query(request)]
    )


def _etag(body: bytes) -> str:
    return f'"{hashlib.blake2b(body, digest_size=16).hexdigest()}"'


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
        if rendered.etag in parse_etags(request.headers.get("If-None-Match", "")):
            response = HttpResponseNotModified()
        else:
            response = HttpResponse(rendered.body, content_type=rendered.content_type)
        response["ETag"] = rendered.etag
        return response

    return cached_view
