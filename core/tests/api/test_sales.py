import datetime
from decimal import Decimal

import pytest
from django.utils import timezone

from core.exceptions import Conflict
from core.models import IdempotentRequest, JournalEntry, Payment, Sale, SaleItem
from core.services import sales
from core.services.accounting import DEFAULT_CHART, chart_of_accounts_load
from core.tests.concurrency import requests_at_once
from core.tests.factories import (
    AirlineFactory,
    ClientFactory,
    CountryFactory,
    CurrencyFactory,
    ProductFactory,
    SupplierFactory,
    UserFactory,
)

pytestmark = pytest.mark.django_db

TODAY = datetime.date(2026, 11, 20)


@pytest.fixture
def pen():
    return CurrencyFactory(code="PEN", minor_units=2)


@pytest.fixture
def books(pen):
    chart_of_accounts_load()


def new_sale(*, currency, items=(("100.00", "2"),), status=None, tax_rate=None):
    product = ProductFactory()
    sale = sales.sale_create(
        client=ClientFactory(),
        currency=currency,
        items=[
            sales.ItemSpec(
                product=product,
                description="Tour Machu Picchu",
                quantity=Decimal(quantity),
                unit_price=Decimal(price),
                tax_rate=tax_rate,
            )
            for price, quantity in items
        ],
    )
    if status in (Sale.Status.CONFIRMED, Sale.Status.CANCELLED):
        sales.sale_confirm(sale_id=sale.pk)
    if status == Sale.Status.CANCELLED:
        sales.sale_cancel(sale_id=sale.pk)
    sale.refresh_from_db()
    return sale


# --- creating and totals ------------------------------------------------------


def test_staff_create_a_sale_with_items_and_get_derived_totals(staff_client, pen):
    product = ProductFactory(default_tax_rate=Decimal("18"))
    client = ClientFactory(name="José Ñáñez")

    response = staff_client.post(
        "/api/ventas/",
        {
            "client": client.pk,
            "currency": "PEN",
            "items": [
                {"product": product.pk, "description": "Hotel Cusco 2 noches", "quantity": "2", "unit_price": "150.55"},
                {"product": product.pk, "quantity": "1", "unit_price": "80", "tax_rate": "0"},
            ],
        },
        format="json",
    )

    assert response.status_code == 201
    sale = response.json()
    assert sale["status"] == "draft"
    assert sale["client"]["name"] == "José Ñáñez"
    # 2 × 150.55 = 301.10, IGV 18 % = 54.198 -> 54.20; plus 80.00 untaxed
    assert sale["items"][0]["tax_amount"] == "54.20"
    assert sale["subtotal"] == "381.10"
    assert sale["tax_total"] == "54.20"
    assert sale["total"] == "435.30"
    assert sale["balance_due"] == "435.30"
    assert sale["items"][1]["description"] == product.name


@pytest.mark.parametrize(
    ("code", "minor_units", "price", "expected_total"),
    [
        ("JPY", 0, "1234.5", "1457"),  # 1235 + 18 % (222.3 -> 222)
        ("PEN", 2, "10.005", "11.81"),  # 10.01 + 1.8018 -> 1.80
        ("KWD", 3, "1.0005", "1.181"),  # 1.001 + 0.18018 -> 0.180
    ],
)
def test_amounts_are_rounded_half_up_to_the_currency_minor_units(code, minor_units, price, expected_total):
    currency = CurrencyFactory(code=code, minor_units=minor_units)

    sale = new_sale(currency=currency, items=[(price, "1")], tax_rate=Decimal("18"))

    detail = sale.total.quantize(Decimal(1).scaleb(-minor_units))
    assert str(detail) == expected_total


def test_an_item_with_stated_taxes_keeps_them(pen):
    sale = sales.sale_create(
        client=ClientFactory(),
        currency=pen,
        items=[
            sales.ItemSpec(
                product=ProductFactory(),
                description="Boleto LIM-CUZ",
                quantity=Decimal(1),
                unit_price=Decimal("200.00"),
                tax_amount=Decimal("47.31"),
            )
        ],
    )

    assert sale.tax_total == Decimal("47.31")
    assert sale.total == Decimal("247.31")


