"""Invoices as printable PDFs (the "representación impresa" of an electronic
invoice), drawn with reportlab in the client's language."""

import math
import re
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from decimal import Decimal
from functools import cache, partial
from io import BytesIO
from pathlib import Path
from xml.sax.saxutils import escape
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

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

from core.models import Airline, Airport, Client, Currency, ImportedTicket, Invoice, InvoiceLine, TicketSegment
from core.money import amount_in_words, currency_print_sign, round_money
from core.selectors.catalogs import airlines_by_code, airports_by_code

# Embedded in the PDF, so every viewer draws the same letters (core/fonts/
# README.md): DejaVu Sans has Latin with every European accent, Greek,
# Cyrillic and the currency signs; the CJK font draws, run by run, only the
# characters DejaVu lacks (王小明, 大谷翔平), which would otherwise be blanks.
FONT = "DejaVuSans"
FONT_BOLD = "DejaVuSans-Bold"
CJK_FONT = "DroidSansFallback-CJK"
FONTS_FOLDER = Path(__file__).resolve().parent.parent / "fonts"

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


# Parsing the fonts takes a tenth of a second (the CJK one most of it): done
# on the first PDF, not by every process that imports this module, and the
# CJK font only for a text that needs it.
@cache
def main_glyphs() -> dict[int, int]:
    """Registers DejaVu Sans; the characters it has."""
    pdfmetrics.registerFont(TTFont(FONT, FONTS_FOLDER / "DejaVuSans.ttf"))
    pdfmetrics.registerFont(TTFont(FONT_BOLD, FONTS_FOLDER / "DejaVuSans-Bold.ttf"))
    # Lets <b> inside a Paragraph pick the bold face.
    pdfmetrics.registerFontFamily(FONT, normal=FONT, bold=FONT_BOLD, italic=FONT, boldItalic=FONT_BOLD)
    return pdfmetrics.getFont(FONT).face.charToGlyph


@cache
def cjk_glyphs() -> dict[int, int]:
    """Registers the CJK fallback font (it has no bold); the characters it has."""
    pdfmetrics.registerFont(TTFont(CJK_FONT, FONTS_FOLDER / "DroidSansFallbackFull-CJK-subset.ttf"))
    pdfmetrics.registerFontFamily(CJK_FONT, normal=CJK_FONT, bold=CJK_FONT, italic=CJK_FONT, boldItalic=CJK_FONT)
    return pdfmetrics.getFont(CJK_FONT).face.charToGlyph


def font_runs(text: str) -> list[tuple[bool, str]]:
    """The text cut into runs of (needs the CJK font, characters): a
    character goes to the CJK font only when DejaVu lacks it and it has it."""
    main = main_glyphs()
    runs: list[tuple[bool, str]] = []
    for character in text:
        cjk = ord(character) not in main and ord(character) in cjk_glyphs()
        if runs and runs[-1][0] == cjk:
            runs[-1] = (cjk, runs[-1][1] + character)
        else:
            runs.append((cjk, character))
    return runs


def markup(text: str) -> str:
    """Plain text as Paragraph markup: escaped, CJK runs in the CJK font."""
    return "".join(
        f'<font face="{CJK_FONT}">{escape(run)}</font>' if cjk else escape(run) for cjk, run in font_runs(text)
    )


def draw_string(canvas: Canvas, x: float, y: float, text: str, *, font: str, size: float) -> None:
    """canvas.drawString with the CJK fallback: each run in its own font."""
    for cjk, run in font_runs(text):
        run_font = CJK_FONT if cjk else font
        canvas.setFont(run_font, size)
        canvas.drawString(x, y, run)
        x += pdfmetrics.stringWidth(run, run_font, size)


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
    main_glyphs()
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
        KeepTogether([_totals_table(invoice), Spacer(0, 3 * mm), _total_in_words(invoice)]),
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
        Paragraph(markup(agency.name), AGENCY_NAME),
        Paragraph(f"RUC {escape(agency.tax_id)}", TEXT),
        Paragraph(markup(agency.address), TEXT),
        Paragraph(markup(agency.email), TEXT),
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
        Paragraph(f"<b>{markup(invoice.client_name)}</b>", TEXT),
        Paragraph(markup(f"{_document_type_label(invoice)} {invoice.client_document_number}"), TEXT),
    ]
    if invoice.client_address:
        client.append(Paragraph(markup(invoice.client_address), TEXT))
    if invoice.client_email:
        client.append(Paragraph(markup(invoice.client_email), TEXT))
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
    description = [Paragraph(markup(line.description), CELL)]
    if line.third_party:
        # Its taxes are the airline's (by code), not IGV: no percent is shown.
        description.append(Paragraph(escape(_third_party_note(line, minor_units)), MUTED_SMALL))
    return [
        # A Paragraph wraps a long description inside its column.
        description,
        Paragraph(format_quantity(line.quantity), CELL_RIGHT),
        Paragraph(amount(line.unit_price), CELL_RIGHT),
        Paragraph("—" if line.third_party else format_percent(line.tax_rate), CELL_RIGHT),
        Paragraph(amount(line.tax_amount), CELL_RIGHT),
        Paragraph(amount(line.total), CELL_RIGHT),
    ]


