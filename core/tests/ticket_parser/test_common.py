"""Shared normalisation rules of SCHEMA.md."""

from __future__ import annotations

from datetime import date

import pytest

from core.ticket_parser.common import (
    clean_name,
    given_first_to_record,
    hhmm,
    parse_amount,
    strip_document_prefix,
)
from core.ticket_parser.vocabulary import infer_year


@pytest.mark.parametrize(
    ("raw", "amount"),
    [
        ("1,234.50", "1234.50"),
        ("1.234,50", "1234.50"),
        ("50.723,4", "50723.40"),
        ("1739.1", "1739.10"),
        ("582,00", "582.00"),
        ("0", "0.00"),
        ("106018.7", "106018.70"),
    ],
)
def test_amounts(raw: str, amount: str) -> None:
    assert parse_amount(raw) == amount


@pytest.mark.parametrize(
    ("raw", "document"),
    [("IDVCI71327016", "71327016"), ("IDEPAX745976", "AX745976"), ("IDFN12MAR23", "12MAR23"),
     ("NI43054766", "43054766"), ("PPBD022890", "BD022890"), ("AT202811", "AT202811"), ("ID21MAY16", "21MAY16")],
)  # fmt: skip
def test_document_prefixes(raw: str, document: str) -> None:
    assert strip_document_prefix(raw) == document


def test_names() -> None:
    assert clean_name("bastidas/karina camila  MRS") == "BASTIDAS/KARINA CAMILA"
    assert given_first_to_record(["NATALIA", "ANDRES", "OCHOA", "SILVA"]) == "OCHOA SILVA/NATALIA ANDRES"
    assert given_first_to_record(["RAQUEL", "PENA", "SEQUERA"]) == "PENA SEQUERA/RAQUEL"


def test_year_is_inferred_from_the_issue_date() -> None:
    assert infer_year(1, 1, date(2025, 11, 5)) == date(2026, 1, 1)
    assert infer_year(30, 12, date(2025, 11, 5)) == date(2025, 12, 30)


def test_times() -> None:
    assert hhmm("05:30 pm") == "17:30"
    assert hhmm("12:22 PM") == "12:22"
    assert hhmm("1830") == "18:30"
