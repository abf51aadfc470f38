"""Invoices as printable PDFs (the "representación impresa" of an electronic
invoice), drawn with reportlab in the client's language."""

import math
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal
from functools import partial
from io import BytesIO
from pathlib import Path
from xml.sax.saxutils import escape
from zoneinfo import ZoneInfo

import reportlab
from django.conf import settings
from django.utils import timezone, translation
from django.utils.text import capfirst
from django.utils.translation import gettext as _
from reportlab.lib import colors
from reportlab.lib.enums import TA_CENTER, TA_RIGHT
from reportlab.lib.pagesizes import A4
from reportlab.lib.styles import ParagraphStyle
from reportlab.lib.units import mm
from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.ttfonts import TTFont
from reportlab.pdfgen.canvas import Canvas
from reportlab.platypus import Flowable, KeepTogether, Paragraph, SimpleDocTemplate, Spacer, Table, TableStyle

from core.models import Client, Currency, ImportedTicket, Invoice, InvoiceLine, TicketSegment
from core.money import round_money

# Bitstream Vera ships with reportlab and is embedded in the PDF, so accents,
# ñ, ¿ ¡, € and £ look the same in every viewer (the standard Helvetica is not
# embedded and leaves that to the viewer).
FONT = "Vera"
FONT_BOLD = "Vera-Bold"

PAGE_WIDTH, PAGE_HEIGHT = A4
MARGIN = 15 * mm
CONTENT_WIDTH = PAGE_WIDTH - 2 * MARGIN

INK = colors.HexColor("#1f2933")
MUTED = colors.HexColor("#616e7c")
RULE = colors.HexColor("#cbd2d9")
HEADER_FILL = colors.HexColor("#e4e7eb")
STRIPE_FILL = colors.HexColor("#f5f7fa")
VOID_RED = colors.HexColor("#c62828")

DATE_TIME_FORMAT = "%d/%m/%Y %H:%M"


def _register_fonts() -> None:
    folder = Path(reportlab.__file__).parent / "fonts"
    pdfmetrics.registerFont(TTFont(FONT, folder / "Vera.ttf"))
    pdfmetrics.registerFont(TTFont(FONT_BOLD, folder / "VeraBd.ttf"))
    # Lets <b> inside a Paragraph pick the bold face.
    pdfmetrics.registerFontFamily(FONT, normal=FONT, bold=FONT_BOLD, italic=FONT, boldItalic=FONT_BOLD)


_register_fonts()


def _style(name: str, **overrides) -> ParagraphStyle:
    return ParagraphStyle(name, **{"fontName": FONT, "fontSize": 9, "leading": 11.5, "textColor": INK, **overrides})


TEXT = _style("text")
SMALL = _style("small", fontSize=8, leading=10)
MUTED_SMALL = _style("muted_small", fontSize=8, leading=10, textColor=MUTED)
LABEL = _style("label", fontName=FONT_BOLD, fontSize=7.5, leading=9.5, textColor=MUTED)
AGENCY_NAME = _style("agency_name", fontName=FONT_BOLD, fontSize=15, leading=19)
BOX_TITLE = _style("box_title", fontName=FONT_BOLD, fontSize=12, leading=15, alignment=TA_CENTER)
BOX_TEXT = _style("box_text", fontSize=10, leading=14, alignment=TA_CENTER)
BOX_NUMBER = _style("box_number", fontName=FONT_BOLD, fontSize=13, leading=17, alignment=TA_CENTER)
CELL = _style("cell", fontSize=8, leading=10)
CELL_RIGHT = _style("cell_right", fontSize=8, leading=10, alignment=TA_RIGHT)
CELL_HEADER = _style("cell_header", fontName=FONT_BOLD, fontSize=8, leading=10)
CELL_HEADER_RIGHT = _style("cell_header_right", fontName=FONT_BOLD, fontSize=8, leading=10, alignment=TA_RIGHT)
TOTAL_LABEL = _style("total_label", alignment=TA_RIGHT)
TOTAL_AMOUNT = _style("total_amount", alignment=TA_RIGHT)
GRAND_TOTAL_LABEL = _style("grand_total_label", fontName=FONT_BOLD, fontSize=11, leading=14, alignment=TA_RIGHT)
GRAND_TOTAL_AMOUNT = _style("grand_total_amount", fontName=FONT_BOLD, fontSize=11, leading=14, alignment=TA_RIGHT)
VOID_TITLE = _style("void_title", fontName=FONT_BOLD, fontSize=16, leading=20, textColor=VOID_RED)
VOID_TEXT = _style("void_text", textColor=VOID_RED)