def _third_party_note(line: InvoiceLine, minor_units: int) -> str:
    note = _("Cobrado por cuenta de terceros")
    taxes = " · ".join(
        f"{tax['code']} {format_money(Decimal(tax['amount']), minor_units)}" for tax in line.taxes if tax.get("code")
    )
    # Outside the f-string: makemessages cannot read a message inside one.
    taxes_label = _("Tasas e impuestos")
    return f"{note}. {taxes_label}: {taxes}" if taxes else note


def _totals_table(invoice: Invoice) -> Table:
    """The split a Peruvian e-invoice prints: own sales with IGV (gravadas),
    own sales without (exoneradas/inafectas), what was collected on behalf of
    third parties, the IGV and the total."""
    currency = invoice.currency
    sign = currency_print_sign(currency.code)

    def amount(value: Decimal) -> str:
        return escape(f"{sign} {format_money(value, currency.minor_units)}")

    rows = [
        [Paragraph(escape(label), TOTAL_LABEL), Paragraph(amount(value), TOTAL_AMOUNT)]
        for label, value in (
            (_("Op. gravadas"), invoice.taxable_total),
            (_("Op. exoneradas / inafectas"), invoice.exempt_total),
            (_("Cobros por cuenta de terceros"), invoice.third_party_total),
            (_("IGV"), invoice.tax_total),
        )
    ]
    rows.append(
        [Paragraph(escape(_("Total")), GRAND_TOTAL_LABEL), Paragraph(amount(invoice.total), GRAND_TOTAL_AMOUNT)]
    )
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


def _total_in_words(invoice: Invoice) -> Paragraph:
    currency = invoice.currency
    words = amount_in_words(
        invoice.total,
        currency_code=currency.code,
        currency_name=currency.name,
        minor_units=currency.minor_units,
        language=translation.get_language() or "es",
    )
    return Paragraph(f"<b>{escape(words)}</b>", TEXT)


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
        canvas.setFillColor(MUTED)
        draw_string(canvas, MARGIN, PAGE_HEIGHT - 12 * mm, running_header, font=FONT, size=8)
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
    canvas.setFillColor(MUTED)
    draw_string(canvas, MARGIN, 10 * mm, notice, font=FONT, size=7.5)
    canvas.setFont(FONT, 7.5)
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

# Flight, from, to, date, departs, arrives; under each flight a line with its
# class, fare basis, baggage and status, so that no code is cut in a narrow column.
SEGMENT_COLUMN_WIDTHS = [34 * mm, 44 * mm, 44 * mm, 20 * mm, 17 * mm, 21 * mm]
TICKET_BOX_WIDTH = 72 * mm
# No flight is this long: the arrival is the first moment after the departure
# that the arrival's clock shows the printed time.
LONGEST_FLIGHT = timedelta(hours=22)

CARD_BRANDS = {
    "VI": "Visa",
    "CA": "Mastercard",
    "MC": "Mastercard",
    "AX": "American Express",
    "DC": "Diners Club",
    "JC": "JCB",
    "DS": "Discover",
    "TP": "UATP",
}
# "CCVIXXXXXXXXXXXX3930/0416/N009078": card, brand, number, then expiry and approval code.
_CARD_PAYMENT = re.compile(
    r"\bCC\s*(?P<brand>[A-Z]{2})\s*(?P<number>[0-9X*][0-9X* -]{6,22}[0-9])(?:\s*/\S*)*", re.IGNORECASE
)
# A card number anywhere else: 13 to 19 digits (some hidden), in groups or not.
_CARD_NUMBER = re.compile(r"(?<![0-9A-Z])[0-9X*](?:[ -]?[0-9X*]){8,14}(?:[ -]?[0-9]){4}(?![0-9])", re.IGNORECASE)
_EXPIRY = re.compile(r"\s*\bEXP(?:IRY|IRA)?\.?\s*:?\s*\d{2}\s*/?\s*\d{2,4}\b", re.IGNORECASE)


def form_of_payment_masked(value: str) -> str:
    """The form of payment as a receipt may show it: a card as its brand and
    last four digits ("Visa ****3930"), never its expiry; cash, transfers and
    bank references as printed."""

    def card(match: re.Match) -> str:
        brand = CARD_BRANDS.get(match["brand"].upper(), match["brand"].upper())
        return f"{brand} {_last_four(match['number'])}"

    masked = _CARD_PAYMENT.sub(card, value)
    masked = _EXPIRY.sub("", masked)
    return _CARD_NUMBER.sub(lambda match: _last_four(match[0]), masked).strip()


