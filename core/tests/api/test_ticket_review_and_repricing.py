"""Tickets read in part or without a price wait for staff (needs_review) and
are never sold at 0.00; staff's corrections complete them, and a correction
of the price follows onto the sale item while its sale is a draft."""

from decimal import Decimal

import pytest

from core.models import Currency, ImportedTicket, Sale, SaleItem
from core.models.webhooks import WebhookEvent
from core.services.accounting import chart_of_accounts_load
from core.services.catalog_loading import load_currencies
from core.tests.api.test_ticket_import import CORPUS, URL, import_file
from core.tests.factories import ClientFactory, CurrencyFactory, InvoiceSeriesFactory

pytestmark = pytest.mark.django_db

# An Amadeus itinerary e-mail without a fare block: ticket, passenger and flights, no price.
UNPRICED = CORPUS / "100_amadeus.eml"
PRICE = {"fare": "350.00", "total": "412.50", "currency": "USD"}


@pytest.fixture
def currencies():
    for code in ("USD", "VES", "PEN"):
        CurrencyFactory(code=code, name_es=code, name_en=code, symbol="", minor_units=2)


def test_an_itinerary_without_fare_is_to_review_with_its_missing_fields_and_no_sale_item(
    staff_client, currencies, django_capture_on_commit_callbacks
):
    ticket_id = import_file(staff_client, django_capture_on_commit_callbacks, UNPRICED)["id"]

    detail = staff_client.get(f"{URL}{ticket_id}/").json()
    assert detail["status"] == "needs_review"
    assert detail["missing_fields"] == ["fare", "total", "currency"]
    assert detail["ticket_number"] == "2357283236574"
    assert detail["sale_item"] is None
    assert not SaleItem.objects.exists()
    listed = staff_client.get(f"{URL}?status=needs_review").json()["results"]
    assert [row["id"] for row in listed] == [ticket_id]
    assert staff_client.get(f"{URL}?status=parsed").json()["results"] == []
    receipt = staff_client.get(f"{URL}{ticket_id}/pdf/")
    assert receipt.status_code == 409
    assert receipt.json()["code"] == "ticket_needs_review"
    event = WebhookEvent.objects.get(event_type="ticket.parsed")
    assert event.payload["status"] == "needs_review"
    assert event.payload["missing_fields"] == ["fare", "total", "currency"]
    assert event.payload["total"] is None


def test_corrections_that_complete_the_price_make_it_parsed_and_sold_at_that_price(
    staff_client, currencies, django_capture_on_commit_callbacks
):
    ticket_id = import_file(staff_client, django_capture_on_commit_callbacks, UNPRICED)["id"]

    with django_capture_on_commit_callbacks(execute=True):
        partly = staff_client.patch(f"{URL}{ticket_id}/", {"corrections": {"fare": "350"}}, format="json")
    assert partly.status_code == 200
    assert partly.json()["status"] == "needs_review"
    assert partly.json()["missing_fields"] == ["total", "currency"]
    assert not SaleItem.objects.exists()

    with django_capture_on_commit_callbacks(execute=True):
        response = staff_client.patch(f"{URL}{ticket_id}/", {"corrections": PRICE}, format="json")

    assert response.status_code == 200
    body = response.json()
    assert (body["status"], body["missing_fields"]) == ("parsed", [])
    item = SaleItem.objects.select_related("sale__currency").get(pk=body["sale_item"])
    assert (item.unit_price, item.tax_amount, item.total) == (Decimal("350.00"), Decimal("62.50"), Decimal("412.50"))
    assert item.sale.currency.code == "USD"
    assert staff_client.get(f"{URL}{ticket_id}/").json()["pdf_ready"] is True


def test_a_ticket_to_review_is_parsed_again_on_retry_keeping_its_corrections(
    staff_client, currencies, django_capture_on_commit_callbacks
):
    ticket_id = import_file(staff_client, django_capture_on_commit_callbacks, UNPRICED)["id"]
    staff_client.patch(f"{URL}{ticket_id}/", {"corrections": {"fare": "350"}}, format="json")

    with django_capture_on_commit_callbacks(execute=True):
        assert staff_client.post(f"{URL}{ticket_id}/retry/").status_code == 202

    again = staff_client.get(f"{URL}{ticket_id}/").json()
    assert (again["status"], again["missing_fields"], again["fare"]) == (
        "needs_review",
        ["total", "currency"],
        "350.00",
    )
    assert ImportedTicket.objects.get(pk=ticket_id).attempts == 2


def test_a_partial_record_from_the_parser_lists_what_it_could_not_read(
    staff_client, currencies, django_capture_on_commit_callbacks
):
    # A layout no format parser knows: the generic extractor reads what it can.
    text = (
        "Confirmación de viaje\n"
        "Localizador: QWERTY\n"
        "Boleto electrónico: 075-2100000017\n"
        "Vuelo CM 222  CCS - PTY  22ENE26 13:32\n"
        "Total USD 410.00\n"
    )
    with django_capture_on_commit_callbacks(execute=True):
        ticket_id = staff_client.post(URL, {"text": text}, format="json").json()["id"]

    detail = staff_client.get(f"{URL}{ticket_id}/").json()
    assert detail["status"] == "needs_review"
    assert sorted(detail["missing_fields"]) == ["fare", "issue_date", "passenger_name"]
    assert detail["sale_item"] is None

    corrections = {"passenger_name": "PEREZ/ANA", "fare": "350", "issue_date": "2026-01-10"}
    with django_capture_on_commit_callbacks(execute=True):
        body = staff_client.patch(f"{URL}{ticket_id}/", {"corrections": corrections}, format="json").json()

    assert (body["status"], body["missing_fields"]) == ("parsed", [])
    assert SaleItem.objects.get(pk=body["sale_item"]).total == Decimal("410.00")


