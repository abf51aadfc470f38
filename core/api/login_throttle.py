"""The login throttle (core.services.login_throttle) at the HTTP edge: the
client's address, the 429 answer, and the admin's login view wrapped."""

import functools

from django.conf import settings
from django.http import JsonResponse
from django.utils.translation import gettext as _
from rest_framework import exceptions

from core.services.login_throttle import login_failure_record, login_lockout_seconds, login_success_record


def client_address(request) -> str:
    """The address the request came from: REMOTE_ADDR, or, behind
    TRUSTED_PROXY_COUNT proxies that append to X-Forwarded-For, the entry
    the outermost of them added (what a client writes there is not trusted)."""
    if request is None:
        return ""
    proxies = settings.TRUSTED_PROXY_COUNT
    forwarded = [part.strip() for part in request.META.get("HTTP_X_FORWARDED_FOR", "").split(",") if part.strip()]
    if proxies and len(forwarded) >= proxies:
        return forwarded[-proxies]
    return request.META.get("REMOTE_ADDR", "")


def throttled_message(wait: int) -> str:
    minutes = max(1, -(-wait // 60))
    return _("Demasiados intentos de inicio de sesión fallidos. Vuelva a intentarlo en %(minutes)d minuto(s).") % {
        "minutes": minutes
    }


def login_throttle_check(request, *, username: str) -> None:
    """Raise DRF's Throttled (429 with Retry-After) while this login is locked out."""
    wait = login_lockout_seconds(username=username, address=client_address(request))
    if wait:
        # DRF would append its own "expected available in …" to the message: the wait is set apart.
        throttled = exceptions.Throttled(detail=throttled_message(wait))
        throttled.wait = wait
        raise throttled


def login_throttled(view):
    """The admin's login view, refused (429, JSON) while locked out."""

    @functools.wraps(view)
    def wrapped(request, *args, **kwargs):
        if request.method == "POST":
            wait = login_lockout_seconds(username=request.POST.get("username", ""), address=client_address(request))
            if wait:
                response = JsonResponse({"detail": throttled_message(wait), "code": "throttled"}, status=429)
                response["Retry-After"] = str(wait)
                return response
        return view(request, *args, **kwargs)

    return wrapped


def login_failed_receive(sender, credentials, request=None, **kwargs):
    """user_login_failed: count it (connected in core.registrations)."""
    login_failure_record(username=credentials.get("username", ""), address=client_address(request))


def logged_in_receive(sender, request, user, **kwargs):
    """user_logged_in (the admin's session login): clear the account's count."""
    login_success_record(username=user.get_username())
