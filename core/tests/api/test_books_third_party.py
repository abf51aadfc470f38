"""Booked as an accountant books it: an air ticket is sold on the airline's
behalf (its fare and taxes owed to the airline, no IGV), the agency's own
charges are its revenue with IGV, and the invoice shows the split a Peruvian
electronic invoice shows."""

from decimal import Decimal
from io import BytesIO

import pytest
from pypdf import PdfReader

from core.models import Invoice, JournalEntry, Product
from core.services.accounting import chart_of_accounts_load
from core.services.pdf_rendering import invoice_pdf_bytes
from core.services.ticket_import import ticket_sale_item_ensure
from core.tests.factories import CurrencyFactory, ImportedTicketFactory, InvoiceSeriesFactory, ProductFactory

pytestmark = pytest.mark.django_db

# A KIU ticket as the agency imports it: fare 285.00 and 505.91 of airline taxes.
TAXES = [{"code": "YQ", "amount": "400.00"}, {"code": "AK", "amount": "85.91"}, {"code": "PE", "amount": "20.00"}]


@pytest.fixture
def books():
    CurrencyFactory(code="PEN", name_es="Sol peruano", name_en="Peruvian sol", symbol="S/")
    chart_of_accounts_load()
    InvoiceSeriesFactory(code="F001")


def ticket_sale_id() -> int:
    ticket = ImportedTicketFactory(
        currency_code="PEN",
        fare=Decimal("285.00"),
        taxes_total=Decimal("505.91"),
        total=Decimal("790.91"),
        parsed={"ticket_number": "5442100000017", "taxes": TAXES},
    )
    return ticket_sale_item_ensure(ticket_id=ticket.pk).sale_id


def add_item(staff_client, sale_id: int, product: Product, unit_price: str) -> None:
    response = staff_client.post(
        f"/api/ventas/{sale_id}/items/", {"product": product.pk, "unit_price": unit_price}, format="json"
    )
    assert response.status_code == 201, response.content


def invoice(staff_client, sale_id: int) -> dict:
    assert staff_client.post(f"/api/ventas/{sale_id}/confirm/").status_code == 200
    response = staff_client.post("/api/facturas/", {"sale": sale_id, "series": "F001"})
    assert response.status_code == 201, response.content
    return staff_client.get(f"/api/facturas/{response.json()['id']}/").json()


def entry_lines(source: str, invoice_id: int) -> dict[str, tuple[str, str]]:
    entry = JournalEntry.objects.get(source=source, source_id=invoice_id)
    return {line.account.code: (f"{line.debit:.2f}", f"{line.credit:.2f}") for line in entry.lines.all()}


def trial_balance(staff_client) -> dict[str, Decimal]:
    rows = staff_client.get("/api/reportes/balance-comprobacion/?desde=2000-01-01&hasta=2100-12-31").json()["rows"]
    return {row["account"]: Decimal(row["balance"]) for row in rows}


def pdf_text(invoice_id: int, language: str = "es") -> str:
    invoice = Invoice.objects.select_related("series", "currency", "client").get(pk=invoice_id)
    invoice.client.preferred_language = language
    return "\n".join(page.extract_text() for page in PdfReader(BytesIO(invoice_pdf_bytes(invoice))).pages)


def test_a_ticket_is_collected_for_the_airline_without_igv(staff_client, books):
    sale_id = ticket_sale_id()

    sale = staff_client.get(f"/api/ventas/{sale_id}/").json()
    (item,) = sale["items"]
    assert item["third_party"] is True
    assert item["taxes"] == TAXES
    assert (item["unit_price"], item["tax_rate"], item["tax_amount"]) == ("285.00", "0.00", "505.91")
    assert (sale["third_party_total"], sale["tax_total"], sale["total"]) == ("790.91", "0.00", "790.91")

    issued = invoice(staff_client, sale_id)

    assert issued["taxable_total"] == "0.00"
    assert issued["exempt_total"] == "0.00"
    assert issued["third_party_total"] == "790.91"
    assert issued["tax_total"] == "0.00"
    assert issued["total"] == "790.91"
    assert issued["currency_sign"] == "S/"
    assert issued["total_in_words"] == "SON: SETECIENTOS NOVENTA CON 91/100 SOLES"
    assert issued["lines"][0]["third_party"] is True
    assert issued["lines"][0]["taxes"] == TAXES
    # Nothing of it is the agency's revenue nor its IGV: all of it is owed to the airline.
    assert entry_lines("invoice_issued", issued["id"]) == {"1212": ("790.91", "0.00"), "4696": ("0.00", "790.91")}
    balances = trial_balance(staff_client)
    assert "40111" not in balances
    assert "7041" not in balances
    assert sum(balances.values()) == 0
    text = pdf_text(issued["id"])
    assert "Cobros por cuenta de terceros\n S/ 790.91" in text
    assert "YQ 400.00 · AK 85.91 · PE 20.00" in text
    assert "IGV\n S/ 0.00" in text
    assert "SON: SETECIENTOS NOVENTA CON 91/100 SOLES" in text
    assert "177.51" not in text


