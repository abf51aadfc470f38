import datetime
import json
import time
import uuid
from decimal import Decimal
from io import BytesIO

import factory
from django.conf import settings
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone
from factory.django import DjangoModelFactory
from PIL import Image

from bookings.models import Amenity, Booking, Listing, ListingPhoto, OccupiedRange
from bookings.providers import webhook_signature
from bookings.providers.base import PAYMENT_REFERENCE
from bookings.services.bookings import booking_create
from bookings.services.listings import listing_search_index_refresh
from core.tests.factories import CityFactory, CurrencyFactory, UserFactory


class AmenityFactory(DjangoModelFactory):
    class Meta:
        model = Amenity
        django_get_or_create = ["code"]

    code = factory.Sequence(lambda n: f"amenity_{n}")
    name_es = factory.LazyAttribute(lambda amenity: f"{amenity.code} (es)")
    name_en = factory.LazyAttribute(lambda amenity: f"{amenity.code} (en)")


class HostFactory(UserFactory):
    role = "host"


class ListingFactory(DjangoModelFactory):
    """A complete listing; published unless told otherwise (photos are not
    made: publishing through the service wants a processed one)."""

    class Meta:
        model = Listing
        skip_postgeneration_save = True

    host = factory.SubFactory(HostFactory)
    title = factory.Sequence(lambda n: f"Departamento {n}")
    description = "Luminoso, cerca del mar."
    city = factory.SubFactory(CityFactory)
    latitude = Decimal("-12.120000")
    longitude = Decimal("-77.030000")
    max_guests = 4
    currency = factory.SubFactory(CurrencyFactory)
    nightly_price = Decimal("100.00")
    status = Listing.Status.PUBLISHED
    published_at = factory.LazyFunction(lambda: datetime.datetime.now(datetime.UTC))

    @factory.post_generation
    def search_index(self, create, extracted, **kwargs):
        if create:
            listing_search_index_refresh(self)


def image_bytes(width: int = 800, height: int = 600, image_format: str = "JPEG", **save_options) -> bytes:
    buffer = BytesIO()
    Image.new("RGB", (width, height), (30, 120, 200)).save(buffer, image_format, **save_options)
    return buffer.getvalue()


def upload(data: bytes, name: str = "photo.jpg") -> SimpleUploadedFile:
    return SimpleUploadedFile(name, data, content_type="application/octet-stream")


class ReadyPhotoFactory(DjangoModelFactory):
    """A processed photo (without the worker), enough for publishing."""

    class Meta:
        model = ListingPhoto

    listing = factory.SubFactory(ListingFactory)
    original = factory.django.FileField(filename="original.jpg", data=b"\xff\xd8\xff")
    thumb_jpeg = factory.django.FileField(filename="thumb.jpg", data=b"\xff\xd8\xff")
    content_type = "image/jpeg"
    size = 3
    status = ListingPhoto.Status.READY
    is_cover = True


def occupy(listing: Listing, start: datetime.date, end: datetime.date, kind: str = "booking") -> OccupiedRange:
    return OccupiedRange.objects.create(listing=listing, start_date=start, end_date=end, kind=kind)


def stay_dates(days_ahead: int = 10, nights: int = 3) -> tuple[datetime.date, datetime.date]:
    """A stay starting `days_ahead` days from today (business time zone)."""
    check_in = timezone.localdate() + datetime.timedelta(days=days_ahead)
    return check_in, check_in + datetime.timedelta(days=nights)


def book(listing: Listing, guest=None, *, days_ahead: int = 10, nights: int = 3, guests: int = 1) -> Booking:
    """A booking made through the service, pending payment."""
    check_in, check_out = stay_dates(days_ahead, nights)
    return booking_create(
        guest=guest or UserFactory(), listing_id=listing.pk, check_in=check_in, check_out=check_out, guests=guests
    )


def signed_event(
    event_type: str,
    charge_id: str,
    *,
    reference: str = "",
    event_id: str | None = None,
    timestamp: int | None = None,
    secret: str = "",
) -> tuple[bytes, str]:
    """A provider webhook (Stripe's shape) and its signature header value;
    `reference` is our payment's id, as the charge carried it."""
    charge = {"id": charge_id, "object": "payment_intent", "metadata": {PAYMENT_REFERENCE: reference}}
    body = json.dumps(
        {"id": event_id or f"evt_{uuid.uuid4().hex}", "type": event_type, "data": {"object": charge}}
    ).encode()
    signature = webhook_signature(
        body=body, secret=secret or settings.PAYMENT_WEBHOOK_SECRET, timestamp=timestamp or int(time.time())
    )
    return body, signature