# Description, quantity, unit price, tax %, tax, total: the description takes what is left.
LINE_COLUMN_WIDTHS = [68 * mm, 14 * mm, 26 * mm, 16 * mm, 26 * mm, 30 * mm]


@dataclass(frozen=True)
class Agency:
    name: str
    tax_id: str
    address: str
    email: str


def agency_from_settings() -> Agency:
    return Agency(
        name=settings.AGENCY_NAME,
        tax_id=settings.AGENCY_TAX_ID,
        address=settings.AGENCY_ADDRESS,
        email=settings.AGENCY_EMAIL,
    )


def invoice_pdf_bytes(invoice: Invoice) -> bytes:
    """The invoice as a PDF, in its client's language. Expects the invoice
    with `series` and `currency` selected (and `client`, or it costs one more
    query); its lines are read in one query, none when prefetched."""
    lines = list(invoice.lines.all())
    with translation.override(_client_language(invoice)):
        return _render(invoice, lines, agency_from_settings())


def _client_language(invoice: Invoice) -> str:
    return "en" if invoice.client.preferred_language == "en" else "es"


def _render(invoice: Invoice, lines: list[InvoiceLine], agency: Agency) -> bytes:
    buffer = BytesIO()
    document = SimpleDocTemplate(
        buffer,
        pagesize=A4,
        leftMargin=MARGIN,
        rightMargin=MARGIN,
        topMargin=20 * mm,
        bottomMargin=20 * mm,
        title=_("Factura %(number)s") % {"number": invoice.full_number},
        author=agency.name,
    )
    document.build(
        _story(invoice, lines, agency),
        onFirstPage=partial(_decorate_page, invoice=invoice, running_header=None),
        onLaterPages=partial(_decorate_page, invoice=invoice, running_header=_running_header(invoice, agency)),
        canvasmaker=partial(PageCountingCanvas, footer=partial(_draw_footer, notice=_invoice_notice(invoice))),
    )
    return buffer.getvalue()


def _story(invoice: Invoice, lines: list[InvoiceLine], agency: Agency) -> list[Flowable]:
    story = [_header(invoice, agency), Spacer(0, 6 * mm)]
    if invoice.status == Invoice.Status.VOID:
        story += [_void_notice(invoice), Spacer(0, 5 * mm)]
    story += [
        _client_and_details(invoice),
        Spacer(0, 6 * mm),
        _lines_table(lines, invoice.currency.minor_units),
        Spacer(0, 4 * mm),
        KeepTogether(_totals_table(invoice)),
    ]
    return story


# --- First-page blocks -----------------------------------------------------

# Two blocks side by side in one thin box, a rule between them.
TWO_BOXED_COLUMNS = TableStyle(
    [
        ("BOX", (0, 0), (-1, -1), 0.6, RULE),
        ("LINEBEFORE", (1, 0), (1, 0), 0.6, RULE),
        ("VALIGN", (0, 0), (-1, -1), "TOP"),
        ("TOPPADDING", (0, 0), (-1, -1), 6),
        ("BOTTOMPADDING", (0, 0), (-1, -1), 6),
        ("LEFTPADDING", (0, 0), (-1, -1), 8),
    ]
)


def _agency_block(agency: Agency) -> list[Paragraph]:
    return [
        Paragraph(escape(agency.name), AGENCY_NAME),
        Paragraph(f"RUC {escape(agency.tax_id)}", TEXT),
        Paragraph(escape(agency.address), TEXT),
        Paragraph(escape(agency.email), TEXT),
    ]


