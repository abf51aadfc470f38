"""The notification queue, its deliveries (one per channel) and what each user
wants to receive.

A queued notification is rendered at enqueue time and fanned out by a worker
into one delivery per channel; a delivery is the unit that is sent, retried
and dead-lettered. Both are claimed with a lease, so a worker that dies loses
its rows after the lease instead of holding them forever."""

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


class Channel(models.TextChoices):
    EMAIL = "email", _("Correo electrónico")
    PUSH = "push", _("Notificación push")
    IN_APP = "in_app", _("En la aplicación")
    WEBHOOK = "webhook", _("Webhook")


class Notification(models.Model):
    recipient = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("destinatario"),
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="+",
    )
    # A client of the agency has no account: their notifications go by
    # e-mail to this address.
    recipient_email = models.EmailField(_("correo del destinatario"), blank=True)
    # Storage names of files attached to the e-mail (an invoice's PDF).
    attachments = models.JSONField(_("adjuntos"), default=list, blank=True)
    kind = models.CharField(_("tipo"), max_length=60)
    language = models.CharField(_("idioma"), max_length=5)
    subject = models.CharField(_("asunto"), max_length=200)
    body = models.TextField(_("texto"))
    data = models.JSONField(_("datos"), default=dict, blank=True)
    # Higher first; within a priority, oldest first.
    priority = models.SmallIntegerField(_("prioridad"), default=0)
    available_at = models.DateTimeField(_("disponible desde"), default=timezone.now)
    processing = models.BooleanField(_("en proceso"), default=False)
    # Times the row was taken back from a worker whose lease expired.
    retry_count = models.PositiveSmallIntegerField(_("reintentos"), default=0)
    locked_at = models.DateTimeField(_("tomada"), null=True, blank=True)
    lock_owner = models.CharField(_("tomada por"), max_length=100, blank=True)
    # Fencing token of the current claim: a worker writes only while its token
    # is still the row's, so one that finishes after losing its lease changes nothing.
    lock_token = models.UUIDField(_("token de la toma"), null=True, blank=True)
    lease_expires_at = models.DateTimeField(_("vence la toma"), null=True, blank=True)
    done_at = models.DateTimeField(_("procesada"), null=True, blank=True)
    # Set when its worker was lost on NOTIFICATION_MAX_CLAIMS claims: it is
    # likely what kills them, so it is no longer claimed until staff retry it.
    dead_at = models.DateTimeField(_("descartada"), null=True, blank=True)
    created_at = models.DateTimeField(_("creada"), default=timezone.now)

    class Meta:
        db_table = "core_notification_queue"
        constraints = [
            models.CheckConstraint(
                condition=models.Q(recipient__isnull=False) | ~models.Q(recipient_email=""),
                name="notification_has_recipient",
            ),
        ]
        verbose_name = _("notificación en cola")
        verbose_name_plural = _("cola de notificaciones")
        ordering = ["-created_at", "-id"]
        indexes = [
            # The claim: pending rows due now, by priority then age. Partial, so
            # the rows already done (most of the table) are not in it.
            models.Index(
                "processing",
                "available_at",
                models.F("priority").desc(),
                "created_at",
                name="notification_queue_claim",
                condition=models.Q(done_at__isnull=True),
            ),
            # The sweep: rows in process whose lease has expired.
            models.Index(
                fields=["lease_expires_at"],
                name="notification_queue_lease",
                condition=models.Q(processing=True),
            ),
        ]

    def __str__(self) -> str:
        return f"{self.kind} → {self.recipient_id or self.recipient_email}"


class DeliveryStatus(models.TextChoices):
    """The life of one attempt to deliver something: notifications and webhooks alike."""

    PENDING = "pending", _("Pendiente")
    SENDING = "sending", _("Enviando")
    SENT = "sent", _("Enviada")
    FAILED = "failed", _("Fallida (se reintentará)")
    DEAD = "dead", _("Descartada")


class NotificationDelivery(models.Model):
    Status = DeliveryStatus

    notification = models.ForeignKey(
        Notification, verbose_name=_("notificación"), on_delete=models.CASCADE, related_name="deliveries"
    )
    channel = models.CharField(_("canal"), max_length=10, choices=Channel.choices)
    status = models.CharField(_("estado"), max_length=10, choices=Status.choices, default=Status.PENDING)
    # Also the fencing token of a send: the outcome is written only if the
    # count is still the one the sender claimed.
    attempt_count = models.PositiveSmallIntegerField(_("intentos"), default=0)
    # Attempts whose sender was lost (its lease ran out before it wrote an
    # outcome); see core.services.delivery_claims.
    sender_lost_count = models.PositiveSmallIntegerField(_("envíos perdidos"), default=0)
    # When pending or failed: when to try. While sending: when the sender's
    # lease ends and the delivery may be taken again.
    next_attempt_at = models.DateTimeField(_("próximo intento"), default=timezone.now)
    last_error = models.TextField(_("último error"), blank=True)
    sent_at = models.DateTimeField(_("enviada"), null=True, blank=True)
    created_at = models.DateTimeField(_("creada"), default=timezone.now)
    updated_at = models.DateTimeField(_("actualizada"), auto_now=True)

    class Meta:
        db_table = "core_notification_delivery"
        verbose_name = _("entrega de notificación")
        verbose_name_plural = _("entregas de notificaciones")
        ordering = ["-created_at", "-id"]
        constraints = [
            models.UniqueConstraint(fields=["notification", "channel"], name="notification_delivery_one_per_channel"),
        ]
        indexes = [
            # Retries: due deliveries by status, fewest attempts first.
            models.Index(fields=["status", "next_attempt_at", "attempt_count"], name="notification_delivery_due"),
            # The history of one notification, newest first.
            models.Index(fields=["notification", "-created_at"], name="notification_delivery_history"),
        ]

    def __str__(self) -> str:
        return f"{self.notification_id}/{self.channel}: {self.status}"


class NotificationPreference(models.Model):
    """Whether a user wants one kind of notification on one channel. Without
    a row the kind's default channels apply."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("usuario"),
        on_delete=models.CASCADE,
        related_name="notification_preferences",
    )
    kind = models.CharField(_("tipo"), max_length=60)
    channel = models.CharField(_("canal"), max_length=10, choices=Channel.choices)
    enabled = models.BooleanField(_("activa"), default=True)

    class Meta:
        verbose_name = _("preferencia de notificación")
        verbose_name_plural = _("preferencias de notificación")
        constraints = [
            models.UniqueConstraint(fields=["user", "kind", "channel"], name="notification_preference_unique"),
        ]

    def __str__(self) -> str:
        return f"{self.user_id} {self.kind}/{self.channel}: {self.enabled}"


class NotificationOptOut(models.Model):
    """A user who unsubscribed from every notification but the ones that
    must reach them (kinds marked as required)."""

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL, verbose_name=_("usuario"), on_delete=models.CASCADE, related_name="+"
    )
    created_at = models.DateTimeField(_("desde"), default=timezone.now)

    class Meta:
        verbose_name = _("baja de notificaciones")
        verbose_name_plural = _("bajas de notificaciones")

    def __str__(self) -> str:
        return str(self.user_id)
