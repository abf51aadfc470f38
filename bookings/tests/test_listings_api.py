"""Listings through the API: hosts make and change their own, guests and
anonymous users see published ones, another host's listing does not exist
for the verbs that change it, and pages cost a fixed number of queries."""

from decimal import Decimal

import pytest
from rest_framework.test import APIClient

from bookings.models import Listing
from bookings.tests.factories import AmenityFactory, HostFactory, ListingFactory, ReadyPhotoFactory
from core.tests.factories import CityFactory, CurrencyFactory, UserFactory

pytestmark = pytest.mark.django_db


def client_for(user) -> APIClient:
    client = APIClient()
    client.force_authenticate(user)
    return client


@pytest.fixture
def host():
    return HostFactory()


@pytest.fixture
def host_client(host):
    return client_for(host)


@pytest.fixture
def lima():
    return CityFactory(name="Lima")


def test_a_guest_becomes_a_host_and_drafts_a_listing(lima):
    guest = UserFactory(role="guest")
    client = client_for(guest)
    refused = client.post("/api/listings/", {"title": "Casa en Barranco"}, format="json")

    became = client.post("/api/me/become-host/")
    created = client.post(
        "/api/listings/",
        {
            "title": "Casa en Barranco",
            "city": lima.pk,
            "latitude": "-12.149",
            "longitude": "-77.021",
            "currency": CurrencyFactory(code="PEN").code,
            "nightly_price": "180.00",
            "amenities": [AmenityFactory(code="wifi").code],
            "cancellation_policy": "strict",
        },
        format="json",
    )

    assert refused.status_code == 403
    assert refused.json()["code"] == "not_a_host"
    assert became.json()["role"] == "host"
    assert created.status_code == 201, created.json()
    body = created.json()
    assert body["status"] == "draft"
    assert body["host"]["id"] == guest.pk
    assert body["city"] == {"id": lima.pk, "name": "Lima", "country": "PE"}
    assert body["amenities"] == ["wifi"]
    assert body["nightly_price"] == "180.00"
    assert body["cancellation_rules"][0].startswith("Hasta 14 días antes")


def test_publishing_names_every_missing_part_then_publishes_a_complete_listing(host, host_client, lima):
    draft = ListingFactory(host=host, status=Listing.Status.DRAFT, city=None, nightly_price=None, published_at=None)

    incomplete = host_client.post(f"/api/listings/{draft.pk}/publish/")

    assert incomplete.status_code == 409
    assert incomplete.json()["code"] == "incomplete_listing"
    assert set(incomplete.json()["errors"]) == {"city", "nightly_price", "photos"}

    ReadyPhotoFactory(listing=draft)
    host_client.patch(f"/api/listings/{draft.pk}/", {"city": lima.pk, "nightly_price": "90"}, format="json")
    published = host_client.post(f"/api/listings/{draft.pk}/publish/")

    assert published.status_code == 200, published.json()
    assert published.json()["status"] == "published"
    assert published.json()["published_at"]
    assert host_client.post(f"/api/listings/{draft.pk}/unlist/").json()["status"] == "unlisted"


def test_drafts_are_seen_by_their_host_and_staff_only(host_client, host, api_client, guest_client, staff_client):
    draft = ListingFactory(host=host, status=Listing.Status.DRAFT)
    published = ListingFactory(host=host)

    assert host_client.get(f"/api/listings/{draft.pk}/").status_code == 200
    assert staff_client.get(f"/api/listings/{draft.pk}/").status_code == 200
    assert guest_client.get(f"/api/listings/{draft.pk}/").status_code == 404
    assert api_client.get(f"/api/listings/{draft.pk}/").status_code == 404
    assert api_client.get(f"/api/listings/{published.pk}/").status_code == 200
    assert [row["id"] for row in api_client.get("/api/listings/").json()["results"]] == [published.pk]
    assert {row["id"] for row in host_client.get("/api/listings/?host=me").json()["results"]} == {
        draft.pk,
        published.pk,
    }


@pytest.mark.parametrize(
    ("method", "path", "body"),
    [
        ("patch", "", {"title": "Mío"}),
        ("delete", "", None),
        ("post", "publish/", None),
        ("post", "unlist/", None),
        ("get", "photos/", None),
        ("post", "photos/", {}),
        ("patch", "photos/{photo}/", {"is_cover": True}),
        ("delete", "photos/{photo}/", None),
        ("post", "photos/{photo}/retry/", None),
        ("post", "blocks/", {"start_date": "2030-01-01", "end_date": "2030-01-05"}),
        ("delete", "blocks/?start_date=2030-01-01&end_date=2030-01-05", None),
        ("post", "prices/", {"start_date": "2030-01-01", "end_date": "2030-01-05", "price": "50"}),
    ],
)
def test_another_hosts_listing_is_a_404_for_every_change(host_client, method, path, body):
    theirs = ListingFactory()  # published: visible to all, changeable by its host only
    photo = ReadyPhotoFactory(listing=theirs)

    response = getattr(host_client, method)(
        f"/api/listings/{theirs.pk}/{path.format(photo=photo.pk)}", body, format="json"
    )

    assert response.status_code == 404
    theirs.refresh_from_db()
    assert theirs.status == Listing.Status.PUBLISHED
    assert theirs.photos.count() == 1
    assert not theirs.occupied_ranges.exists()