def _header(invoice: Invoice, agency: Agency) -> Table:
    """The agency on the left; on the right the boxed document type, RUC and
    number, as tax authorities in the region ask of a printed invoice."""
    agency_block = _agency_block(agency)
    document_box = Table(
        [
            [Paragraph(escape(_("FACTURA ELECTRÓNICA")), BOX_TITLE)],
            [Paragraph(f"RUC {escape(agency.tax_id)}", BOX_TEXT)],
            [Paragraph(escape(invoice.full_number), BOX_NUMBER)],
        ],
        colWidths=[68 * mm],
        style=TableStyle(
            [
                ("BOX", (0, 0), (-1, -1), 1.2, INK),
                ("TOPPADDING", (0, 0), (-1, -1), 4),
                ("BOTTOMPADDING", (0, 0), (-1, -1), 4),
            ]
        ),
    )
    return Table(
        [[agency_block, document_box]],
        colWidths=[CONTENT_WIDTH - 68 * mm, 68 * mm],
        style=TableStyle(
            [
                ("VALIGN", (0, 0), (-1, -1), "TOP"),
                ("LEFTPADDING", (0, 0), (-1, -1), 0),
                ("RIGHTPADDING", (0, 0), (-1, -1), 0),
            ]
        ),
    )


def _void_notice(invoice: Invoice) -> Table:
    details = []
    if invoice.voided_at:
        details.append(_("Fecha de anulación: %(date)s") % {"date": _business_time(invoice.voided_at)})
    if invoice.void_reason:
        details.append(_("Motivo: %(reason)s") % {"reason": invoice.void_reason})
    rows = [[Paragraph(escape(_("ANULADA")), VOID_TITLE)]]
    rows += [[Paragraph(escape(detail), VOID_TEXT)] for detail in details]
    return Table(
        rows,
        colWidths=[CONTENT_WIDTH],
        style=TableStyle(
            [
                ("BOX", (0, 0), (-1, -1), 1.5, VOID_RED),
                ("LEFTPADDING", (0, 0), (-1, -1), 8),
                ("TOPPADDING", (0, 0), (0, 0), 6),
                ("BOTTOMPADDING", (0, -1), (-1, -1), 6),
            ]
        ),
    )


def _document_type_label(invoice: Invoice) -> str:
    """The client's kind of document in the invoice's language. An invoice
    keeps its code (`passport`); those issued before kept the Spanish label
    ("Pasaporte"), which is read back to its code."""
    stored = invoice.client_document_type
    if stored not in Client.DocumentType.values:
        with translation.override("es"):
            spanish = {str(choice.label): choice.value for choice in Client.DocumentType}
        stored = spanish.get(stored, stored)
    if stored in Client.DocumentType.values:
        return str(Client.DocumentType(stored).label)
    return stored


def _client_and_details(invoice: Invoice) -> Table:
    client = [
        Paragraph(escape(_("CLIENTE")), LABEL),
        Paragraph(f"<b>{escape(invoice.client_name)}</b>", TEXT),
        Paragraph(escape(f"{_document_type_label(invoice)} {invoice.client_document_number}"), TEXT),
    ]
    if invoice.client_address:
        client.append(Paragraph(escape(invoice.client_address), TEXT))
    if invoice.client_email:
        client.append(Paragraph(escape(invoice.client_email), TEXT))
    currency = invoice.currency
    details = [
        Paragraph(escape(_("FECHA DE EMISIÓN")), LABEL),
        Paragraph(escape(_business_time(invoice.issued_at)), TEXT),
        Spacer(0, 2 * mm),
        Paragraph(escape(_("MONEDA")), LABEL),
        Paragraph(escape(f"{capfirst(currency.name)} ({currency.code})"), TEXT),
    ]
    return Table(
        [[client, details]],
        colWidths=[CONTENT_WIDTH - 60 * mm, 60 * mm],
        style=TWO_BOXED_COLUMNS,
    )


def _business_time(moment: datetime) -> str:
    """A stored (UTC) moment as the agency's clock showed it."""
    return timezone.localtime(moment, ZoneInfo(settings.TIME_ZONE)).strftime(DATE_TIME_FORMAT)


# --- Lines and totals ------------------------------------------------------