def test_a_fare_correction_reprices_the_item_of_a_draft_sale(
    staff_client, currencies, django_capture_on_commit_callbacks
):
    ticket_id = import_file(staff_client, django_capture_on_commit_callbacks, CORPUS / "001_kiu.eml")["id"]
    item = SaleItem.objects.get(imported_ticket_id=ticket_id)
    assert item.total == Decimal("65.00")

    with django_capture_on_commit_callbacks(execute=True):
        response = staff_client.patch(
            f"{URL}{ticket_id}/", {"corrections": {"fare": "20.34", "total": "75.00"}}, format="json"
        )

    assert response.status_code == 200
    item.refresh_from_db()
    assert (item.unit_price, item.tax_amount, item.total) == (Decimal("20.34"), Decimal("54.66"), Decimal("75.00"))
    assert response.json()["sale_item"] == item.pk
    sale = Sale.objects.get(pk=item.sale_id)
    assert (sale.total, sale.third_party_total, sale.tax_total) == (Decimal("75.00"), Decimal("75.00"), Decimal(0))


def test_a_currency_correction_moves_the_item_to_a_draft_sale_in_that_currency(
    staff_client, currencies, django_capture_on_commit_callbacks
):
    ticket_id = import_file(staff_client, django_capture_on_commit_callbacks, CORPUS / "001_kiu.eml")["id"]
    first_sale = SaleItem.objects.get(imported_ticket_id=ticket_id).sale_id

    with django_capture_on_commit_callbacks(execute=True):
        response = staff_client.patch(f"{URL}{ticket_id}/", {"corrections": {"currency": "PEN"}}, format="json")

    assert response.status_code == 200
    item = SaleItem.objects.select_related("sale__currency").get(imported_ticket_id=ticket_id)
    assert item.sale.currency.code == "PEN"
    assert item.sale_id != first_sale
    assert Sale.objects.get(pk=first_sale).total == 0


@pytest.mark.parametrize("language", ["es", "en"])
def test_a_price_correction_is_refused_once_the_sale_is_confirmed_pointing_to_a_credit_note(
    staff_client, currencies, django_capture_on_commit_callbacks, language
):
    ticket_id = import_file(staff_client, django_capture_on_commit_callbacks, CORPUS / "001_kiu.eml")["id"]
    item = SaleItem.objects.get(imported_ticket_id=ticket_id)
    assert staff_client.post(f"/api/ventas/{item.sale_id}/confirm/").status_code == 200

    response = staff_client.patch(
        f"{URL}{ticket_id}/", {"corrections": {"fare": "20.34"}}, format="json", HTTP_ACCEPT_LANGUAGE=language
    )

    assert response.status_code == 409
    assert response.json()["code"] == "sale_not_draft"
    assert ("nota de crédito" if language == "es" else "credit note") in response.json()["detail"]
    ticket = ImportedTicket.objects.get(pk=ticket_id)
    assert ticket.corrections == {}
    assert ticket.fare == Decimal("10.34")
    item.refresh_from_db()
    assert item.total == Decimal("65.00")
    # What does not change the price is still corrected.
    renamed = staff_client.patch(f"{URL}{ticket_id}/", {"corrections": {"pnr": "ZZZ999"}}, format="json")
    assert renamed.status_code == 200


def test_a_ticket_in_a_retired_currency_is_sold_in_it(staff_client, django_capture_on_commit_callbacks):
    # The bolívar fuerte comes with the catalog loader, marked historic.
    load_currencies()
    vef = Currency.objects.get(code="VEF")
    assert vef.historic is True

    ticket_id = import_file(staff_client, django_capture_on_commit_callbacks, CORPUS / "094_amadeus.txt")["id"]

    detail = staff_client.get(f"{URL}{ticket_id}/").json()
    assert (detail["status"], detail["error"]) == ("parsed", "")
    item = SaleItem.objects.select_related("sale__currency").get(pk=detail["sale_item"])
    assert item.sale.currency == vef
    assert item.total == Decimal("1882.66")
    # …and it is sold like any other: confirmed, invoiced and paid in VEF.
    chart_of_accounts_load()
    InvoiceSeriesFactory(code="F001")
    assert staff_client.post(f"/api/ventas/{item.sale_id}/confirm/").status_code == 200
    invoice = staff_client.post("/api/facturas/", {"sale": item.sale_id, "series": "F001"}).json()
    assert (invoice["currency_sign"], invoice["total"]) == ("VEF", "1882.66")
    assert invoice["total_in_words"] == "SON: MIL OCHOCIENTOS OCHENTA Y DOS CON 66/100 BOLÍVARES FUERTES"
    payment = staff_client.post(
        f"/api/ventas/{item.sale_id}/payments/", {"amount": "1882.66", "method": "cash", "paid_on": "2014-05-02"}
    )
    assert payment.status_code == 201
    assert staff_client.get(f"/api/ventas/{item.sale_id}/").json()["balance_due"] == "0.00"


def test_a_new_sale_is_not_priced_in_a_retired_currency(staff_client):
    load_currencies()
    client = ClientFactory()

    refused = staff_client.post("/api/ventas/", {"client": client.pk, "currency": "VEF"}, format="json")
    current = staff_client.post("/api/ventas/", {"client": client.pk, "currency": "VES"}, format="json")

    assert refused.status_code == 400
    assert "retirada" in refused.json()["errors"]["currency"][0]
    assert current.status_code == 201
    listed = [row["code"] for row in staff_client.get("/api/monedas/").json()]
    # Current currencies are listed first; the historic ones after them, marked.
    assert listed[-2:] == ["VEB", "VEF"]
