"""How documents print a currency: Peruvian soles as S/, never a bare dollar sign."""

import pytest

from core.money import currency_print_sign


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
