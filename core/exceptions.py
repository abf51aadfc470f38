"""Domain errors raised by services and selectors.

The API's exception handler turns each into a 4xx response carrying its
`code` and message; nothing here knows about HTTP beyond the status hint."""

from django.utils.translation import gettext_lazy as _


class DomainError(Exception):
    status_code = 400
    code = "invalid"
    default_message = _("La solicitud no es válida.")

    def __init__(
        self,
        message: str | None = None,
        *,
        code: str | None = None,
        field: str | None = None,
        errors: dict[str, list[str]] | None = None,
    ) -> None:
        self.message = message or str(self.default_message)
        self.code = code or self.code
        # What is wrong with each field: one field (`field`, this message) or several.
        self.errors = errors or ({field: [self.message]} if field else {})
        super().__init__(self.message)


class InvalidInput(DomainError):
    status_code = 400
    code = "invalid"


class Forbidden(DomainError):
    """The caller may not do this at all (as opposed to this object not existing for them)."""

    status_code = 403
    code = "forbidden"
    default_message = _("No tiene permiso para hacer esto.")


class NotFound(DomainError):
    status_code = 404
    code = "not_found"
    default_message = _("No encontrado.")


class Conflict(DomainError):
    """The change contradicts the current state (a state machine, a reference)."""

    status_code = 409
    code = "conflict"
    default_message = _("El cambio no es posible en el estado actual.")


class PayloadTooLarge(DomainError):
    """An upload over the size the endpoint accepts."""

    status_code = 413
    code = "too_large"
    default_message = _("El archivo es demasiado grande.")


class RateLimited(DomainError):
    """The caller did this too often; `retry_after` seconds from now it may again."""

    status_code = 429
    code = "rate_limited"
    default_message = _("Demasiadas solicitudes; inténtelo de nuevo en un momento.")

    def __init__(self, message: str | None = None, *, retry_after: int = 60, **kwargs) -> None:
        self.retry_after = retry_after
        super().__init__(message, **kwargs)