def test_a_ticket_with_a_service_fee_and_an_exempt_charge(staff_client, books):
    sale_id = ticket_sale_id()
    add_item(staff_client, sale_id, ProductFactory(kind=Product.Kind.FEE, default_tax_rate=Decimal(18)), "50.00")
    add_item(staff_client, sale_id, ProductFactory(kind=Product.Kind.INSURANCE, default_tax_rate=Decimal(0)), "30.00")

    issued = invoice(staff_client, sale_id)

    assert (issued["taxable_total"], issued["exempt_total"], issued["third_party_total"]) == (
        "50.00",
        "30.00",
        "790.91",
    )
    assert (issued["tax_total"], issued["total"]) == ("9.00", "879.91")
    assert issued["total_in_words"] == "SON: OCHOCIENTOS SETENTA Y NUEVE CON 91/100 SOLES"
    # Receivable = total; the ticket to the airline; the fee and the exempt charge
    # are revenue, and the IGV is the fee's alone.
    assert entry_lines("invoice_issued", issued["id"]) == {
        "1212": ("879.91", "0.00"),
        "4696": ("0.00", "790.91"),
        "7041": ("0.00", "80.00"),
        "40111": ("0.00", "9.00"),
    }
    balances = trial_balance(staff_client)
    assert (balances["40111"], balances["7041"], balances["4696"]) == (
        Decimal("-9"),
        Decimal("-80"),
        Decimal("-790.91"),
    )
    assert sum(balances.values()) == 0
    english = pdf_text(issued["id"], "en")
    assert "SAY: EIGHT HUNDRED AND SEVENTY-NINE AND 91/100 SOLES" in english


def test_voiding_the_invoice_reverses_every_line(staff_client, books):
    sale_id = ticket_sale_id()
    add_item(staff_client, sale_id, ProductFactory(kind=Product.Kind.FEE, default_tax_rate=Decimal(18)), "50.00")
    issued = invoice(staff_client, sale_id)

    response = staff_client.post(f"/api/facturas/{issued['id']}/void/", {"reason": "RUC del cliente errado"})

    assert response.status_code == 200
    issued_lines = entry_lines("invoice_issued", issued["id"])
    assert entry_lines("invoice_voided", issued["id"]) == {
        code: (credit, debit) for code, (debit, credit) in issued_lines.items()
    }
    assert set(issued_lines) == {"1212", "4696", "7041", "40111"}
    assert all(balance == 0 for balance in trial_balance(staff_client).values())


def test_a_product_says_whether_it_is_sold_on_the_agencys_account(staff_client, books):
    supplier = staff_client.post("/api/proveedores/", {"name": "LATAM", "kind": "airline"}).json()

    response = staff_client.post(
        "/api/productos/",
        {"name": "Boleto LATAM", "kind": "air_ticket", "supplier": supplier["id"], "sold_on": "third_party"},
    )

    assert response.status_code == 201, response.content
    assert response.json()["sold_on"] == "third_party"
    fee = staff_client.post("/api/productos/", {"name": "Cargo por emisión", "kind": "fee", "default_tax_rate": "18"})
    assert fee.json()["sold_on"] == "own_account"
    wrong = staff_client.post("/api/productos/", {"name": "X", "kind": "fee", "sold_on": "someone"})
    assert wrong.status_code == 400
    assert "sold_on" in wrong.json()["errors"]
