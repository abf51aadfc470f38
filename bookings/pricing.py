"""What a stay costs: each night at its price (bookings.selectors.availability
says which), the cleaning fee, the platform's service fee on the nights, and
taxes if the deployment charges them — Decimal, each rounded to the
currency's minor units. Frozen on the booking when it is made."""

import datetime
from dataclasses import dataclass
from decimal import Decimal

from django.conf import settings

from bookings.models import Listing
from bookings.selectors.availability import night_price, night_price_overrides
from core.models import Currency
from core.money import format_amount, round_money


@dataclass(frozen=True)
class StayPrice:
    currency: Currency
    nights: list[tuple[datetime.date, Decimal]]
    subtotal: Decimal
    cleaning_fee: Decimal
    service_fee: Decimal
    taxes: Decimal
    total: Decimal

    def nights_as_json(self) -> list[dict[str, str]]:
        places = self.currency.minor_units
        return [{"date": str(night), "price": format_amount(price, places)} for night, price in self.nights]


def stay_price(listing: Listing, check_in: datetime.date, check_out: datetime.date) -> StayPrice:
    places = listing.currency.minor_units
    overrides = night_price_overrides(listing, check_in, check_out)
    nights = [
        (night, round_money(night_price(listing, night, overrides), places))
        for night in (check_in + datetime.timedelta(days=n) for n in range((check_out - check_in).days))
    ]
    subtotal = sum((price for _night, price in nights), Decimal(0))
    cleaning_fee = round_money(listing.cleaning_fee, places)
    service_fee = round_money(subtotal * settings.BOOKING_SERVICE_FEE_PERCENT / 100, places)
    taxes = round_money((subtotal + cleaning_fee + service_fee) * settings.BOOKING_TAX_PERCENT / 100, places)
    return StayPrice(
        currency=listing.currency,
        nights=nights,
        subtotal=subtotal,
        cleaning_fee=cleaning_fee,
        service_fee=service_fee,
        taxes=taxes,
        total=subtotal + cleaning_fee + service_fee + taxes,
    )