# --- the state machine ----------------------------------------------------------


@pytest.mark.parametrize(
    ("start", "transition", "allowed"),
    [
        (Sale.Status.DRAFT, "confirm", True),
        (Sale.Status.DRAFT, "cancel", True),
        (Sale.Status.CONFIRMED, "confirm", False),
        (Sale.Status.CONFIRMED, "cancel", True),
        (Sale.Status.CANCELLED, "confirm", False),
        (Sale.Status.CANCELLED, "cancel", False),
    ],
)
def test_sale_transitions(staff_client, pen, start, transition, allowed):
    sale = new_sale(currency=pen, status=start)

    response = staff_client.post(f"/api/ventas/{sale.pk}/{transition}/")

    sale.refresh_from_db()
    if allowed:
        assert response.status_code == 200
        assert sale.status == {"confirm": "confirmed", "cancel": "cancelled"}[transition]
    else:
        assert response.status_code == 409
        assert response.json()["code"] == "invalid_transition"
        assert sale.status == start


def test_invoiced_sales_cannot_be_cancelled_or_confirmed(staff_client, books, pen):
    from core.services.invoicing import invoice_issue
    from core.tests.factories import InvoiceSeriesFactory

    sale = new_sale(currency=pen, status=Sale.Status.CONFIRMED)
    invoice_issue(sale_id=sale.pk, series_code=InvoiceSeriesFactory().code)

    for transition in ("cancel", "confirm"):
        response = staff_client.post(f"/api/ventas/{sale.pk}/{transition}/")
        assert response.status_code == 409
        assert response.json()["detail"]
    assert Sale.objects.get(pk=sale.pk).status == Sale.Status.INVOICED


def test_an_empty_sale_cannot_be_confirmed(staff_client, pen):
    sale = new_sale(currency=pen, items=[])

    response = staff_client.post(f"/api/ventas/{sale.pk}/confirm/")

    assert response.status_code == 409
    assert response.json()["code"] == "empty_sale"


def test_items_change_only_in_draft(staff_client, pen):
    sale = new_sale(currency=pen)
    product = ProductFactory()

    added = staff_client.post(f"/api/ventas/{sale.pk}/items/", {"product": product.pk, "unit_price": "10"})
    assert added.status_code == 201
    assert len(added.json()["items"]) == 2
    item_id = added.json()["items"][1]["id"]
    assert staff_client.delete(f"/api/ventas/{sale.pk}/items/{item_id}/").json()["total"] == "236.00"

    sales.sale_confirm(sale_id=sale.pk)
    refused = staff_client.post(f"/api/ventas/{sale.pk}/items/", {"product": product.pk, "unit_price": "10"})

    assert refused.status_code == 409
    assert refused.json()["code"] == "sale_not_draft"
    assert SaleItem.objects.filter(sale=sale).count() == 1


# --- payments ---------------------------------------------------------------------


def test_payment_reduces_the_balance_and_posts_its_entry(staff_client, books, pen):
    sale = new_sale(currency=pen, status=Sale.Status.CONFIRMED)

    response = staff_client.post(
        f"/api/ventas/{sale.pk}/payments/",
        {"amount": "100.00", "method": "transfer", "paid_on": "2026-11-20", "reference": "OP-123"},
    )

    assert response.status_code == 201
    assert response.json()["amount"] == "100.00"
    detail = staff_client.get(f"/api/ventas/{sale.pk}/").json()
    assert detail["paid_total"] == "100.00"
    assert detail["balance_due"] == "136.00"
    assert detail["payments"][0]["reference"] == "OP-123"
    entry = JournalEntry.objects.get(source="payment_received")
    assert entry.total_debit == Decimal("100.00")


