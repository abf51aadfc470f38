"""Invoices and ticket receipts with names in Polish, Japanese (romanized and
in kanji), Greek, Russian and Chinese, drawn as page images and compared with
the references in core/tests/pdf_snapshots/.

The comparison tolerates antialiasing: a pixel counts as different only when
its grey level moved by more than PIXEL_THRESHOLD, and a page passes while at
most MAX_DIFFERING_FRACTION of its pixels differ and no TILE x TILE square
holds more than MAX_DIFFERING_IN_TILE of them. Antialiasing scatters its
differences; one glyph drawn as a blank box instead of a letter packs dozens
into one square (see the test at the end).

After a deliberate change of layout, look at what the failing test saved
(its message names the files) and regenerate the references:

    UPDATE_PDF_SNAPSHOTS=1 python -m pytest core/tests/test_pdf_snapshots.py

then look at the new PNGs before committing them. Everything that varies
(dates, numbers, the agency) is fixed below; PDFium (pypdfium2, pinned)
draws the pages, so no system package is needed.
"""

import datetime
import os
from datetime import UTC
from pathlib import Path

import pypdfium2
import pytest
from PIL import Image, ImageChops
from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.ttfonts import TTFont

from core.services import pdf_rendering
from core.services.pdf_rendering import invoice_pdf_bytes, ticket_receipt_pdf_bytes
from core.tests.factories import (
    AirlineFactory,
    AirportFactory,
    ClientFactory,
    CountryFactory,
    CurrencyFactory,
    ImportedTicketFactory,
    TicketSegmentFactory,
)
from core.tests.test_pdf_rendering import make_invoice

REFERENCES = Path(__file__).parent / "pdf_snapshots"
UPDATE = os.environ.get("UPDATE_PDF_SNAPSHOTS") == "1"
DPI = 100
PIXEL_THRESHOLD = 64  # of 255 grey levels
MAX_DIFFERING_FRACTION = 0.0002  # 0.02% of the page: about 190 pixels of an A4 page at 100 dpi
TILE = 16  # pixels; a 9-point letter is about 12 pixels high at 100 dpi
MAX_DIFFERING_IN_TILE = 12


def page_images(pdf: bytes) -> list[Image.Image]:
    document = pypdfium2.PdfDocument(pdf)
    try:
        return [page.render(scale=DPI / 72, grayscale=True).to_pil().convert("L") for page in document]
    finally:
        document.close()


def differences(expected: Image.Image, actual: Image.Image) -> tuple[float, int]:
    """The fraction of the page's pixels that differ, and the most that differ in one tile."""
    if expected.size != actual.size:
        return 1.0, TILE * TILE
    different = ImageChops.difference(expected, actual).point(lambda level: 1 if level > PIXEL_THRESHOLD else 0)
    fraction = different.histogram()[1] / (actual.width * actual.height)
    # Summed per tile (a box filter of 0/1 pixels scaled to 0..255 keeps the count exact enough).
    tiles = different.point(lambda flag: flag * 255).reduce(TILE)
    most_in_tile = round(tiles.getextrema()[1] * TILE * TILE / 255)
    return fraction, most_in_tile


def assert_matches_references(name: str, pdf: bytes, tmp_path: Path) -> None:
    pages = page_images(pdf)
    if UPDATE:
        for stale in REFERENCES.glob(f"{name}-p*.png"):
            stale.unlink()
        REFERENCES.mkdir(exist_ok=True)
        for number, page in enumerate(pages, start=1):
            page.save(REFERENCES / f"{name}-p{number}.png", optimize=True)
        return
    references = sorted(REFERENCES.glob(f"{name}-p*.png"))
    assert references, f"No reference for {name}: run with UPDATE_PDF_SNAPSHOTS=1 and look at the PNGs."
    assert len(pages) == len(references), f"{name}: {len(pages)} pages, the reference has {len(references)}"
    for number, (page, reference) in enumerate(zip(pages, references, strict=True), start=1):
        fraction, most_in_tile = differences(Image.open(reference).convert("L"), page)
        if fraction > MAX_DIFFERING_FRACTION or most_in_tile > MAX_DIFFERING_IN_TILE:
            actual = tmp_path / f"{name}-p{number}.png"
            page.save(actual)
            pytest.fail(
                f"{name} page {number}: {fraction:.4%} of the pixels differ from {reference} (at most "
                f"{MAX_DIFFERING_FRACTION:.4%}), {most_in_tile} in one {TILE}x{TILE} square (at most "
                f"{MAX_DIFFERING_IN_TILE}); the page as drawn now: {actual}"
            )


@pytest.fixture
def frozen_agency(settings):
    settings.AGENCY_NAME = "Viajes Ñandú S.A.C."
    settings.AGENCY_TAX_ID = "20100070970"
    settings.AGENCY_ADDRESS = "Av. José Pardo 610, Miraflores, Lima"
    settings.AGENCY_EMAIL = "facturas@nandu.example"
    settings.TIME_ZONE = "America/Lima"


@pytest.fixture
def pen(db):
    return CurrencyFactory(code="PEN", name_es="sol peruano", name_en="Peruvian sol", symbol="S/", minor_units=2)


NON_LATIN_LINES = [
    ("Hotel Cusco, 3 noches – huésped Юлия Смирнова", "3", "310", "18"),
    ("Tour Machu Picchu – guía para Ōtani Shōhei (大谷翔平)", "1", "450", "18"),
    ("Traslado aeropuerto – Σωκράτης Παπαδόπουλος", "2", "60", "18"),
    ("Seguro de viaje – 王小明", "1", "28.5", "0"),
]


