"""A plain Django view (no DRF, no cache, no database) answering a fixed
JSON body of about 2 KB: everything a request costs on this stack except
the application's own work, i.e. the ceiling a cached endpoint can reach."""

import json

from django.http import HttpRequest, HttpResponse

# Shaped like a slice of the countries catalog so the bytes are comparable.
_ROWS = [
    {"code": f"X{index:02d}", "alpha3": f"XX{index:01d}", "name": f"País de prueba número {index}", "currency": "PEN"}
    for index in range(24)
]
BARE_BODY = json.dumps(_ROWS, ensure_ascii=False).encode()
# As many bytes as the countries catalog (about 39 KB): tells what the body's size costs by itself.
BARE_LARGE_BODY = json.dumps(_ROWS * 18, ensure_ascii=False).encode()


def bare(request: HttpRequest) -> HttpResponse:
    return HttpResponse(BARE_BODY, content_type="application/json")


def bare_large(request: HttpRequest) -> HttpResponse:
    return HttpResponse(BARE_LARGE_BODY, content_type="application/json")
