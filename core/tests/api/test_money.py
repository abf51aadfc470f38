"""Money in currencies of 0 to 4 minor units, end to end: totals, payments,
invoices and their PDFs, journal entries and the trial balance."""

from decimal import Decimal
from io import BytesIO

import pytest
from pypdf import PdfReader
from rest_framework.test import APIClient

from core.models import Currency, Invoice, JournalEntry, JournalLine, Product, Sale
from core.selectors import accounting as accounting_selectors
from core.services.accounting import chart_of_accounts_load
from core.services.pdf_rendering import invoice_pdf_bytes
from core.tests.factories import ClientFactory, CurrencyFactory, InvoiceSeriesFactory, ProductFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def books():
    chart_of_accounts_load()
    InvoiceSeriesFactory(code="F001")


@pytest.fixture
def clf():
    # Unidad de Fomento: four minor units in ISO 4217.
    return CurrencyFactory(code="CLF", minor_units=4)


def _sale_in(staff_client, currency: Currency, *, unit_price: str, quantity: str = "1") -> dict:
    product = ProductFactory(default_tax_rate=Decimal("19.00"), kind=Product.Kind.TOUR)
    response = staff_client.post(
        "/api/ventas/",
        {
            "client": ClientFactory().pk,
            "currency": currency.code,
            "items": [{"product": product.pk, "unit_price": unit_price, "quantity": quantity}],
        },
        format="json",
    )
    assert response.status_code == 201, response.content
    return response.json()


def test_a_sale_in_a_currency_of_four_minor_units_keeps_four_decimals(staff_client, clf):
    sale = _sale_in(staff_client, clf, unit_price="1.2345", quantity="3")

    # 3 × 1.2345 = 3.7035; 19% of it = 0.703665 → 0.7037 (half up).
    assert (sale["subtotal"], sale["tax_total"], sale["total"]) == ("3.7035", "0.7037", "4.4072")
    assert sale["items"][0]["unit_price"] == "1.2345"
    assert Sale.objects.get(pk=sale["id"]).total == Decimal("4.4072")
    listed = staff_client.get("/api/ventas/").json()["results"][0]
    assert listed["total"] == "4.4072"


@pytest.mark.parametrize(("code", "minor_units", "total"), [("JPY", 0, "1428"), ("KWD", 3, "1428.000")])
def test_other_minor_units_still_show_their_own_decimals(staff_client, code, minor_units, total):
    currency = CurrencyFactory(code=code, minor_units=minor_units)

    sale = _sale_in(staff_client, currency, unit_price="1200")

    assert sale["total"] == total


def test_invoicing_paying_and_the_books_in_clf(staff_client, books, clf):
    sale = _sale_in(staff_client, clf, unit_price="10.0001")
    assert staff_client.post(f"/api/ventas/{sale['id']}/confirm/").status_code == 200

    issued = staff_client.post("/api/facturas/", {"sale": sale["id"], "series": "F001"})
    paid = staff_client.post(
        f"/api/ventas/{sale['id']}/payments/", {"amount": "1.0001", "method": "cash", "paid_on": "2026-11-20"}
    )

    assert issued.status_code == 201, issued.content
    # 10.0001 + 19% (1.900019 → 1.9000) = 11.9001
    assert issued.json()["total"] == "11.9001"
    assert paid.status_code == 201, paid.content
    assert paid.json()["amount"] == "1.0001"
    entry = JournalEntry.objects.get(source=JournalEntry.Source.INVOICE_ISSUED)
    assert entry.total_debit == Decimal("11.9001")
    entries = staff_client.get("/api/asientos-contables/").json()["results"]
    assert {line["debit"] for entry in entries for line in entry["lines"]} >= {"11.9001", "1.0001"}
    balance = staff_client.get("/api/reportes/balance-comprobacion/?date_from=2000-01-01&date_to=2100-01-01")
    receivable = next(row for row in balance.json()["rows"] if row["account"] == "1212")
    assert (receivable["debit"], receivable["credit"], receivable["balance"]) == ("11.9001", "1.0001", "10.9000")
    pdf_text = "".join(
        page.extract_text() for page in PdfReader(BytesIO(invoice_pdf_bytes(Invoice.objects.get()))).pages
    )
    assert "11.9001" in pdf_text


