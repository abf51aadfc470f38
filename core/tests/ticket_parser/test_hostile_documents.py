"""Hostile documents are parsed in time linear in their size: labels repeated
by the ten thousand, an e-mail header of countless encoded words, a PDF of
millions of text operations. Each case took from 12 s to minutes before its
guard; each must now finish in well under 2 s."""

from __future__ import annotations

import time

import pytest

from core.ticket_parser import TicketParseError, UnknownTicketFormat, parse_document
from core.ticket_parser.email_text import email_texts

KIU_HEAD = b"PASSENGER ITINERARY RECEIPT\nBOOKING REF.: C1/ABCDEF\n"
SABRE_HEAD = "RECIBO DE BOLETO ELECTRÓNICO\nCódigo de reservación ABCDEF\n".encode()


def _parsed_quickly(data: bytes, error: type[TicketParseError]) -> TicketParseError:
    started = time.perf_counter()
    with pytest.raises(error) as raised:
        parse_document(data, "hostil")
    assert time.perf_counter() - started < 2
    return raised.value


@pytest.mark.parametrize(
    "data",
    [
        # 100 KB: a tax label on every line and no TOTAL closing the block
        pytest.param(KIU_HEAD + b"TAX:\n" * 20_000, id="kiu TAX x20000"),
        # 200 KB: the Sabre taxes label on every line, no "Tarifa total"
        pytest.param(SABRE_HEAD + b"Impuestos\n" * 20_000, id="sabre Impuestos x20000"),
    ],
)
def test_a_repeated_tax_label_is_parsed_in_linear_time(data: bytes) -> None:
    failure = _parsed_quickly(data, TicketParseError)

    assert "could not be read" in str(failure)


def test_a_subject_of_400000_encoded_words_is_read_in_linear_time() -> None:
    subject = " ".join(["=?utf-8?q?Boleto_=C3=B1?="] * 400_000)
    message = (
        "From: ventas@example.com\r\nTo: agencia@example.com\r\nDate: Mon, 1 Sep 2025 10:00:00 +0000\r\n"
        f"Subject: {subject}\r\nMIME-Version: 1.0\r\nContent-Type: text/plain; charset=utf-8\r\n\r\nhola\r\n"
    ).encode()

    _parsed_quickly(message, UnknownTicketFormat)
    # the kept header is the start of the decoded subject, not the raw words
    (text,) = list(email_texts(message))
    assert text.startswith("Subject: Boleto ñBoleto ñ")  # (the space between encoded words goes)
    assert len(text) < 5_000
