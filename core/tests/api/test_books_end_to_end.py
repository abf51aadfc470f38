"""The agency's flow through the API, with PDFs made by a real Celery worker."""

import time

import pytest

from core.models import JournalEntry
from core.services.accounting import chart_of_accounts_load
from core.tests.factories import CurrencyFactory, InvoiceSeriesFactory


@pytest.mark.redis
@pytest.mark.postgresql
@pytest.mark.slow
@pytest.mark.django_db(transaction=True)
def test_sell_invoice_download_and_collect_with_a_real_worker(celery_worker, staff_client):
    CurrencyFactory(code="PEN")
    chart_of_accounts_load()
    InvoiceSeriesFactory(code="F001")

    client = staff_client.post(
        "/api/clientes/",
        {"name": "Agencia Ñandú", "kind": "company", "document_type": "ruc", "document_number": "20512345671"},
    ).json()
    supplier = staff_client.post("/api/proveedores/", {"name": "Inka Trails", "kind": "operator"}).json()
    product = staff_client.post(
        "/api/productos/",
        {"name": "Tour Valle Sagrado", "kind": "tour", "supplier": supplier["id"], "default_tax_rate": "18"},
    ).json()
    assert product["active"] is True
    sale = staff_client.post(
        "/api/ventas/",
        {"client": client["id"], "currency": "PEN", "items": [{"product": product["id"], "unit_price": "250"}]},
        format="json",
    ).json()
    assert staff_client.post(f"/api/ventas/{sale['id']}/confirm/").json()["status"] == "confirmed"

    invoice = staff_client.post("/api/facturas/", {"sale": sale["id"], "series": "F001"}).json()
    assert invoice["number"] == "F001-00000001"
    assert invoice["total"] == "295.00"

    pdf = _wait_for_pdf(staff_client, invoice["id"])
    assert pdf.startswith(b"%PDF")

    payment = staff_client.post(
        f"/api/ventas/{sale['id']}/payments/", {"amount": "295.00", "method": "transfer", "paid_on": "2026-11-20"}
    )
    assert payment.status_code == 201
    assert staff_client.get(f"/api/ventas/{sale['id']}/").json()["balance_due"] == "0.00"
    assert set(JournalEntry.objects.values_list("source", flat=True)) == {"invoice_issued", "payment_received"}


def _wait_for_pdf(client, invoice_id: int, seconds: float = 60) -> bytes:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        response = client.get(f"/api/facturas/{invoice_id}/pdf/")
        if response.status_code == 200:
            return b"".join(response.streaming_content)
        assert response.status_code == 202
        time.sleep(0.2)
    raise AssertionError("the worker did not make the PDF in time")