def test_a_manual_entry_in_clf_is_answered_and_kept_once(staff_client, books, clf):
    response = staff_client.post(
        "/api/asientos-contables/",
        {
            "date": "2026-11-20",
            "description": "Ajuste",
            "currency": "CLF",
            "lines": [{"account": "1041", "debit": "0.0001"}, {"account": "759", "credit": "0.0001"}],
        },
        format="json",
    )

    assert response.status_code == 201, response.content
    assert response.json()["total"] == "0.0001"
    assert [line["debit"] for line in response.json()["lines"]] == ["0.0001", "0.0000"]
    assert JournalEntry.objects.count() == 1
    assert JournalLine.objects.filter(debit=Decimal("0.0001")).count() == 1


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"code": "PE"}, "code"),
        ({"code": "PENX"}, "code"),
        ({"code": "pe1"}, "code"),
        ({"code": "P\u00c9N"}, "code"),
        ({"minor_units": 5}, "minor_units"),
        ({"minor_units": -1}, "minor_units"),
    ],
)
def test_the_currency_api_refuses_a_code_not_of_three_letters_and_minor_units_outside_0_to_4(staff_client, body, field):
    payload = {"code": "XTS", "name_es": "Prueba", "name_en": "Test", "minor_units": 2, **body}

    response = staff_client.post("/api/monedas/", payload, format="json")

    assert response.status_code == 400, response.content
    assert field in response.json()["errors"]
    assert not Currency.objects.exists()


def test_the_currency_api_takes_four_minor_units(staff_client):
    payload = {"code": "UYW", "name_es": "Unidad previsional", "name_en": "Unidad Previsional", "minor_units": 4}

    response = staff_client.post("/api/monedas/", payload, format="json")

    assert response.status_code == 201, response.content
    assert Currency.objects.get(code="UYW").minor_units == 4


# --- amounts beyond the currency's minor units ----------------------------------------


@pytest.fixture
def pen():
    return CurrencyFactory(code="PEN", minor_units=2)


def _manual_entry(staff_client, currency: str, amount: str):
    return staff_client.post(
        "/api/asientos-contables/",
        {
            "date": "2026-11-20",
            "description": "Ajuste",
            "currency": currency,
            "lines": [{"account": "1041", "debit": amount}, {"account": "759", "credit": amount}],
        },
        format="json",
    )


@pytest.mark.parametrize(("amount", "shown"), [("1.005", "1.005"), ("0.001", "0.001"), ("2.0001", "2.0001")])
def test_a_manual_entry_with_more_decimals_than_its_currency_is_a_400_and_writes_nothing(
    staff_client, books, pen, amount, shown
):
    response = _manual_entry(staff_client, "PEN", amount)

    assert response.status_code == 400, response.content
    assert response.json()["code"] == "too_many_decimals"
    assert shown in response.json()["detail"]
    assert "PEN" in response.json()["detail"]
    assert not JournalEntry.objects.exists()
    balance = staff_client.get("/api/reportes/balance-comprobacion/?date_from=2000-01-01&date_to=2100-01-01").json()
    assert balance["rows"] == []


def test_a_manual_entry_within_its_currency_decimals_is_taken(staff_client, books, pen):
    assert _manual_entry(staff_client, "PEN", "1.01").status_code == 201
    assert _manual_entry(staff_client, "PEN", "1.000").status_code == 201

    balance = staff_client.get("/api/reportes/balance-comprobacion/?date_from=2000-01-01&date_to=2100-01-01").json()
    bank = next(row for row in balance["rows"] if row["account"] == "1041")
    assert bank["debit"] == "2.01"
    assert JournalLine.objects.get(debit=Decimal("1.01")).debit == Decimal("1.01")


def test_a_jpy_entry_with_decimals_is_refused(staff_client, books):
    CurrencyFactory(code="JPY", minor_units=0)

    assert _manual_entry(staff_client, "JPY", "100.5").status_code == 400
    assert _manual_entry(staff_client, "JPY", "100").status_code == 201


def test_a_payment_with_more_decimals_than_its_currency_is_a_400_and_writes_nothing(staff_client, books, pen):
    sale = _sale_in(staff_client, pen, unit_price="100")
    staff_client.post(f"/api/ventas/{sale['id']}/confirm/")

    response = staff_client.post(
        f"/api/ventas/{sale['id']}/payments/", {"amount": "10.005", "method": "cash", "paid_on": "2026-11-20"}
    )

    assert response.status_code == 400, response.content
    assert response.json()["code"] == "too_many_decimals"
    assert "amount" in response.json()["errors"]
    assert Sale.objects.get(pk=sale["id"]).paid_total == 0
    assert not JournalEntry.objects.filter(source=JournalEntry.Source.PAYMENT_RECEIVED).exists()


def test_an_entry_whose_answer_cannot_be_made_is_not_kept(books, staff_user, pen, monkeypatch):
    """The answer is shaped inside the posting transaction: a failure there
    (as the KeyError of four minor units was) leaves no entry for a retry to repeat."""

    def broken(entries):
        raise KeyError(4)

    monkeypatch.setattr(accounting_selectors, "entries_with_lines", broken)
    client = APIClient(raise_request_exception=False)
    client.force_authenticate(staff_user)

    response = _manual_entry(client, "PEN", "1.00")

    assert response.status_code == 500
    assert not JournalEntry.objects.exists()
