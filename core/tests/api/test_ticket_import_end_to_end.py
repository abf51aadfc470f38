"""A ticket imported through the API and parsed by a real Celery worker."""

import time
from decimal import Decimal
from pathlib import Path

import pytest

from core.models import SaleItem
from core.tests.factories import CurrencyFactory

CORPUS = Path(__file__).parents[1] / "ticket_parser" / "corpus"
URL = "/api/boletos-importados/"


@pytest.mark.redis
@pytest.mark.postgresql
@pytest.mark.slow
@pytest.mark.django_db(transaction=True)
def test_upload_a_kiu_ticket_and_get_it_parsed_sold_and_printed_by_a_worker(celery_worker, staff_client):
    CurrencyFactory(code="VES")
    path = CORPUS / "007_kiu.eml"

    with path.open("rb") as file:
        upload = staff_client.post(URL, {"file": file}, format="multipart")

    assert upload.status_code == 202
    assert upload.json()["status"] == "pending"
    ticket = _wait_until(staff_client, upload.json()["id"], lambda t: t["status"] in ("parsed", "error"))
    assert ticket["status"] == "parsed", ticket["error"]
    assert ticket["ticket_number"] == "0520270619934"
    assert ticket["pnr"] == "JACIOY"
    assert [segment["flight_number"] for segment in ticket["segments"]] == ["8352"]

    ticket = _wait_until(staff_client, ticket["id"], lambda t: t["pdf_ready"] and t["sale_item"])
    assert ticket["client"]["document_number"] == "BD022890"
    assert ticket["sale"]["status"] == "draft"
    assert SaleItem.objects.get(pk=ticket["sale_item"]).total == Decimal(ticket["total"])
    pdf = staff_client.get(f"{URL}{ticket['id']}/pdf/")
    assert pdf.status_code == 200
    assert b"".join(pdf.streaming_content).startswith(b"%PDF")


def _wait_until(client, ticket_id: int, done, seconds: float = 60) -> dict:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        ticket = client.get(f"{URL}{ticket_id}/").json()
        if done(ticket):
            return ticket
        time.sleep(0.2)
    raise AssertionError(f"the worker did not finish the ticket in time: {ticket}")
