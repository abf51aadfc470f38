"""Every changelist of the admin answers a page in at most five queries
(session, user, count, rows, and a filter's choices), with 50 rows of its
model. The test walks the admin's registry, so a page added later is
covered without editing it; rows are made here for the platform's models
(the apps on it check their own pages with their own rows)."""

import datetime
from decimal import Decimal

import pytest
from django.contrib import admin
from django.contrib.auth.models import Group
from django.urls import reverse
from django.utils import timezone
from django_celery_beat.models import (
    ClockedSchedule,
    CrontabSchedule,
    IntervalSchedule,
    PeriodicTask,
    SolarSchedule,
)

from core.models import Account, Notification, NotificationDelivery, WebhookDelivery, WebhookEndpoint, WebhookEvent
from core.services import invoicing, sales
from core.services.accounting import chart_of_accounts_load
from core.services.api_tokens import api_token_create
from core.tests.factories import (
    AirlineFactory,
    AirportFactory,
    CityFactory,
    ClientFactory,
    CurrencyFactory,
    ImportedTicketFactory,
    InvoiceSeriesFactory,
    ProductFactory,
    TicketSegmentFactory,
    UserFactory,
    make_countries,
)

ROWS = 50
BUDGET = 5


def invoiced_sales_with_payments():
    """Sales, their invoices and journal entries, clients, products, suppliers, accounts."""
    chart_of_accounts_load()
    currency = CurrencyFactory(code="PEN")
    InvoiceSeriesFactory()
    for _ in range(ROWS):
        item = sales.ItemSpec(ProductFactory(), "Tour", Decimal(1), Decimal(50))
        sale = sales.sale_create(client=ClientFactory(), currency=currency, items=[item])
        sales.sale_confirm(sale_id=sale.pk)
        invoicing.invoice_issue(sale_id=sale.pk, series_code="F001")
        sales.payment_record(sale_id=sale.pk, amount=Decimal(10), method="cash", paid_on=datetime.date(2026, 11, 30))


def accounts():
    chart_of_accounts_load()
    parent = Account.objects.get(code="70")
    for n in range(ROWS - Account.objects.count()):
        Account.objects.create(code=f"709{n:02d}", name=f"Ventas {n}", type=parent.type, parent=parent)


def imported_tickets():
    first = ImportedTicketFactory()
    for n in range(ROWS - 1):
        repeat = {"duplicate_of": first, "ticket_number": first.ticket_number} if n % 2 else {}
        TicketSegmentFactory.create_batch(2, ticket=ImportedTicketFactory(**repeat))


def notifications():
    for _ in range(ROWS):
        notification = Notification.objects.create(
            recipient=UserFactory(), kind="invoice_issued", language="es", subject="Factura", body="…"
        )
        NotificationDelivery.objects.create(notification=notification, channel="email", status="dead")


def webhooks():
    for _ in range(ROWS):
        owner = UserFactory()
        endpoint = WebhookEndpoint.objects.create(owner=owner, url="https://hooks.example.com/", secret="s")
        event = WebhookEvent.objects.create(event_type="invoice.issued", payload={}, owner=owner)
        WebhookDelivery.objects.create(endpoint=endpoint, event=event, message_id=f"msg_{event.pk}")


def api_tokens():
    for _ in range(ROWS):
        api_token_create(user=UserFactory())


def catalogs():
    for country in make_countries(ROWS):
        CityFactory(country=country)
        AirportFactory(country=country)
        AirlineFactory(country=country)
    for n in range(ROWS):
        CurrencyFactory(code=f"X{n:02d}")


def schedules():
    for n in range(ROWS):
        every = IntervalSchedule.objects.create(every=n + 1, period=IntervalSchedule.MINUTES)
        CrontabSchedule.objects.create(minute=str(n))
        SolarSchedule.objects.create(event="sunset", latitude=Decimal(n), longitude=Decimal(n))
        ClockedSchedule.objects.create(clocked_time=timezone.now())
        PeriodicTask.objects.create(name=f"task {n}", task="core.tick", interval=every)
        Group.objects.create(name=f"group {n}")


ROWS_OF = {
    **dict.fromkeys(
        ["core.sale", "core.invoice", "core.journalentry", "core.client", "core.product", "core.supplier"],
        invoiced_sales_with_payments,
    ),
    "core.account": accounts,
    "core.invoiceseries": lambda: [InvoiceSeriesFactory(code=f"F{n:03d}") for n in range(ROWS)],
    "core.importedticket": imported_tickets,
    "core.ticketdocument": imported_tickets,
    "core.notification": notifications,
    "core.notificationdelivery": notifications,
    "core.webhookendpoint": webhooks,
    "core.webhookevent": webhooks,
    "core.webhookdelivery": webhooks,
    "core.user": api_tokens,
    "core.apitoken": api_tokens,
    **dict.fromkeys(["core.currency", "core.country", "core.city", "core.airport", "core.airline"], catalogs),
    **dict.fromkeys(
        [
            "auth.group",
            "django_celery_beat.periodictask",
            "django_celery_beat.intervalschedule",
            "django_celery_beat.crontabschedule",
            "django_celery_beat.solarschedule",
            "django_celery_beat.clockedschedule",
        ],
        schedules,
    ),
}

REGISTERED = sorted(model._meta.label_lower for model in admin.site._registry)


# The apps whose pages this test makes rows for; the apps built on the
# platform (bookings, chat) check their own pages with their own rows.
PLATFORM_APPS = {"core", "auth", "django_celery_beat"}


def test_every_platform_page_has_rows_made_for_it():
    platform = [label for label in REGISTERED if label.split(".")[0] in PLATFORM_APPS]

    assert sorted(set(platform) - set(ROWS_OF)) == []


@pytest.mark.django_db
@pytest.mark.parametrize("label", REGISTERED)
def test_each_changelist_takes_at_most_five_queries(client, label, django_assert_max_num_queries):
    if label in ROWS_OF:
        ROWS_OF[label]()
    client.force_login(UserFactory(is_staff=True, is_superuser=True))
    app_label, model_name = label.split(".")
    url = reverse(f"admin:{app_label}_{model_name}_changelist")

    with django_assert_max_num_queries(BUDGET):
        response = client.get(url)

    assert response.status_code == 200
    if label in ROWS_OF:
        assert len(response.context["cl"].result_list) == ROWS
