"""/metrics, for the Prometheus scraper only.

Its series name every route, queue and cache namespace and count the traffic:
reconnaissance for anyone else. A request may read it with the bearer token
METRICS_TOKEN, or from a network in METRICS_ALLOWED_NETWORKS (the connecting
address, REMOTE_ADDR: a proxy in front makes every client look like it, so
behind one use the token)."""

import hmac
import ipaddress

from django.conf import settings
from django.http import JsonResponse
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django_prometheus.exports import ExportToDjangoView


@never_cache
def metrics(request):
    if not metrics_access_allowed(request):
        return JsonResponse(
            {"detail": _("Las métricas solo están disponibles para el monitoreo autorizado."), "code": "forbidden"},
            status=403,
        )
    return ExportToDjangoView(request)


def metrics_access_allowed(request) -> bool:
    token = settings.METRICS_TOKEN
    if token and hmac.compare_digest(request.headers.get("Authorization", "").encode(), f"Bearer {token}".encode()):
        return True
    try:
        address = ipaddress.ip_address(request.META.get("REMOTE_ADDR", ""))
    except ValueError:
        return False
    return any(address in ipaddress.ip_network(network, strict=False) for network in settings.METRICS_ALLOWED_NETWORKS)
