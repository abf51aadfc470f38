"""The first answers to requests sent with an Idempotency-Key, kept a day."""

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


class IdempotentRequest(models.Model):
    """A key a user sent with a request that changes something: while the
    first request runs (status_code empty) a repeat waits; once it answered,
    a repeat gets that answer again; a repeat with another body is refused."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("usuario"), on_delete=models.CASCADE, related_name="+"
    )
    key = models.CharField(_("clave"), max_length=200)
    # Of the method, path and body of the first request.
    request_digest = models.CharField(_("huella de la petición"), max_length=64)
    status_code = models.PositiveSmallIntegerField(_("estado de la respuesta"), null=True, blank=True)
    body = models.JSONField(_("respuesta"), null=True, blank=True)
    created_at = models.DateTimeField(_("recibida"), default=timezone.now)

    class Meta:
        verbose_name = _("petición idempotente")
        verbose_name_plural = _("peticiones idempotentes")
        constraints = [models.UniqueConstraint(fields=["user", "key"], name="idempotency_key_once_per_user")]
        # The daily clean-up: keys older than a day.
        indexes = [models.Index(fields=["created_at"], name="idempotent_request_age")]

    def __str__(self) -> str:
        return f"{self.user_id}:{self.key}"
