"""A listing's nights: which are free and what each costs.

A night's price is the host's price for that night if there is one, else the
weekend price on Friday and Saturday nights if the listing has one, else the
nightly price. Bookings price their stay the same way."""

import datetime
from dataclasses import dataclass
from decimal import Decimal

from django.db.models import TextChoices
from django.utils.translation import gettext_lazy as _

from bookings.models import Listing, NightPrice, OccupiedRange
from core.models import Currency

# Friday and Saturday, as date.weekday() counts them.
WEEKEND_NIGHTS = (4, 5)


class NightStatus(TextChoices):
    AVAILABLE = "available", _("Disponible")
    BOOKED = "booked", _("Reservada")
    BLOCKED = "blocked", _("Bloqueada")
    PAST = "past", _("Pasada")


@dataclass(frozen=True)
class Night:
    date: datetime.date
    status: str
    price: Decimal | None
    currency: Currency | None


def night_price(listing: Listing, night: datetime.date, overrides: dict[datetime.date, Decimal]) -> Decimal | None:
    if night in overrides:
        return overrides[night]
    if listing.weekend_price is not None and night.weekday() in WEEKEND_NIGHTS:
        return listing.weekend_price
    return listing.nightly_price


def night_price_overrides(listing: Listing, start: datetime.date, end: datetime.date) -> dict[datetime.date, Decimal]:
    return dict(NightPrice.objects.filter(listing=listing, date__gte=start, date__lt=end).values_list("date", "price"))


def listing_nights(*, listing: Listing, start: datetime.date, end: datetime.date, today: datetime.date) -> list[Night]:
    """Each night from `start` to the one before `end`, in two queries."""
    taken: dict[datetime.date, str] = {}
    for first, last, kind in OccupiedRange.objects.filter(
        listing=listing, start_date__lt=end, end_date__gt=start
    ).values_list("start_date", "end_date", "kind"):
        status = NightStatus.BOOKED if kind == OccupiedRange.Kind.BOOKING else NightStatus.BLOCKED
        for offset in range((min(last, end) - max(first, start)).days):
            taken[max(first, start) + datetime.timedelta(days=offset)] = status
    overrides = night_price_overrides(listing, start, end)
    nights = []
    for offset in range((end - start).days):
        night = start + datetime.timedelta(days=offset)
        status = NightStatus.PAST if night < today else taken.get(night, NightStatus.AVAILABLE)
        nights.append(Night(night, status, night_price(listing, night, overrides), listing.currency))
    return nights
