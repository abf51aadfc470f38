"""Bookings: a guest's stay at a listing, its price frozen when it is made,
and the payments that settle it."""

from django.conf import settings
from django.db import models
from django.db.models import F, Q
from django.utils.translation import gettext_lazy as _

from bookings.models.listings import CancellationPolicy
from core.money import money_field


class Booking(models.Model):
    class Status(models.TextChoices):
        PENDING_PAYMENT = "pending_payment", _("Pendiente de pago")
        CONFIRMED = "confirmed", _("Confirmada")
        COMPLETED = "completed", _("Completada")
        CANCELLED_BY_GUEST = "cancelled_by_guest", _("Cancelada por el huésped")
        CANCELLED_BY_HOST = "cancelled_by_host", _("Cancelada por el anfitrión")
        EXPIRED = "expired", _("Vencida")

    # While a booking is one of these its nights are taken (an OccupiedRange).
    HOLDS_ITS_NIGHTS = (Status.PENDING_PAYMENT, Status.CONFIRMED, Status.COMPLETED)

    listing = models.ForeignKey(
        "bookings.Listing", verbose_name=_("alojamiento"), on_delete=models.PROTECT, related_name="bookings"
    )
    guest = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("huésped"), on_delete=models.PROTECT, related_name="trips"
    )
    # The listing's host when booked: the host's list reads this column.
    host = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("anfitrión"), on_delete=models.PROTECT, related_name="reservations"
    )
    check_in = models.DateField(_("llegada"))
    check_out = models.DateField(_("salida"))
    guests = models.PositiveSmallIntegerField(_("huéspedes"))
    message = models.TextField(_("mensaje al anfitrión"), blank=True)
    status = models.CharField(_("estado"), max_length=20, choices=Status.choices, default=Status.PENDING_PAYMENT)
    # The price, frozen: each night with its price, then the totals.
    currency = models.ForeignKey("core.Currency", verbose_name=_("moneda"), on_delete=models.PROTECT, related_name="+")
    nights = models.JSONField(_("noches"), default=list)
    subtotal = money_field(_("noches"))
    cleaning_fee = money_field(_("limpieza"))
    service_fee = money_field(_("tarifa de servicio"))
    taxes = money_field(_("impuestos"))
    total = money_field(_("total"))
    cancellation_policy = models.CharField(
        _("política de cancelación"), max_length=10, choices=CancellationPolicy.choices
    )
    payment_deadline = models.DateTimeField(_("pagar antes de"))
    refunded = money_field(_("reembolsado"))
    created_at = models.DateTimeField(_("creada"), auto_now_add=True)
    updated_at = models.DateTimeField(_("actualizada"), auto_now=True)
    confirmed_at = models.DateTimeField(_("confirmada"), null=True, blank=True)
    ended_at = models.DateTimeField(_("terminada"), null=True, blank=True)

    class Meta:
        verbose_name = _("reserva")
        verbose_name_plural = _("reservas")
        constraints = [
            models.CheckConstraint(condition=Q(check_in__lt=F("check_out")), name="booking_stay_not_empty"),
            models.CheckConstraint(condition=Q(guests__gte=1), name="booking_has_guests"),
            models.CheckConstraint(condition=Q(total__gte=0, refunded__gte=0), name="booking_amounts_positive"),
        ]
        indexes = [
            # A guest's trips and a host's reservations, newest first.
            models.Index(fields=["guest", "-created_at"], name="booking_guest_newest"),
            models.Index(fields=["host", "-created_at"], name="booking_host_newest"),
            # The expiry sweep: unpaid bookings by deadline.
            models.Index(
                fields=["payment_deadline"], name="booking_unpaid_deadline", condition=Q(status="pending_payment")
            ),
            # The completion sweep: confirmed stays by check-out.
            models.Index(fields=["check_out"], name="booking_confirmed_check_out", condition=Q(status="confirmed")),
            # A listing's calendar and bookings.
            models.Index(fields=["listing", "check_in", "check_out"], name="booking_listing_stay"),
        ]

    def __str__(self) -> str:
        return f"#{self.pk} {self.listing_id} {self.check_in}…{self.check_out} ({self.status})"


class BookingPayment(models.Model):
    """One charge or refund of a booking at the payment provider. A charge is
    written `processing` before the provider is called and its outcome after
    (under the row's version), so nothing is lost if the process dies between."""

    class Kind(models.TextChoices):
        CHARGE = "charge", _("Cobro")
        REFUND = "refund", _("Reembolso")

    class Status(models.TextChoices):
        PROCESSING = "processing", _("En proceso")
        REQUIRES_ACTION = "requires_action", _("Requiere autenticación")
        SUCCEEDED = "succeeded", _("Exitoso")
        FAILED = "failed", _("Fallido")

    booking = models.ForeignKey(Booking, verbose_name=_("reserva"), on_delete=models.PROTECT, related_name="payments")
    kind = models.CharField(_("tipo"), max_length=10, choices=Kind.choices)
    amount = money_field(_("importe"))
    currency = models.ForeignKey("core.Currency", verbose_name=_("moneda"), on_delete=models.PROTECT, related_name="+")
    provider = models.CharField(_("proveedor"), max_length=20)
    provider_id = models.CharField(_("id en el proveedor"), max_length=100, null=True, blank=True)
    status = models.CharField(_("estado"), max_length=20, choices=Status.choices, default=Status.PROCESSING)
    failure_reason = models.CharField(_("motivo del fallo"), max_length=300, blank=True)
    # Where the guest completes 3-D Secure, while the charge requires it.
    action_url = models.URLField(_("autenticación"), max_length=500, blank=True)
    version = models.PositiveIntegerField(_("versión"), default=0)
    created_at = models.DateTimeField(_("creado"), auto_now_add=True)
    updated_at = models.DateTimeField(_("actualizado"), auto_now=True)

    class Meta:
        verbose_name = _("pago de reserva")
        verbose_name_plural = _("pagos de reservas")
        constraints = [
            models.UniqueConstraint(
                fields=["booking"],
                condition=Q(kind="charge", status="succeeded"),
                name="booking_paid_once",
            ),
            models.UniqueConstraint(
                fields=["provider", "provider_id"],
                condition=Q(provider_id__isnull=False),
                name="payment_provider_id_unique",
            ),
            models.CheckConstraint(condition=Q(amount__gt=0), name="booking_payment_positive"),
        ]
        indexes = [
            models.Index(fields=["booking", "-created_at"], name="booking_payment_newest"),
            models.Index(fields=["status", "-created_at"], name="booking_payment_status"),
        ]

    def __str__(self) -> str:
        return f"{self.kind} {self.amount} {self.status} (booking {self.booking_id})"


class ProviderEvent(models.Model):
    """A payment provider's webhook event, once: its id is unique, and the
    row is written in the transaction that applies the event."""

    provider = models.CharField(_("proveedor"), max_length=20)
    event_id = models.CharField(_("id del evento"), max_length=100)
    event_type = models.CharField(_("tipo"), max_length=60)
    received_at = models.DateTimeField(_("recibido"), auto_now_add=True)

    class Meta:
        verbose_name = _("evento del proveedor de pagos")
        verbose_name_plural = _("eventos del proveedor de pagos")
        constraints = [models.UniqueConstraint(fields=["provider", "event_id"], name="provider_event_once")]

    def __str__(self) -> str:
        return f"{self.provider}:{self.event_id}"
