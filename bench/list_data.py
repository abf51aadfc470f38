"""The data `python -m bench lists` reads: 10,000 sales of a few hundred
clients (about 3 items each), a third of them invoiced, many paid, and the
journal entries their invoices and payments post (2-3 lines each), 10,000
imported airline tickets (most parsed, with 1-3 segments each, about half
of them linked to an air-ticket item of those sales), plus a staff user with
an API token.

Run by the bench in a subprocess with the server's environment
(`python -m bench.list_data`); prints one JSON line `LIST_DATA {...}` with the
token and the row counts. Idempotent: when the bench's sales and tickets
are already there it only ensures the user and token (tickets alone are
seeded again when only their count is off). Inserted with bulk_create in one
transaction (a half-seeded database cannot be left behind), with totals
derived as core.services.sales derives them and every entry balanced (the
PostgreSQL trigger checks each one at commit), and each ticket's effective
columns and segments derived from its `parsed` record (plus corrections) as
core.services.ticket_import derives them."""

from __future__ import annotations

import argparse
import datetime
import json
import os
import random
import sys
import time
from decimal import Decimal

import django
from stdnum.pe import ruc

SALES = 10_000
TICKETS = 10_000
CLIENTS = 600
STAFF_USERNAME = "bench-staff"
# Marks the bench's rows: its clients' e-mail domain and its invoice series.
CLIENT_EMAIL_DOMAIN = "bench.travelhub.local"
SERIES_CODE = "BNCH"
# Marks the bench's imported tickets: their documents' names.
TICKET_DOCUMENT_PREFIX = "bench-boleto-"
SEED = 20261122
# Shares of the sales by status; every confirmed or invoiced sale may be paid.
STATUS_WEIGHTS = {"draft": 20, "cancelled": 8, "confirmed": 30, "invoiced": 42}

FIRST_NAMES = ["José", "María", "Luis", "Ana", "Carmen", "Jorge", "Rosa", "Miguel", "Lucía", "Pedro", "Elena", "Raúl"]
LAST_NAMES = ["Quispe", "Flores", "Rojas", "Díaz", "Ñáñez", "Gutiérrez", "Mamani", "Torres", "Castillo", "Vargas"]
COMPANY_WORDS = ["Andina", "Pacífico", "Inca", "Sur", "Lima", "Amazonía", "Cordillera", "Costa"]
# (name, kind, supplier index, tax rate %, price range)
PRODUCTS = [
    ("Boleto aéreo nacional", "air_ticket", 0, "0", (120, 900)),
    ("Boleto aéreo internacional", "air_ticket", 0, "0", (450, 2800)),
    ("Noche de hotel", "hotel", 1, "18", (80, 650)),
    ("Hotel en Cusco (paquete)", "hotel", 1, "18", (300, 1800)),
    ("Tour Machu Picchu (día completo)", "tour", 2, "18", (150, 520)),
    ("Tour Valle Sagrado", "tour", 2, "18", (90, 260)),
    ("Traslado aeropuerto", "car", 3, "18", (25, 90)),
    ("Alquiler de auto (día)", "car", 3, "18", (45, 160)),
    ("Seguro de viaje", "insurance", 4, "0", (20, 140)),
    ("Cargo por emisión", "fee", None, "18", (15, 45)),
    ("Cargo por cambio de fecha", "fee", None, "18", (30, 120)),
    ("Paquete Paracas + Ica", "tour", 2, "18", (220, 900)),
]
SUPPLIERS = [
    ("Aerolínea de prueba", "other"),
    ("Hoteles del Sur", "hotel"),
    ("Inka Trails Operador", "operator"),
    ("Autos Lima", "car_rental"),
    ("Seguros Andinos", "insurer"),
]


