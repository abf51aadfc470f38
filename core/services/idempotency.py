"""Idempotency-Key for requests that create something (a booking, a
payment), the way payment APIs do it: the first answer (status and body) is
kept a day per user and key, and a repeat gets it again — also a repeat that
arrives while the first request is still running, which waits for it. The
same key with another body is a 422; a key over 200 characters a 400.

A request that fails with an error is not kept: the client may send it
again with the same key once the cause is fixed."""

import hashlib
import time
from collections.abc import Callable
from datetime import datetime, timedelta

from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from rest_framework.request import Request
from rest_framework.response import Response

from core.exceptions import DomainError, InvalidInput
from core.models import IdempotentRequest

MAX_KEY_LENGTH = 200
KEPT_FOR = timedelta(hours=24)
# How long a repeat waits for the first request to answer.
WAIT_SECONDS = 15.0
POLL_SECONDS = 0.05


class KeyReused(DomainError):
    status_code = 422
    code = "idempotency_key_reused"


class FirstRequestStillRunning(DomainError):
    status_code = 409
    code = "idempotency_key_in_use"


def idempotent_response(request: Request, answer: Callable[[], Response]) -> Response:
    """`answer()` for the first request with the request's Idempotency-Key
    (or without one); the first answer again for a repeat."""
    key = request.headers.get("Idempotency-Key")
    if key is None:
        return answer()
    if not key or len(key) > MAX_KEY_LENGTH or not key.isprintable():
        raise InvalidInput(
            _("El Idempotency-Key debe tener entre 1 y %(max)d caracteres imprimibles.") % {"max": MAX_KEY_LENGTH},
            code="invalid_idempotency_key",
            field="Idempotency-Key",
        )
    digest = hashlib.sha256(b"\0".join([request.method.encode(), request.path.encode(), request.body])).hexdigest()
    while (record := _claimed(request.user, key, digest)) is None:
        replayed = _first_answer(request.user, key, digest)
        if replayed is not None:
            return replayed
        # The first request failed and let the key go: this one is the first now.
    try:
        response = answer()
    except BaseException:
        record.delete()
        raise
    if response.status_code >= 500:
        record.delete()
        return response
    record.status_code, record.body = response.status_code, response.data
    record.save(update_fields=["status_code", "body"])
    return response


def idempotent_requests_forget(*, now: datetime | None = None) -> int:
    """Drop the keys older than a day. Returns how many."""
    deleted, _ = IdempotentRequest.objects.filter(created_at__lt=(now or timezone.now()) - KEPT_FOR).delete()
    return deleted


def _claimed(user, key: str, digest: str) -> IdempotentRequest | None:
    """The record of this first request, or None when the key was used before."""
    IdempotentRequest.objects.filter(user=user, key=key, created_at__lt=timezone.now() - KEPT_FOR).delete()
    try:
        with transaction.atomic():
            return IdempotentRequest.objects.create(user=user, key=key, request_digest=digest)
    except IntegrityError:
        return None


def _first_answer(user, key: str, digest: str) -> Response | None:
    """The first request's answer once it has one; None if it failed."""
    deadline = time.monotonic() + WAIT_SECONDS
    while True:
        record = IdempotentRequest.objects.filter(user=user, key=key).first()
        if record is None:
            return None
        if record.request_digest != digest:
            raise KeyReused(_("Este Idempotency-Key ya se usó con otra petición."), field="Idempotency-Key")
        if record.status_code is not None:
            return Response(record.body, status=record.status_code, headers={"Idempotent-Replayed": "true"})
        if time.monotonic() >= deadline:
            raise FirstRequestStillRunning(
                _("La primera petición con este Idempotency-Key aún no termina; reintente en unos segundos.")
            )
        time.sleep(POLL_SECONDS)