def test_anonymous_users_cannot_change_anything(api_client):
    listing = ListingFactory()

    assert api_client.post("/api/listings/", {"title": "x"}, format="json").status_code == 401
    assert api_client.patch(f"/api/listings/{listing.pk}/", {"title": "x"}, format="json").status_code == 401
    assert api_client.post("/api/me/become-host/").status_code == 401


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"latitude": "91", "longitude": "10"}, "latitude"),
        ({"longitude": "-181", "latitude": "0"}, "longitude"),
        ({"latitude": "10", "longitude": None}, "latitude"),
        ({"min_nights": 10, "max_nights": 5}, "min_nights"),
        ({"max_nights": 400}, "max_nights"),
        ({"max_guests": 0}, "max_guests"),
        ({"amenities": ["teleporter"]}, "amenities"),
        ({"nightly_price": "10.005", "currency": "PEN"}, "nightly_price"),
        ({"nightly_price": "-5", "currency": "PEN"}, "nightly_price"),
        ({"nightly_price": "50"}, "currency"),
        ({"property_type": "castle"}, "property_type"),
        ({"city": 999999}, "city"),
    ],
)
def test_bad_listing_input_is_a_400_naming_the_field(host, host_client, body, field):
    CurrencyFactory(code="PEN")
    listing = ListingFactory(host=host, status=Listing.Status.DRAFT, nightly_price=None, currency=None)

    response = host_client.patch(f"/api/listings/{listing.pk}/", body, format="json")

    assert response.status_code == 400, response.json()
    assert field in response.json()["errors"]
    assert Listing.objects.get(pk=listing.pk).title == listing.title


def test_a_published_listing_keeps_its_last_photo(host, host_client):
    listing = ListingFactory(host=host)
    photo = ReadyPhotoFactory(listing=listing)

    response = host_client.delete(f"/api/listings/{listing.pk}/photos/{photo.pk}/")

    assert response.status_code == 409
    assert response.json()["code"] == "last_photo"


def test_only_a_draft_is_deleted(host, host_client):
    published = ListingFactory(host=host)
    draft = ListingFactory(host=host, status=Listing.Status.DRAFT, published_at=None)

    assert host_client.delete(f"/api/listings/{published.pk}/").status_code == 409
    assert host_client.delete(f"/api/listings/{draft.pk}/").status_code == 204
    assert list(Listing.objects.values_list("pk", flat=True)) == [published.pk]


def test_a_page_of_fifty_listings_with_photos_and_amenities_takes_four_queries(
    host, host_client, django_assert_max_num_queries
):
    amenities = [AmenityFactory() for _ in range(3)]
    for listing in ListingFactory.create_batch(55, host=host):
        listing.amenities.set(amenities)
        ReadyPhotoFactory(listing=listing)
        ReadyPhotoFactory(listing=listing, is_cover=False)

    with django_assert_max_num_queries(4):
        response = host_client.get("/api/listings/?host=me")

    rows = response.json()["results"]
    assert len(rows) == 50
    assert all(len(row["photos"]) == 2 and len(row["amenities"]) == 3 for row in rows)


def test_a_listings_detail_takes_four_queries(host_client, django_assert_max_num_queries):
    listing = ListingFactory()
    listing.amenities.set([AmenityFactory() for _ in range(5)])
    for _ in range(10):
        ReadyPhotoFactory(listing=listing, is_cover=False)

    with django_assert_max_num_queries(4):
        response = host_client.get(f"/api/listings/{listing.pk}/")

    assert len(response.json()["photos"]) == 10


def test_amenities_are_a_cached_catalog_in_both_languages(api_client, django_assert_num_queries):
    AmenityFactory(code="wifi", name_es="Wifi", name_en="Wi-Fi")
    api_client.get("/api/amenities/")

    with django_assert_num_queries(0):
        spanish = api_client.get("/api/amenities/")
    english = api_client.get("/api/amenities/", HTTP_ACCEPT_LANGUAGE="en")

    assert {"code": "wifi", "name": "Wifi", "name_es": "Wifi", "name_en": "Wi-Fi"} in spanish.json()
    assert any(row["name"] == "Wi-Fi" for row in english.json())
    assert spanish["Cache-Control"] == "public, max-age=3600"


def test_prices_must_fit_the_currency(host, host_client):
    listing = ListingFactory(host=host, currency=CurrencyFactory(code="JPY", minor_units=0))

    response = host_client.patch(f"/api/listings/{listing.pk}/", {"nightly_price": "1500.5"}, format="json")

    assert response.status_code == 400
    assert Listing.objects.get(pk=listing.pk).nightly_price == Decimal("100.00")
