"""Importing airline e-tickets: the uploaded document, the parse, the sale item
and the receipt PDF.

    upload ──> pending ──claim──> processing ──> parsed (one row per ticket of the document)
                  ^                    │   │            ^
                  │                    │   └──> needs_review ──(corrections complete it)
                  └──────retry──── error (with the reason, in Spanish)

A ticket read in part, or without fare, total or currency, is `needs_review`
with its missing fields listed: it gets no sale item (never one at 0.00) and
no receipt until staff's corrections complete it. Corrections of the price
reprice the sale item while its sale is a draft, and are refused once it is
confirmed (a credit note corrects a confirmed sale).

Every step may run twice or in two workers at once: the claim is a conditional
UPDATE, one row per ticket number is a partial unique constraint (a repeat
points at the first row with `duplicate_of`), and the sale item is created
under the ticket's row lock with the one-to-one on SaleItem as the database
guard."""

import datetime
import hashlib
import logging
import re
from collections.abc import Iterator
from datetime import timedelta
from decimal import Decimal, InvalidOperation

from django.conf import settings
from django.core.files.base import ContentFile
from django.db import IntegrityError, transaction
from django.db.models import F, Q, QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _

from core.exceptions import Conflict, InvalidInput, NotFound, PayloadTooLarge
from core.models import Client, Currency, ImportedTicket, Product, Sale, SaleItem, TicketDocument, TicketSegment, User
from core.selectors.catalogs import ticket_airport_table
from core.services.pdf_rendering import ticket_receipt_pdf_bytes
from core.services.sales import ItemSpec, sale_create, sale_item_add, sale_item_remove, sale_item_reprice
from core.services.task_dispatch import task_send_on_commit
from core.services.ticket_corrections import corrections_validate, record_missing_fields
from core.services.webhooks import webhook_event_emit
from core.ticket_parser import (
    ParseTimeout,
    TicketParseError,
    UnknownTicketFormat,
    UnreadableDocument,
    extract_data_from_text,
    parse_document,
    parse_time_budget,
)
from core.ticket_parser.documents import decode_text, document_texts, looks_like_email, looks_like_html
from core.ticket_parser.exchanges import original_ticket_number

logger = logging.getLogger(__name__)

MAX_DOCUMENT_BYTES = 10 * 1024 * 1024
# A claim older than this belongs to a worker that died; staff may retry it.
STALE_PROCESSING_AFTER = timedelta(minutes=10)

Status = ImportedTicket.Status


# --- Upload --------------------------------------------------------------------------------


def ticket_import_create(*, uploaded_by: User | None, file=None, text: str | None = None) -> ImportedTicket:
    """Store what staff gave (a file or pasted text) and one pending ticket row,
    and have a worker parse it once the transaction commits."""
    if (file is None) == (text is None):
        raise InvalidInput(_("Envíe un archivo o un texto, no ambos ni ninguno."), field="file")
    if file is not None:
        if file.size > MAX_DOCUMENT_BYTES:
            raise _too_large()
        data = file.read(MAX_DOCUMENT_BYTES + 1)
        name = (file.name or "")[-255:]
    else:
        data = text.encode("utf-8")
        name = ""
    if len(data) > MAX_DOCUMENT_BYTES:
        raise _too_large()
    content_type = document_content_type(data)
    with transaction.atomic():
        document = TicketDocument(
            original_name=name,
            content_type=content_type,
            size=len(data),
            sha256=hashlib.sha256(data).hexdigest(),
            uploaded_by=uploaded_by,
        )
        if file is not None:
            document.file.save(name or "documento", ContentFile(data), save=False)
        else:
            document.text = text
        document.save()
        ticket = ImportedTicket.objects.create(document=document, position=0)
        task_send_on_commit("core.process_ticket", ticket.pk)
    return ticket


