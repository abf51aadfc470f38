import copy
from datetime import UTC, datetime
from decimal import Decimal
from io import BytesIO

import pytest
from django.utils.translation import trans_real
from pypdf import PdfReader

from core.models import Invoice, InvoiceLine, Sale
from core.money import round_money
from core.services.pdf_rendering import invoice_pdf_bytes
from core.tests.factories import ClientFactory, CurrencyFactory, InvoiceSeriesFactory

# The English of the renderer's labels, as locale/en should have them.
ENGLISH = {
    "Factura %(number)s": "Invoice %(number)s",
    "FACTURA ELECTRÓNICA": "ELECTRONIC INVOICE",
    "ANULADA": "VOID",
    "Fecha de anulación: %(date)s": "Voided on: %(date)s",
    "Motivo: %(reason)s": "Reason: %(reason)s",
    "CLIENTE": "CLIENT",
    "FECHA DE EMISIÓN": "ISSUE DATE",
    "MONEDA": "CURRENCY",
    "Descripción": "Description",
    "Cant.": "Qty",
    "Precio unit.": "Unit price",
    "Imp. %": "Tax %",
    "Impuesto": "Tax",
    "Total": "Total",
    "Op. gravadas": "Taxable sales",
    "Op. exoneradas / inafectas": "Exempt / non-taxable sales",
    "Cobros por cuenta de terceros": "Collected on behalf of third parties",
    "IGV": "IGV (VAT)",
    "Representación impresa de la factura electrónica %(number)s": "Printed copy of electronic invoice %(number)s",
    "Página %(page)d de %(pages)d": "Page %(page)d of %(pages)d",
}


@pytest.fixture
def english_catalog(monkeypatch):
    """Lends the English catalog the labels it does not have yet, for this
    test only; those that locale/en already translates are used as they are."""
    english = trans_real.translation("en")
    catalog = copy.deepcopy(english._catalog)
    for spanish, translated in ENGLISH.items():
        if spanish not in catalog:
            catalog[spanish] = translated
    monkeypatch.setattr(english, "_catalog", catalog)


@pytest.fixture
def pen(db):
    return CurrencyFactory(code="PEN", name_es="sol peruano", name_en="Peruvian sol", symbol="S/", minor_units=2)


def make_invoice(currency, *, lines, client=None, number=42, issued_at=None) -> Invoice:
    """An issued invoice with the given (description, quantity, unit price,
    tax rate) lines, its amounts rounded as core.services.sales does."""
    client = client or ClientFactory(name="Agencia Ñandú – José Pérez", address="Jr. Cuzco 100, Lima")
    invoice_lines = [_line(currency, position, *line) for position, line in enumerate(lines)]
    subtotal = sum((line.subtotal for line in invoice_lines), Decimal(0))
    tax_total = sum((line.tax_amount for line in invoice_lines), Decimal(0))
    taxable_total = sum((line.subtotal for line in invoice_lines if line.tax_amount), Decimal(0))
    invoice = Invoice.objects.create(
        series=InvoiceSeriesFactory(code="F001"),
        number=number,
        sale=Sale.objects.create(client=client, currency=currency),
        client=client,
        client_name=client.name,
        client_document_type=client.document_type,
        client_document_number=client.document_number,
        client_address=client.address,
        client_email=client.email,
        currency=currency,
        subtotal=subtotal,
        tax_total=tax_total,
        total=subtotal + tax_total,
        taxable_total=taxable_total,
        exempt_total=subtotal - taxable_total,
        issued_at=issued_at or datetime(2026, 11, 22, 19, 5, tzinfo=UTC),
    )
    for line in invoice_lines:
        line.invoice = invoice
    InvoiceLine.objects.bulk_create(invoice_lines)
    return fetched(invoice)


def _line(currency, position, description, quantity, unit_price, tax_rate) -> InvoiceLine:
    quantity, unit_price, tax_rate = Decimal(quantity), Decimal(unit_price), Decimal(tax_rate)
    subtotal = round_money(quantity * unit_price, currency.minor_units)
    tax_amount = round_money(subtotal * tax_rate / 100, currency.minor_units)
    return InvoiceLine(
        description=description,
        quantity=quantity,
        unit_price=unit_price,
        tax_rate=tax_rate,
        subtotal=subtotal,
        tax_amount=tax_amount,
        total=subtotal + tax_amount,
        position=position,
    )


def fetched(invoice: Invoice) -> Invoice:
    # As core.services.invoicing reads it before rendering.
    return Invoice.objects.select_related("series", "currency", "client").get(pk=invoice.pk)


def void(invoice: Invoice, reason: str) -> Invoice:
    Invoice.objects.filter(pk=invoice.pk).update(
        status=Invoice.Status.VOID, void_reason=reason, voided_at=datetime(2026, 11, 23, 15, 30, tzinfo=UTC)
    )
    return fetched(invoice)


def pages_text(pdf: bytes) -> list[str]:
    return [page.extract_text() for page in PdfReader(BytesIO(pdf)).pages]


def pdf_text(pdf: bytes) -> str:
    return "\n".join(pages_text(pdf))