def test_paying_more_than_the_balance_is_a_409_and_records_nothing(staff_client, books, pen):
    sale = new_sale(currency=pen, status=Sale.Status.CONFIRMED)

    response = staff_client.post(
        f"/api/ventas/{sale.pk}/payments/", {"amount": "236.01", "method": "cash", "paid_on": "2026-11-20"}
    )

    assert response.status_code == 409
    assert response.json()["code"] == "overpayment"
    assert not Payment.objects.exists()
    assert not JournalEntry.objects.exists()


@pytest.mark.parametrize("status", [Sale.Status.DRAFT, Sale.Status.CANCELLED])
def test_only_confirmed_or_invoiced_sales_take_payments(staff_client, books, pen, status):
    sale = new_sale(currency=pen, status=status)

    response = staff_client.post(
        f"/api/ventas/{sale.pk}/payments/", {"amount": "10", "method": "cash", "paid_on": "2026-11-20"}
    )

    assert response.status_code == 409
    assert not Payment.objects.exists()


def test_a_paid_sale_cannot_be_cancelled(books, pen):
    sale = new_sale(currency=pen, status=Sale.Status.CONFIRMED)
    sales.payment_record(sale_id=sale.pk, amount=Decimal(10), method="cash", paid_on=TODAY)

    with pytest.raises(Conflict):
        sales.sale_cancel(sale_id=sale.pk)


def test_a_repeated_payment_request_with_an_idempotency_key_records_one_payment(staff_client, books, pen):
    sale = new_sale(currency=pen, status=Sale.Status.CONFIRMED)
    body = {"amount": "50", "method": "card", "paid_on": "2026-11-20"}

    first = staff_client.post(f"/api/ventas/{sale.pk}/payments/", body, HTTP_IDEMPOTENCY_KEY="pay-1")
    again = staff_client.post(f"/api/ventas/{sale.pk}/payments/", body, HTTP_IDEMPOTENCY_KEY="pay-1")

    assert first.status_code == 201
    assert "Idempotent-Replayed" not in first.headers
    assert again.status_code == 201
    assert again.headers["Idempotent-Replayed"] == "true"
    assert again.json() == first.json()
    assert Payment.objects.count() == 1
    assert JournalEntry.objects.filter(source="payment_received").count() == 1


def _pay(client, sale, *, key, amount="50"):
    body = {"amount": amount, "method": "card", "paid_on": "2026-11-20"}
    return client.post(f"/api/ventas/{sale.pk}/payments/", body, HTTP_IDEMPOTENCY_KEY=key)


def test_two_long_keys_sharing_their_first_hundred_characters_are_two_payments(staff_client, books, pen):
    sale = new_sale(currency=pen, status=Sale.Status.CONFIRMED)
    shared = "k" * 100

    first = _pay(staff_client, sale, key=shared + "-first", amount="10")
    second = _pay(staff_client, sale, key=shared + "-second", amount="20")

    assert (first.status_code, second.status_code) == (201, 201)
    assert sorted(Payment.objects.values_list("amount", flat=True)) == [Decimal(10), Decimal(20)]
    assert Sale.objects.get(pk=sale.pk).paid_total == Decimal(30)


@pytest.mark.parametrize("key", ["k" * 201, "", "tab\there"])
def test_a_key_over_200_characters_or_not_printable_is_a_400_and_records_nothing(staff_client, books, pen, key):
    sale = new_sale(currency=pen, status=Sale.Status.CONFIRMED)

    response = _pay(staff_client, sale, key=key)

    assert response.status_code == 400
    assert response.json()["code"] == "invalid_idempotency_key"
    assert not Payment.objects.exists()


def test_a_key_of_200_characters_is_taken_whole(staff_client, books, pen):
    sale = new_sale(currency=pen, status=Sale.Status.CONFIRMED)

    assert _pay(staff_client, sale, key="k" * 200).status_code == 201
    assert _pay(staff_client, sale, key="k" * 199 + "j").status_code == 201
    assert Payment.objects.count() == 2