def _last_four(number: str) -> str:
    return "****" + re.sub(r"\D", "", number)[-4:]


def arrival_day_offset(
    departure_date: date | None,
    departure_time: str,
    arrival_time: str,
    *,
    origin_time_zone: str = "",
    destination_time_zone: str = "",
) -> int:
    """Days from the departure's date to the arrival's, which tickets do not
    print: +1 for an overnight flight, -1 for one that lands "before" it left
    across the date line. With both airports' time zones the flight is the
    shortest that fits; without them an arrival at an earlier time is the next day."""
    try:
        departs = time.fromisoformat(departure_time)
        arrives = time.fromisoformat(arrival_time)
    except (TypeError, ValueError):
        return 0
    if departure_date and origin_time_zone and destination_time_zone:
        try:
            origin, destination = ZoneInfo(origin_time_zone), ZoneInfo(destination_time_zone)
        except (ValueError, KeyError, ZoneInfoNotFoundError):
            return int(arrives < departs)
        left = datetime.combine(departure_date, departs, origin)
        for offset in (-1, 0, 1, 2):
            landed = datetime.combine(departure_date + timedelta(days=offset), arrives, destination)
            if timedelta(0) < landed - left <= LONGEST_FLIGHT:
                return offset
    return int(arrives < departs)


def ticket_receipt_pdf_bytes(ticket: ImportedTicket, record: dict, segments: list[TicketSegment]) -> bytes:
    """The receipt of an imported ticket: passenger, itinerary, fare, taxes
    and total of its effective record (parsed + corrections), in Spanish
    unless another language is active. Airlines and airports are named from
    the catalogs (two queries), the currency as on invoices (one more)."""
    main_glyphs()
    agency = agency_from_settings()
    number = ticket.ticket_number or str(ticket.pk)
    airlines = airlines_by_code([ticket.airline_code] + [segment.carrier for segment in segments])
    airports = airports_by_code(
        code for segment in segments for code in (segment.origin_code, segment.destination_code)
    )
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
        _ticket_passenger_and_issue(ticket, record, airlines),
        Spacer(0, 6 * mm),
        Paragraph(markup(_("ITINERARIO")), LABEL),
        Spacer(0, 1.5 * mm),
        _ticket_segments_table(segments, airlines, airports),
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
        [Paragraph(markup(_("RECIBO DE BOLETO ELECTRÓNICO")), BOX_TITLE)],
        [Paragraph(markup(_format_ticket_number(ticket.ticket_number)), BOX_NUMBER)],
        [Paragraph(markup(_("Código de reserva: %(pnr)s") % {"pnr": ticket.pnr or "—"}), BOX_TEXT)],
    ]
    if record.get("airline_pnr"):
        rows.append([Paragraph(markup(_("Reserva aerolínea: %(pnr)s") % {"pnr": record["airline_pnr"]}), BOX_TEXT)])
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


def _ticket_passenger_and_issue(ticket: ImportedTicket, record: dict, airlines: dict[str, Airline]) -> Table:
    passenger = [
        Paragraph(markup(_("PASAJERO")), LABEL),
        Paragraph(f"<b>{markup(ticket.passenger_name)}</b>", TEXT),
    ]
    if ticket.passenger_document:
        passenger.append(Paragraph(markup(_("Documento: %(number)s") % {"number": ticket.passenger_document}), TEXT))
    if ticket.is_exchange:
        original = ticket.original_ticket_number
        exchange = (
            _("Canje del boleto %(number)s") % {"number": _format_ticket_number(original)}
            if original
            else _("Canje o reemisión")
        )
        passenger += [Spacer(0, 2 * mm), Paragraph(f"<b>{markup(exchange)}</b>", TEXT)]
    airline = _airline_name(ticket.airline_code, airlines, printed=ticket.airline_name)
    issue = [
        Paragraph(markup(_("AEROLÍNEA EMISORA")), LABEL),
        Paragraph(markup(airline or "—"), TEXT),
        Spacer(0, 2 * mm),
        Paragraph(markup(_("FECHA DE EMISIÓN")), LABEL),
        Paragraph(markup(ticket.issue_date.strftime("%d/%m/%Y") if ticket.issue_date else "—"), TEXT),
    ]
    issuer = " · ".join(value for value in (record.get("issuing_agent"), record.get("office_id")) if value)
    if issuer:
        issue += [Spacer(0, 2 * mm), Paragraph(markup(_("AGENTE / OFICINA")), LABEL), Paragraph(markup(issuer), TEXT)]
    return Table(
        [[passenger, issue]],
        colWidths=[CONTENT_WIDTH - 72 * mm, 72 * mm],
        style=TWO_BOXED_COLUMNS,
    )


