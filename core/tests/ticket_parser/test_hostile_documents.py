"""Hostile documents are parsed in time linear in their size: labels repeated
by the ten thousand, an e-mail header of countless encoded words, a PDF of
millions of text operations. Each case took from 12 s to minutes before its
guard; each must now finish in well under 2 s."""

from __future__ import annotations

import io
import time
import zlib

import pytest

from core.ticket_parser import (
    ParseTimeout,
    TicketParseError,
    UnknownTicketFormat,
    UnreadableDocument,
    parse_document,
    parse_time_budget,
)
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


def _pdf(objects: list[bytes]) -> bytes:
    """A PDF file of the given objects (numbered from 1; the first is the catalog)."""
    out = io.BytesIO()
    out.write(b"%PDF-1.4\n")
    offsets = []
    for number, body in enumerate(objects, 1):
        offsets.append(out.tell())
        out.write(b"%d 0 obj\n" % number + body + b"\nendobj\n")
    xref = out.tell()
    out.write(b"xref\n0 %d\n0000000000 65535 f \n" % (len(objects) + 1))
    out.writelines(b"%010d 00000 n \n" % offset for offset in offsets)
    out.write(b"trailer\n<< /Size %d /Root 1 0 R >>\nstartxref\n%d\n%%%%EOF\n" % (len(objects) + 1, xref))
    return out.getvalue()


def _stream(data: bytes, entries: bytes = b"") -> bytes:
    return b"<< " + entries + b" /Length %d >>\nstream\n" % len(data) + data + b"\nendstream"


CATALOG = b"<< /Type /Catalog /Pages 2 0 R >>"
FONT = b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>"


def pdf_of_text_operations(pages: int, operations: int) -> bytes:
    """A valid PDF whose pages each draw the letter "a" `operations` times
    (`(a) Tj`); the pages share one compressed content stream, so the file
    stays a few KB whatever the work it asks for."""
    content = zlib.compress(b"BT /F1 12 Tf 72 720 Td " + b"(a) Tj " * operations + b"ET")
    kids = b" ".join(b"%d 0 R" % (5 + n) for n in range(pages))
    page = (
        b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] "
        b"/Resources << /Font << /F1 3 0 R >> >> /Contents 4 0 R >>"
    )
    return _pdf(
        [
            CATALOG,
            b"<< /Type /Pages /Kids [" + kids + b"] /Count %d >>" % pages,
            FONT,
            _stream(content, b"/Filter /FlateDecode"),
        ]
        + [page] * pages
    )


def pdf_of_nested_forms(depth: int = 4, fanout: int = 10) -> bytes:
    """A one-page PDF of 1.6 KB that draws form X0 `fanout` times, which
    draws X1 `fanout` times, and so on `depth` levels down, the last drawing
    "a": every byte cap lets it through, and pypdf takes about 10 s on it
    (it stops following forms after 5,000, but slowly)."""
    forms = []
    for level in range(depth):
        if level == depth - 1:
            data, resources = b"BT /F1 12 Tf (a) Tj ET", b"/Font << /F1 3 0 R >>"
        else:
            data, resources = b"/X0 Do " * fanout, b"/Font << /F1 3 0 R >> /XObject << /X0 %d 0 R >>" % (7 + level)
        entries = b"/Type /XObject /Subtype /Form /BBox [0 0 612 792] /Resources << " + resources + b" >>"
        forms.append(_stream(data, entries))
    return _pdf(
        [
            CATALOG,
            b"<< /Type /Pages /Kids [5 0 R] /Count 1 >>",
            FONT,
            _stream(b"/X0 Do " * fanout),
            b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] "
            b"/Resources << /Font << /F1 3 0 R >> /XObject << /X0 6 0 R >> >> /Contents 4 0 R >>",
            *forms,
        ]
    )


def test_a_pdf_of_twenty_pages_of_900000_text_operations_is_refused_quickly() -> None:
    failure = _parsed_quickly(pdf_of_text_operations(20, 900_000), UnreadableDocument)

    assert "drawing instructions" in str(failure)


def test_the_hostile_pdf_builders_make_pdfs_that_are_read() -> None:
    # (the refusals above are about the work, not about broken files)
    for small in (pdf_of_text_operations(2, 1_000), pdf_of_nested_forms(depth=2, fanout=3)):
        with pytest.raises(UnknownTicketFormat):
            parse_document(small)


def test_a_parse_stops_when_its_time_budget_is_spent() -> None:
    # given: a small PDF of nested forms that takes seconds to read on one
    # page, and a budget of a fifth of a second
    data = pdf_of_nested_forms()

    # when
    started = time.perf_counter()
    with pytest.raises(ParseTimeout, match=r"0\.2 s budget"), parse_time_budget(0.2):
        parse_document(data, "lento.pdf")

    # then: stopped inside the page, soon after the budget
    assert time.perf_counter() - started < 1.5