def _too_large() -> PayloadTooLarge:
    return PayloadTooLarge(
        _("El documento supera el máximo de %(megabytes)d MB.") % {"megabytes": MAX_DOCUMENT_BYTES // (1024 * 1024)},
        field="file",
    )


# Magic numbers of what staff most often pick by mistake, to say what it is.
REFUSED_SIGNATURES = (
    (b"\x89PNG", _("una imagen PNG")),
    (b"\xff\xd8\xff", _("una imagen JPEG")),
    (b"GIF8", _("una imagen GIF")),
    (b"RIFF", _("un archivo multimedia")),
    (b"PK\x03\x04", _("un archivo ZIP o de Office")),
    (b"\x1f\x8b", _("un archivo comprimido gzip")),
    (b"Rar!", _("un archivo comprimido RAR")),
    (b"7z\xbc\xaf", _("un archivo comprimido 7z")),
    (b"\xd0\xcf\x11\xe0", _("un documento de Office antiguo")),
    (b"MZ", _("un programa")),
    (b"\x7fELF", _("un programa")),
)


def document_content_type(data: bytes) -> str:
    """The document's type, read from its bytes (the upload's headers and
    file name are not trusted): PDF, e-mail, HTML or plain text. Anything
    else is refused with the reason."""
    if not data.strip():
        raise InvalidInput(_("El documento está vacío."), code="empty_document", field="file")
    head = data.lstrip()[:8]
    if head.startswith(b"%PDF-"):
        return "application/pdf"
    for signature, what in REFUSED_SIGNATURES:
        if data.startswith(signature):
            raise _unsupported(_("El archivo es %(what)s, no un boleto.") % {"what": what})
    try:
        text = _decoded_head(data)
    except UnreadableDocument as binary:
        raise _unsupported(_("El archivo contiene datos binarios, no texto, correo, HTML ni PDF.")) from binary
    if looks_like_email(text):
        return "message/rfc822"
    if looks_like_html(text):
        return "text/html"
    return "text/plain"


def _decoded_head(data: bytes) -> str:
    # The first 64 KB decide; decoding 10 MB to learn the type would be waste.
    return decode_text(data[:65536])


def _unsupported(message: str) -> InvalidInput:
    return InvalidInput(
        message + " " + _("Se aceptan PDF, correos (.eml), HTML y texto."), code="unsupported_type", field="file"
    )


# --- Parsing -------------------------------------------------------------------------------


def ticket_process(*, ticket_id: int) -> bool:
    """Parse the row's document and store its record. Returns False, doing
    nothing, when the row is gone or another run has it or already did it."""
    claimed = _claimable(ticket_id).update(
        status=Status.PROCESSING, attempts=F("attempts") + 1, updated_at=timezone.now()
    )
    if not claimed:
        return False
    ticket = ImportedTicket.objects.select_related("document").get(pk=ticket_id)
    try:
        # A document may be slow to parse on purpose; the worker is not held past the budget.
        with parse_time_budget(settings.TICKET_PARSE_TIMEOUT_SECONDS):
            records = _document_records(ticket.document)
            if ticket.position >= len(records):
                raise TicketParseError(f"no record at position {ticket.position}")
            original_number = _original_number(ticket.document, records)
        with transaction.atomic():
            _record_store(ticket, records[ticket.position], original_number)
            if ticket.position == 0:
                _siblings_store(ticket, records)
    except TicketParseError as failure:
        _fail(ticket, _failure_reason(failure, ticket))
    except Exception:
        # A bug must leave a readable error on the row, not a row stuck in `processing`.
        logger.exception("importing ticket %s failed", ticket_id)
        _fail(ticket, _("Error inesperado al procesar el documento. Reintente; si se repite, avise a soporte."))
    return True


def _claimable(ticket_id: int) -> QuerySet[ImportedTicket]:
    """The row, if a worker may take it for parsing. The condition goes into
    the claiming UPDATE, so of workers racing for the row exactly one changes it."""
    return ImportedTicket.objects.filter(pk=ticket_id, status__in=[Status.PENDING, Status.ERROR])


def _document_records(document: TicketDocument) -> list[dict]:
    airports = ticket_airport_table()
    if document.file:
        with document.file.open("rb") as file:
            return parse_document(file.read(), document.original_name, airports=airports)
    return extract_data_from_text(document.text, airports)


def _original_number(document: TicketDocument, records: list[dict]) -> str:
    """What an exchange replaces, when printed (exchange receipts hold one ticket)."""
    if not any(record.get("is_exchange") for record in records):
        return ""
    for text in _document_texts(document):
        number = original_ticket_number(text)
        if number:
            return number
    return ""


def _document_texts(document: TicketDocument) -> Iterator[str]:
    if document.file:
        with document.file.open("rb") as file:
            yield from document_texts(file.read())
    else:
        yield document.text


def _failure_reason(failure: TicketParseError, ticket: ImportedTicket) -> str:
    if isinstance(failure, ParseTimeout):
        return _(
            "Documento demasiado complejo: su análisis superó el límite de %(seconds)g segundos. "
            "Un boleto electrónico se lee en mucho menos; revise que sea el documento correcto."
        ) % {"seconds": settings.TICKET_PARSE_TIMEOUT_SECONDS}
    if isinstance(failure, UnknownTicketFormat):
        return _(
            "Formato desconocido: el documento no es un boleto electrónico de un formato soportado "
            "(KIU, Sabre, Amadeus, Copa o correo de compra de Avior, Estelar o Rutaca)."
        )
    if isinstance(failure, UnreadableDocument):
        return _("Archivo ilegible: no se pudo extraer texto del documento (¿PDF dañado o escaneado?).")
    if ticket.position:
        return _("El documento ya no contiene el boleto número %(position)d.") % {"position": ticket.position + 1}
    return _("El documento parece un boleto, pero no se pudo leer su número de boleto, el pasajero o los vuelos.")


def _fail(ticket: ImportedTicket, reason: str) -> None:
    ticket.status = Status.ERROR
    ticket.error_message = reason
    ticket.save(update_fields=["status", "error_message", "updated_at"])


def _siblings_store(first: ImportedTicket, records: list[dict]) -> None:
    """Further tickets of a multi-passenger document get their own rows."""
    for position, record in enumerate(records[1:], start=1):
        sibling, _created = ImportedTicket.objects.get_or_create(
            document=first.document, position=position, defaults={"status": Status.PROCESSING}
        )
        if sibling.status != Status.PARSED:
            _record_store(sibling, record, "")


def _record_store(ticket: ImportedTicket, record: dict, original_number: str) -> None:
    ticket.parsed = record
    ticket.original_ticket_number = original_number
    ticket.status = Status.PARSED
    ticket.error_message = ""
    ticket.parsed_at = timezone.now()
    _effective_refresh(ticket)
    # In the parse's transaction (outbox): the event exists if and only if the parse commits.
    webhook_event_emit(event_type="ticket.parsed", payload=_parsed_event_payload(ticket))


def _parsed_event_payload(ticket: ImportedTicket) -> dict:
    return {
        "id": ticket.pk,
        "ticket_number": ticket.ticket_number,
        "pnr": ticket.pnr,
        "passenger_name": ticket.passenger_name,
        "airline_code": ticket.airline_code,
        "issue_date": ticket.issue_date.isoformat() if ticket.issue_date else None,
        "currency": ticket.currency_code or None,
        "total": None if ticket.total is None else f"{ticket.total:.2f}",
        "status": ticket.status,
        "missing_fields": ticket.missing_fields,
        "is_exchange": ticket.is_exchange,
        "duplicate_of": ticket.duplicate_of_id,
        "replaces": ticket.replaces_id,
    }


def _effective_refresh(ticket: ImportedTicket) -> None:
    """Set the effective columns and segments from parsed + corrections, then
    link the row to the first import of its number and to what it replaces."""
    record = effective_record(ticket.parsed, ticket.corrections)
    airline = record.get("issuing_airline") or {}
    ticket.ticket_number = _fit("ticket_number", re.sub(r"\D", "", record.get("ticket_number") or ""))
    ticket.pnr = _fit("pnr", record.get("pnr"))
    ticket.passenger_name = _fit("passenger_name", record.get("passenger_name"))
    ticket.passenger_document = _fit("passenger_document", record.get("passenger_document"))
    ticket.airline_code = _fit("airline_code", airline.get("code"))
    ticket.airline_name = _fit("airline_name", airline.get("name"))
    ticket.issue_date = _date(record.get("issue_date"))
    ticket.currency_code = _fit("currency_code", record.get("currency"))
    ticket.fare = _amount(record.get("fare"))
    ticket.taxes_total = _amount(record.get("taxes_total"))
    ticket.total = _amount(record.get("total"))
    ticket.is_exchange = bool(record.get("is_exchange"))
    ticket.replaces = _first_import_of(ticket.original_ticket_number, exclude=ticket.pk)
    ticket.missing_fields = record_missing_fields(record)
    if ticket.status in (Status.PARSED, Status.NEEDS_REVIEW):
        ticket.status = Status.NEEDS_REVIEW if ticket.missing_fields else Status.PARSED
    fields = [
        "parsed", "corrections", "status", "missing_fields", "error_message", "parsed_at", "ticket_number", "pnr",
        "passenger_name", "passenger_document", "airline_code", "airline_name", "issue_date", "currency_code", "fare",
        "taxes_total", "total", "is_exchange", "original_ticket_number", "replaces", "duplicate_of", "pdf",
        "updated_at",
    ]  # fmt: skip
    # The receipt shows the effective record: a changed record gets a new one.
    replaced_pdf = ticket.pdf.name
    ticket.pdf = ""
    ticket.duplicate_of = _first_import_of(ticket.ticket_number, exclude=ticket.pk)
    try:
        with transaction.atomic():
            ticket.save(update_fields=fields)
    except IntegrityError:
        ticket.duplicate_of = _first_import_stored_meanwhile(ticket)
        if ticket.duplicate_of is None:
            raise
        ticket.save(update_fields=fields)
    _segments_replace(ticket, record.get("segments") or [])
    if replaced_pdf:
        transaction.on_commit(lambda: ticket.pdf.storage.delete(replaced_pdf))
    if ticket.ticket_number and ticket.duplicate_of_id is None:
        # An exchange imported before its original now learns what it replaces.
        ImportedTicket.objects.filter(original_ticket_number=ticket.ticket_number, replaces__isnull=True).exclude(
            pk=ticket.pk
        ).update(replaces=ticket)


def _first_import_of(ticket_number: str, *, exclude: int) -> ImportedTicket | None:
    if not ticket_number:
        return None
    return (
        ImportedTicket.objects.filter(ticket_number=ticket_number, duplicate_of__isnull=True)
        .exclude(pk=exclude)
        .order_by("id")
        .first()
    )


def _first_import_stored_meanwhile(ticket: ImportedTicket) -> ImportedTicket | None:
    """After the unique constraint refused the row as a first import: the
    first import another worker stored a moment ago, of which this is a repeat."""
    return _first_import_of(ticket.ticket_number, exclude=ticket.pk)


def _segments_replace(ticket: ImportedTicket, segments: list[dict]) -> None:
    TicketSegment.objects.filter(ticket=ticket).delete()
    TicketSegment.objects.bulk_create(
        TicketSegment(
            ticket=ticket,
            position=position,
            carrier=_fit("carrier", segment.get("carrier"), TicketSegment),
            flight_number=_fit("flight_number", segment.get("flight_number"), TicketSegment),
            origin=_fit("origin", segment.get("origin"), TicketSegment),
            origin_code=_fit("origin_code", segment.get("origin_code"), TicketSegment),
            destination=_fit("destination", segment.get("destination"), TicketSegment),
            destination_code=_fit("destination_code", segment.get("destination_code"), TicketSegment),
            departure_date=_date(segment.get("departure_date")),
            departure_time=_fit("departure_time", segment.get("departure_time"), TicketSegment),
            arrival_time=_fit("arrival_time", segment.get("arrival_time"), TicketSegment),
            booking_class=_fit("booking_class", segment.get("booking_class"), TicketSegment),
            fare_basis=_fit("fare_basis", segment.get("fare_basis"), TicketSegment),
            baggage=_fit("baggage", segment.get("baggage"), TicketSegment),
            status=_fit("status", segment.get("status"), TicketSegment),
        )
        for position, segment in enumerate(segments)
    )


def _fit(field: str, value, model=ImportedTicket) -> str:
    """The text cut to its column: a long value must not fail the whole import."""
    return str(value or "").strip()[: model._meta.get_field(field).max_length]


def _date(value) -> datetime.date | None:
    try:
        return datetime.date.fromisoformat(value) if value else None
    except (TypeError, ValueError):
        return None


def _amount(value) -> Decimal | None:
    try:
        return Decimal(str(value)) if value not in (None, "") else None
    except InvalidOperation:
        return None


def effective_record(parsed: dict | None, corrections: dict | None) -> dict:
    """The parsed record with staff's corrections on top: what the API shows."""
    return {**(parsed or {}), **(corrections or {})}


# --- Retry ---------------------------------------------------------------------------------


def ticket_retry(*, ticket_id: int) -> ImportedTicket:
    """Queue a failed import (or one whose worker died, or one read in part,
    for a parser that reads more now) to be parsed again; corrections stay on top."""
    stale = timezone.now() - STALE_PROCESSING_AFTER
    with transaction.atomic():
        retried = ImportedTicket.objects.filter(
            Q(status__in=[Status.ERROR, Status.NEEDS_REVIEW]) | Q(status=Status.PROCESSING, updated_at__lt=stale),
            pk=ticket_id,
        ).update(status=Status.PENDING, error_message="", updated_at=timezone.now())
        ticket = ImportedTicket.objects.filter(pk=ticket_id).first()
        if ticket is None:
            raise NotFound(_("El boleto importado no existe."))
        if not retried:
            raise Conflict(
                _(
                    "Solo se reintenta una importación con error o por revisar; "
                    "esta importación está en estado «%(status)s»."
                )
                % {"status": ticket.get_status_display().lower()},
                code="invalid_transition",
            )
        task_send_on_commit("core.process_ticket", ticket_id)
    return ticket


def ticket_imports_requeue_stale(*, now: datetime.datetime | None = None) -> int:
    """Queue again the imports nobody is working on: a worker that died left
    its row processing, or the task never reached the broker. Returns how many."""
    stale = (now or timezone.now()) - STALE_PROCESSING_AFTER
    with transaction.atomic():
        stuck = list(
            ImportedTicket.objects.filter(
                Q(status=Status.PROCESSING, updated_at__lt=stale) | Q(status=Status.PENDING, updated_at__lt=stale)
            ).values_list("id", flat=True)[:500]
        )
        ImportedTicket.objects.filter(id__in=stuck).update(status=Status.PENDING, updated_at=timezone.now())
        for ticket_id in stuck:
            task_send_on_commit("core.process_ticket", ticket_id)
    return len(stuck)


# --- Follow-ups: sale item and receipt -----------------------------------------------------


def ticket_document_finish(*, ticket_id: int) -> None:
    """Make sure every parsed ticket of this row's document has its sale item
    and its receipt PDF (the PDF after commit). Safe to run any number of times."""
    document_id = ImportedTicket.objects.filter(pk=ticket_id).values_list("document_id", flat=True).first()
    if document_id is None:
        return
    for ticket in ImportedTicket.objects.filter(document_id=document_id, status=Status.PARSED).only("id", "pdf"):
        try:
            ticket_sale_item_ensure(ticket_id=ticket.pk)
        except InvalidInput as refused:
            # The ticket stays parsed; staff see why it has no sale item and can correct it.
            ImportedTicket.objects.filter(pk=ticket.pk).update(
                error_message=_("Sin ítem de venta: %(reason)s") % {"reason": refused.message}
            )
        if not ticket.pdf:
            task_send_on_commit("core.generate_pdf", "ticket", ticket.pk)


def ticket_sale_item_ensure(*, ticket_id: int) -> SaleItem | None:
    """The ticket's sale item, created once: in a draft sale of the passenger's
    client in the ticket's currency. None for tickets that are not parsed or
    repeat another import (the first import has the item)."""
    with transaction.atomic():
        # Concurrent runs queue here; the second finds the first one's item.
        ticket = _locked_ticket(ticket_id)
        if ticket is None or ticket.status != Status.PARSED or ticket.duplicate_of_id:
            return None
        existing = SaleItem.objects.filter(imported_ticket=ticket).first()
        if existing is not None:
            return existing
        currency = _sale_currency(ticket)
        client = _passenger_client(ticket)
        spec = _item_spec(ticket)
        try:
            item = _draft_sale_item_add(client, currency, spec, created_by=ticket.document.uploaded_by)
        except IntegrityError:
            # The one-to-one refused a second item: another run made it.
            return SaleItem.objects.get(imported_ticket=ticket)
        if ticket.error_message:
            # A plain UPDATE: updated_at versions the record a receipt is drawn from.
            ImportedTicket.objects.filter(pk=ticket.pk).update(error_message="")
    return item


def _locked_ticket(ticket_id: int) -> ImportedTicket | None:
    """The ticket, its row locked until the caller's transaction ends."""
    return ImportedTicket.objects.select_for_update().select_related("document").filter(pk=ticket_id).first()


def _sale_currency(ticket: ImportedTicket) -> Currency:
    """The ticket's currency; a ticket that prints no price is sold (at 0, for
    staff to complete) in the agency's currency."""
    code = ticket.currency_code or settings.AGENCY_CURRENCY
    currency = Currency.objects.filter(code=code.upper(), active=True).first()
    if currency is None:
        raise InvalidInput(
            _("la moneda %(code)s no está en el catálogo de monedas; corrija la moneda del boleto.") % {"code": code},
            field="currency",
        )
    return currency


# Placeholder number of a passenger whose ticket prints no document ("sin documento").
NO_DOCUMENT_PREFIX = "SD-"
# KIU prints a child's birth date (IDFN12MAR23) where an adult's ID goes.
BIRTH_DATE = re.compile(r"\d{2}[A-Z]{3}\d{2}")


def _passenger_client(ticket: ImportedTicket) -> Client:
    """The passenger's client, matched by document number, or created.

    Parsed documents lose their type prefix, so the type is read from the
    number's shape: series letters (AT123456) are a passport, digits only a
    national ID card (KIU IDVCI/IDECI, the Venezuelan cédula, is most of what
    we import). A ticket without a document (Sabre, Copa, Amadeus and airline
    e-mails rarely print one, a child has a birth date) is matched by name
    among the clients created that way, and otherwise gets one whose number
    says it is a placeholder for staff to complete."""
    name = _client_name(ticket.passenger_name)
    document = ticket.passenger_document.upper().replace(" ", "")
    if document and not BIRTH_DATE.fullmatch(document):
        match = Client.objects.filter(document_number=document).order_by("id").first()
        if match is not None:
            return match
        document_type = Client.DocumentType.NATIONAL_ID if document.isdigit() else Client.DocumentType.PASSPORT
    else:
        match = (
            Client.objects.filter(name__iexact=name, document_number__startswith=NO_DOCUMENT_PREFIX)
            .order_by("id")
            .first()
        )
        if match is not None:
            return match
        document_type = Client.DocumentType.NATIONAL_ID
        document = f"{NO_DOCUMENT_PREFIX}{ticket.ticket_number}"
    # get_or_create: two tickets of one new passenger may be sold at once.
    client, _created = Client.objects.get_or_create(
        document_type=document_type,
        document_number=document[:20],
        defaults={"name": name, "kind": Client.Kind.PERSON},
    )
    return client


def _client_name(passenger_name: str) -> str:
    """`SURNAME/GIVEN` as a client's name: "Given Surname"."""
    surname, _slash, given = passenger_name.partition("/")
    return " ".join(f"{given} {surname}".split()).title()[:200] or passenger_name[:200]


def _item_spec(ticket: ImportedTicket) -> ItemSpec:
    """Priced so that the item's total is what the client pays: the printed TOTAL.

    - fare printed: unit price = fare, taxes = TOTAL - fare (tax items do not
      always add up to the TOTAL) or, with no TOTAL, the tax total;
    - no fare: unit price = TOTAL, no taxes; nothing printed: 0, for staff;
    - an exchange sells only its additional collection (KIU `TOTAL USD 5.00A`,
      Amadeus `NOADC` = 0): the fare was paid on the original ticket."""
    zero = Decimal(0)
    taxes: list[dict] = []
    if ticket.is_exchange or ticket.fare is None:
        unit_price, tax = ticket.total or zero, zero
    else:
        taxes = _taxes_by_code(effective_record(ticket.parsed, ticket.corrections).get("taxes"))
        if ticket.total is not None and ticket.total >= ticket.fare:
            unit_price, tax = ticket.fare, ticket.total - ticket.fare
        else:
            unit_price, tax = ticket.fare, ticket.taxes_total or zero
    return ItemSpec(
        product=_air_ticket_product(),
        description=_item_description(ticket),
        quantity=Decimal(1),
        unit_price=unit_price,
        tax_amount=tax,
        imported_ticket=ticket,
        taxes=tuple(taxes),
    )


def _taxes_by_code(taxes) -> list[dict]:
    """The record's taxes as the item keeps them: code and amount, nothing else."""
    if not isinstance(taxes, list):
        return []
    return [
        {"code": str(tax.get("code") or "")[:3], "amount": str(tax.get("amount"))}
        for tax in taxes[:50]
        if isinstance(tax, dict) and _amount(tax.get("amount")) is not None
    ]


def _air_ticket_product() -> Product:
    """The product tickets are sold as: on the airline's behalf, so the fare
    and its taxes are the airline's money, not the agency's revenue."""
    product = (
        Product.objects.filter(
            kind=Product.Kind.AIR_TICKET, sold_on=Product.SoldOn.THIRD_PARTY, active=True, supplier__isnull=True
        )
        .order_by("id")
        .first()
    )
    if product is None:
        product, _created = Product.objects.get_or_create(
            kind=Product.Kind.AIR_TICKET,
            name="Boleto aéreo",
            sold_on=Product.SoldOn.THIRD_PARTY,
            defaults={"default_tax_rate": Decimal(0)},
        )
    return product


def _item_description(ticket: ImportedTicket) -> str:
    route = "–".join(_route_points(ticket))
    kind = _("Canje de boleto") if ticket.is_exchange else _("Boleto")
    parts = [f"{kind} {ticket.ticket_number}", ticket.passenger_name, route, ticket.airline_name]
    return " · ".join(part for part in parts if part)[:300]


def _route_points(ticket: ImportedTicket) -> list[str]:
    points: list[str] = []
    for segment in ticket.segments.order_by("position"):
        for point in (segment.origin_code or segment.origin, segment.destination_code or segment.destination):
            if point and (not points or points[-1] != point):
                points.append(point)
    return points


def _draft_sale_item_add(client: Client, currency: Currency, spec: ItemSpec, *, created_by) -> SaleItem:
    # Lock order: ticket (by the caller), client, sale. Tickets of one client
    # queue on the client, so they land in one draft sale, not one each.
    Client.objects.select_for_update().filter(pk=client.pk).first()
    sale = (
        Sale.objects.filter(client=client, currency=currency, status=Sale.Status.DRAFT)
        .order_by("-created_at", "-id")
        .first()
    )
    if sale is not None:
        return sale_item_add(sale_id=sale.pk, item=spec)
    sale = sale_create(client=client, currency=currency, items=[spec], created_by=created_by)
    return sale.items.get()


# --- Corrections ---------------------------------------------------------------------------


def ticket_correct(*, ticket_id: int, corrections: dict) -> ImportedTicket:
    """Merge staff's corrections into the ticket's. Kept apart from the parsed
    record, so a re-parse keeps them; a correction equal to the parsed value
    is dropped. A ticket whose corrections complete its missing fields is
    parsed (and sold); a change of price follows onto its sale item."""
    cleaned = corrections_validate(corrections)
    with transaction.atomic():
        ticket = ImportedTicket.objects.select_for_update().filter(pk=ticket_id).first()
        if ticket is None:
            raise NotFound(_("El boleto importado no existe."))
        if ticket.status not in (Status.PARSED, Status.NEEDS_REVIEW):
            raise Conflict(_("Solo se corrige un boleto ya procesado."), code="invalid_transition")
        price_before = _price_of(ticket)
        parsed = ticket.parsed or {}
        merged = {**ticket.corrections, **cleaned}
        ticket.corrections = {key: value for key, value in merged.items() if parsed.get(key) != value}
        _effective_refresh(ticket)
        if _price_of(ticket) != price_before or ticket.status == Status.NEEDS_REVIEW:
            _sale_item_follow(ticket)
    # The receipt is drawn again, and a correction may make the sale item
    # possible (complete, or in a currency the catalog knows).
    ticket_document_finish(ticket_id=ticket_id)
    return ticket


def _price_of(ticket: ImportedTicket) -> tuple:
    taxes = effective_record(ticket.parsed, ticket.corrections).get("taxes") or []
    return (ticket.currency_code, ticket.fare, ticket.taxes_total, ticket.total, ticket.is_exchange, taxes)


def _sale_item_follow(ticket: ImportedTicket) -> None:
    """The ticket's sale item after a change of its price: repriced in its
    draft sale; taken out when the ticket is no longer complete or changed
    currency (ticket_document_finish sells it again in the right one); a
    confirmed sale is the client's agreed price, so the change is refused."""
    item = SaleItem.objects.select_related("sale__currency").filter(imported_ticket=ticket).first()
    if item is None:
        return
    sale = item.sale
    if sale.status in (Sale.Status.CONFIRMED, Sale.Status.INVOICED):
        raise Conflict(
            _(
                "El boleto ya se vendió en la venta %(sale)s, que está %(status)s: su precio no se corrige allí. "
                "Emita una nota de crédito por la diferencia y registre el importe correcto en una nueva venta."
            )
            % {"sale": sale.pk, "status": sale.get_status_display().lower()},
            code="sale_not_draft",
            field="corrections",
        )
    if sale.status != Sale.Status.DRAFT:
        return
    if ticket.status == Status.NEEDS_REVIEW or sale.currency.code != ticket.currency_code.upper():
        sale_item_remove(sale_id=sale.pk, item_id=item.pk)
    else:
        sale_item_reprice(sale_id=sale.pk, item_id=item.pk, item=_item_spec(ticket))


# --- Receipt -------------------------------------------------------------------------------


def ticket_receipt_pdf_generate(*, ticket_id: int) -> bool:
    """Render and store the ticket's receipt PDF. Returns True when this call
    stored it; False when the ticket is gone, not parsed, or already has one."""
    ticket = ImportedTicket.objects.filter(pk=ticket_id, status=Status.PARSED).first()
    if ticket is None or ticket.pdf:
        return False
    segments = list(ticket.segments.order_by("position"))
    storage = ticket.pdf.storage
    name = storage.save(
        ticket.pdf.field.generate_filename(ticket, f"boleto-{ticket.ticket_number or ticket.pk}.pdf"),
        ContentFile(ticket_receipt_pdf_bytes(ticket, effective_record(ticket.parsed, ticket.corrections), segments)),
    )
    # The first run to record its file wins; a correction made while this one
    # rendered changed updated_at, and its own run will draw the new record.
    if not ImportedTicket.objects.filter(pk=ticket_id, pdf="", updated_at=ticket.updated_at).update(pdf=name):
        storage.delete(name)
        return False
    return True
