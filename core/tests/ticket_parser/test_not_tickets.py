"""Documents that are not e-tickets fail with a clear error, quickly, and never crash."""

from __future__ import annotations

import random
import string
import time

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from core.ticket_parser import TicketParseError, UnknownTicketFormat, UnreadableDocument, parse_document

INVOICE = b"""FACTURA N. 000123
Cliente: Comercial Los Andes C.A.   RIF J-12345678-9
Fecha: 12/03/2025
Descripcion                      Cant   Precio     Total
Servicio de consultoria            1    150.00    150.00
IVA 16%                                            24.00
TOTAL                                             174.00
Forma de pago: TRANSFERENCIA
"""

NEWSLETTER = b"""<!DOCTYPE html><html><head><title>Ofertas</title><style>p{color:red}</style></head>
<body><h1>Vuela este verano</h1><p>Descubre nuestros destinos: Caracas, Madrid, Bogota.</p>
<table><tr><td>Caracas - Madrid</td><td>desde USD 650</td></tr></table>
<p>Reserva ya en nuestra web. Darse de baja</p></body></html>"""


@pytest.mark.parametrize(
    ("data", "error"),
    [
        (INVOICE, UnknownTicketFormat),
        (NEWSLETTER, UnknownTicketFormat),
        (b"", UnreadableDocument),
        (b"   \n\n  ", UnreadableDocument),
        (bytes(range(256)) * 64, UnreadableDocument),
        (b"%PDF-1.7\n garbage that is not a PDF", UnreadableDocument),
    ],
    ids=["invoice", "newsletter", "empty", "blank", "binary", "broken-pdf"],
)
def test_non_ticket_raises_a_clear_error(data: bytes, error: type[TicketParseError]) -> None:
    started = time.perf_counter()
    with pytest.raises(error) as excinfo:
        parse_document(data, "doc")
    assert str(excinfo.value).startswith("doc: ")
    assert time.perf_counter() - started < 2


def test_newsletter_e_mail_is_unknown() -> None:
    message = b"From: Ofertas <news@example.com>\r\nSubject: Ofertas\r\nDate: Mon, 1 Sep 2025 10:00:00 +0000\r\n"
    message += b"MIME-Version: 1.0\r\nContent-Type: text/html; charset=utf-8\r\n\r\n" + NEWSLETTER
    with pytest.raises(UnknownTicketFormat):
        parse_document(message)


@pytest.mark.parametrize("kind", ["bytes", "text"])
def test_ten_megabytes_of_noise_is_rejected_fast(kind: str) -> None:
    rng = random.Random(1234)
    size = 10 * 1024 * 1024
    if kind == "bytes":
        data = rng.randbytes(size)
    else:
        alphabet = string.ascii_uppercase + string.digits + " \n:/.-"
        data = "".join(rng.choices(alphabet, k=size)).encode()
    started = time.perf_counter()
    with pytest.raises(TicketParseError):
        parse_document(data, "noise")
    assert time.perf_counter() - started < 2


def test_ticket_labels_without_ticket_data_are_not_a_record() -> None:
    text = b"PASSENGER ITINERARY RECEIPT\nBOOKING REF.: C1/ABCDEF\n  FROM/TO  FLIGHT\nTOTAL : USD 10.00\n"
    with pytest.raises(TicketParseError, match="could not be read"):
        parse_document(text)


@pytest.mark.django_db  # the command reads the airports catalog
def test_command_fails_with_a_message(tmp_path) -> None:
    path = tmp_path / "invoice.txt"
    path.write_bytes(INVOICE)
    with pytest.raises(CommandError, match="not a known e-ticket format"):
        call_command("parse_ticket", str(path), "--json")
