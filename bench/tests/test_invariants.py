"""The drill's invariant checks: quiet on a product that kept its promises,
loud on each promise broken on purpose."""

import json

import pytest
from django.db import connection

from bench.invariants import invariants_check
from bookings.models import OccupiedRange
from bookings.tests.factories import ListingFactory, book
from core.models import ImportedTicket, Invoice, JournalLine, NotificationDelivery, Sale
from core.models.notifications import DeliveryStatus
from core.services.accounting import chart_of_accounts_load
from core.services.notification_queue import notification_queue_drain
from core.services.notifications import enqueue_notification
from core.tests.factories import CurrencyFactory, ImportedTicketFactory, InvoiceSeriesFactory, UserFactory


@pytest.fixture
def sinks(settings, tmp_path):
    settings.NOTIFICATION_PUSH_PROVIDER = "core.services.notification_channels.FilePushProvider"
    settings.NOTIFICATION_PUSH_FILE = str(tmp_path / "push.jsonl")
    settings.EMAIL_BACKEND = "django.core.mail.backends.filebased.EmailBackend"
    settings.EMAIL_FILE_PATH = str(tmp_path / "mail")
    return {"push_file": tmp_path / "push.jsonl", "email_dir": tmp_path / "mail"}


@pytest.fixture
def day_of_business(sinks, staff_client, django_capture_on_commit_callbacks):
    """A sale invoiced and paid, a booking, a parsed ticket and notifications
    sent by e-mail and push — all through the product's own code."""
    CurrencyFactory(code="PEN")
    chart_of_accounts_load()
    InvoiceSeriesFactory(code="F001")
    with django_capture_on_commit_callbacks(execute=True):
        client = staff_client.post(
            "/api/clientes/",
            {"name": "Agencia Ñandú", "kind": "company", "document_type": "ruc", "document_number": "20512345671"},
        ).json()
        supplier = staff_client.post("/api/proveedores/", {"name": "Inka Trails", "kind": "operator"}).json()
        product = staff_client.post(
            "/api/productos/",
            {"name": "Tour", "kind": "tour", "supplier": supplier["id"], "default_tax_rate": "18"},
        ).json()
        sale = staff_client.post(
            "/api/ventas/",
            {"client": client["id"], "currency": "PEN", "items": [{"product": product["id"], "unit_price": "250"}]},
            format="json",
        ).json()
        staff_client.post(f"/api/ventas/{sale['id']}/confirm/")
        staff_client.post("/api/facturas/", {"sale": sale["id"], "series": "F001"})
        staff_client.post(
            f"/api/ventas/{sale['id']}/payments/", {"amount": "100.00", "method": "transfer", "paid_on": "2026-11-20"}
        )
    book(ListingFactory())
    ImportedTicketFactory(status=ImportedTicket.Status.PARSED)
    user = UserFactory(email="ana@example.com")
    enqueue_notification(recipient=user, kind="webhook_endpoint_disabled", data={"url": "https://example.com/hook"})
    with django_capture_on_commit_callbacks(execute=True):
        enqueue_notification(recipient=user, kind="booking_confirmed", data={"booking": 1, "listing": "Casa"})
    notification_queue_drain(worker="test")
    return sinks


def test_a_day_that_kept_its_promises_breaks_no_invariant(day_of_business):
    # What the day made is there to check: both traced channels saw their sends.
    assert NotificationDelivery.objects.filter(status=DeliveryStatus.SENT, channel="email").exists()
    assert NotificationDelivery.objects.filter(status=DeliveryStatus.SENT, channel="push").exists()
    assert Invoice.objects.exclude(pdf="").exists()

    report = invariants_check(**day_of_business)

    assert report.ok, report.lines()


def test_a_push_received_twice_is_a_duplicate(day_of_business):
    push_file = day_of_business["push_file"]
    first = push_file.read_text().splitlines()[0]
    with push_file.open("a") as sink:
        sink.write(first + "\n")

    report = invariants_check(**day_of_business)

    assert report.count("duplicated") == 1
    assert f"  notification {json.loads(first)['data']['notification']} push: received 2 times" in report.lines()


def test_an_email_marked_sent_that_never_left_is_lost(day_of_business):
    for message in day_of_business["email_dir"].iterdir():
        message.unlink()

    report = invariants_check(**day_of_business)

    assert report.count("lost") == NotificationDelivery.objects.filter(channel="email").count() > 0
    assert not report.ok


def test_a_delivery_left_pending_is_lost(day_of_business):
    delivery = NotificationDelivery.objects.filter(channel="push").first()
    NotificationDelivery.objects.filter(pk=delivery.pk).update(status=DeliveryStatus.FAILED)

    assert invariants_check(**day_of_business).count("lost") == 1


def test_two_ranges_sharing_a_night_are_an_overlap(day_of_business):
    taken = OccupiedRange.objects.get()
    if connection.vendor == "postgresql":
        # The database forbids it; the test's transaction drops the guard and rolls the drop back.
        with connection.cursor() as cursor:
            cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
            cursor.execute("ALTER TABLE bookings_occupiedrange DROP CONSTRAINT occupied_ranges_never_overlap")
    OccupiedRange.objects.create(
        listing_id=taken.listing_id, start_date=taken.start_date, end_date=taken.end_date, kind="block"
    )

    assert invariants_check(**day_of_business).count("overlaps") == 1


def test_a_payment_applied_twice_shows_in_the_sale(day_of_business):
    sale = Sale.objects.get()
    Sale.objects.filter(pk=sale.pk).update(paid_total=sale.paid_total * 2)

    report = invariants_check(**day_of_business)

    assert report.count("payments_applied_twice") == 1


def test_a_ticket_left_processing_is_unsettled(day_of_business):
    ImportedTicket.objects.update(status=ImportedTicket.Status.PROCESSING)

    assert invariants_check(**day_of_business).count("tickets_unsettled") == 1


def test_an_invoice_without_its_pdf_is_reported(day_of_business):
    Invoice.objects.update(pdf="")

    assert invariants_check(**day_of_business).count("invoices_without_pdf") == 1


def test_an_entry_whose_sides_differ_unbalances_the_books(day_of_business):
    line = JournalLine.objects.filter(debit__gt=0).first()
    JournalLine.objects.filter(pk=line.pk).update(debit=line.debit + 1)

    assert invariants_check(**day_of_business).count("unbalanced_entries") == 1
    # PostgreSQL's deferred balance trigger would refuse the test's end otherwise.
    JournalLine.objects.filter(pk=line.pk).update(debit=line.debit)