def test_a_key_reused_with_another_body_is_a_422_and_records_nothing_more(staff_client, books, pen):
    sale = new_sale(currency=pen, status=Sale.Status.CONFIRMED)
    first = _pay(staff_client, sale, key="pay-1", amount="10")

    other = _pay(staff_client, sale, key="pay-1", amount="20")

    assert first.status_code == 201
    assert other.status_code == 422
    assert other.json()["code"] == "idempotency_key_reused"
    assert list(Payment.objects.values_list("amount", flat=True)) == [Decimal(10)]


def test_a_key_reused_on_another_sale_is_a_422(staff_client, books, pen):
    one = new_sale(currency=pen, status=Sale.Status.CONFIRMED)
    two = new_sale(currency=pen, status=Sale.Status.CONFIRMED)
    _pay(staff_client, one, key="pay-1")

    assert _pay(staff_client, two, key="pay-1").status_code == 422
    assert Payment.objects.count() == 1


def test_a_key_is_kept_24_hours(staff_client, books, pen):
    sale = new_sale(currency=pen, status=Sale.Status.CONFIRMED)
    first = _pay(staff_client, sale, key="pay-1", amount="10")
    IdempotentRequest.objects.update(created_at=timezone.now() - datetime.timedelta(hours=23))

    replayed = _pay(staff_client, sale, key="pay-1", amount="10")
    IdempotentRequest.objects.update(created_at=timezone.now() - datetime.timedelta(hours=25))
    after_a_day = _pay(staff_client, sale, key="pay-1", amount="10")

    assert replayed.json()["id"] == first.json()["id"]
    assert replayed.headers["Idempotent-Replayed"] == "true"
    assert after_a_day.status_code == 201
    assert "Idempotent-Replayed" not in after_a_day.headers
    assert Payment.objects.count() == 2


def test_a_refused_payment_does_not_keep_its_key(staff_client, books, pen):
    sale = new_sale(currency=pen, status=Sale.Status.CONFIRMED)

    too_much = _pay(staff_client, sale, key="pay-1", amount="100000")

    assert too_much.status_code == 409
    assert not IdempotentRequest.objects.exists()
    assert _pay(staff_client, sale, key="pay-1", amount="10").status_code == 201


def test_a_payment_in_another_currency_is_refused(staff_client, books, pen):
    CurrencyFactory(code="USD")
    sale = new_sale(currency=pen, status=Sale.Status.CONFIRMED)

    response = staff_client.post(
        f"/api/ventas/{sale.pk}/payments/",
        {"amount": "10", "method": "cash", "paid_on": "2026-11-20", "currency": "USD"},
    )

    assert response.status_code == 400
    assert "currency" in response.json()["errors"]


CONCURRENT_REPEATS = 8


def _one_payment_requested_at_once(user, sale: Sale) -> list:
    """The same payment request, with the same Idempotency-Key, sent several
    times at once (a client retrying on a slow network)."""
    body = {"amount": "50", "method": "card", "paid_on": "2026-11-20"}

    def pay(client):
        return client.post(f"/api/ventas/{sale.pk}/payments/", body, HTTP_IDEMPOTENCY_KEY="pay-1")

    return requests_at_once(user, [pay] * CONCURRENT_REPEATS)


@pytest.mark.postgresql
@pytest.mark.django_db(transaction=True)
def test_one_payment_requested_at_once_with_an_idempotency_key_records_one_payment(staff_user, books, pen):
    sale = new_sale(currency=pen, status=Sale.Status.CONFIRMED)

    responses = _one_payment_requested_at_once(staff_user, sale)

    assert [response.status_code for response in responses] == [201] * CONCURRENT_REPEATS
    assert sum("Idempotent-Replayed" not in response.headers for response in responses) == 1
    assert {response.json()["id"] for response in responses} == {Payment.objects.get().pk}
    assert JournalEntry.objects.filter(source="payment_received").count() == 1
    assert Sale.objects.get(pk=sale.pk).paid_total == Decimal(50)


