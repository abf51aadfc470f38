"""How documents print a currency (Peruvian soles as S/, never a bare dollar sign) and a total in words."""

from decimal import Decimal

import pytest

from core.money import amount_in_words, currency_print_sign


@pytest.mark.parametrize(
    ("code", "sign"),
    [("PEN", "S/"), ("USD", "US$"), ("EUR", "€"), ("pen", "S/"), (" usd ", "US$")],
)
def test_the_three_currencies_with_a_printed_sign(code, sign):
    assert currency_print_sign(code) == sign


@pytest.mark.parametrize("code", ["MXN", "CLP", "ARS", "COP", "VEF", "JPY"])
def test_every_other_currency_prints_its_iso_code_never_a_bare_dollar(code):
    sign = currency_print_sign(code)
    assert sign == code
    assert sign != "$"


@pytest.mark.parametrize(
    ("amount", "code", "name", "minor_units", "language", "words"),
    [
        ("1180.00", "PEN", "Sol peruano", 2, "es", "SON: MIL CIENTO OCHENTA CON 00/100 SOLES"),
        ("790.91", "PEN", "Sol peruano", 2, "es", "SON: SETECIENTOS NOVENTA CON 91/100 SOLES"),
        ("21.05", "USD", "Dólar estadounidense", 2, "es", "SON: VEINTIUNO CON 05/100 DÓLARES AMERICANOS"),
        ("1180.00", "PEN", "Peruvian sol", 2, "en", "SAY: ONE THOUSAND ONE HUNDRED AND EIGHTY AND 00/100 SOLES"),
        ("2000000", "JPY", "Yen japonés", 0, "es", "SON: DOS MILLONES YEN JAPONÉS"),
        ("1.5", "KWD", "Dinar kuwaití", 3, "es", "SON: UNO CON 500/1000 DINAR KUWAITÍ"),
    ],
)
def test_the_total_in_words(amount, code, name, minor_units, language, words):
    assert (
        amount_in_words(
            Decimal(amount), currency_code=code, currency_name=name, minor_units=minor_units, language=language
        )
        == words
    )
