"""The sales workflow in the admin goes through the services: what the API
refuses, the admin refuses with the same message, and never with a 500."""

from decimal import Decimal

import pytest
from django.contrib.messages import get_messages
from django.utils import translation

from core.admin.money import money_display
from core.models import Invoice, JournalEntry, Payment, Sale, SaleItem
from core.services import invoicing, sales
from core.services.accounting import chart_of_accounts_load
from core.tests.factories import ClientFactory, CurrencyFactory, InvoiceSeriesFactory, ProductFactory, UserFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def pen():
    return CurrencyFactory(code="PEN", minor_units=2)


@pytest.fixture
def books(pen):
    chart_of_accounts_load()
    return InvoiceSeriesFactory(code="F001")


def draft(pen, *prices: str) -> Sale:
    return sales.sale_create(
        client=ClientFactory(),
        currency=pen,
        items=[sales.ItemSpec(ProductFactory(), "Tour", Decimal(1), Decimal(price)) for price in prices],
    )


def messages_of(response) -> list[str]:
    return [str(message) for message in get_messages(response.wsgi_request)]


def item_rows(prefix: str, rows: list[dict], *, initial: int = 0) -> dict:
    data = {
        f"{prefix}-TOTAL_FORMS": str(len(rows)),
        f"{prefix}-INITIAL_FORMS": str(initial),
        f"{prefix}-MIN_NUM_FORMS": "0",
        f"{prefix}-MAX_NUM_FORMS": "1000",
    }
    for index, row in enumerate(rows):
        data.update({f"{prefix}-{index}-{name}": value for name, value in row.items()})
    return data


NO_PAYMENTS = item_rows("payments", [])


def test_a_sale_is_drafted_with_its_items_through_the_service(admin_client, pen):
    client = ClientFactory(name="Ñáñez Travel")
    tour, fee = ProductFactory(default_tax_rate=Decimal(18)), ProductFactory(default_tax_rate=Decimal(0))
    data = {
        "client": client.pk,
        "currency": pen.pk,
        "notes": "",
        **item_rows(
            "items",
            [
                {"product": tour.pk, "description": "City tour", "quantity": "2", "unit_price": "100.00"},
                # Blank description and rate: the product's name and rate, as in the API.
                {"product": fee.pk, "description": "", "quantity": "1", "unit_price": "30", "tax_rate": ""},
            ],
        ),
        **NO_PAYMENTS,
    }

    response = admin_client.post("/admin/core/sale/add/", data)

    assert response.status_code == 302
    sale = Sale.objects.get()
    assert (sale.status, sale.client, sale.total) == (Sale.Status.DRAFT, client, Decimal("266.00"))
    assert [(item.description, item.tax_amount) for item in sale.items.all()] == [
        ("City tour", Decimal("36.00")),
        (fee.name, Decimal("0.00")),
    ]
    assert response["Location"] == f"/admin/core/sale/{sale.pk}/change/"


def test_a_drafts_items_are_added_and_removed_but_never_edited_in_place(admin_client, pen):
    sale = draft(pen, "100.00", "50.00")
    first, second = sale.items.all()
    new_product = ProductFactory()
    data = {
        **item_rows(
            "items",
            [
                {"id": first.pk, "sale": sale.pk, "unit_price": "1.00"},  # an attempted edit
                {"id": second.pk, "sale": sale.pk, "DELETE": "on"},
            ],
            initial=2,
        ),
        **item_rows(
            "items-2", [{"product": new_product.pk, "description": "Traslado", "quantity": "1", "unit_price": "20"}]
        ),
        **NO_PAYMENTS,
    }

    response = admin_client.post(f"/admin/core/sale/{sale.pk}/change/", data)

    assert response.status_code == 302
    sale.refresh_from_db()
    assert sorted(sale.items.values_list("description", "unit_price")) == [
        ("Tour", Decimal("100.0000")),
        ("Traslado", Decimal("20.0000")),
    ]
    assert sale.total == Decimal("141.60")


