"""The rentals' demo, made by load_demo_data on the embedded default."""

import pytest

from bookings.models import Listing
from bookings.services.demo_data import rentals_demo_create
from bookings.tests.factories import AmenityFactory
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

    assert made == "rentals demo created: 3 listings of demo-host, 3 published"
    assert rentals_demo_create() is None
    results = api_client.get("/api/listings/search/?q=playa").json()["results"]
    assert [result["title"] for result in results] == ["Bungaló frente a la playa de Huanchaco"]
    assert results[0]["cover_thumbnail"]
    assert Listing.objects.filter(status="published").count() == 3
