"""A listing's calendar as its host keeps it: blocked nights and the price of
particular nights. Blocks and bookings share one table of occupied ranges
(bookings.models.calendar), so the database refuses a block over a booking
as it refuses two bookings of the same night."""

import datetime
from decimal import Decimal

from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from bookings.cache_scopes import listing_calendar_invalidate
from bookings.models import Listing, NightPrice, OccupiedRange
from core.exceptions import Conflict, InvalidInput

MAX_RANGE_NIGHTS = 366
Kind = OccupiedRange.Kind


def calendar_range_check(start_date: datetime.date, end_date: datetime.date, *, today: datetime.date) -> None:
    """A range of nights from `start_date` to the morning of `end_date`,
    not in the past, at most a year long."""
    if end_date <= start_date:
        raise InvalidInput(_("La fecha final debe ser posterior a la inicial."), field="end_date")
    if start_date < today:
        raise InvalidInput(_("La fecha inicial ya pasó."), field="start_date")
    if (end_date - start_date).days > MAX_RANGE_NIGHTS:
        raise InvalidInput(
            _("Un rango abarca como máximo %(nights)d noches.") % {"nights": MAX_RANGE_NIGHTS}, field="end_date"
        )


def listing_lock(listing: Listing) -> None:
    """Take the listing's row for the rest of the transaction: writes to one
    calendar queue here (on SQLite this is the only guard against overlaps)."""
    Listing.objects.select_for_update().filter(pk=listing.pk).first()


def calendar_block(
    *, listing: Listing, start_date: datetime.date, end_date: datetime.date, note: str = ""
) -> OccupiedRange:
    """Block the nights of the range; blocks it touches are merged into it.
    Nights of a booking cannot be blocked (409)."""
    calendar_range_check(start_date, end_date, today=timezone.localdate())
    with transaction.atomic():
        listing_lock(listing)
        touching = OccupiedRange.objects.filter(listing=listing, start_date__lte=end_date, end_date__gte=start_date)
        if touching.filter(kind=Kind.BOOKING, start_date__lt=end_date, end_date__gt=start_date).exists():
            raise _taken()
        blocks = list(touching.filter(kind=Kind.BLOCK))
        start_date = min([start_date, *(block.start_date for block in blocks)])
        end_date = max([end_date, *(block.end_date for block in blocks)])
        OccupiedRange.objects.filter(pk__in=[block.pk for block in blocks]).delete()
        try:
            with transaction.atomic():
                block = OccupiedRange.objects.create(
                    listing=listing, start_date=start_date, end_date=end_date, kind=Kind.BLOCK, note=note[:200]
                )
        except IntegrityError as overlap:
            # PostgreSQL's exclusion constraint: a booking took a night meanwhile.
            raise _taken() from overlap
        listing_calendar_invalidate(listing, start_date, end_date)
    return block


def calendar_unblock(*, listing: Listing, start_date: datetime.date, end_date: datetime.date) -> int:
    """Free the blocked nights of the range (a block partly inside is cut).
    Bookings are not touched. Returns the number of nights freed."""
    calendar_range_check(start_date, end_date, today=timezone.localdate())
    freed = 0
    with transaction.atomic():
        listing_lock(listing)
        for block in OccupiedRange.objects.filter(
            listing=listing, kind=Kind.BLOCK, start_date__lt=end_date, end_date__gt=start_date
        ):
            freed += (min(block.end_date, end_date) - max(block.start_date, start_date)).days
            block.delete()
            remainders = [(block.start_date, start_date), (end_date, block.end_date)]
            OccupiedRange.objects.bulk_create(
                OccupiedRange(listing=listing, start_date=start, end_date=end, kind=Kind.BLOCK, note=block.note)
                for start, end in remainders
                if start < end
            )
        listing_calendar_invalidate(listing, start_date, end_date)
    return freed


def night_prices_set(
    *, listing: Listing, start_date: datetime.date, end_date: datetime.date, price: Decimal | None
) -> int:
    """Price each night of the range at `price`, or back at the listing's
    (None). Returns the number of nights."""
    calendar_range_check(start_date, end_date, today=timezone.localdate())
    if price is not None:
        if listing.currency_id is None:
            raise InvalidInput(_("Indique primero la moneda del alojamiento."), field="price")
        if price <= 0:
            raise InvalidInput(_("El precio debe ser mayor que cero."), field="price")
        if price != round(price, listing.currency.minor_units):
            raise InvalidInput(
                _("La moneda admite %(places)d decimales.") % {"places": listing.currency.minor_units}, field="price"
            )
    nights = [start_date + datetime.timedelta(days=n) for n in range((end_date - start_date).days)]
    with transaction.atomic():
        listing_lock(listing)
        NightPrice.objects.filter(listing=listing, date__gte=start_date, date__lt=end_date).delete()
        if price is not None:
            NightPrice.objects.bulk_create(NightPrice(listing=listing, date=night, price=price) for night in nights)
        listing_calendar_invalidate(listing, start_date, end_date)
    return len(nights)


def _taken() -> Conflict:
    return Conflict(_("Esas fechas ya no están disponibles."), code="dates_taken")