def _lines_table(lines: list[InvoiceLine], minor_units: int) -> Table:
    header = [
        Paragraph(escape(_("Descripción")), CELL_HEADER),
        Paragraph(escape(_("Cant.")), CELL_HEADER_RIGHT),
        Paragraph(escape(_("Precio unit.")), CELL_HEADER_RIGHT),
        Paragraph(escape(_("Imp. %")), CELL_HEADER_RIGHT),
        Paragraph(escape(_("Impuesto")), CELL_HEADER_RIGHT),
        Paragraph(escape(_("Total")), CELL_HEADER_RIGHT),
    ]
    rows = [header] + [_line_row(line, minor_units) for line in lines]
    style = [
        ("BACKGROUND", (0, 0), (-1, 0), HEADER_FILL),
        ("LINEBELOW", (0, 0), (-1, 0), 0.8, INK),
        ("LINEBELOW", (0, -1), (-1, -1), 0.8, INK),
        ("VALIGN", (0, 0), (-1, -1), "TOP"),
        ("TOPPADDING", (0, 0), (-1, -1), 3),
        ("BOTTOMPADDING", (0, 0), (-1, -1), 3),
    ]
    style += [("BACKGROUND", (0, row), (-1, row), STRIPE_FILL) for row in range(2, len(rows), 2)]
    # repeatRows: a table that runs onto the next page starts there with its header again.
    return Table(rows, colWidths=LINE_COLUMN_WIDTHS, repeatRows=1, style=TableStyle(style))


def _line_row(line: InvoiceLine, minor_units: int) -> list[Paragraph]:
    amount = partial(format_money, minor_units=minor_units)
    return [
        # A Paragraph wraps a long description inside its column.
        Paragraph(escape(line.description), CELL),
        Paragraph(format_quantity(line.quantity), CELL_RIGHT),
        Paragraph(amount(line.unit_price), CELL_RIGHT),
        Paragraph(format_percent(line.tax_rate), CELL_RIGHT),
        Paragraph(amount(line.tax_amount), CELL_RIGHT),
        Paragraph(amount(line.total), CELL_RIGHT),
    ]


def _totals_table(invoice: Invoice) -> Table:
    currency = invoice.currency
    sign = currency_sign(currency)

    def amount(value: Decimal) -> str:
        return escape(f"{sign} {format_money(value, currency.minor_units)}")

    rows = [
        [Paragraph(escape(_("Subtotal")), TOTAL_LABEL), Paragraph(amount(invoice.subtotal), TOTAL_AMOUNT)],
        [Paragraph(escape(_("Impuestos")), TOTAL_LABEL), Paragraph(amount(invoice.tax_total), TOTAL_AMOUNT)],
        [Paragraph(escape(_("Total")), GRAND_TOTAL_LABEL), Paragraph(amount(invoice.total), GRAND_TOTAL_AMOUNT)],
    ]
    return Table(
        rows,
        colWidths=[CONTENT_WIDTH - 45 * mm, 45 * mm],
        style=TableStyle(
            [
                ("LINEABOVE", (1, -1), (1, -1), 1, INK),
                ("TOPPADDING", (0, -1), (-1, -1), 5),
                ("RIGHTPADDING", (0, 0), (-1, -1), 6),
            ]
        ),
    )


def format_money(amount: Decimal, minor_units: int) -> str:
    """Rounded to the currency's decimals, with thousands grouped: "1,180.00",
    "150,000" (JPY), "12.345" (KWD)."""
    return f"{round_money(amount, minor_units):,.{minor_units}f}"


def format_quantity(quantity: Decimal) -> str:
    """Whole quantities without decimals ("2"), others as stored ("1.50")."""
    if quantity == quantity.to_integral_value():
        return f"{quantity:,.0f}"
    return f"{quantity:,.2f}"


def format_percent(rate: Decimal) -> str:
    return f"{rate.normalize():f}%"


def currency_sign(currency: Currency) -> str:
    """The currency's symbol (S/, €, ¥) when the font can draw it, else its
    ISO code: Vera has no ₹ or ₩, and a missing glyph prints as a blank."""
    glyphs = pdfmetrics.getFont(FONT).face.charToGlyph
    if currency.symbol and all(ord(character) in glyphs for character in currency.symbol):
        return currency.symbol
    return currency.code