@pytest.mark.django_db
def test_invoice_for_a_polish_client(frozen_agency, pen, tmp_path):
    client = ClientFactory(
        name="Łukasz Śliwiński", document_number="45871236", address="ul. Źródlana 5, Kraków", email="lukasz@example.pl"
    )
    invoice = make_invoice(
        pen,
        client=client,
        number=7,
        lines=NON_LATIN_LINES,
        issued_at=datetime.datetime(2026, 11, 22, 19, 5, tzinfo=UTC),
    )

    assert_matches_references("invoice-polish-client", invoice_pdf_bytes(invoice), tmp_path)


@pytest.mark.django_db
def test_invoice_for_a_chinese_client(frozen_agency, pen, tmp_path):
    client = ClientFactory(
        name="王小明 (Wang Xiaoming)",
        document_type="passport",
        document_number="E12345678",
        address="北京市朝阳区",
        email="wang@example.cn",
    )
    invoice = make_invoice(
        pen,
        client=client,
        number=8,
        lines=[("Paquete Lima–Cusco para 王小明 y Юлия Смирнова", "2", "1250", "18")],
        issued_at=datetime.datetime(2026, 11, 23, 15, 40, tzinfo=UTC),
    )

    assert_matches_references("invoice-chinese-client", invoice_pdf_bytes(invoice), tmp_path)


def make_receipt_ticket(passenger: str, document: str):
    CurrencyFactory(code="USD", symbol="$", minor_units=2)
    AirlineFactory(iata_code="JL", name="Japan Airlines")
    AirportFactory(
        iata_code="LAX",
        name="Los Angeles International Airport",
        city_name="Los Angeles",
        country=CountryFactory(code="US"),
        time_zone="America/Los_Angeles",
    )
    AirportFactory(
        iata_code="NRT",
        name="Narita International Airport",
        city_name="Tokyo",
        country=CountryFactory(code="JP"),
        time_zone="Asia/Tokyo",
    )
    ticket = ImportedTicketFactory(
        ticket_number="1312345678901",
        pnr="QX7LMN",
        passenger_name=passenger,
        passenger_document=document,
        airline_code="JL",
        airline_name="JAPAN AIRLINES",
        issue_date=datetime.date(2026, 11, 20),
    )
    for position, (number, origin, destination, day, departs, arrives) in enumerate(
        [("61", "LAX", "NRT", 3, "11:40", "16:25"), ("62", "NRT", "LAX", 17, "17:00", "10:30")]
    ):
        TicketSegmentFactory(
            ticket=ticket,
            position=position,
            carrier="JL",
            flight_number=number,
            origin=origin,
            origin_code=origin,
            destination=destination,
            destination_code=destination,
            departure_date=datetime.date(2026, 12, day),
            departure_time=departs,
            arrival_time=arrives,
            booking_class="Q",
            fare_basis="QLX7C1/CH25PROMO",
            baggage="2PC",
            status="CONFIRMADO",
        )
    return ticket


RECEIPT_RECORD = {
    "issuing_agent": "LIM00ANA",
    "office_id": "PE-20481-0",
    "currency": "USD",
    "fare": "1180.00",
    "taxes": [{"code": "US", "amount": "22.40"}, {"code": "SW", "amount": "8.25"}],
    "taxes_total": "30.65",
    "total": "1210.65",
    "form_of_payment": "CCVIXXXXXXXXXXXX3930/0416/N009078",
}


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("name", "passenger", "document"),
    [
        ("receipt-japanese-passenger", "ŌTANI/SHŌHEI 大谷翔平", "TK1234567"),
        ("receipt-greek-russian-chinese", "ΠΑΠΑΔΟΠΟΥΛΟΣ/ΣΩΚΡΑΤΗΣ · СМИРНОВА/ЮЛИЯ · 王/小明", "AB1234567"),
    ],
)
def test_ticket_receipt(frozen_agency, tmp_path, name, passenger, document):
    ticket = make_receipt_ticket(passenger, document)
    segments = list(ticket.segments.order_by("position"))

    assert_matches_references(name, ticket_receipt_pdf_bytes(ticket, RECEIPT_RECORD, segments), tmp_path)


@pytest.mark.skipif(UPDATE, reason="regenerating the references")
@pytest.mark.django_db
def test_a_letter_drawn_as_a_blank_box_fails_the_comparison(frozen_agency, pen, tmp_path, monkeypatch):
    """The control: the Polish invoice drawn with Bitstream Vera (reportlab's
    own font, which the PDFs used before), in which ł, Ś, Ź, Ō, Greek,
    Cyrillic and Chinese are blank boxes, must not pass for its reference."""
    # DejaVu's names and bold family registered, then their files swapped for Vera's.
    pdf_rendering.main_glyphs()
    vera = Path(pdfmetrics.__file__).parent.parent / "fonts"
    monkeypatch.setitem(pdfmetrics._fonts, pdf_rendering.FONT, TTFont(pdf_rendering.FONT, vera / "Vera.ttf"))
    monkeypatch.setitem(
        pdfmetrics._fonts, pdf_rendering.FONT_BOLD, TTFont(pdf_rendering.FONT_BOLD, vera / "VeraBd.ttf")
    )
    vera_glyphs = pdfmetrics.getFont(pdf_rendering.FONT).face.charToGlyph
    monkeypatch.setattr(pdf_rendering, "main_glyphs", lambda: vera_glyphs)
    monkeypatch.setattr(pdf_rendering, "cjk_glyphs", dict)

    with pytest.raises(pytest.fail.Exception, match="pixels differ"):
        test_invoice_for_a_polish_client(frozen_agency, pen, tmp_path)
