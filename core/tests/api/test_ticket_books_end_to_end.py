"""An imported ticket through the books on PostgreSQL with a real worker:
import, the sale, the invoice, its PDF and its journal entries."""

from decimal import Decimal

import pytest

from core.models import JournalEntry, Product
from core.services.accounting import chart_of_accounts_load
from core.tests.api.test_books_end_to_end import _wait_for_pdf
from core.tests.api.test_ticket_import_end_to_end import CORPUS, URL, _wait_until
from core.tests.factories import CurrencyFactory, InvoiceSeriesFactory, ProductFactory


@pytest.mark.redis
@pytest.mark.postgresql
@pytest.mark.slow
@pytest.mark.django_db(transaction=True)
def test_import_sell_invoice_and_book_a_ticket_with_a_fee(celery_worker, staff_client):
    CurrencyFactory(code="USD", name_es="Dólar estadounidense", name_en="US Dollar", symbol="$")
    chart_of_accounts_load()
    InvoiceSeriesFactory(code="F001")
    fee = ProductFactory(name="Cargo por emisión", kind=Product.Kind.FEE, default_tax_rate=Decimal(18))

    with (CORPUS / "001_kiu.eml").open("rb") as file:
        upload = staff_client.post(URL, {"file": file}, format="multipart")
    assert upload.status_code == 202
    ticket = _wait_until(staff_client, upload.json()["id"], lambda t: t["sale_item"] or t["status"] == "error")
    assert (ticket["status"], ticket["missing_fields"]) == ("parsed", [])
    sale_id = ticket["sale"]["id"]
    assert (
        staff_client.post(
            f"/api/ventas/{sale_id}/items/", {"product": fee.pk, "unit_price": "20.00"}, format="json"
        ).status_code
        == 201
    )
    assert staff_client.post(f"/api/ventas/{sale_id}/confirm/").status_code == 200

    created = staff_client.post("/api/facturas/", {"sale": sale_id, "series": "F001"})
    assert created.status_code == 201, created.content
    invoice = staff_client.get(f"/api/facturas/{created.json()['id']}/").json()
    # The ticket (fare 10.34 + 54.66 of taxes) is the airline's; the fee and its IGV are the agency's.
    assert (invoice["third_party_total"], invoice["taxable_total"], invoice["tax_total"]) == ("65.00", "20.00", "3.60")
    assert invoice["total"] == "88.60"
    assert invoice["currency_sign"] == "US$"
    assert invoice["total_in_words"] == "SON: OCHENTA Y OCHO CON 60/100 DÓLARES AMERICANOS"
    ticket_line = next(line for line in invoice["lines"] if line["third_party"])
    assert [tax["code"] for tax in ticket_line["taxes"]] == ["6A", "6B", "AK", "C2", "EU"]
    assert _wait_for_pdf(staff_client, invoice["id"]).startswith(b"%PDF")

    entry = JournalEntry.objects.get(source="invoice_issued", source_id=invoice["id"])
    lines = {line.account.code: (line.debit, line.credit) for line in entry.lines.all()}
    assert lines == {
        "1212": (Decimal("88.60"), 0),
        "4696": (0, Decimal("65.00")),
        "7041": (0, Decimal("20.00")),
        "40111": (0, Decimal("3.60")),
    }
    rows = staff_client.get("/api/reportes/balance-comprobacion/?desde=2000-01-01&hasta=2100-12-31").json()["rows"]
    assert sum(Decimal(row["balance"]) for row in rows) == 0


@pytest.mark.redis
@pytest.mark.postgresql
@pytest.mark.slow
@pytest.mark.django_db(transaction=True)
def test_an_itinerary_without_fare_waits_for_review_then_is_sold_once_corrected(celery_worker, staff_client):
    CurrencyFactory(code="USD")
    CurrencyFactory(code="PEN")

    with (CORPUS / "100_amadeus.eml").open("rb") as file:
        upload = staff_client.post(URL, {"file": file}, format="multipart")
    ticket = _wait_until(
        staff_client, upload.json()["id"], lambda t: t["status"] in ("needs_review", "parsed", "error")
    )
    assert ticket["status"] == "needs_review"
    assert ticket["sale_item"] is None

    corrected = staff_client.patch(
        f"{URL}{ticket['id']}/", {"corrections": {"fare": "300", "total": "350", "currency": "USD"}}, format="json"
    )
    assert corrected.status_code == 200
    ticket = _wait_until(staff_client, ticket["id"], lambda t: t["sale_item"] and t["pdf_ready"])
    assert ticket["status"] == "parsed"
    sale = staff_client.get(f"/api/ventas/{ticket['sale']['id']}/").json()
    assert (sale["currency"], sale["third_party_total"], sale["total"]) == ("USD", "350.00", "350.00")