def configure(argv: list[str]) -> None:
    """Another scale than `python -m bench lists`' (python -m bench mixed's):
    counts of sales, invoices, tickets and clients, and tickets all settled
    (parsed or error), as the drill's invariants expect of past imports."""
    global SALES, TICKETS, CLIENTS, STATUS_WEIGHTS, TICKET_STATUS_WEIGHTS
    parser = argparse.ArgumentParser(prog="python -m bench.list_data")
    parser.add_argument("--sales", type=int, default=SALES)
    parser.add_argument("--invoices", type=int, help="about this many invoiced sales (a third of the sales)")
    parser.add_argument("--tickets", type=int, default=TICKETS)
    parser.add_argument("--clients", type=int, default=CLIENTS)
    parser.add_argument("--settled-tickets", action="store_true", help="no ticket left pending or processing")
    args = parser.parse_args(argv)
    SALES, TICKETS, CLIENTS = args.sales, args.tickets, args.clients
    if args.invoices is not None:
        invoiced = 100 * args.invoices / SALES
        STATUS_WEIGHTS = {"draft": 20, "cancelled": 8, "confirmed": 72 - invoiced, "invoiced": invoiced}
    if args.settled_tickets:
        TICKET_STATUS_WEIGHTS = {"parsed": 92, "error": 8}


def main() -> int:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "bench.settings")
    django.setup()
    from django.db import connection, transaction

    from core.models import ImportedTicket, Sale

    started = time.monotonic()
    token = ensure_staff_token()
    seeded = Sale.objects.filter(client__email__endswith="@" + CLIENT_EMAIL_DOMAIN).count()
    tickets = ImportedTicket.objects.filter(document__original_name__startswith=TICKET_DOCUMENT_PREFIX).count()
    created = False
    if seeded != SALES or tickets != TICKETS:
        with transaction.atomic():
            if tickets:
                delete_bench_tickets()
            if seeded != SALES:
                if seeded:
                    delete_bench_rows()
                seed()
            seed_tickets()
        # What autovacuum would have done by the time anyone lists them:
        # statistics, and the visibility map that index-only scans (counts) use.
        with connection.cursor() as cursor:
            cursor.execute(
                "VACUUM ANALYZE core_client, core_product, core_sale, core_saleitem, core_payment, "
                "core_invoice, core_invoiceline, core_journalentry, core_journalline, "
                "core_ticketdocument, core_importedticket, core_ticketsegment"
            )
        created = True
    print(
        "LIST_DATA "
        + json.dumps({"token": token, "created": created, "seconds": round(time.monotonic() - started, 1), **counts()})
    )
    return 0


def ensure_staff_token() -> str:
    from core.models import User
    from core.services.api_tokens import api_token_create

    user = User.objects.filter(username=STAFF_USERNAME).first()
    if user is None:
        user = User.objects.create_user(
            username=STAFF_USERNAME,
            email=f"{STAFF_USERNAME}@travelhub.local",
            password=None,
            role=User.Role.STAFF,
            is_staff=True,
        )
    _token, key = api_token_create(user=user, name="bench")
    return key


def counts() -> dict[str, int]:
    from core.models import ImportedTicket, JournalEntry, JournalLine, Payment, Sale, SaleItem, TicketSegment

    return {
        "sales": Sale.objects.count(),
        "items": SaleItem.objects.count(),
        "payments": Payment.objects.count(),
        "entries": JournalEntry.objects.count(),
        "lines": JournalLine.objects.count(),
        "tickets": ImportedTicket.objects.count(),
        "linked_tickets": SaleItem.objects.filter(imported_ticket__isnull=False).count(),
        "segments": TicketSegment.objects.count(),
    }


def delete_bench_tickets() -> None:
    """The bench's tickets (an earlier seeding): unlink, then remove them."""
    from core.models import ImportedTicket, SaleItem, TicketDocument

    documents = TicketDocument.objects.filter(original_name__startswith=TICKET_DOCUMENT_PREFIX)
    tickets = ImportedTicket.objects.filter(document__in=documents)
    SaleItem.objects.filter(imported_ticket__in=tickets).update(imported_ticket=None)
    # The self-references are PROTECT. The repeated imports go first: once
    # their duplicate_of is cleared their number would clash with the first
    # import's (unique among first imports). Exchanges point at first imports.
    tickets.filter(duplicate_of__isnull=False).delete()
    tickets.update(replaces=None)
    tickets.delete()
    documents.delete()


