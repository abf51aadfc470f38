"""The rentals' demo, made by load_demo_data on the embedded default."""

import pytest
from rest_framework.test import APIClient

from bookings.models import Listing
from bookings.services.demo_data import rentals_demo_create
from bookings.tests.factories import AmenityFactory
from core.models import User
from core.services.demo_data import demo_users_create
from core.tests.factories import CityFactory, CountryFactory, CurrencyFactory

# As on the embedded default: no surrounding transaction, so each photo is
# processed (in-process) as soon as its upload commits.
pytestmark = pytest.mark.django_db(transaction=True)


def test_the_demo_host_gets_three_published_listings_once(api_client):
    peru = CountryFactory(code="PE", currency=CurrencyFactory(code="PEN"))
    for name in ("Lima", "Cusco", "Trujillo"):
        CityFactory(name=name, country=peru)
    AmenityFactory(code="wifi")
    demo_users_create()

    made = rentals_demo_create()

    assert made == "rentals demo created: 3 listings of demo-host, 3 published, 2 trips of demo-guest (one paid)"
    assert rentals_demo_create() is None
    results = api_client.get("/api/listings/search/?q=playa").json()["results"]
    assert [result["title"] for result in results] == ["Bungaló frente a la playa de Huanchaco"]
    assert results[0]["cover_thumbnail"]
    assert Listing.objects.filter(status="published").count() == 3
    guest = User.objects.get(username="demo-guest")
    trips = APIClient()
    trips.force_authenticate(guest)
    assert sorted(trip["status"] for trip in trips.get("/api/bookings/").json()["results"]) == [
        "confirmed",
        "pending_payment",
    ]
