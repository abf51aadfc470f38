"""JSON error pages for API paths; HTML ones elsewhere (admin)."""

from django.http import JsonResponse
from django.utils.translation import gettext as _
from django.views import defaults


def not_found(request, exception):
    if request.path.startswith("/api/"):
        return JsonResponse({"detail": _("No encontrado."), "code": "not_found"}, status=404)
    return defaults.page_not_found(request, exception)


def server_error(request):
    if request.path.startswith("/api/"):
        return JsonResponse({"detail": _("Error interno del servidor."), "code": "server_error"}, status=500)
    return defaults.server_error(request)
