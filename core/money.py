"""Money arithmetic: Decimal only, rounded to the currency's minor units."""

from decimal import ROUND_HALF_UP, Decimal

from django.db import models

# Stored with three decimals, enough for every ISO 4217 currency (KWD has 3);
# amounts are rounded to their own currency's minor units before storing.
MONEY_DECIMAL_PLACES = 3
MONEY_MAX_DIGITS = 16


def money_field(verbose_name: str, **kwargs) -> models.DecimalField:
    kwargs.setdefault("default", Decimal(0))
    return models.DecimalField(verbose_name, max_digits=MONEY_MAX_DIGITS, decimal_places=MONEY_DECIMAL_PLACES, **kwargs)


_QUANTUM = {places: Decimal(1).scaleb(-places) for places in range(MONEY_DECIMAL_PLACES + 1)}


def round_money(amount: Decimal, minor_units: int) -> Decimal:
    """Half-up rounding, as invoices and tax authorities do (not banker's)."""
    return amount.quantize(_QUANTUM[minor_units], rounding=ROUND_HALF_UP)


def format_amount(amount: Decimal, minor_units: int) -> str:
    """The amount as a string with exactly the currency's decimals ("118.00", "1500")."""
    return f"{amount.quantize(_QUANTUM[minor_units], rounding=ROUND_HALF_UP):f}"