def test_a_confirmed_sales_items_are_locked(admin_client, pen):
    sale = sales.sale_confirm(sale_id=draft(pen, "100.00").pk)
    item = sale.items.get()
    data = {
        **item_rows("items", [{"id": item.pk, "sale": sale.pk, "DELETE": "on"}], initial=1),
        **NO_PAYMENTS,
    }

    page = admin_client.get(f"/admin/core/sale/{sale.pk}/change/")
    response = admin_client.post(f"/admin/core/sale/{sale.pk}/change/", data)

    assert b'name="_save"' not in page.content
    assert response.status_code == 403
    assert SaleItem.objects.filter(pk=item.pk).exists()


def test_confirm_issue_invoice_and_pay_from_the_sale_page(admin_client, books, pen):
    sale = draft(pen, "100.00")

    confirmed = admin_client.post(f"/admin/core/sale/{sale.pk}/confirm/")
    form = admin_client.get(f"/admin/core/sale/{sale.pk}/invoice/")
    issued = admin_client.post(f"/admin/core/sale/{sale.pk}/invoice/", {"series": "F001"})
    invoice = Invoice.objects.get()
    paid = admin_client.post(
        f"/admin/core/sale/{sale.pk}/payment/",
        {"amount": "18.00", "method": "cash", "paid_on": "2026-11-30", "reference": "Caja 1"},
    )

    assert confirmed.status_code == 302
    assert "Venta confirmada." in messages_of(confirmed)
    assert form.status_code == 200
    assert b"F001" in form.content
    assert issued["Location"] == f"/admin/core/invoice/{invoice.pk}/change/"
    assert invoice.full_number == "F001-00000001"
    assert paid.status_code == 302
    sale.refresh_from_db()
    assert (sale.status, sale.paid_total) == (Sale.Status.INVOICED, Decimal("18.00"))
    assert JournalEntry.objects.filter(source="payment_received").count() == 1


@pytest.mark.parametrize(
    ("step", "body", "message"),
    [
        ("confirm", {}, "Solo se confirma una venta en borrador."),
        ("invoice", {"series": "F001"}, "Solo se factura una venta confirmada; esta venta está en estado «facturada»."),
        ("cancel", {}, "Una venta en estado «facturada» no se puede anular; anule antes su factura."),
    ],
)
def test_an_illegal_step_shows_the_services_message(admin_client, books, pen, step, body, message):
    sale = sales.sale_confirm(sale_id=draft(pen, "100.00").pk)
    invoicing.invoice_issue(sale_id=sale.pk, series_code="F001")

    response = admin_client.post(f"/admin/core/sale/{sale.pk}/{step}/", body)

    assert response.status_code == 302
    assert response["Location"] == f"/admin/core/sale/{sale.pk}/change/"
    assert message in messages_of(response)
    assert Sale.objects.get(pk=sale.pk).status == Sale.Status.INVOICED
    assert Invoice.objects.count() == 1


def test_a_payment_on_a_draft_or_over_the_balance_is_refused_with_the_services_message(admin_client, books, pen):
    a_draft = draft(pen, "100.00")
    confirmed = sales.sale_confirm(sale_id=draft(pen, "100.00").pk)
    payment = {"method": "card", "paid_on": "2026-11-30", "reference": ""}

    on_draft = admin_client.post(f"/admin/core/sale/{a_draft.pk}/payment/", {**payment, "amount": "10"})
    too_much = admin_client.post(f"/admin/core/sale/{confirmed.pk}/payment/", {**payment, "amount": "500"})
    too_precise = admin_client.post(f"/admin/core/sale/{confirmed.pk}/payment/", {**payment, "amount": "1.005"})

    assert "Solo se cobran ventas confirmadas o facturadas; esta venta está en estado «borrador»." in messages_of(
        on_draft
    )
    assert too_much.status_code == 302
    assert any("supera el saldo pendiente" in message for message in messages_of(too_much))
    # A refusal about a field keeps the form, with the message beside the field.
    assert too_precise.status_code == 200
    assert "decimales" in too_precise.content.decode()
    assert not Payment.objects.exists()


def test_steps_are_posts_only(admin_client, pen):
    sale = draft(pen, "100.00")

    response = admin_client.get(f"/admin/core/sale/{sale.pk}/confirm/")

    assert response.status_code == 405
    assert Sale.objects.get(pk=sale.pk).status == Sale.Status.DRAFT