def delete_bench_rows() -> None:
    """An earlier, different seeding (another SALES): remove it entirely."""
    from core.models import Client, Invoice, JournalEntry, Payment, Sale

    bench_sales = Sale.objects.filter(client__email__endswith="@" + CLIENT_EMAIL_DOMAIN)
    invoices = Invoice.objects.filter(sale__in=bench_sales)
    payments = Payment.objects.filter(sale__in=bench_sales)
    JournalEntry.objects.filter(source="invoice_issued", source_id__in=invoices.values("id")).delete()
    JournalEntry.objects.filter(source="payment_received", source_id__in=payments.values("id")).delete()
    invoices.delete()
    payments.delete()
    bench_sales.delete()
    Client.objects.filter(email__endswith="@" + CLIENT_EMAIL_DOMAIN).delete()


def seed() -> None:
    from django.db import connection
    from django.utils import timezone

    from core.models import (
        Account,
        Client,
        Currency,
        Invoice,
        InvoiceLine,
        InvoiceSeries,
        JournalEntry,
        JournalLine,
        Payment,
        Product,
        Sale,
        SaleItem,
        Supplier,
        User,
    )
    from core.money import round_money
    from core.services import accounting
    from core.services.accounting import chart_of_accounts_load

    rng = random.Random(SEED)
    chart_of_accounts_load()
    accounts = {account.code: account for account in Account.objects.all()}
    staff = User.objects.get(username=STAFF_USERNAME)
    currencies = [Currency.objects.get(code="PEN"), Currency.objects.get(code="USD")]

    suppliers = Supplier.objects.bulk_create(Supplier(name=name, kind=kind) for name, kind in SUPPLIERS)
    products = Product.objects.bulk_create(
        Product(
            name=name,
            kind=kind,
            supplier=None if supplier is None else suppliers[supplier],
            default_tax_rate=Decimal(rate),
        )
        for name, kind, supplier, rate, _prices in PRODUCTS
    )
    clients = Client.objects.bulk_create(_client(rng, index) for index in range(CLIENTS))

    # Sales over the last year, oldest first; created_at is set after the
    # insert (auto_now_add overrides it in bulk_create).
    now = timezone.now()
    first_day = now - datetime.timedelta(days=365)
    step = datetime.timedelta(days=365) / SALES
    statuses = rng.choices(list(STATUS_WEIGHTS), weights=list(STATUS_WEIGHTS.values()), k=SALES)
    created_at = [first_day + step * index for index in range(SALES)]
    sales: list[Sale] = []
    items: list[SaleItem] = []
    for index in range(SALES):
        currency = currencies[0] if rng.random() < 0.8 else currencies[1]
        sale = Sale(
            client=rng.choice(clients),
            currency=currency,
            status=statuses[index],
            notes="" if rng.random() < 0.7 else f"Pedido {rng.randint(1000, 9999)}: viaje de {rng.randint(2, 12)} días",
            created_by=staff,
        )
        subtotal = tax_total = Decimal(0)
        sale_items = []
        for position in range(rng.choice((1, 2, 3, 3, 4, 5))):
            product_index = rng.randrange(len(products))
            product, (low, high) = products[product_index], PRODUCTS[product_index][4]
            quantity = Decimal(rng.choice((1, 1, 1, 2, 2, 3, 4)))
            unit_price = Decimal(rng.randint(low * 100, high * 100)) / 100
            item_subtotal = round_money(quantity * unit_price, currency.minor_units)
            tax_amount = round_money(item_subtotal * product.default_tax_rate / 100, currency.minor_units)
            sale_items.append(
                SaleItem(
                    product=product,
                    description=f"{product.name} – {rng.choice(LAST_NAMES)}",
                    quantity=quantity,
                    unit_price=unit_price,
                    tax_rate=product.default_tax_rate,
                    subtotal=item_subtotal,
                    tax_amount=tax_amount,
                    total=item_subtotal + tax_amount,
                    position=position,
                )
            )
            subtotal += item_subtotal
            tax_total += tax_amount
        sale.subtotal, sale.tax_total, sale.total = subtotal, tax_total, subtotal + tax_total
        sales.append(sale)
        items.append(sale_items)
    Sale.objects.bulk_create(sales, batch_size=2000)
    _set_times(
        connection,
        "core_sale",
        ["created_at", "updated_at"],
        [(s.pk, at) for s, at in zip(sales, created_at, strict=True)],
    )
    SaleItem.objects.bulk_create(
        (_with_sale(item, sale) for sale, sale_items in zip(sales, items, strict=True) for item in sale_items),
        batch_size=5000,
    )

    # Invoices of the invoiced sales, and payments.
    series, _ = InvoiceSeries.objects.get_or_create(code=SERIES_CODE, defaults={"description": "Bench"})
    invoices: list[Invoice] = []
    invoice_lines: list[list[InvoiceLine]] = []
    payments: list[Payment] = []
    for sale, sale_items, sale_created_at in zip(sales, items, created_at, strict=True):
        if sale.status == "invoiced":
            issued_at = min(now, sale_created_at + datetime.timedelta(hours=rng.randint(1, 72)))
            invoices.append(
                Invoice(
                    series=series,
                    number=series.next_number + len(invoices),
                    sale=sale,
                    client=sale.client,
                    client_name=sale.client.name,
                    client_document_type=sale.client.document_type,
                    client_document_number=sale.client.document_number,
                    client_address=sale.client.address,
                    client_email=sale.client.email,
                    currency=sale.currency,
                    subtotal=sale.subtotal,
                    tax_total=sale.tax_total,
                    total=sale.total,
                    issued_at=issued_at,
                )
            )
            invoice_lines.append(
                [
                    InvoiceLine(
                        description=item.description,
                        quantity=item.quantity,
                        unit_price=item.unit_price,
                        tax_rate=item.tax_rate,
                        subtotal=item.subtotal,
                        tax_amount=item.tax_amount,
                        total=item.total,
                        position=item.position,
                    )
                    for item in sale_items
                ]
            )
        paid_share = _paid_share(rng, sale.status)
        if paid_share:
            amount = round_money(sale.total * paid_share, sale.currency.minor_units)
            sale.paid_total = amount
            payments.append(
                Payment(
                    sale=sale,
                    amount=amount,
                    currency=sale.currency,
                    method=rng.choice(["cash", "card", "transfer", "deposit"]),
                    paid_on=timezone.localdate(min(now, sale_created_at + datetime.timedelta(days=rng.randint(0, 20)))),
                    reference="" if rng.random() < 0.5 else f"OP-{rng.randint(100000, 999999)}",
                )
            )
    Invoice.objects.bulk_create(invoices, batch_size=2000)
    InvoiceLine.objects.bulk_create(
        (
            _with_invoice(line, invoice)
            for invoice, lines in zip(invoices, invoice_lines, strict=True)
            for line in lines
        ),
        batch_size=5000,
    )
    series.next_number += len(invoices)
    series.save(update_fields=["next_number"])
    Payment.objects.bulk_create(payments, batch_size=2000)
    Sale.objects.bulk_update([payment.sale for payment in payments], ["paid_total"], batch_size=2000)

    # The entries the services post for them (core.services.accounting).
    entries: list[tuple[JournalEntry, list[accounting.LineSpec]]] = []
    for invoice in invoices:
        lines = [line for line in accounting._invoice_issued_lines(invoice) if line.debit or line.credit]
        entries.append(
            (
                JournalEntry(
                    date=timezone.localdate(invoice.issued_at),
                    description=f"Factura {SERIES_CODE}-{invoice.number:08d}",
                    currency=invoice.currency,
                    source=JournalEntry.Source.INVOICE_ISSUED,
                    source_id=invoice.pk,
                    total_debit=invoice.total,
                    total_credit=invoice.total,
                ),
                lines,
            )
        )
    for payment in payments:
        entries.append(
            (
                JournalEntry(
                    date=payment.paid_on,
                    description=f"Cobro de la venta {payment.sale_id}",
                    currency=payment.currency,
                    source=JournalEntry.Source.PAYMENT_RECEIVED,
                    source_id=payment.pk,
                    total_debit=payment.amount,
                    total_credit=payment.amount,
                ),
                [
                    accounting.LineSpec(accounting.BANK_ACCOUNT, debit=payment.amount),
                    accounting.LineSpec(accounting.RECEIVABLE_ACCOUNT, credit=payment.amount),
                ],
            )
        )
    entries.sort(key=lambda pair: pair[0].date)
    for entry, lines in entries:
        if (
            sum(line.debit for line in lines) != entry.total_debit
            or sum(line.credit for line in lines) != entry.total_credit
        ):
            raise AssertionError(f"unbalanced entry {entry.description}")
    JournalEntry.objects.bulk_create([entry for entry, _lines in entries], batch_size=2000)
    JournalLine.objects.bulk_create(
        (
            JournalLine(
                entry=entry,
                account=accounts[line.account_code],
                debit=line.debit,
                credit=line.credit,
                position=position,
            )
            for entry, lines in entries
            for position, line in enumerate(lines)
        ),
        batch_size=5000,
    )
    posted = [
        (entry.pk, timezone.make_aware(datetime.datetime.combine(entry.date, datetime.time(18))))
        for entry, _lines in entries
    ]
    _set_times(connection, "core_journalentry", ["posted_at"], posted)