def _airline_name(code: str, airlines: dict[str, Airline], *, printed: str = "") -> str:
    """The catalog's name next to the code ("LATAM Airlines Perú (LA)"); the
    printed name when the catalog does not know the code."""
    name = airlines[code].name if code in airlines else printed
    if code and name and name != code:
        return f"{name} ({code})"
    return name or code


def _ticket_segments_table(
    segments: list[TicketSegment], airlines: dict[str, Airline], airports: dict[str, Airport]
) -> Table:
    titles = [_("Vuelo"), _("Desde"), _("Hasta"), _("Fecha"), _("Sale"), _("Llega")]
    rows = [[Paragraph(markup(title), CELL_HEADER) for title in titles]]
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
    for number, segment in enumerate(segments):
        first = len(rows)
        rows += [_segment_row(segment, airlines, airports), _segment_details_row(segment)]
        # The details run under the whole flight, from the second column on.
        style += [("SPAN", (1, first + 1), (-1, first + 1)), ("TOPPADDING", (0, first + 1), (-1, first + 1), 0)]
        if number % 2:
            style.append(("BACKGROUND", (0, first), (-1, first + 1), STRIPE_FILL))
        if number:
            style.append(("LINEABOVE", (0, first), (-1, first), 0.4, RULE))
    # repeatRows: an itinerary that runs onto the next page starts there with its header again.
    return Table(rows, colWidths=SEGMENT_COLUMN_WIDTHS, repeatRows=1, style=TableStyle(style))


def _segment_row(segment: TicketSegment, airlines: dict[str, Airline], airports: dict[str, Airport]) -> list:
    flight = [Paragraph(markup(f"{segment.carrier} {segment.flight_number}".strip() or "—"), CELL_HEADER)]
    if segment.carrier in airlines:
        flight.append(Paragraph(markup(airlines[segment.carrier].name), MUTED_SMALL))
    origin = airports.get(segment.origin_code)
    destination = airports.get(segment.destination_code)
    offset = arrival_day_offset(
        segment.departure_date,
        segment.departure_time,
        segment.arrival_time,
        origin_time_zone=origin.time_zone if origin else "",
        destination_time_zone=destination.time_zone if destination else "",
    )
    arrives = segment.arrival_time
    if arrives and offset:
        arrives = f"{arrives} {offset:+d}"
    return [
        flight,
        _place(segment.origin, segment.origin_code, origin),
        _place(segment.destination, segment.destination_code, destination),
        Paragraph(markup(segment.departure_date.strftime("%d/%m/%Y") if segment.departure_date else "—"), CELL),
        Paragraph(markup(segment.departure_time or "—"), CELL),
        Paragraph(markup(arrives or "—"), CELL),
    ]


def _place(printed: str, code: str, airport: Airport | None) -> list[Paragraph]:
    """The city as printed (or the catalog's, when only the code is printed)
    with the code, and under it the airport's name from the catalog."""
    city = printed if printed and printed != code else (airport.city_name if airport else "")
    place = [Paragraph(markup(f"{city} ({code})" if city and code else city or code or "—"), CELL)]
    if airport:
        place.append(Paragraph(markup(airport.name), MUTED_SMALL))
    return place


def _segment_details_row(segment: TicketSegment) -> list:
    details = [
        (_("Clase"), segment.booking_class),
        (_("Base tarifaria"), segment.fare_basis),
        (_("Equipaje"), segment.baggage),
        (_("Estado"), segment.status),
    ]
    text = " · ".join(markup(f"{label}: {value}") for label, value in details if value)
    return ["", Paragraph(text, MUTED_SMALL)] + [""] * (len(SEGMENT_COLUMN_WIDTHS) - 2)


def _ticket_amounts(record: dict) -> list[Flowable]:
    code = record.get("currency") or ""
    currency = Currency.objects.filter(code=code).first() if code else None
    minor_units = currency.minor_units if currency else 2
    # As on invoices: "US$ 1,250.00", "S/ 89.50".
    sign = currency_print_sign(code) if code else ""

    def amount(value) -> str:
        if value in (None, ""):
            return "—"
        return markup(f"{sign} {format_money(Decimal(str(value)), minor_units)}".strip())

    def row(label: str, value, label_style=TOTAL_LABEL, amount_style=TOTAL_AMOUNT) -> list[Paragraph]:
        return [Paragraph(markup(label), label_style), Paragraph(amount(value), amount_style)]

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
        flowables += [Spacer(0, 2 * mm), Paragraph(markup(_("El documento no imprime la tarifa.")), MUTED_SMALL)]
    if record.get("form_of_payment"):
        payment = _("Forma de pago: %(payment)s") % {"payment": form_of_payment_masked(record["form_of_payment"])}
        flowables += [Spacer(0, 3 * mm), Paragraph(markup(payment), TEXT)]
    return flowables
