"""Every list and detail body the API answers is what its OpenAPI schema says.

Sales, tickets and journal entries are shaped by hand in core.selectors (for
speed) and only documented by their *OutputSerializers: nothing but this test
ties the two. It walks the served schema's GET operations, so a new one is
checked without editing this file; one it cannot exercise (nothing listed in
the agency built here) fails unless it is excluded with the reason. (Other
apps check their own operations the same way: core.tests.schema_conformance.)"""

from decimal import Decimal
from pathlib import Path

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone

from core.models import Airline, ApiToken, Client, Country, Currency, ImportedTicket, Product, Supplier
from core.services import accounting, invoicing, notifications, sales, ticket_import, webhooks
from core.services.api_tokens import api_token_create
from core.tests.factories import (
    AirlineFactory,
    AirportFactory,
    CityFactory,
    ClientFactory,
    CountryFactory,
    CurrencyFactory,
    ImportedTicketFactory,
    InvoiceSeriesFactory,
    ProductFactory,
    SupplierFactory,
)
from core.tests.schema_conformance import Conformance
from core.tests.test_webhooks import Receiver

pytestmark = pytest.mark.django_db

CORPUS = Path(__file__).parents[1] / "ticket_parser" / "corpus"

CORE = Conformance(
    app="core",
    excluded={
        "boletos_importados_pdf_retrieve": "answers the receipt PDF (application/pdf), not JSON",
        "facturas_pdf_retrieve": "answers the invoice PDF (application/pdf), not JSON",
    },
    listed_at={"/api/webhook-entregas/": "/api/webhooks/{id}/deliveries/"},
    queries={"/api/reportes/balance-comprobacion/": {"date_from": "2000-01-01", "date_to": "2099-12-31"}},
)


@pytest.fixture
def agency(staff_user, settings, django_capture_on_commit_callbacks):
    """Rows of everything the API lists, made by the services (catalogs and
    parties by the factories), with the values that may be null both null
    and set."""
    # The webhook receiver listens on 127.0.0.1.
    settings.WEBHOOK_ALLOW_PRIVATE_TARGETS = True
    receiver = Receiver([200])
    try:
        webhooks.webhook_endpoint_create(
            owner=staff_user, url=receiver.url, event_types=["invoice.issued", "ticket.parsed"], description="ERP"
        )
        # Nothing listens on the discard port: its deliveries fail without a response.
        refused = webhooks.webhook_endpoint_create(
            owner=staff_user, url="http://127.0.0.1:9/hooks", event_types=["invoice.issued"]
        )
        _catalogs()
        _sales_invoices_and_entries(staff_user)
        _tickets(staff_user, django_capture_on_commit_callbacks)
        webhooks.webhook_events_fan_out()
        webhooks.webhook_deliveries_send_due()
        webhooks.webhook_endpoint_update(endpoint=refused, active=False)
        # Fanned out, not sent yet.
        webhooks.webhook_event_emit(event_type="invoice.issued", payload={"number": "F001-00000099"})
        webhooks.webhook_events_fan_out()
    finally:
        receiver.close()
    # Tokens: one never used (last_used_at null), one used.
    api_token_create(user=staff_user, name="portátil")
    used, _key = api_token_create(user=staff_user)
    ApiToken.objects.filter(pk=used.pk).update(last_used_at=timezone.now())
    notifications.notification_preferences_set(
        user=staff_user,
        unsubscribed=False,
        preferences=[{"kind": "invoice_issued", "channel": "email", "enabled": False}],
    )


def _catalogs() -> None:
    pen = CurrencyFactory(code="PEN")
    CurrencyFactory(code="USD", name_es="dólar estadounidense", name_en="US Dollar", symbol="$")
    CurrencyFactory(code="VES", name_es="bolívar", name_en="Bolívar", symbol="Bs.")
    peru = CountryFactory(code="PE", currency=pen)
    CountryFactory(code="AQ", alpha3="ATA", name_es="Antártida", name_en="Antarctica", phone_prefix="", currency=None)
    lima = CityFactory(country=peru, name="Lima", iata_code="LIM")
    CityFactory(country=peru, name="Chachapoyas")
    AirportFactory(iata_code="LIM", icao_code="SPJC", country=peru, city=lima, city_name="Lima", latitude="-12.021900")
    AirportFactory(iata_code="CHH", country=peru)
    AirlineFactory(iata_code="LA", icao_code="LPE", name="LATAM Airlines Perú", country=peru)
    AirlineFactory(iata_code="9V", icao_code="ROI", name="Avior Airlines", country=None)


