"""PDFs are served to staff by the admin (MEDIA_ROOT is not published), and
the index is a dashboard of bounded queries."""

import datetime
import warnings
from decimal import Decimal

import pytest
from django.contrib.messages import get_messages
from django.core.files.base import ContentFile
from django.db import connection
from django.test.utils import CaptureQueriesContext

from core.models import ImportedTicket, Invoice, Notification, NotificationDelivery, Sale
from core.services import invoicing, sales
from core.services.accounting import chart_of_accounts_load
from core.tests.factories import (
    ClientFactory,
    CurrencyFactory,
    ImportedTicketFactory,
    InvoiceSeriesFactory,
    ProductFactory,
    UserFactory,
)

pytestmark = pytest.mark.django_db

PDF = b"%PDF-1.4 a stored invoice"


@pytest.fixture
def invoice():
    currency = CurrencyFactory(code="PEN")
    chart_of_accounts_load()
    InvoiceSeriesFactory()
    sale = sales.sale_create(
        client=ClientFactory(),
        currency=currency,
        items=[sales.ItemSpec(ProductFactory(), "Tour", Decimal(1), Decimal(50))],
    )
    sales.sale_confirm(sale_id=sale.pk)
    # Not committed in this test: the PDF task has not run, the invoice has none yet.
    return invoicing.invoice_issue(sale_id=sale.pk, series_code="F001")


def with_stored_pdf(document):
    document.pdf.save("document.pdf", ContentFile(PDF))
    return document


def test_staff_open_an_invoices_pdf_in_the_browser(admin_client, invoice):
    with_stored_pdf(invoice)

    response = admin_client.get(f"/admin/core/invoice/{invoice.pk}/pdf/")

    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    assert b"".join(response.streaming_content) == PDF
    assert response["Content-Disposition"].startswith("inline")
    assert "F001-00000001.pdf" in response["Content-Disposition"]


def test_the_invoice_page_links_the_pdf_through_the_admin_not_media(admin_client, invoice):
    with_stored_pdf(invoice)

    page = admin_client.get(f"/admin/core/invoice/{invoice.pk}/change/").content.decode()
    listing = admin_client.get("/admin/core/invoice/").content.decode()

    assert f'href="/admin/core/invoice/{invoice.pk}/pdf/"' in page
    assert f'href="/admin/core/invoice/{invoice.pk}/pdf/"' in listing
    assert "/media/" not in page + listing


def test_a_ticket_receipt_is_served_the_same_way(admin_client):
    ticket = with_stored_pdf(ImportedTicketFactory(ticket_number="7821234567890"))

    response = admin_client.get(f"/admin/core/importedticket/{ticket.pk}/pdf/")
    page = admin_client.get(f"/admin/core/importedticket/{ticket.pk}/change/").content.decode()

    assert response["Content-Type"] == "application/pdf"
    assert b"".join(response.streaming_content) == PDF
    assert f'href="/admin/core/importedticket/{ticket.pk}/pdf/"' in page
    assert "/media/" not in page


def test_a_pdf_not_made_yet_or_gone_from_storage_is_a_404(admin_client, invoice):
    assert admin_client.get(f"/admin/core/invoice/{invoice.pk}/pdf/").status_code == 404
    with_stored_pdf(invoice)
    invoice.pdf.storage.delete(invoice.pdf.name)
    assert admin_client.get(f"/admin/core/invoice/{invoice.pk}/pdf/").status_code == 404
    assert admin_client.get("/admin/core/invoice/999999/pdf/").status_code == 404
    assert admin_client.get("/admin/core/importedticket/999999/pdf/").status_code == 404


@pytest.mark.parametrize("url", ["/admin/core/invoice/{id}/pdf/", "/admin/core/importedticket/{ticket}/pdf/"])
def test_anonymous_users_and_non_staff_are_sent_to_the_login(client, invoice, url):
    with_stored_pdf(invoice)
    ticket = with_stored_pdf(ImportedTicketFactory())
    url = url.format(id=invoice.pk, ticket=ticket.pk)

    anonymous = client.get(url)
    client.force_login(UserFactory(role="guest"))
    guest = client.get(url)

    for response in (anonymous, guest):
        assert response.status_code == 302
        assert response["Location"].startswith("/admin/login/")


def test_staff_without_view_permission_get_a_403(client, invoice):
    with_stored_pdf(invoice)
    client.force_login(UserFactory(is_staff=True))

    assert client.get(f"/admin/core/invoice/{invoice.pk}/pdf/").status_code == 403