# (code, name, ticket-number prefix)
AIRLINES = [
    ("LA", "LATAM Airlines", "045"),
    ("AV", "Avianca", "134"),
    ("H2", "Sky Airline", "605"),
    ("CM", "Copa Airlines", "230"),
    ("IB", "Iberia", "075"),
    ("AA", "American Airlines", "001"),
]
AIRPORTS = {
    "LIM": "LIMA",
    "CUZ": "CUSCO",
    "AQP": "AREQUIPA",
    "PIU": "PIURA",
    "IQT": "IQUITOS",
    "BOG": "BOGOTA",
    "SCL": "SANTIAGO",
    "PTY": "PANAMA CITY",
    "MIA": "MIAMI",
    "MAD": "MADRID",
}
# Shares of the tickets by import status.
TICKET_STATUS_WEIGHTS = {"parsed": 90, "error": 6, "pending": 2, "processing": 2}
TICKET_ERRORS = [
    "No se reconoce el formato del boleto.",
    "El documento no contiene texto legible.",
    "Sin ítem de venta: la venta está anulada.",
]


def seed_tickets() -> None:
    """10,000 imported tickets, oldest first, over the last year: their
    documents (a tenth hold two tickets), the parser's record, the effective
    columns and segments derived from it (and corrections, for a few), some
    exchanges and repeated imports, and about half linked to an air-ticket
    item of the bench's sales (the client and sale the list shows)."""
    from django.db import connection
    from django.utils import timezone

    from core.models import ImportedTicket, SaleItem, TicketDocument, TicketSegment, User
    from core.services.ticket_import import effective_record

    rng = random.Random(SEED + 1)
    staff = User.objects.get(username=STAFF_USERNAME)
    now = timezone.now()
    first_day = now - datetime.timedelta(days=365)
    step = datetime.timedelta(days=365) / TICKETS
    created_at = [first_day + step * index for index in range(TICKETS)]
    statuses = rng.choices(list(TICKET_STATUS_WEIGHTS), weights=list(TICKET_STATUS_WEIGHTS.values()), k=TICKETS)

    # The bench sales' air-ticket items still without a ticket, by sale date;
    # they go, in order, to parsed tickets chosen at random (a ticket is
    # linked to at most one item: the one-to-one).
    free_items = list(
        SaleItem.objects.filter(
            sale__client__email__endswith="@" + CLIENT_EMAIL_DOMAIN,
            sale__status__in=["confirmed", "invoiced"],
            product__kind="air_ticket",
            imported_ticket__isnull=True,
        )
        .order_by("sale__created_at", "id")
        .values("id", "unit_price", "sale__currency__code", "sale__client__name", "sale__client__document_number")
    )
    parsed_indices = [index for index, status in enumerate(statuses) if status == "parsed"]
    linked = sorted(rng.sample(parsed_indices, min(len(free_items), len(parsed_indices) * 55 // 100)))
    item_of = dict(zip(linked, free_items, strict=False))

    documents: list[TicketDocument] = []
    tickets: list[ImportedTicket] = []
    segments: list[list[dict]] = []
    numbers: list[str] = []  # the numbers of the parsed tickets so far
    for index in range(TICKETS):
        status = statuses[index]
        shares_document = bool(tickets) and tickets[-1].position == 0 and rng.random() < 0.1
        if not shares_document:
            documents.append(
                TicketDocument(
                    original_name=f"{TICKET_DOCUMENT_PREFIX}{index:05d}.pdf",
                    content_type="application/pdf",
                    size=rng.randint(40_000, 400_000),
                    sha256=f"{rng.getrandbits(256):064x}",
                    uploaded_by=staff,
                )
            )
        ticket = ImportedTicket(
            status=status,
            position=1 if shares_document else 0,
            attempts={"parsed": 1, "error": rng.randint(1, 3), "pending": 0, "processing": 1}[status],
        )
        ticket.document_index = len(documents) - 1
        if status == "error":
            ticket.error_message = rng.choice(TICKET_ERRORS)
        elif status == "parsed":
            item = item_of.get(index)
            # A few are an earlier ticket imported again (the same number).
            repeated = rng.choice(numbers) if len(numbers) > 100 and rng.random() < 0.01 else None
            record = _ticket_record(rng, index, created_at[index], item, repeated)
            if rng.random() < 0.05:
                ticket.corrections = {"passenger_document": f"{rng.randint(10_000_000, 99_999_999)}"}
            ticket.parsed = record
            _effective_columns(ticket, effective_record(record, ticket.corrections))
            if ticket.is_exchange:
                # Read from the document's text by the import, not from the record.
                ticket.original_ticket_number = rng.choice(numbers)
            ticket.parsed_at = created_at[index] + datetime.timedelta(seconds=rng.randint(3, 40))
            if rng.random() < 0.8:
                ticket.pdf = f"tickets/receipts/{created_at[index]:%Y/%m}/boleto-{ticket.ticket_number}.pdf"
            numbers.append(ticket.ticket_number)
            ticket.linked_item = item
        tickets.append(ticket)
        segments.append(ticket.parsed["segments"] if ticket.parsed else [])

    TicketDocument.objects.bulk_create(documents, batch_size=2000)
    for ticket in tickets:
        ticket.document = documents[ticket.document_index]
    # A repeated import points at the first import of its number (the unique
    # constraint allows the number again only then): inserted after it.
    first_import: dict[str, ImportedTicket] = {}
    repeats = []
    for ticket in tickets:
        if ticket.ticket_number in first_import:
            repeats.append(ticket)
        elif ticket.ticket_number:
            first_import[ticket.ticket_number] = ticket
    ImportedTicket.objects.bulk_create(
        [t for t in tickets if t.ticket_number not in first_import or first_import[t.ticket_number] is t],
        batch_size=2000,
    )
    for ticket in repeats:
        ticket.duplicate_of = first_import[ticket.ticket_number]
    ImportedTicket.objects.bulk_create(repeats)
    exchanges = [t for t in tickets if t.original_ticket_number]
    for ticket in exchanges:
        ticket.replaces = first_import[ticket.original_ticket_number]
    ImportedTicket.objects.bulk_update(exchanges, ["replaces"], batch_size=1000)
    _set_times(
        connection,
        "core_importedticket",
        ["created_at", "updated_at"],
        [(t.pk, at) for t, at in zip(tickets, created_at, strict=True)],
    )
    _set_times(
        connection,
        "core_ticketdocument",
        ["created_at"],
        [(t.document_id, at) for t, at in zip(tickets, created_at, strict=True) if t.position == 0],
    )

    TicketSegment.objects.bulk_create(
        (
            TicketSegment(
                ticket=ticket,
                position=position,
                **{key: value or "" for key, value in segment.items() if key != "departure_date"},
                departure_date=datetime.date.fromisoformat(segment["departure_date"]),
            )
            for ticket, ticket_segments in zip(tickets, segments, strict=True)
            for position, segment in enumerate(ticket_segments)
        ),
        batch_size=5000,
    )
    links = [(t.linked_item["id"], t.pk) for t in tickets if getattr(t, "linked_item", None)]
    with connection.cursor() as cursor:
        cursor.execute(
            "UPDATE core_saleitem AS i SET imported_ticket_id = v.ticket "
            "FROM (SELECT unnest(%s::bigint[]) AS id, unnest(%s::bigint[]) AS ticket) AS v WHERE i.id = v.id",
            [[item for item, _ticket in links], [ticket for _item, ticket in links]],
        )


def _ticket_record(
    rng: random.Random, index: int, created_at: datetime.datetime, item: dict | None, repeated: str | None
) -> dict:
    """The parser's record (SCHEMA.md) of one ticket; a linked ticket is the
    item's passenger, currency and price; a repeated one has that number."""
    from core.ticket_parser.common import new_record, new_segment

    if repeated:
        code, name, prefix = next(airline for airline in AIRLINES if airline[2] == repeated[:3])
        serial = int(repeated[3:])
    else:
        code, name, prefix = rng.choice(AIRLINES)
        serial = 9_000_000_000 + index
    record = new_record(rng.choice(["amadeus", "sabre", "kiu"]))
    passenger = f"{rng.choice(LAST_NAMES).upper()}/{rng.choice(FIRST_NAMES).upper()}"
    document = f"{rng.randint(10_000_000, 99_999_999)}"
    currency, total = rng.choice(["PEN", "PEN", "USD"]), Decimal(rng.randint(12_000, 280_000)) / 100
    if item is not None:
        currency, total = item["sale__currency__code"], item["unit_price"]
        if not item["sale__client__document_number"].startswith("20"):
            # A person's sale: the client flies (a company's: one of its staff).
            first, *last = item["sale__client__name"].upper().split()
            passenger = f"{' '.join(last)}/{first}" if last else first
            document = item["sale__client__document_number"]
    taxes = [
        {"code": "PE", "amount": f"{total * Decimal('0.10'):.2f}"},
        {"code": "HW", "amount": f"{total * Decimal('0.05'):.2f}"},
    ]
    taxes_total = sum(Decimal(tax["amount"]) for tax in taxes)
    issue_date = timezone_date(created_at) - datetime.timedelta(days=rng.randint(0, 2))
    record.update(
        passenger_name=passenger,
        passenger_document=document,
        ticket_number=f"{prefix}-{serial}",
        pnr="".join(rng.choices("ABCDEFGHJKLMNPQRSTUVWXYZ23456789", k=6)),
        airline_pnr="".join(rng.choices("ABCDEFGHJKLMNPQRSTUVWXYZ", k=6)),
        issuing_airline={"code": code, "name": name},
        issue_date=issue_date.isoformat(),
        issuing_agent=f"{rng.randint(1000, 9999)}AS",
        office_id="LIMPE2100",
        currency=currency,
        fare=f"{Decimal(total) - taxes_total:.2f}",
        taxes=taxes,
        taxes_total=f"{taxes_total:.2f}",
        total=f"{Decimal(total):.2f}",
        form_of_payment=rng.choice(["CASH", "CC VI XXXXXXXXXXXX1111", "INVOICE"]),
        is_exchange=index > 100 and rng.random() < 0.03,
    )
    origin, destination = rng.sample(["LIM", "LIM", "LIM", *AIRPORTS], 2)
    if origin == destination:
        destination = "CUZ" if origin == "LIM" else "LIM"
    route = [(origin, destination)]
    if rng.random() < 0.2:
        via = rng.choice([code for code in AIRPORTS if code not in (origin, destination)])
        route = [(origin, via), (via, destination)]
    if rng.random() < 0.5:
        route.append((destination, origin))
    departure = issue_date + datetime.timedelta(days=rng.randint(3, 60))
    for leg, (start, end) in enumerate(route):
        hour = rng.randint(5, 21)
        segment = new_segment()
        segment.update(
            carrier=code,
            flight_number=str(rng.randint(10, 2999)),
            origin=AIRPORTS[start],
            origin_code=start,
            destination=AIRPORTS[end],
            destination_code=end,
            departure_date=(departure + datetime.timedelta(days=leg * rng.randint(1, 7))).isoformat(),
            departure_time=f"{hour:02d}:{rng.choice([0, 15, 30, 45]):02d}",
            arrival_time=f"{(hour + rng.randint(1, 2)) % 24:02d}:{rng.choice([5, 20, 35, 50]):02d}",
            booking_class=rng.choice("YBMHKLQVSO"),
            fare_basis=f"{rng.choice('YBMHKLQVSO')}{rng.choice(['LOW', 'OWPE', 'RTPE', 'EE00'])}",
            baggage=rng.choice(["1PC", "2PC", "23K", None]),
            status="OK",
        )
        record["segments"].append(segment)
    return record


def _effective_columns(ticket, record: dict) -> None:
    """core.services.ticket_import._effective_refresh's columns, from the record."""
    airline = record.get("issuing_airline") or {}
    ticket.ticket_number = "".join(ch for ch in record.get("ticket_number") or "" if ch.isdigit())
    ticket.pnr = record.get("pnr") or ""
    ticket.passenger_name = record.get("passenger_name") or ""
    ticket.passenger_document = record.get("passenger_document") or ""
    ticket.airline_code = airline.get("code") or ""
    ticket.airline_name = airline.get("name") or ""
    ticket.issue_date = datetime.date.fromisoformat(record["issue_date"]) if record.get("issue_date") else None
    ticket.currency_code = record.get("currency") or ""
    ticket.fare = Decimal(record["fare"]) if record.get("fare") else None
    ticket.taxes_total = Decimal(record["taxes_total"]) if record.get("taxes_total") else None
    ticket.total = Decimal(record["total"]) if record.get("total") else None
    ticket.is_exchange = bool(record.get("is_exchange"))


def timezone_date(moment: datetime.datetime) -> datetime.date:
    from django.utils import timezone

    return timezone.localdate(moment)


def _client(rng: random.Random, index: int):
    from core.models import Client

    if index % 5 == 0:
        name = f"{rng.choice(COMPANY_WORDS)} {rng.choice(COMPANY_WORDS)} Viajes S.A.C. {index}"
        # A RUC with its check digit, as the API accepts it.
        number = f"2099{index:06d}"
        kind, document_type, number = "company", "ruc", number + ruc.calc_check_digit(number)
    elif index % 7 == 0:
        name = f"{rng.choice(['Emily', 'John', 'Sophie', 'Hans', 'Yuki'])} {rng.choice(['Carter', 'Smith', 'Müller'])}"
        kind, document_type, number = "person", "passport", f"XB{index:07d}"
    else:
        name = f"{rng.choice(FIRST_NAMES)} {rng.choice(LAST_NAMES)} {rng.choice(LAST_NAMES)}"
        kind, document_type, number = "person", "dni", f"9{index:07d}"
    return Client(
        kind=kind,
        name=name,
        document_type=document_type,
        document_number=number,
        email=f"cliente{index}@{CLIENT_EMAIL_DOMAIN}",
        address="Av. José Larco 1232, Miraflores, Lima",
        preferred_language="en" if document_type == "passport" else "es",
    )


def _paid_share(rng: random.Random, status: str) -> Decimal:
    draw = rng.random()
    if status == "invoiced":
        return Decimal(1) if draw < 0.75 else Decimal("0.5") if draw < 0.85 else Decimal(0)
    if status == "confirmed":
        return Decimal("0.3") if draw < 0.5 else Decimal(0)
    return Decimal(0)


def _with_sale(item, sale):
    item.sale = sale
    return item


def _with_invoice(line, invoice):
    line.invoice = invoice
    return line


def _set_times(connection, table: str, columns: list[str], rows: list[tuple[int, datetime.datetime]]) -> None:
    assignments = ", ".join(f"{column} = v.at" for column in columns)
    with connection.cursor() as cursor:
        cursor.execute(
            f"UPDATE {table} AS t SET {assignments} "
            "FROM (SELECT unnest(%s::bigint[]) AS id, unnest(%s::timestamptz[]) AS at) AS v WHERE t.id = v.id",
            [[pk for pk, _at in rows], [at for _pk, at in rows]],
        )


if __name__ == "__main__":
    configure(sys.argv[1:])
    sys.exit(main())