# --- Drawn on every page ---------------------------------------------------


def _invoice_notice(invoice: Invoice) -> str:
    return _("Representación impresa de la factura electrónica %(number)s") % {"number": invoice.full_number}


def _running_header(invoice: Invoice, agency: Agency) -> str:
    return f"{agency.name} · {_('FACTURA ELECTRÓNICA')} {invoice.full_number}"


def _decorate_page(canvas: Canvas, document, *, invoice: Invoice, running_header: str | None) -> None:
    """Drawn before the page's content: the void watermark stays behind the text."""
    canvas.saveState()
    if invoice.status == Invoice.Status.VOID:
        _draw_void_watermark(canvas)
    if running_header:
        canvas.setFont(FONT, 8)
        canvas.setFillColor(MUTED)
        canvas.drawString(MARGIN, PAGE_HEIGHT - 12 * mm, running_header)
        canvas.setStrokeColor(RULE)
        canvas.line(MARGIN, PAGE_HEIGHT - 14 * mm, PAGE_WIDTH - MARGIN, PAGE_HEIGHT - 14 * mm)
    canvas.restoreState()


def _draw_void_watermark(canvas: Canvas) -> None:
    canvas.setFillColor(VOID_RED)
    canvas.setFillAlpha(0.14)
    canvas.setFont(FONT_BOLD, 100)
    canvas.translate(PAGE_WIDTH / 2, PAGE_HEIGHT / 2)
    # Along the page's diagonal, lower left to upper right.
    canvas.rotate(math.degrees(math.atan2(PAGE_HEIGHT, PAGE_WIDTH)))
    canvas.drawCentredString(0, -35, _("ANULADA"))


def _draw_footer(canvas: Canvas, page: int, pages: int, *, notice: str) -> None:
    canvas.saveState()
    canvas.setStrokeColor(RULE)
    canvas.line(MARGIN, 14 * mm, PAGE_WIDTH - MARGIN, 14 * mm)
    canvas.setFont(FONT, 7.5)
    canvas.setFillColor(MUTED)
    canvas.drawString(MARGIN, 10 * mm, notice)
    canvas.drawRightString(
        PAGE_WIDTH - MARGIN, 10 * mm, _("Página %(page)d de %(pages)d") % {"page": page, "pages": pages}
    )
    canvas.restoreState()


class PageCountingCanvas(Canvas):
    """Holds the pages back until the document ends, so that each footer can
    say "page 2 of 3"."""

    def __init__(self, *args, footer, **kwargs):
        super().__init__(*args, **kwargs)
        self._footer = footer
        self._pages = []

    def showPage(self):
        self._pages.append(dict(self.__dict__))
        self._startPage()

    def save(self):
        for number, page in enumerate(self._pages, start=1):
            self.__dict__.update(page)
            self._footer(self, number, len(self._pages))
            super().showPage()
        super().save()


# --- Imported ticket receipt -----------------------------------------------

# Flight, from, to, date, departs, arrives, class, fare basis, baggage, status.
SEGMENT_COLUMN_WIDTHS = [16 * mm, 30 * mm, 30 * mm, 20 * mm, 13 * mm, 13 * mm, 11 * mm, 19 * mm, 13 * mm, 15 * mm]
TICKET_BOX_WIDTH = 72 * mm


def ticket_receipt_pdf_bytes(ticket: ImportedTicket, record: dict, segments: list[TicketSegment]) -> bytes:
    """The receipt of an imported ticket: passenger, itinerary, fare, taxes
    and total of its effective record (parsed + corrections), in Spanish
    unless another language is active."""
    agency = agency_from_settings()
    number = ticket.ticket_number or str(ticket.pk)
    buffer = BytesIO()
    document = SimpleDocTemplate(
        buffer,
        pagesize=A4,
        leftMargin=MARGIN,
        rightMargin=MARGIN,
        topMargin=20 * mm,
        bottomMargin=20 * mm,
        title=_("Boleto %(number)s") % {"number": number},
        author=agency.name,
    )
    story = [
        _ticket_header(ticket, record, agency),
        Spacer(0, 6 * mm),
        _ticket_passenger_and_issue(ticket, record),
        Spacer(0, 6 * mm),
        Paragraph(escape(_("ITINERARIO")), LABEL),
        Spacer(0, 1.5 * mm),
        _ticket_segments_table(segments),
        Spacer(0, 6 * mm),
        KeepTogether(_ticket_amounts(record)),
    ]
    notice = _("Recibo del boleto electrónico %(number)s") % {"number": _format_ticket_number(number)}
    document.build(
        story,
        canvasmaker=partial(PageCountingCanvas, footer=partial(_draw_footer, notice=notice)),
    )
    return buffer.getvalue()