def test_voiding_an_invoice_from_its_page_uses_the_service(admin_client, invoice):
    missing_reason = admin_client.post(f"/admin/core/invoice/{invoice.pk}/void/", {"reason": ""})
    voided = admin_client.post(f"/admin/core/invoice/{invoice.pk}/void/", {"reason": "RUC errado"})
    again = admin_client.post(f"/admin/core/invoice/{invoice.pk}/void/", {"reason": "otra vez"})

    assert missing_reason.status_code == 200
    assert voided.status_code == 302
    invoice.refresh_from_db()
    assert (invoice.status, invoice.void_reason) == (Invoice.Status.VOID, "RUC errado")
    assert Sale.objects.get(pk=invoice.sale_id).status == Sale.Status.CONFIRMED
    assert again.status_code == 302
    assert "La factura ya está anulada." in [str(m) for m in get_messages(again.wsgi_request)]


def test_issued_invoices_cannot_be_edited_or_deleted(admin_client, invoice):
    edit = admin_client.post(f"/admin/core/invoice/{invoice.pk}/change/", {"client_name": "Otro"})
    delete = admin_client.post(f"/admin/core/invoice/{invoice.pk}/delete/", {"post": "yes"})

    assert edit.status_code == 403
    assert delete.status_code == 403
    assert Invoice.objects.get(pk=invoice.pk).client_name != "Otro"


def test_the_dashboard_shows_todays_sales_and_what_needs_someone(admin_client, invoice, django_assert_max_num_queries):
    usd = CurrencyFactory(code="USD")
    sales.sale_create(
        client=ClientFactory(),
        currency=usd,
        items=[sales.ItemSpec(ProductFactory(), "Hotel", Decimal(1), Decimal(1000))],
    )
    ImportedTicketFactory.create_batch(2, status=ImportedTicket.Status.ERROR)
    ImportedTicketFactory(status=ImportedTicket.Status.NEEDS_REVIEW)
    dead = Notification.objects.create(recipient_email="a@example.com", kind="x", language="es", subject="s", body="b")
    Notification.objects.filter(pk=dead.pk).update(dead_at=dead.created_at)
    NotificationDelivery.objects.create(notification=dead, channel="email", status="dead")

    with django_assert_max_num_queries(12):
        response = admin_client.get("/admin/")

    page = response.content.decode()
    assert "TravelHub" in page
    assert "Viajes de Prueba S.A.C." in page  # the agency (AGENCY_NAME) under the product's name
    today = {row["currency"]: row for row in response.context["sales_today"]}
    assert today["PEN"]["amount"] == "PEN\xa059.00"
    assert today["USD"]["amount"] == "USD\xa01,180.00"
    counts = {tile.url: tile.count for tile in response.context["attention"]}
    assert counts["/admin/core/importedticket/?status__exact=error"] == 2
    assert counts["/admin/core/importedticket/?status__exact=needs_review"] == 1
    assert counts["/admin/core/notification/?estado=dead"] == 1
    assert counts["/admin/core/notificationdelivery/?status__exact=dead"] == 1
    assert counts["/admin/core/webhookdelivery/?status__exact=dead"] == 0
    assert counts["/admin/core/invoice/?pdf=missing"] == 1


def test_todays_sales_link_to_the_sales_list_of_today(admin_client, invoice):
    yesterday = sales.sale_create(client=ClientFactory(), currency=invoice.currency, items=[])
    Sale.objects.filter(pk=yesterday.pk).update(created_at=yesterday.created_at - datetime.timedelta(days=1))

    url = admin_client.get("/admin/").context["sales_today_url"]
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # a naive datetime in the filter would warn
        listed = admin_client.get(url).context["cl"].result_list

    assert [sale.pk for sale in listed] == [invoice.sale_id]


def test_the_dashboards_queries_do_not_grow_with_the_data(admin_client, invoice, django_assert_num_queries):
    admin_client.get("/admin/")  # warm what is cached per process (content types, permissions)

    with CaptureQueriesContext(connection) as few:
        admin_client.get("/admin/")
    ImportedTicketFactory.create_batch(30, status=ImportedTicket.Status.ERROR)
    for _ in range(10):
        sales.sale_create(client=ClientFactory(), currency=invoice.currency, items=[])

    with django_assert_num_queries(len(few)):
        admin_client.get("/admin/")
