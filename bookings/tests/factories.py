import datetime
from decimal import Decimal
from io import BytesIO

import factory
from django.core.files.uploadedfile import SimpleUploadedFile
from factory.django import DjangoModelFactory
from PIL import Image

from bookings.models import Amenity, Listing, ListingPhoto, OccupiedRange
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