# --- bad input, permissions ------------------------------------------------------------


@pytest.mark.parametrize(
    "body",
    [
        {},
        {"client": 999999, "currency": "PEN"},
        {"client": "x", "currency": "PEN"},
        {"currency": "XXX"},
        {"items": [{"product": 1, "unit_price": "-5"}]},
        {"items": [{"unit_price": "abc", "quantity": "0"}]},
        {"items": "not a list"},
    ],
)
def test_bad_sale_input_is_a_400_and_writes_nothing(staff_client, pen, body):
    client = ClientFactory()
    payload = {"client": client.pk, "currency": "PEN", **body} if body else {}

    response = staff_client.post("/api/ventas/", payload, format="json")

    assert response.status_code == 400
    assert response.json()["code"] == "invalid"
    assert response.json()["errors"]
    assert not Sale.objects.exists()


@pytest.mark.parametrize(
    "url",
    [
        "/api/ventas/",
        "/api/clientes/",
        "/api/proveedores/",
        "/api/productos/",
        "/api/facturas/",
        "/api/asientos-contables/",
        "/api/cuentas-contables/",
        "/api/reportes/balance-comprobacion/?date_from=2026-01-01&date_to=2026-12-31",
    ],
)
def test_guests_hosts_and_anonymous_users_see_none_of_the_books(api_client, url):
    assert api_client.get(url).status_code == 401
    for role in ("guest", "host"):
        api_client.force_authenticate(UserFactory(role=role))
        response = api_client.get(url)
        assert response.status_code == 403
        assert response.json()["code"] == "permission_denied"


def test_unknown_and_malformed_ids_are_404(staff_client):
    assert staff_client.get("/api/ventas/999/").status_code == 404
    assert staff_client.get("/api/ventas/abc/").status_code == 404
    assert staff_client.post("/api/ventas/999/confirm/").status_code == 404


# --- list, filters, query budget --------------------------------------------------------


def test_sales_list_takes_at_most_four_queries_for_a_page_of_fifty(staff_client, pen, django_assert_max_num_queries):
    for _ in range(55):
        new_sale(currency=pen, items=[("10", "1"), ("20", "2"), ("30", "3")])

    with django_assert_max_num_queries(4):
        response = staff_client.get("/api/ventas/")

    body = response.json()
    assert body["count"] == 55
    assert len(body["results"]) == 50
    assert all(sale["item_count"] == 3 for sale in body["results"])
    assert all("items" not in sale for sale in body["results"])
    assert body["results"][0]["total"] == "165.20"


def test_a_sale_of_a_thousand_items_is_one_small_row_of_the_list(staff_client, pen):
    big = new_sale(currency=pen, items=[("1.50", "1")] * 1000)
    new_sale(currency=pen, items=[("10", "1")])

    listed = staff_client.get("/api/ventas/")
    detail = staff_client.get(f"/api/ventas/{big.pk}/")

    rows = {sale["id"]: sale for sale in listed.json()["results"]}
    assert rows[big.pk]["item_count"] == 1000
    assert rows[big.pk]["total"] == "1770.00"
    # Two rows of a few hundred bytes each; with the items it was over 250 kB.
    assert len(listed.content) < 2_000
    assert len(detail.json()["items"]) == 1000
    assert detail.json()["item_count"] == 1000


def test_sale_detail_takes_at_most_four_queries(staff_client, books, pen, django_assert_max_num_queries):
    sale = new_sale(currency=pen, status=Sale.Status.CONFIRMED)
    sales.payment_record(sale_id=sale.pk, amount=Decimal(5), method="cash", paid_on=TODAY)

    with django_assert_max_num_queries(4):
        response = staff_client.get(f"/api/ventas/{sale.pk}/")

    assert response.json()["payments"][0]["amount"] == "5.00"