@pytest.mark.django_db
def test_the_pdf_shows_the_agency_number_client_lines_and_totals(pen, settings):
    invoice = make_invoice(pen, lines=[("Paquete Cusco – 3 días, ¿con guía? ¡Sí!", "1", "1000", "18")])

    pdf = invoice_pdf_bytes(invoice)

    assert pdf.startswith(b"%PDF")
    text = pdf_text(pdf)
    assert settings.AGENCY_NAME in text
    assert "FACTURA ELECTRÓNICA" in text
    assert "F001-00000042" in text
    assert "Agencia Ñandú – José Pérez" in text
    assert "Jr. Cuzco 100, Lima" in text
    assert "Paquete Cusco – 3 días, ¿con guía? ¡Sí!" in text
    assert "S/ 1,000.00" in text
    assert "S/ 180.00" in text
    assert "S/ 1,180.00" in text
    assert "Op. gravadas\n S/ 1,000.00" in text
    assert "IGV\n S/ 180.00" in text
    assert "SON: MIL CIENTO OCHENTA CON 00/100 SOLES" in text
    assert "ANULADA" not in text


@pytest.mark.django_db
def test_the_agency_comes_from_the_settings(pen, settings):
    settings.AGENCY_NAME = "Viajes Cóndor E.I.R.L."
    settings.AGENCY_TAX_ID = "20999888777"

    text = pdf_text(invoice_pdf_bytes(make_invoice(pen, lines=[("Tour", "1", "10", "18")])))

    assert "Viajes Cóndor E.I.R.L." in text
    assert "RUC 20999888777" in text


@pytest.mark.django_db
def test_the_issue_time_is_shown_on_the_agency_clock(pen):
    invoice = make_invoice(pen, lines=[("Tour", "1", "10", "18")], issued_at=datetime(2026, 11, 23, 2, 30, tzinfo=UTC))

    assert "22/11/2026 21:30" in pdf_text(invoice_pdf_bytes(invoice))


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("code", "symbol", "minor_units", "unit_price", "line_total", "total"),
    [
        # Documents print S/, US$ and €; every other currency by its ISO code, never a bare "$".
        ("JPY", "¥", 0, "150000", "165,000", "JPY 165,000"),
        ("PEN", "S/", 2, "1500", "1,650.00", "S/ 1,650.00"),
        ("USD", "$", 2, "1500", "1,650.00", "US$ 1,650.00"),
        ("EUR", "€", 2, "1500", "1,650.00", "€ 1,650.00"),
        ("KWD", "KWD", 3, "12.345", "13.580", "KWD 13.580"),
        ("INR", "₹", 2, "2500", "2,750.00", "INR 2,750.00"),
    ],
)
def test_amounts_have_the_currencys_decimals_and_sign(code, symbol, minor_units, unit_price, line_total, total):
    currency = CurrencyFactory(code=code, symbol=symbol, minor_units=minor_units)
    invoice = make_invoice(currency, lines=[("Paquete", "1", unit_price, "10")])

    text = pdf_text(invoice_pdf_bytes(invoice))

    assert line_total in text.split()
    assert total in text


@pytest.mark.django_db
def test_a_voided_invoice_is_stamped_with_its_reason(pen):
    invoice = void(make_invoice(pen, lines=[("Tour", "1", "10", "18")]), "Error en el RUC del cliente")

    text = pdf_text(invoice_pdf_bytes(invoice))

    assert "ANULADA" in text
    assert "Motivo: Error en el RUC del cliente" in text
    assert "Fecha de anulación: 23/11/2026 10:30" in text


@pytest.mark.django_db
def test_sixty_lines_run_over_several_pages_each_with_the_table_header(pen):
    lines = [(f"Traslado {n} aeropuerto–hotel, Cusco", "1", "100", "18") for n in range(1, 61)]
    invoice = make_invoice(pen, lines=lines)

    pages = pages_text(invoice_pdf_bytes(invoice))

    assert len(pages) >= 2
    assert all("Descripción" in page for page in pages)
    assert all(f"Página {number} de {len(pages)}" in page for number, page in enumerate(pages, start=1))
    assert "Traslado 60 aeropuerto–hotel, Cusco" in pages[-1]
    assert "S/ 7,080.00" in pages[-1]


@pytest.mark.django_db
def test_an_english_speaking_client_gets_english_labels(pen, english_catalog):
    client = ClientFactory(name="Mary O'Brien", preferred_language="en")
    invoice = void(make_invoice(pen, client=client, lines=[("City tour", "2", "50", "18")]), "Duplicate")

    text = pdf_text(invoice_pdf_bytes(invoice))

    assert "ELECTRONIC INVOICE" in text
    assert "Unit price" in text
    assert "IGV (VAT)" in text
    assert "SAY: ONE HUNDRED AND EIGHTEEN AND 00/100 SOLES" in text
    assert "Peruvian sol (PEN)" in text
    assert "VOID" in text
    assert "Reason: Duplicate" in text
    assert "Page 1 of 1" in text
    assert "Descripción" not in text
    assert "ANULADA" not in text


@pytest.mark.django_db
@pytest.mark.parametrize("stored", ["passport", "Pasaporte"])
def test_the_clients_document_type_is_printed_in_the_clients_language(pen, english_catalog, stored):
    # "Pasaporte": how invoices issued before kept it.
    client = ClientFactory(name="Mary O'Brien", preferred_language="en", document_type="passport")
    invoice = make_invoice(pen, client=client, lines=[("City tour", "1", "50", "18")])
    Invoice.objects.filter(pk=invoice.pk).update(client_document_type=stored)

    text = pdf_text(invoice_pdf_bytes(fetched(invoice)))

    assert f"Passport {client.document_number}" in text
    assert "Pasaporte" not in text


@pytest.mark.django_db
def test_rendering_reads_the_lines_in_one_query(pen, django_assert_num_queries):
    invoice = make_invoice(pen, lines=[("Tour", "1", "10", "18"), ("Hotel", "2", "80", "18")])

    with django_assert_num_queries(1):
        invoice_pdf_bytes(invoice)
