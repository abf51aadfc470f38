"""Money arithmetic: Decimal only, rounded to the currency's minor units."""

from decimal import ROUND_HALF_UP, Decimal

from django.db import models
from num2words import num2words

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


# The currency's name in words, plural, as invoices in Peru write it; others
# use their catalog name.
_NAMES_IN_WORDS = {
    "es": {
        "PEN": "SOLES",
        "USD": "DÓLARES AMERICANOS",
        "EUR": "EUROS",
        "VES": "BOLÍVARES",
        "VEF": "BOLÍVARES FUERTES",
        "VEB": "BOLÍVARES",
    },
    "en": {
        "PEN": "SOLES",
        "USD": "US DOLLARS",
        "EUR": "EUROS",
        "VES": "BOLÍVARES",
        "VEF": "BOLÍVARES FUERTES",
        "VEB": "BOLÍVARES",
    },
}
_IN_WORDS_PREFIX = {"es": ("SON", "CON"), "en": ("SAY", "AND")}


def amount_in_words(amount: Decimal, *, currency_code: str, currency_name: str, minor_units: int, language: str) -> str:
    """The total in words as a Peruvian invoice prints it: "SON: MIL CIENTO
    OCHENTA CON 00/100 SOLES" (English: "SAY: ONE THOUSAND ONE HUNDRED AND
    EIGHTY AND 00/100 SOLES"); the fraction over the currency's minor units."""
    language = "en" if language.startswith("en") else "es"
    amount = round_money(Decimal(amount), minor_units)
    units = int(amount)
    words = num2words(units, lang=language).replace(",", "").upper()
    name = _NAMES_IN_WORDS[language].get(currency_code) or currency_name.upper() or currency_code
    prefix, joiner = _IN_WORDS_PREFIX[language]
    if not minor_units:
        return f"{prefix}: {words} {name}"
    fraction = int((amount - units) * 10**minor_units)
    return f"{prefix}: {words} {joiner} {fraction:0{minor_units}d}/1{'0' * minor_units} {name}"