def test_a_missing_sale_is_a_404(admin_client):
    assert admin_client.post("/admin/core/sale/999999/confirm/").status_code == 404
    assert admin_client.get("/admin/core/sale/999999/payment/").status_code == 404


def test_bulk_confirm_reports_each_refusal_and_confirms_the_rest(admin_client, pen):
    ready, empty = draft(pen, "10.00"), draft(pen)

    response = admin_client.post(
        "/admin/core/sale/", {"action": "confirm_selected", "_selected_action": [ready.pk, empty.pk]}
    )

    assert response.status_code == 302
    assert Sale.objects.get(pk=ready.pk).status == Sale.Status.CONFIRMED
    assert Sale.objects.get(pk=empty.pk).status == Sale.Status.DRAFT
    assert f"Venta {empty.pk}: Una venta sin ítems no se puede confirmar." in messages_of(response)
    assert "1 venta confirmada." in messages_of(response)


def test_staff_without_permission_on_sales_cannot_work_them(client, pen):
    client.force_login(UserFactory(is_staff=True))
    sale = draft(pen, "10.00")

    response = client.post(f"/admin/core/sale/{sale.pk}/confirm/")

    assert response.status_code == 403
    assert Sale.objects.get(pk=sale.pk).status == Sale.Status.DRAFT


def test_the_sales_list_writes_money_per_currency(admin_client, pen):
    sale = draft(pen, "3323.90")  # + 18% = 3,922.20

    response = admin_client.get("/admin/core/sale/")

    assert sale.total == Decimal("3922.20")
    assert "PEN\xa03,922.20" in response.content.decode()
    assert "3922,200" not in response.content.decode()


@pytest.mark.parametrize(
    ("language", "amount", "code", "minor_units", "shown"),
    [
        ("es", "3922.2", "PEN", 2, "PEN\xa03,922.20"),
        ("en", "3922.2", "PEN", 2, "PEN\xa03,922.20"),
        ("es", "1500", "JPY", 0, "JPY\xa01,500"),
        ("en", "12.3456", "CLF", 4, "CLF\xa012.3456"),
        ("es", "1234567.5", "USD", 2, "USD\xa01,234,567.50"),
    ],
)
def test_money_has_its_currencys_decimals_and_grouping(language, amount, code, minor_units, shown):
    with translation.override(language):
        assert money_display(Decimal(amount), code, minor_units) == shown


def test_the_currency_filter_lists_only_currencies_sales_use(admin_client, pen):
    for code in ("USD", "EUR", "JPY", "GBP"):
        CurrencyFactory(code=code)
    draft(pen, "1.00")

    response = admin_client.get("/admin/core/sale/")

    filters = response.context["cl"].filter_specs
    currency_filter = next(spec for spec in filters if getattr(spec, "parameter_name", "") == "currency")
    assert [title for _, title in currency_filter.lookup_choices] == ["PEN"]


def test_the_workflow_speaks_english_to_english_staff(admin_client, books, pen):
    sale = draft(pen, "100.00")

    page = admin_client.get(f"/admin/core/sale/{sale.pk}/change/", HTTP_ACCEPT_LANGUAGE="en").content.decode()
    confirmed = admin_client.post(f"/admin/core/sale/{sale.pk}/confirm/", HTTP_ACCEPT_LANGUAGE="en")
    refused = admin_client.post(f"/admin/core/sale/{sale.pk}/confirm/", HTTP_ACCEPT_LANGUAGE="en")

    assert "Confirm" in page
    assert "Cancel sale" in page
    assert "Sale confirmed." in messages_of(confirmed)
    assert "Solo se confirma" not in " ".join(messages_of(refused))


def test_an_item_the_service_would_refuse_is_an_error_on_the_form_and_drafts_nothing(admin_client, pen):
    data = {
        "client": ClientFactory().pk,
        "currency": pen.pk,
        "notes": "",
        **item_rows("items", [{"product": ProductFactory().pk, "quantity": "0", "unit_price": "-5"}]),
    }

    response = admin_client.post("/admin/core/sale/add/", data)

    assert response.status_code == 200
    errors = response.context["inline_admin_formsets"][0].formset.errors[0]
    assert set(errors) == {"quantity", "unit_price"}
    assert not Sale.objects.exists()
