"""The rentals' admin pages, on the back office's theme, keep the query
budget of every changelist (core/tests/test_admin_query_budgets.py): at most
five queries for a page of 50 rows."""

import datetime

import pytest
from django.urls import reverse

from bookings.models import NightPrice
from bookings.tests.factories import AmenityFactory, ListingFactory
from core.tests.factories import UserFactory

pytestmark = pytest.mark.django_db

ROWS = 50


def listings():
    return ListingFactory.create_batch(ROWS)


def night_prices():
    listing = ListingFactory()
    start = datetime.date(2026, 12, 1)
    for n in range(ROWS):
        NightPrice.objects.create(listing=listing, date=start + datetime.timedelta(days=n), price=120)


@pytest.mark.parametrize(
    ("model", "rows"),
    [("listing", listings), ("amenity", lambda: AmenityFactory.create_batch(ROWS)), ("nightprice", night_prices)],
)
def test_rentals_changelists_take_at_most_five_queries(client, model, rows, django_assert_max_num_queries):
    rows()
    client.force_login(UserFactory(is_staff=True, is_superuser=True))

    with django_assert_max_num_queries(5):
        response = client.get(reverse(f"admin:bookings_{model}_changelist"))

    assert response.status_code == 200
    assert len(response.context["cl"].result_list) == ROWS