def _sales_invoices_and_entries(staff) -> None:
    pen, usd = Currency.objects.get(code="PEN"), Currency.objects.get(code="USD")
    peru = Country.objects.get(code="PE")
    InvoiceSeriesFactory()
    accounting.chart_of_accounts_load()
    person = ClientFactory(country=peru)
    company = ClientFactory(
        kind=Client.Kind.COMPANY, document_type=Client.DocumentType.RUC, document_number="20601234565", country=None
    )
    airline = SupplierFactory(kind=Supplier.Kind.AIRLINE, airline=Airline.objects.get(iata_code="LA"), country=peru)
    tour = ProductFactory(supplier=SupplierFactory())
    ticket = ProductFactory(name="Boleto aéreo", kind=Product.Kind.AIR_TICKET, supplier=airline)
    fee = ProductFactory(name="Cargo por emisión", kind=Product.Kind.FEE, supplier=None)
    today = timezone.localdate()

    def sale(client, currency, *items):
        specs = [
            sales.ItemSpec(product=product, description=text, quantity=Decimal(1), unit_price=Decimal(price))
            for product, text, price in items
        ]
        return sales.sale_create(client=client, currency=currency, items=specs, created_by=staff)

    sales.sale_create(client=person, currency=pen, items=[], created_by=staff, notes="Sin ítems aún")
    confirmed = sale(person, pen, (tour, "Tour Machu Picchu", "420.00"), (fee, "", "35.00"))
    sales.sale_confirm(sale_id=confirmed.pk)
    sales.payment_record(sale_id=confirmed.pk, amount=Decimal("200.00"), method="transfer", paid_on=today)
    paid = sale(company, usd, (ticket, "LIM–CUZ–LIM", "389.90"))
    sales.sale_confirm(sale_id=paid.pk)
    invoice = invoicing.invoice_issue(sale_id=paid.pk, series_code="F001")
    sales.payment_record(sale_id=paid.pk, amount=invoice.total, method="card", paid_on=today, reference="VISA 4242")
    voided = sale(company, pen, (tour, "Tour para gerencia", "280.00"))
    sales.sale_confirm(sale_id=voided.pk)
    wrong = invoicing.invoice_issue(sale_id=voided.pk, series_code="F001")
    invoicing.invoice_void(invoice_id=wrong.pk, reason="Razón social errada")
    cancelled = sale(person, pen, (fee, "Cargo", "35.00"))
    sales.sale_cancel(sale_id=cancelled.pk)
    accounting.journal_entry_post(
        date=today,
        description="Ajuste de caja",
        currency=pen,
        lines=[accounting.LineSpec("1041", debit=Decimal("10.00")), accounting.LineSpec("759", credit=Decimal(10))],
    )


def _tickets(staff, capture) -> None:
    def upload(name: str) -> ImportedTicket:
        data = (CORPUS / name).read_bytes()
        return ticket_import.ticket_import_create(uploaded_by=staff, file=SimpleUploadedFile(name, data))

    # The ticket that 006 exchanges, imported earlier.
    ImportedTicketFactory(ticket_number="7820340765620")
    with capture(execute=True):
        exchange = upload("006_kiu.eml")  # in USD
        upload("007_kiu.eml")  # in VES ...
        upload("007_kiu.eml")  # ... and again: a repeat, without a sale item
        upload("056_copa.txt")  # two passengers, no price, no document
        upload("094_amadeus.txt")  # in VEF, which the catalog lacks: parsed, without a sale item
        ticket_import.ticket_import_create(uploaded_by=staff, text="FACTURA N. 000123\nTOTAL 174.00\n")
    ticket_import.ticket_correct(ticket_id=exchange.pk, corrections={"pnr": "ZZ9ZZZ"})
    # Never processed: on-commit hooks of this test's transaction do not run.
    ticket_import.ticket_import_create(uploaded_by=staff, text="Boleto pegado, aún sin procesar")


# --- Tests ---------------------------------------------------------------------------------


def test_every_list_and_detail_body_matches_its_schema(agency, staff_client, subtests):
    CORE.check(staff_client, subtests)


def test_exclusions_name_operations_that_exist(staff_client):
    assert CORE.exclusions_exist(staff_client)
