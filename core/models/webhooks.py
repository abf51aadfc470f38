"""Outgoing webhooks: endpoints their owners register, one subscription row
per event type, the outbox of events written with the business change, and
one delivery per event and endpoint."""

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from core.models.notifications import DeliveryStatus


class WebhookEndpoint(models.Model):
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("dueño"), on_delete=models.CASCADE, related_name="webhook_endpoints"
    )
    url = models.URLField(_("URL"), max_length=500)
    description = models.CharField(_("descripción"), max_length=200, blank=True)
    # "whsec_" + base64 of 24 random bytes (Standard Webhooks).
    secret = models.CharField(_("secreto"), max_length=100)
    # After a rotation the old secret still signs, next to the new one, until
    # it expires: receivers switch without missing a request.
    previous_secret = models.CharField(_("secreto anterior"), max_length=100, blank=True)
    previous_secret_expires_at = models.DateTimeField(_("vence el secreto anterior"), null=True, blank=True)
    active = models.BooleanField(_("activo"), default=True)
    disabled_reason = models.CharField(_("motivo de desactivación"), max_length=200, blank=True)
    # Start of the current run of failures; cleared by any success.
    failing_since = models.DateTimeField(_("fallando desde"), null=True, blank=True)
    created_at = models.DateTimeField(_("creado"), default=timezone.now)
    updated_at = models.DateTimeField(_("actualizado"), auto_now=True)

    class Meta:
        verbose_name = _("endpoint de webhook")
        verbose_name_plural = _("endpoints de webhook")
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["active", "owner"], name="webhook_endpoint_active_owner")]

    def __str__(self) -> str:
        return self.url


class WebhookSubscription(models.Model):
    endpoint = models.ForeignKey(
        WebhookEndpoint, verbose_name=_("endpoint"), on_delete=models.CASCADE, related_name="subscriptions"
    )
    event_type = models.CharField(_("tipo de evento"), max_length=60)

    class Meta:
        verbose_name = _("suscripción de webhook")
        verbose_name_plural = _("suscripciones de webhook")
        ordering = ["event_type"]
        constraints = [
            models.UniqueConstraint(fields=["endpoint", "event_type"], name="webhook_subscription_unique"),
        ]
        # The fan-out looks endpoints up by event type.
        indexes = [models.Index(fields=["event_type", "endpoint"], name="webhook_subscription_event")]

    def __str__(self) -> str:
        return self.event_type


class WebhookEvent(models.Model):
    """The outbox: written in the transaction of the change it reports, so an
    event exists exactly when its change committed."""

    event_type = models.CharField(_("tipo de evento"), max_length=60)
    payload = models.JSONField(_("datos"))
    # Whose endpoints receive it; none means an agency event, for staff endpoints.
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("destinatario"),
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="+",
    )
    processed = models.BooleanField(_("repartido"), default=False)
    processed_at = models.DateTimeField(_("repartido el"), null=True, blank=True)
    created_at = models.DateTimeField(_("creado"), default=timezone.now)

    class Meta:
        db_table = "core_webhook_event_log"
        verbose_name = _("evento de webhook")
        verbose_name_plural = _("eventos de webhook")
        ordering = ["-created_at", "-id"]
        indexes = [
            models.Index(fields=["processed", "created_at"], name="webhook_event_pending"),
            models.Index(fields=["event_type", "-created_at"], name="webhook_event_type_newest"),
        ]

    def __str__(self) -> str:
        return f"{self.event_type} #{self.pk}"


class WebhookDelivery(models.Model):
    Status = DeliveryStatus

    endpoint = models.ForeignKey(
        WebhookEndpoint, verbose_name=_("endpoint"), on_delete=models.CASCADE, related_name="deliveries"
    )
    event = models.ForeignKey(WebhookEvent, verbose_name=_("evento"), on_delete=models.CASCADE, related_name="+")
    # The webhook-id header: the same on every attempt, so receivers deduplicate.
    message_id = models.CharField(_("id del mensaje"), max_length=40, unique=True)
    status = models.CharField(_("estado"), max_length=10, choices=Status.choices, default=Status.PENDING)
    # Also the fencing token of a send (see NotificationDelivery.attempt_count).
    attempt_count = models.PositiveSmallIntegerField(_("intentos"), default=0)
    sender_lost_count = models.PositiveSmallIntegerField(_("envíos perdidos"), default=0)
    next_attempt_at = models.DateTimeField(_("próximo intento"), default=timezone.now)
    last_error = models.CharField(_("último error"), max_length=500, blank=True)
    response_status = models.PositiveSmallIntegerField(_("código de respuesta"), null=True, blank=True)
    response_body = models.CharField(_("respuesta (extracto)"), max_length=1000, blank=True)
    sent_at = models.DateTimeField(_("entregada"), null=True, blank=True)
    created_at = models.DateTimeField(_("creada"), default=timezone.now)
    updated_at = models.DateTimeField(_("actualizada"), auto_now=True)

    class Meta:
        verbose_name = _("entrega de webhook")
        verbose_name_plural = _("entregas de webhook")
        ordering = ["-created_at", "-id"]
        constraints = [
            models.UniqueConstraint(fields=["event", "endpoint"], name="webhook_delivery_one_per_endpoint"),
        ]
        indexes = [
            # An owner's delivery list per endpoint, filtered by status.
            models.Index(fields=["endpoint", "status", "-created_at"], name="webhook_delivery_endpoint"),
            # The sender: due deliveries.
            models.Index(fields=["status", "next_attempt_at", "attempt_count"], name="webhook_delivery_due"),
        ]

    def __str__(self) -> str:
        return self.message_id
