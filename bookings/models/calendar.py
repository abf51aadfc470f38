"""A listing's calendar: the nights it is taken and what nights cost.

Every range of nights that makes a listing unavailable — a host's block, and
(from the bookings themselves) a booking while it holds its dates — is a row
of OccupiedRange. One table for both, so that one database constraint forbids
every overlap: on PostgreSQL an exclusion constraint over the listing and
the range `[start_date, end_date)` (added by migration, as SQLite has none), which
also indexes the "is it free?" anti-join of the search. On SQLite the
services serialise writes per listing instead."""

from django.db import models
from django.db.models import F, Q
from django.utils.translation import gettext_lazy as _

from core.money import money_field


class OccupiedRange(models.Model):
    class Kind(models.TextChoices):
        BLOCK = "block", _("Bloqueado por el anfitrión")
        BOOKING = "booking", _("Reservado")

    listing = models.ForeignKey(
        "bookings.Listing", verbose_name=_("alojamiento"), on_delete=models.CASCADE, related_name="occupied_ranges"
    )
    # Nights from `start_date` up to, not including, `end_date` (the
    # check-out day is free for the next check-in).
    start_date = models.DateField(_("desde"))
    end_date = models.DateField(_("hasta (excluida)"))
    kind = models.CharField(_("tipo"), max_length=10, choices=Kind.choices)
    # The booking holding these nights (kind booking); deleted with it when it stops holding them.
    booking = models.OneToOneField(
        "bookings.Booking",
        verbose_name=_("reserva"),
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="occupied_range",
    )
    note = models.CharField(_("nota"), max_length=200, blank=True)
    created_at = models.DateTimeField(_("creado"), auto_now_add=True)

    class Meta:
        verbose_name = _("rango ocupado")
        verbose_name_plural = _("rangos ocupados")
        constraints = [
            models.CheckConstraint(condition=Q(start_date__lt=F("end_date")), name="occupied_range_not_empty")
        ]
        # The search's "is every night free?" check: one listing's ranges that
        # start before the stay ends, their ends read from the index itself.
        indexes = [
            models.Index(fields=["listing", "start_date"], name="occupied_range_listing_start", include=["end_date"])
        ]

    def __str__(self) -> str:
        return f"{self.listing_id} {self.start_date}…{self.end_date} ({self.kind})"


class NightPrice(models.Model):
    """The host's price for one night, instead of the listing's."""

    listing = models.ForeignKey(
        "bookings.Listing", verbose_name=_("alojamiento"), on_delete=models.CASCADE, related_name="night_prices"
    )
    date = models.DateField(_("noche"))
    price = money_field(_("precio"))

    class Meta:
        verbose_name = _("precio de una noche")
        verbose_name_plural = _("precios por noche")
        constraints = [
            models.UniqueConstraint(fields=["listing", "date"], name="night_price_once_per_night"),
            models.CheckConstraint(condition=Q(price__gt=0), name="night_price_positive"),
        ]

    def __str__(self) -> str:
        return f"{self.listing_id} {self.date} {self.price}"
