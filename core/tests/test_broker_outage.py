"""Redis — the broker and the cache — unreachable from the web process: the
requests that hand work to a worker still answer at once, and the work is
done, once, when Redis is back (PostgreSQL, a real worker, Redis cut off by
a proxy)."""

import time
from decimal import Decimal
from pathlib import Path

import pytest
from django.utils import timezone

from core.models import ImportedTicket, NotificationDelivery, TaskMessage
from core.services import sales
from core.services.accounting import chart_of_accounts_load
from core.services.task_dispatch import RESEND_GRACE, task_outbox_resend
from core.tests.factories import ClientFactory, CurrencyFactory, InvoiceSeriesFactory, ProductFactory
from core.tests.workers import eventually

CORPUS = Path(__file__).parent / "ticket_parser" / "corpus"
# What a request may take with the broker gone: the bound.
ANSWER_WITHIN_SECONDS = 2.0

pytestmark = [
    pytest.mark.redis,
    pytest.mark.postgresql,
    pytest.mark.slow,
    pytest.mark.django_db(transaction=True),
]


@pytest.fixture
def confirmed_sale(db):
    chart_of_accounts_load()
    InvoiceSeriesFactory(code="F001")
    currency = CurrencyFactory(code="PEN")
    client = ClientFactory(name="Agencia Ñandú", email="pagos@nandu.pe")
    sale = sales.sale_create(
        client=client,
        currency=currency,
        items=[sales.ItemSpec(ProductFactory(), "Tour Valle Sagrado", Decimal(1), Decimal(100))],
    )
    return sales.sale_confirm(sale_id=sale.pk)


@pytest.mark.parametrize("outage", ["refusing", "silent"])
def test_invoicing_and_collecting_with_redis_down_answer_at_once_and_catch_up_once(
    outage, redis_proxy, celery_worker, staff_client, confirmed_sale
):
    # given: Redis refuses connections, or accepts them and never answers
    getattr(redis_proxy, outage)()

    # when: the invoice is issued and a payment recorded
    invoice, invoicing_seconds = _timed(
        lambda: staff_client.post("/api/facturas/", {"sale": confirmed_sale.pk, "series": "F001"})
    )
    payment, paying_seconds = _timed(
        lambda: staff_client.post(
            f"/api/ventas/{confirmed_sale.pk}/payments/",
            {"amount": "50.00", "method": "transfer", "paid_on": "2026-11-20"},
        )
    )

    # then: both answer as usual, at once; the PDF is owed, not lost
    assert invoice.status_code == 201, invoice.content
    assert invoicing_seconds < ANSWER_WITHIN_SECONDS
    assert payment.status_code == 201, payment.content
    assert paying_seconds < ANSWER_WITHIN_SECONDS
    invoice_id = invoice.json()["id"]
    assert staff_client.get(f"/api/facturas/{invoice_id}/pdf/").status_code == 202
    assert list(TaskMessage.objects.values_list("task_name", "args")) == [
        ("core.generate_pdf", ["invoice", invoice_id])
    ]

    # when: Redis is back and the periodic resend runs
    redis_proxy.restore()
    eventually(lambda: task_outbox_resend(now=timezone.now() + RESEND_GRACE) == 1)

    # then: the worker makes the PDF and the client gets each e-mail once
    eventually(lambda: staff_client.get(f"/api/facturas/{invoice_id}/pdf/").status_code == 200)
    eventually(lambda: len(celery_worker.sent_emails()) == 2)
    time.sleep(1)  # anything sent twice would arrive now
    subjects = sorted(message["Subject"] for message in celery_worker.sent_emails())
    assert subjects == ["Factura F001-00000001 de TravelHub", "Recibimos su pago de PEN 50.00"]
    assert not TaskMessage.objects.exists()
    assert NotificationDelivery.objects.filter(status="sent").count() == 2


def test_a_ticket_uploaded_with_redis_down_is_parsed_once_it_is_back(redis_proxy, celery_worker, staff_client):
    CurrencyFactory(code="VES")
    redis_proxy.refusing()

    with (CORPUS / "007_kiu.eml").open("rb") as document:
        upload, seconds = _timed(lambda: staff_client.post("/api/boletos-importados/", {"file": document}))

    assert upload.status_code == 202, upload.content
    assert seconds < ANSWER_WITHIN_SECONDS
    ticket_id = upload.json()["id"]

    redis_proxy.restore()
    eventually(lambda: task_outbox_resend(now=timezone.now() + RESEND_GRACE) == 1)

    eventually(lambda: ImportedTicket.objects.get(pk=ticket_id).status == ImportedTicket.Status.PARSED)
    eventually(lambda: bool(ImportedTicket.objects.get(pk=ticket_id).pdf))
    assert ImportedTicket.objects.get(pk=ticket_id).attempts == 1


def _timed(request):
    started = time.monotonic()
    response = request()
    return response, time.monotonic() - started