def _ticket_header(ticket: ImportedTicket, record: dict, agency: Agency) -> Table:
    agency_block = _agency_block(agency)
    rows = [
        [Paragraph(escape(_("RECIBO DE BOLETO ELECTRÓNICO")), BOX_TITLE)],
        [Paragraph(escape(_format_ticket_number(ticket.ticket_number)), BOX_NUMBER)],
        [Paragraph(escape(_("Código de reserva: %(pnr)s") % {"pnr": ticket.pnr or "—"}), BOX_TEXT)],
    ]
    if record.get("airline_pnr"):
        rows.append([Paragraph(escape(_("Reserva aerolínea: %(pnr)s") % {"pnr": record["airline_pnr"]}), BOX_TEXT)])
    document_box = Table(
        rows,
        colWidths=[TICKET_BOX_WIDTH],
        style=TableStyle(
            [
                ("BOX", (0, 0), (-1, -1), 1.2, INK),
                ("TOPPADDING", (0, 0), (-1, -1), 3),
                ("BOTTOMPADDING", (0, 0), (-1, -1), 3),
            ]
        ),
    )
    return Table(
        [[agency_block, document_box]],
        colWidths=[CONTENT_WIDTH - TICKET_BOX_WIDTH, TICKET_BOX_WIDTH],
        style=TableStyle(
            [
                ("VALIGN", (0, 0), (-1, -1), "TOP"),
                ("LEFTPADDING", (0, 0), (-1, -1), 0),
                ("RIGHTPADDING", (0, 0), (-1, -1), 0),
            ]
        ),
    )


def _format_ticket_number(number: str) -> str:
    """`0520270619934` as airlines print it: `052-0270619934`."""
    return f"{number[:3]}-{number[3:]}" if len(number) == 13 else number or "—"


def _ticket_passenger_and_issue(ticket: ImportedTicket, record: dict) -> Table:
    passenger = [
        Paragraph(escape(_("PASAJERO")), LABEL),
        Paragraph(f"<b>{escape(ticket.passenger_name)}</b>", TEXT),
    ]
    if ticket.passenger_document:
        passenger.append(Paragraph(escape(_("Documento: %(number)s") % {"number": ticket.passenger_document}), TEXT))
    if ticket.is_exchange:
        original = ticket.original_ticket_number
        exchange = (
            _("Canje del boleto %(number)s") % {"number": _format_ticket_number(original)}
            if original
            else _("Canje o reemisión")
        )
        passenger += [Spacer(0, 2 * mm), Paragraph(f"<b>{escape(exchange)}</b>", TEXT)]
    airline = ticket.airline_name or ticket.airline_code
    if ticket.airline_code and ticket.airline_name and ticket.airline_code != ticket.airline_name:
        airline = f"{ticket.airline_name} ({ticket.airline_code})"
    issue = [
        Paragraph(escape(_("AEROLÍNEA EMISORA")), LABEL),
        Paragraph(escape(airline or "—"), TEXT),
        Spacer(0, 2 * mm),
        Paragraph(escape(_("FECHA DE EMISIÓN")), LABEL),
        Paragraph(escape(ticket.issue_date.strftime("%d/%m/%Y") if ticket.issue_date else "—"), TEXT),
    ]
    issuer = " · ".join(value for value in (record.get("issuing_agent"), record.get("office_id")) if value)
    if issuer:
        issue += [Spacer(0, 2 * mm), Paragraph(escape(_("AGENTE / OFICINA")), LABEL), Paragraph(escape(issuer), TEXT)]
    return Table(
        [[passenger, issue]],
        colWidths=[CONTENT_WIDTH - 72 * mm, 72 * mm],
        style=TWO_BOXED_COLUMNS,
    )


