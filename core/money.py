"""Money arithmetic: Decimal only, rounded to the currency's minor units."""

from decimal import ROUND_HALF_UP, Decimal

from django.db import models

# Currencies have 0 (JPY) to 4 (CLF, UYW) minor units in ISO 4217; a currency
# with more is refused by the catalog.
MAX_MINOR_UNITS = 4
# Stored with four decimals, enough for every ISO 4217 currency, and thirteen
# integer digits; amounts are rounded to (or checked against) their own
# currency's minor units before storing.
MONEY_DECIMAL_PLACES = MAX_MINOR_UNITS
MONEY_MAX_DIGITS = 17


def money_field(verbose_name: str, **kwargs) -> models.DecimalField:
    kwargs.setdefault("default", Decimal(0))
    return models.DecimalField(verbose_name, max_digits=MONEY_MAX_DIGITS, decimal_places=MONEY_DECIMAL_PLACES, **kwargs)


_QUANTUM = {places: Decimal(1).scaleb(-places) for places in range(MONEY_DECIMAL_PLACES + 1)}


def round_money(amount: Decimal, minor_units: int) -> Decimal:
    """Half-up rounding, as invoices and tax authorities do (not banker's)."""
    return amount.quantize(_QUANTUM[minor_units], rounding=ROUND_HALF_UP)


def fits_minor_units(amount: Decimal, minor_units: int) -> bool:
    """Whether the amount has no more decimals than the currency (1.005 PEN has one too many)."""
    amount = Decimal(amount)
    return amount == amount.quantize(_QUANTUM[minor_units], rounding=ROUND_HALF_UP)


def format_amount(amount: Decimal, minor_units: int) -> str:
    """The amount as a string with exactly the currency's decimals ("118.00", "1500")."""
    return f"{amount.quantize(_QUANTUM[minor_units], rounding=ROUND_HALF_UP):f}"


# How printed documents (invoices, receipts) show a currency. "$" alone is
# ambiguous in the region (USD, MXN, CLP, ARS…), so only these three get a
# symbol and every other currency prints its ISO code.
_PRINT_SIGNS = {"PEN": "S/", "USD": "US$", "EUR": "€"}


def currency_print_sign(code: str) -> str:
    """The sign a document prints before an amount: "S/", "US$", "€", else the ISO code."""
    code = (code or "").strip().upper()
    return _PRINT_SIGNS.get(code, code)
