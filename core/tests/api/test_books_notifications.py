"""The client hears of their invoice (with its PDF) and of their payments,
by e-mail in their language, through the notification queue."""

import datetime
from decimal import Decimal

import pytest
from django.core import mail

from core.models import Notification, WebhookEvent
from core.services import invoicing, sales
from core.services.accounting import chart_of_accounts_load
from core.services.notification_queue import notification_queue_drain
from core.tests.factories import ClientFactory, CurrencyFactory, InvoiceSeriesFactory, ProductFactory


@pytest.fixture
def books(db):
    chart_of_accounts_load()
    InvoiceSeriesFactory(code="F001")
    return CurrencyFactory(code="PEN")


def confirmed_sale(currency, client):
    sale = sales.sale_create(
        client=client,
        currency=currency,
        items=[sales.ItemSpec(ProductFactory(), "Tour Cusco & Valle", Decimal(1), Decimal(100))],
    )
    return sales.sale_confirm(sale_id=sale.pk)


@pytest.mark.django_db(transaction=True)
def test_the_client_gets_the_invoice_pdf_by_email_once(books):
    client = ClientFactory(name="Agencia Ñandú & Co", email="pagos@nandu.pe")
    sale = confirmed_sale(books, client)

    invoice = invoicing.invoice_issue(sale_id=sale.pk, series_code="F001")  # the PDF is made after commit
    invoicing.invoice_pdf_generate(invoice_id=invoice.pk)  # a repeated run sends nothing more
    notification_queue_drain(worker="test")

    assert len(mail.outbox) == 1
    message = mail.outbox[0]
    assert message.to == ["pagos@nandu.pe"]
    assert message.subject == "Factura F001-00000001 de TravelHub"
    assert "Agencia Ñandú & Co" in message.body
    assert "PEN 118.00" in message.body
    (attachment,) = message.attachments
    assert attachment[0] == "F001-00000001.pdf"
    assert attachment[1].startswith(b"%PDF")
    assert attachment[2] == "application/pdf"


@pytest.mark.django_db(transaction=True)
def test_an_english_speaking_client_gets_english_emails(books):
    client = ClientFactory(email="emily@example.com", preferred_language="en")
    sale = confirmed_sale(books, client)
    invoicing.invoice_issue(sale_id=sale.pk, series_code="F001")

    sales.payment_record(sale_id=sale.pk, amount=Decimal(50), method="card", paid_on=datetime.date(2026, 11, 20))
    notification_queue_drain(worker="test")

    subjects = sorted(message.subject for message in mail.outbox)
    assert subjects == ["TravelHub invoice F001-00000001", "We received your payment of PEN 50.00"]
    payment_mail = next(message for message in mail.outbox if "payment" in message.subject)
    assert "Balance due: PEN 68.00" in payment_mail.body


def test_a_refused_payment_notifies_nobody(books):
    sale = confirmed_sale(books, ClientFactory(email="x@example.com"))

    with pytest.raises(Exception, match="supera"):
        sales.payment_record(sale_id=sale.pk, amount=Decimal(1000), method="cash", paid_on=datetime.date(2026, 1, 1))

    assert not Notification.objects.exists()


def test_clients_without_email_are_not_notified(books):
    sale = confirmed_sale(books, ClientFactory(email=""))

    sales.payment_record(sale_id=sale.pk, amount=Decimal(10), method="cash", paid_on=datetime.date(2026, 1, 1))

    assert not Notification.objects.exists()


def test_issuing_emits_the_invoice_issued_event_in_the_same_transaction(books):
    sale = confirmed_sale(books, ClientFactory())

    invoice = invoicing.invoice_issue(sale_id=sale.pk, series_code="F001")

    event = WebhookEvent.objects.get(event_type="invoice.issued")
    assert event.payload["number"] == invoice.full_number
    assert event.payload["total"] == "118.00"