def test_sales_filters(staff_client, pen):
    usd = CurrencyFactory(code="USD")
    draft = new_sale(currency=pen)
    confirmed = new_sale(currency=usd, status=Sale.Status.CONFIRMED)

    def ids(query):
        return [sale["id"] for sale in staff_client.get(f"/api/ventas/?{query}").json()["results"]]

    assert ids("status=draft") == [draft.pk]
    assert ids("currency=usd") == [confirmed.pk]
    assert ids(f"client={confirmed.client_id}") == [confirmed.pk]
    assert sorted(ids("date_from=2000-01-01")) == sorted([draft.pk, confirmed.pk])
    assert ids("date_to=2000-01-01") == []


@pytest.mark.parametrize(
    "query", ["status=paid", "date_from=yesterday", "client=abc", "client=1e30", "client=1.5", "client=-1", "page=0"]
)
def test_bad_filters_are_4xx_json(staff_client, query):
    response = staff_client.get(f"/api/ventas/?{query}")

    assert response.status_code in (400, 404)
    assert response.json()["detail"]


def test_clients_are_unique_per_document_and_searchable(staff_client):
    body = {"name": "Ana Quispe", "document_type": "dni", "document_number": "45678912", "kind": "person"}

    assert staff_client.post("/api/clientes/", body).status_code == 201
    duplicate = staff_client.post("/api/clientes/", {**body, "name": "Otra"})

    assert duplicate.status_code == 400
    assert staff_client.get("/api/clientes/?search=4567").json()["results"][0]["name"] == "Ana Quispe"


def test_a_form_posted_product_without_active_is_active(staff_client):
    supplier = staff_client.post("/api/proveedores/", {"name": "Inka Trails", "kind": "operator"})

    product = staff_client.post("/api/productos/", {"name": "Tour", "kind": "tour", "supplier": supplier.json()["id"]})

    assert supplier.json()["active"] is True
    assert product.json()["active"] is True


def test_a_product_without_supplier_shows_a_null_supplier_name_also_after_a_partial_change(staff_client):
    product = ProductFactory(supplier=None)

    shown = staff_client.get(f"/api/productos/{product.pk}/")
    patched = staff_client.patch(f"/api/productos/{product.pk}/", {"name": "Cargo por emisión"}, format="json")

    assert shown.json()["supplier_name"] is None
    assert patched.status_code == 200
    assert patched.json()["supplier_name"] is None


def _airline_suppliers(count: int) -> None:
    """Suppliers linked to an airline each, so that the list reads every
    relation its rows show (a supplier without airline costs no query)."""
    country = CountryFactory()
    for n in range(count):
        SupplierFactory(country=country, kind="airline", airline=AirlineFactory(country=country), name=f"Aerolínea {n}")


@pytest.mark.parametrize(
    ("url", "make_rows"),
    [
        ("/api/clientes/", lambda: ClientFactory.create_batch(55, country=CountryFactory())),
        ("/api/proveedores/", lambda: _airline_suppliers(55)),
        ("/api/productos/", lambda: ProductFactory.create_batch(55)),
        ("/api/cuentas-contables/", chart_of_accounts_load),
    ],
)
def test_party_and_chart_lists_have_a_query_budget(staff_client, url, make_rows, django_assert_max_num_queries):
    # A full page of 50 rows (the chart is one unpaginated list) takes the
    # same two queries as a page of one: a relation shown per row and not
    # joined would cost a query per row.
    make_rows()

    with django_assert_max_num_queries(2):
        response = staff_client.get(url)

    assert response.status_code == 200
    body = response.json()
    rows = body["results"] if isinstance(body, dict) else body
    assert len(rows) == (len(DEFAULT_CHART) if url == "/api/cuentas-contables/" else 50)
    if url == "/api/proveedores/":
        assert all(row["airline"] and row["country"] for row in rows)
    if url == "/api/productos/":
        assert all(row["supplier_name"] for row in rows)
    if url == "/api/cuentas-contables/":
        assert sum(1 for row in rows if row["parent"]) == sum(1 for *_, parent in DEFAULT_CHART if parent)
