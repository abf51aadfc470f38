"""The rentals' demo: three listings of the demo host (Lima, Cusco,
Trujillo) with a photo each, published where the photo could be processed at
once (the embedded default runs tasks in-process), some nights blocked and
priced, and the demo guest's two trips. Made by `python manage.py
load_demo_data`; left alone once there."""

import datetime
from decimal import Decimal
from io import BytesIO

from django.conf import settings
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone
from PIL import Image, ImageDraw

from bookings.models import Amenity, Listing, ListingPhoto
from bookings.services.bookings import booking_create
from bookings.services.calendar import calendar_block, night_prices_set
from bookings.services.listings import listing_create, listing_publish
from bookings.services.payments import booking_pay
from bookings.services.photos import photo_upload
from core.models import City, Currency, User

DEMO_HOST = "demo-host"
DEMO_GUEST = "demo-guest"
LISTINGS = [
    {
        "title": "Departamento con vista al mar en Barranco",
        "description": "Luminoso, a dos cuadras del malecón. Wifi rápido y cocina equipada.",
        "city": ("Lima", "PE"),
        "place": ("-12.149000", "-77.021000"),
        "property_type": "apartment",
        "max_guests": 3,
        "nightly_price": "180.00",
        "weekend_price": "220.00",
        "cleaning_fee": "40.00",
        "amenities": ["wifi", "kitchen", "workspace", "tv"],
        "colours": ((30, 120, 200), (250, 210, 120)),
    },
    {
        "title": "Casa colonial a pasos de la Plaza de Armas",
        "description": "Patio andino, calefacción y desayuno. Ideal para aclimatarse antes de Machu Picchu.",
        "city": ("Cusco", "PE"),
        "place": ("-13.516000", "-71.978000"),
        "property_type": "house",
        "max_guests": 6,
        "nightly_price": "320.00",
        "weekend_price": None,
        "cleaning_fee": "60.00",
        "amenities": ["wifi", "heating", "breakfast", "kitchen"],
        "colours": ((160, 70, 40), (240, 230, 200)),
    },
    {
        "title": "Bungaló frente a la playa de Huanchaco",
        "description": "Cerca de las olas, con piscina y parrilla. Beachfront bungalow with a pool.",
        "city": ("Trujillo", "PE"),
        "place": ("-8.078000", "-79.121000"),
        "property_type": "bungalow",
        "max_guests": 4,
        "nightly_price": "95.00",
        "weekend_price": "130.00",
        "cleaning_fee": "25.00",
        "amenities": ["wifi", "pool", "bbq_grill", "beachfront"],
        "colours": ((20, 160, 180), (250, 240, 190)),
    },
]


def rentals_demo_create() -> str | None:
    host = User.objects.filter(username=DEMO_HOST).first()
    pen = Currency.objects.filter(code="PEN").first()
    if host is None or pen is None or Listing.objects.filter(host=host).exists():
        return None
    published = 0
    for demo in LISTINGS:
        name, country = demo["city"]
        city = City.objects.filter(name=name, country__code=country).order_by("-population").first()
        listing = listing_create(
            host=host,
            title=demo["title"],
            description=demo["description"],
            city=city,
            latitude=Decimal(demo["place"][0]),
            longitude=Decimal(demo["place"][1]),
            property_type=demo["property_type"],
            max_guests=demo["max_guests"],
            currency=pen,
            nightly_price=Decimal(demo["nightly_price"]),
            weekend_price=Decimal(demo["weekend_price"]) if demo["weekend_price"] else None,
            cleaning_fee=Decimal(demo["cleaning_fee"]),
            amenities=Amenity.objects.filter(code__in=demo["amenities"]),
        )
        photo_upload(listing=listing, file=_photo(*demo["colours"]))
        soon = timezone.localdate() + datetime.timedelta(days=10)
        calendar_block(listing=listing, start_date=soon, end_date=soon + datetime.timedelta(days=2), note="Pintura")
        night_prices_set(
            listing=listing,
            start_date=soon + datetime.timedelta(days=20),
            end_date=soon + datetime.timedelta(days=23),
            price=Decimal(demo["nightly_price"]) * 2,
        )
        if city is not None and listing.photos.filter(status=ListingPhoto.Status.READY).exists():
            listing_publish(listing=listing)
            published += 1
    trips = _demo_trips()
    return f"rentals demo created: {len(LISTINGS)} listings of {DEMO_HOST}, {published} published, {trips}"


def _demo_trips() -> str:
    """The demo guest's trips: one paid (with the fake provider only), one waiting for payment."""
    guest = User.objects.filter(username=DEMO_GUEST).first()
    listings = list(Listing.objects.filter(host__username=DEMO_HOST, status=Listing.Status.PUBLISHED)[:2])
    if guest is None or len(listings) < 2 or settings.PAYMENT_PROVIDER != "fake":
        return "no trips"
    check_in = timezone.localdate() + datetime.timedelta(days=30)
    trips = [
        booking_create(
            guest=guest,
            listing_id=listing.pk,
            check_in=check_in,
            check_out=check_in + datetime.timedelta(days=3),
            guests=2,
            message="¡Hola! Llegamos en la tarde.",
        )
        for listing in listings
    ]
    booking_pay(booking_id=trips[0].pk, token="tok_visa")
    return f"2 trips of {DEMO_GUEST} (one paid)"


def _photo(sky: tuple[int, int, int], ground: tuple[int, int, int]) -> SimpleUploadedFile:
    """A landscape of two colours, 1600 × 1067 px."""
    image = Image.new("RGB", (1600, 1067), sky)
    ImageDraw.Draw(image).rectangle((0, 700, 1600, 1067), fill=ground)
    buffer = BytesIO()
    image.save(buffer, "JPEG", quality=85)
    return SimpleUploadedFile("demo.jpg", buffer.getvalue(), content_type="image/jpeg")
