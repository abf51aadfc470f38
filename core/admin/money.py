"""Amounts as staff read them: the currency's ISO code, its own number of
decimals and the digit grouping of the admin's language ("PEN 3,922.20",
never "3922,200", which reads like millions)."""

from decimal import Decimal
from functools import cache

from babel import Locale
from babel.numbers import format_currency, get_currency_precision
from django.utils.translation import get_language

from core.money import round_money

# The agency works in Peru: its Spanish writes 3,922.20 (es_PE), not 3.922,20.
LOCALE_OF_LANGUAGE = {"es": "es_PE", "en": "en_US"}


def money_display(amount: Decimal | None, currency_code: str, minor_units: int) -> str:
    if amount is None:
        return "—"
    locale = LOCALE_OF_LANGUAGE.get((get_language() or "es")[:2], "es_PE")
    return format_currency(
        round_money(Decimal(amount), minor_units),
        currency_code,
        format=_code_pattern(locale, minor_units),
        locale=locale,
        currency_digits=False,
    )


def money_display_for_code(amount: Decimal | None, currency_code: str) -> str:
    """For amounts kept with a bare ISO code (an imported ticket's): the code's
    own decimals as ISO 4217 gives them."""
    return money_display(amount, currency_code, get_currency_precision(currency_code) if currency_code else 2)


@cache
def _code_pattern(locale: str, minor_units: int) -> str:
    """The locale's currency pattern with the ISO code (¤¤) in place of the
    symbol, a non-breaking space between code and number, and exactly the
    currency's decimals."""
    pattern = Locale.parse(locale).currency_formats["standard"].pattern.split(";")[0]
    decimals = "0" * minor_units
    number = "#,##0" + (f".{decimals}" if decimals else "")
    if pattern.strip().startswith("¤"):
        return f"¤¤\xa0{number}"
    return f"{number}\xa0¤¤"
