from decimal import Decimal

import pytest

from core.services import invoicing, sales
from core.services.accounting import chart_of_accounts_load
from core.tests.factories import ClientFactory, CurrencyFactory, InvoiceSeriesFactory, ProductFactory, UserFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def fifty_invoiced_sales():
    currency = CurrencyFactory(code="PEN")
    chart_of_accounts_load()
    InvoiceSeriesFactory()
    for _ in range(50):
        sale = sales.sale_create(
            client=ClientFactory(),
            currency=currency,
            items=[sales.ItemSpec(ProductFactory(), "Tour", Decimal(1), Decimal(50))],
        )
        sales.sale_confirm(sale_id=sale.pk)
        invoicing.invoice_issue(sale_id=sale.pk, series_code="F001")


@pytest.mark.parametrize(
    "url",
    [
        "/admin/core/sale/",
        "/admin/core/invoice/",
        "/admin/core/journalentry/",
        "/admin/core/client/",
        "/admin/core/product/",
        "/admin/core/supplier/",
        "/admin/core/account/",
    ],
)
def test_books_changelists_take_at_most_five_queries(client, fifty_invoiced_sales, url, django_assert_max_num_queries):
    client.force_login(UserFactory(is_staff=True, is_superuser=True))

    with django_assert_max_num_queries(5):
        response = client.get(url)

    assert response.status_code == 200


def test_sales_cannot_be_edited_in_the_admin(client, fifty_invoiced_sales):
    from core.models import Sale

    client.force_login(UserFactory(is_staff=True, is_superuser=True))
    sale = Sale.objects.first()

    response = client.post(f"/admin/core/sale/{sale.pk}/change/", {"status": "draft"})

    assert response.status_code == 403
    assert Sale.objects.get(pk=sale.pk).status == "invoiced"
