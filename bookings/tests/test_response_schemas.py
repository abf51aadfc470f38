"""Every list and detail body of the rentals API is what its OpenAPI schema
says (core.tests.schema_conformance walks the schema's operations of this
app's views, so a new one is checked without editing this file)."""

import datetime
from decimal import Decimal

import pytest
from django.utils import timezone

from bookings.models import Listing
from bookings.services.bookings import booking_cancel, booking_create
from bookings.services.payments import booking_pay
from bookings.tests.factories import AmenityFactory, ListingFactory, ReadyPhotoFactory, occupy
from core.tests.schema_conformance import Conformance

pytestmark = pytest.mark.django_db

DAY = datetime.timedelta(days=1)
NEXT_MONTH = (timezone.localdate().replace(day=1) + datetime.timedelta(days=32)).replace(day=1)
RENTALS = Conformance(
    app="bookings",
    queries={"/api/listings/{id}/availability/": {"month": f"{NEXT_MONTH:%Y-%m}"}},
    # A cancelled booking has nothing left to cancel.
    refusals={"/api/bookings/{id}/cancellation-quote/": {"invalid_transition"}},
)


@pytest.fixture
def rentals(staff_user, django_capture_on_commit_callbacks):
    """Listings with the values that may be null both null and set: drafts
    without city, price or photos; published ones with photos (one still
    being processed), amenities, blocked and booked nights and priced nights."""
    wifi, pool = AmenityFactory(code="wifi"), AmenityFactory(code="pool")
    complete = ListingFactory(weekend_price=Decimal("150.00"))
    complete.amenities.set([wifi, pool])
    ReadyPhotoFactory(listing=complete)
    ReadyPhotoFactory(listing=complete, is_cover=False, status="pending", thumb_jpeg="")
    occupy(complete, NEXT_MONTH, NEXT_MONTH + datetime.timedelta(days=2), kind="booking")
    occupy(complete, NEXT_MONTH + datetime.timedelta(days=5), NEXT_MONTH + datetime.timedelta(days=6), kind="block")
    complete.night_prices.create(date=NEXT_MONTH + datetime.timedelta(days=9), price=Decimal("99.00"))
    # Published, its only photo still being processed: no cover thumbnail in search.
    ReadyPhotoFactory(listing=ListingFactory(), status="pending", thumb_jpeg="")
    draft = ListingFactory(
        status=Listing.Status.DRAFT, city=None, latitude=None, longitude=None, currency=None, nightly_price=None
    )
    ReadyPhotoFactory(listing=draft, status="failed", thumb_jpeg="", failure_reason="La imagen no se pudo leer.")
    # The staff user's trips: one pending (its card declined), one paid then
    # cancelled (a charge and a refund), one paying with 3-D Secure.
    stay = NEXT_MONTH + datetime.timedelta(days=12)
    declined = booking_create(guest=staff_user, listing_id=complete.pk, check_in=stay, check_out=stay + DAY, guests=1)
    booking_pay(booking_id=declined.pk, token="tok_declined")
    with django_capture_on_commit_callbacks(execute=True):
        paid = booking_create(
            guest=staff_user, listing_id=complete.pk, check_in=stay + DAY, check_out=stay + 2 * DAY, guests=1
        )
        booking_pay(booking_id=paid.pk, token="tok_visa")
        booking_cancel(booking_id=paid.pk, by=staff_user)
    three_d_secure = booking_create(
        guest=staff_user, listing_id=complete.pk, check_in=stay + 3 * DAY, check_out=stay + 4 * DAY, guests=1
    )
    booking_pay(booking_id=three_d_secure.pk, token="tok_3ds")


def test_every_list_and_detail_body_matches_its_schema(rentals, staff_client, subtests):
    RENTALS.check(staff_client, subtests)


def test_exclusions_name_operations_that_exist(staff_client):
    assert RENTALS.exclusions_exist(staff_client)
