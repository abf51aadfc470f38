"""The data `python -m bench lists` reads: 10,000 sales of a few hundred
clients (about 3 items each), a third of them invoiced, many paid, and the
journal entries their invoices and payments post (2-3 lines each), plus a
staff user with an API token.

Run by the bench in a subprocess with the server's environment
(`python -m bench.list_data`); prints one JSON line `LIST_DATA {...}` with the
token and the row counts. Idempotent: when the bench's sales are already
there it only ensures the user and token. Inserted with bulk_create in one
transaction (a half-seeded database cannot be left behind), with totals
derived as core.services.sales derives them and every entry balanced (the
PostgreSQL trigger checks each one at commit)."""

from __future__ import annotations

import datetime
import json
import os
import random
import sys
import time
from decimal import Decimal

import django

SALES = 10_000
CLIENTS = 600
STAFF_USERNAME = "bench-staff"
# Marks the bench's rows: its clients' e-mail domain and its invoice series.
CLIENT_EMAIL_DOMAIN = "bench.travelhub.local"
SERIES_CODE = "BNCH"
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


def main() -> int:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "bench.settings")
    django.setup()
    from django.db import connection, transaction

    from core.models import Sale

    started = time.monotonic()
    token = ensure_staff_token()
    seeded = Sale.objects.filter(client__email__endswith="@" + CLIENT_EMAIL_DOMAIN).count()
    created = False
    if seeded != SALES:
        with transaction.atomic():
            if seeded:
                delete_bench_rows()
            seed()
        # What autovacuum would have done by the time anyone lists them:
        # statistics, and the visibility map that index-only scans (counts) use.
        with connection.cursor() as cursor:
            cursor.execute(
                "VACUUM ANALYZE core_client, core_product, core_sale, core_saleitem, core_payment, "
                "core_invoice, core_invoiceline, core_journalentry, core_journalline"
            )
        created = True
    print(
        "LIST_DATA "
        + json.dumps({"token": token, "created": created, "seconds": round(time.monotonic() - started, 1), **counts()})
    )
    return 0


def ensure_staff_token() -> str:
    from rest_framework.authtoken.models import Token

    from core.models import User

    user = User.objects.filter(username=STAFF_USERNAME).first()
    if user is None:
        user = User.objects.create_user(
            username=STAFF_USERNAME,
            email=f"{STAFF_USERNAME}@travelhub.local",
            password=None,
            role=User.Role.STAFF,
            is_staff=True,
        )
    token, _ = Token.objects.get_or_create(user=user)
    return token.key


def counts() -> dict[str, int]:
    from core.models import JournalEntry, JournalLine, Payment, Sale, SaleItem

    return {
        "sales": Sale.objects.count(),
        "items": SaleItem.objects.count(),
        "payments": Payment.objects.count(),
        "entries": JournalEntry.objects.count(),
        "lines": JournalLine.objects.count(),
    }


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


def _client(rng: random.Random, index: int):
    from core.models import Client

    if index % 5 == 0:
        name = f"{rng.choice(COMPANY_WORDS)} {rng.choice(COMPANY_WORDS)} Viajes S.A.C. {index}"
        kind, document_type, number = "company", "ruc", f"2099{index:07d}"
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
    sys.exit(main())
