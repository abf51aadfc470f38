"""The one exception handler of the API.

Every error is JSON: {"detail": <message>, "code": <machine code>} and, for
invalid fields, "errors": {field: [messages]}."""

import logging

from django.core.exceptions import PermissionDenied, RequestDataTooBig
from django.core.exceptions import ValidationError as DjangoValidationError
from django.db import InterfaceError, OperationalError
from django.db.models import ProtectedError
from django.http import Http404
from django.utils.translation import gettext as _
from rest_framework import exceptions, status
from rest_framework.response import Response
from rest_framework.views import exception_handler as drf_exception_handler

from core.exceptions import DomainError, RateLimited

logger = logging.getLogger(__name__)

# An operational database error (refused or dropped connections, a restart,
# a statement timeout) passes: the client is told to come back shortly.
# (InterfaceError: psycopg's "connection already closed", the same outage.)
DATABASE_RETRY_AFTER_SECONDS = 5


def exception_handler(exc, context):
    if isinstance(exc, DomainError):
        body = {"detail": exc.message, "code": exc.code}
        if exc.errors:
            body["errors"] = exc.errors
        headers = {"Retry-After": str(exc.retry_after)} if isinstance(exc, RateLimited) else None
        return Response(body, status=exc.status_code, headers=headers)
    if isinstance(exc, DjangoValidationError):
        exc = exceptions.ValidationError(detail=_django_validation_detail(exc))
    elif isinstance(exc, RequestDataTooBig):
        return Response(
            {"detail": _("La petición es demasiado grande."), "code": "too_large"},
            status=status.HTTP_413_REQUEST_ENTITY_TOO_LARGE,
        )
    elif isinstance(exc, OperationalError | InterfaceError):
        logger.warning("database unavailable: %s", exc)
        return Response(
            {"detail": _("El servicio no está disponible por un momento; vuelva a intentarlo."), "code": "unavailable"},
            status=status.HTTP_503_SERVICE_UNAVAILABLE,
            headers={"Retry-After": str(DATABASE_RETRY_AFTER_SECONDS)},
        )
    elif isinstance(exc, ProtectedError):
        return Response(
            {"detail": _("El registro está en uso y no se puede eliminar."), "code": "protected"},
            status=status.HTTP_409_CONFLICT,
        )
    elif isinstance(exc, Http404):
        exc = exceptions.NotFound()
    elif isinstance(exc, PermissionDenied):
        exc = exceptions.PermissionDenied()

    response = drf_exception_handler(exc, context)
    if response is None:
        return None
    if isinstance(exc, exceptions.ValidationError):
        response.data = _validation_body(exc)
    elif isinstance(exc, exceptions.APIException):
        detail = exc.detail
        response.data = {"detail": str(detail), "code": getattr(detail, "code", exc.default_code)}
    return response


def _django_validation_detail(exc: DjangoValidationError):
    if hasattr(exc, "error_dict"):
        return exc.message_dict
    return {"non_field_errors": exc.messages}


def _validation_body(exc: exceptions.ValidationError) -> dict:
    detail = exc.detail
    if isinstance(detail, dict):
        errors = {field: _messages(value) for field, value in detail.items()}
        first_field, first_messages = next(iter(errors.items()), ("", [""]))
        first = first_messages[0] if first_messages else ""
        summary = first if first_field == "non_field_errors" else f"{first_field}: {first}"
        return {"detail": summary, "code": "invalid", "errors": errors}
    messages = _messages(detail)
    return {"detail": messages[0] if messages else _("Solicitud no válida."), "code": "invalid", "errors": {}}


def _messages(value) -> list:
    if isinstance(value, dict):
        return [f"{key}: {message}" for key, item in value.items() for message in _messages(item)]
    if isinstance(value, list):
        return [message for item in value for message in _messages(item)]
    return [str(value)]