def _ticket_segments_table(segments: list[TicketSegment]) -> Table:
    titles = [
        _("Vuelo"), _("Desde"), _("Hasta"), _("Fecha"), _("Sale"), _("Llega"), _("Clase"), _("Base"),
        _("Equip."), _("Estado"),
    ]  # fmt: skip
    header = [Paragraph(escape(title), CELL_HEADER) for title in titles]
    rows = [header] + [_segment_row(segment) for segment in segments]
    style = [
        ("BACKGROUND", (0, 0), (-1, 0), HEADER_FILL),
        ("LINEBELOW", (0, 0), (-1, 0), 0.8, INK),
        ("LINEBELOW", (0, -1), (-1, -1), 0.8, INK),
        ("VALIGN", (0, 0), (-1, -1), "TOP"),
        ("TOPPADDING", (0, 0), (-1, -1), 3),
        ("BOTTOMPADDING", (0, 0), (-1, -1), 3),
        ("LEFTPADDING", (0, 0), (-1, -1), 3),
        ("RIGHTPADDING", (0, 0), (-1, -1), 3),
    ]
    style += [("BACKGROUND", (0, row), (-1, row), STRIPE_FILL) for row in range(2, len(rows), 2)]
    return Table(rows, colWidths=SEGMENT_COLUMN_WIDTHS, repeatRows=1, style=TableStyle(style))


def _segment_row(segment: TicketSegment) -> list[Paragraph]:
    def place(name: str, code: str) -> str:
        return f"{name} ({code})" if code and name and name != code else name or code

    values = [
        f"{segment.carrier} {segment.flight_number}".strip(),
        place(segment.origin, segment.origin_code),
        place(segment.destination, segment.destination_code),
        segment.departure_date.strftime("%d/%m/%Y") if segment.departure_date else "",
        segment.departure_time,
        segment.arrival_time,
        segment.booking_class,
        segment.fare_basis,
        segment.baggage,
        segment.status,
    ]
    return [Paragraph(escape(value or "—"), CELL) for value in values]


def _ticket_amounts(record: dict) -> list[Flowable]:
    currency = record.get("currency") or ""

    def amount(value) -> str:
        if value in (None, ""):
            return "—"
        return escape(f"{currency} {format_money(Decimal(str(value)), 2)}".strip())

    def row(label: str, value, label_style=TOTAL_LABEL, amount_style=TOTAL_AMOUNT) -> list[Paragraph]:
        return [Paragraph(escape(label), label_style), Paragraph(amount(value), amount_style)]

    rows = [row(_("Tarifa"), record.get("fare"))]
    rows += [row(_("Impuesto %(code)s") % {"code": tax["code"]}, tax["amount"]) for tax in record.get("taxes") or []]
    rows += [
        row(_("Total impuestos"), record.get("taxes_total")),
        row(_("Total"), record.get("total"), GRAND_TOTAL_LABEL, GRAND_TOTAL_AMOUNT),
    ]
    amounts = Table(
        rows,
        colWidths=[CONTENT_WIDTH - 45 * mm, 45 * mm],
        style=TableStyle(
            [
                ("LINEABOVE", (1, -1), (1, -1), 1, INK),
                ("TOPPADDING", (0, 0), (-1, -1), 2),
                ("TOPPADDING", (0, -1), (-1, -1), 5),
                ("RIGHTPADDING", (0, 0), (-1, -1), 6),
            ]
        ),
    )
    flowables: list[Flowable] = [amounts]
    if not (record.get("fare") or record.get("total")):
        flowables += [Spacer(0, 2 * mm), Paragraph(escape(_("El documento no imprime la tarifa.")), MUTED_SMALL)]
    if record.get("form_of_payment"):
        payment = _("Forma de pago: %(payment)s") % {"payment": record["form_of_payment"]}
        flowables += [Spacer(0, 3 * mm), Paragraph(escape(payment), TEXT)]
    return flowables
