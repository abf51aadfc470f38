"""Serializers of the rentals API: what a client sends is checked here, the
rules are in bookings.services; what it gets back is shaped here."""

import datetime
from dataclasses import dataclass
from decimal import Decimal

from django.utils.translation import gettext as _
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from bookings.cancellation import policy_rules_text
from bookings.models import MAX_NIGHTS, Amenity, CancellationPolicy, Listing, ListingPhoto, PropertyType
from bookings.selectors.availability import NightStatus
from core.api.serializers.fields import (
    UNKNOWN_AMENITY,
    UNKNOWN_CITY,
    UNKNOWN_CURRENCY,
    AmountField,
    code_field,
    id_field,
    money,
)
from core.models import City, Currency

MAX_DESCRIPTION = 5000


@extend_schema_field({"type": "string", "pattern": r"^([01]\d|2[0-3]):[0-5]\d$", "example": "15:00"})
class LocalTimeField(serializers.TimeField):
    """A wall-clock time at the listing ("15:00"): no time zone, so not
    OpenAPI's `time` format, which requires one."""

    def __init__(self, **kwargs) -> None:
        super().__init__(format="%H:%M", input_formats=["%H:%M", "%H:%M:%S"], **kwargs)


class AmenitySerializer(serializers.ModelSerializer):
    name = serializers.CharField(read_only=True, help_text="Nombre en el idioma de la petición (Accept-Language).")

    class Meta:
        model = Amenity
        fields = ["code", "name", "name_es", "name_en"]


class PhotoSerializer(serializers.ModelSerializer):
    large_jpeg = serializers.SerializerMethodField()
    large_webp = serializers.SerializerMethodField()
    thumb_jpeg = serializers.SerializerMethodField()
    thumb_webp = serializers.SerializerMethodField()

    class Meta:
        model = ListingPhoto
        fields = [
            "id",
            "status",
            "failure_reason",
            "position",
            "is_cover",
            "width",
            "height",
            "large_jpeg",
            "large_webp",
            "thumb_jpeg",
            "thumb_webp",
            "created_at",
        ]

    def get_large_jpeg(self, photo: ListingPhoto) -> str | None:
        return _url(photo.large_jpeg)

    def get_large_webp(self, photo: ListingPhoto) -> str | None:
        return _url(photo.large_webp)

    def get_thumb_jpeg(self, photo: ListingPhoto) -> str | None:
        return _url(photo.thumb_jpeg)

    def get_thumb_webp(self, photo: ListingPhoto) -> str | None:
        return _url(photo.thumb_webp)


def _url(file) -> str | None:
    return file.url if file else None


class HostSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    name = serializers.SerializerMethodField()

    def get_name(self, host) -> str:
        return host.get_full_name() or host.username


class CitySummarySerializer(serializers.ModelSerializer):
    country = serializers.CharField(source="country.code")

    class Meta:
        model = City
        fields = ["id", "name", "country"]


class ListingSerializer(serializers.ModelSerializer):
    host = HostSerializer(read_only=True)
    city = CitySummarySerializer(read_only=True, allow_null=True)
    currency = serializers.CharField(source="currency.code", read_only=True, allow_null=True)
    nightly_price = AmountField()
    weekend_price = AmountField()
    cleaning_fee = AmountField()
    amenities = serializers.SlugRelatedField(slug_field="code", many=True, read_only=True)
    photos = PhotoSerializer(many=True, read_only=True)
    cancellation_rules = serializers.SerializerMethodField()
    check_in_time = LocalTimeField(read_only=True)
    check_out_time = LocalTimeField(read_only=True)

    class Meta:
        model = Listing
        fields = [
            "id",
            "host",
            "title",
            "description",
            "property_type",
            "city",
            "address",
            "latitude",
            "longitude",
            "max_guests",
            "bedrooms",
            "beds",
            "bathrooms",
            "currency",
            "nightly_price",
            "weekend_price",
            "cleaning_fee",
            "amenities",
            "min_nights",
            "max_nights",
            "check_in_time",
            "check_out_time",
            "cancellation_policy",
            "cancellation_rules",
            "status",
            "photos",
            "created_at",
            "updated_at",
            "published_at",
        ]

    def get_cancellation_rules(self, listing: Listing) -> list[str]:
        return policy_rules_text(listing.cancellation_policy)


class ListingInputSerializer(serializers.Serializer):
    """A host's listing as sent; on PATCH only the fields given change."""

    title = serializers.CharField(max_length=120)
    description = serializers.CharField(max_length=MAX_DESCRIPTION, required=False, allow_blank=True)
    property_type = serializers.ChoiceField(choices=PropertyType.choices, required=False)
    city = id_field(City.objects.all(), does_not_exist=UNKNOWN_CITY, required=False, allow_null=True)
    address = serializers.CharField(max_length=255, required=False, allow_blank=True)
    latitude = serializers.DecimalField(
        max_digits=9, decimal_places=6, min_value=-90, max_value=90, required=False, allow_null=True
    )
    longitude = serializers.DecimalField(
        max_digits=9, decimal_places=6, min_value=-180, max_value=180, required=False, allow_null=True
    )
    max_guests = serializers.IntegerField(min_value=1, max_value=50, required=False)
    bedrooms = serializers.IntegerField(min_value=0, max_value=50, required=False)
    beds = serializers.IntegerField(min_value=0, max_value=100, required=False)
    bathrooms = serializers.DecimalField(max_digits=3, decimal_places=1, min_value=0, max_value=50, required=False)
    currency = code_field(
        Currency.objects.filter(active=True), does_not_exist=UNKNOWN_CURRENCY, required=False, allow_null=True
    )
    nightly_price = money(min_value=Decimal("0.001"), max_value=1_000_000, required=False, allow_null=True)
    weekend_price = money(min_value=Decimal("0.001"), max_value=1_000_000, required=False, allow_null=True)
    cleaning_fee = money(min_value=0, max_value=1_000_000, required=False)
    amenities = code_field(Amenity.objects.all(), does_not_exist=UNKNOWN_AMENITY, many=True, required=False)
    min_nights = serializers.IntegerField(min_value=1, max_value=MAX_NIGHTS, required=False)
    max_nights = serializers.IntegerField(min_value=1, max_value=MAX_NIGHTS, required=False)
    check_in_time = LocalTimeField(required=False)
    check_out_time = LocalTimeField(required=False)
    cancellation_policy = serializers.ChoiceField(choices=CancellationPolicy.choices, required=False)


class PhotoUploadSerializer(serializers.Serializer):
    file = serializers.FileField(help_text="JPEG, PNG o WebP; hasta 15 MB; lados entre 400 y 12.000 px.")


class PhotoUpdateSerializer(serializers.Serializer):
    position = serializers.IntegerField(min_value=0, max_value=1000, required=False)
    is_cover = serializers.BooleanField(required=False)


class DateRangeSerializer(serializers.Serializer):
    start_date = serializers.DateField()
    end_date = serializers.DateField()


class BlockSerializer(DateRangeSerializer):
    note = serializers.CharField(max_length=200, required=False, allow_blank=True, default="")


class NightPricesSerializer(DateRangeSerializer):
    price = money(required=True, allow_null=True, help_text="null vuelve al precio del alojamiento.")


class AvailabilityQuerySerializer(serializers.Serializer):
    """A month (`month=YYYY-MM`), or a range of nights (`from`, `to`) of at most a year."""

    month = serializers.RegexField(r"^\d{4}-(0[1-9]|1[0-2])$", required=False)
    # `from` is a Python keyword: declared below.

    def get_fields(self):
        fields = super().get_fields()
        fields["from"] = serializers.DateField(required=False)
        fields["to"] = serializers.DateField(required=False)
        return fields

    def validate(self, attrs):
        if "month" in attrs:
            if "from" in attrs or "to" in attrs:
                raise serializers.ValidationError({"month": [_("Indique un mes, o un rango con from y to, no ambos.")]})
            year, month = map(int, attrs["month"].split("-"))
            start = datetime.date(year, month, 1)
            end = (start + datetime.timedelta(days=32)).replace(day=1)
        elif "from" in attrs and "to" in attrs:
            start, end = attrs["from"], attrs["to"]
            if end <= start:
                raise serializers.ValidationError({"to": [_("Debe ser posterior a from.")]})
            if (end - start).days > 366:
                raise serializers.ValidationError({"to": [_("El rango abarca como máximo 12 meses.")]})
        else:
            raise serializers.ValidationError({"month": [_("Indique un mes (AAAA-MM) o un rango con from y to.")]})
        return {"start": start, "end": end}


class NightSerializer(serializers.Serializer):
    date = serializers.DateField()
    status = serializers.ChoiceField(choices=NightStatus.choices)
    price = AmountField(help_text="En la moneda del alojamiento.")


class AvailabilitySerializer(serializers.Serializer):
    listing = serializers.IntegerField()
    currency = serializers.CharField(allow_null=True)
    start = serializers.DateField()
    end = serializers.DateField(help_text="La mañana de salida: la última noche es la anterior.")
    nights = NightSerializer(many=True)


@dataclass(frozen=True)
class Stay:
    nights: int
    total: Decimal
    currency: Currency


class StaySerializer(serializers.Serializer):
    nights = serializers.IntegerField()
    total = AmountField(help_text="Noches a su precio más la limpieza, en la moneda del alojamiento.")


class SearchResultSerializer(serializers.ModelSerializer):
    city = CitySummarySerializer(read_only=True)
    currency = serializers.CharField(source="currency.code")
    nightly_price = AmountField()
    cleaning_fee = AmountField()
    cover_thumbnail = serializers.SerializerMethodField()
    stay = serializers.SerializerMethodField()
    rating = serializers.SerializerMethodField()

    class Meta:
        model = Listing
        fields = [
            "id",
            "title",
            "property_type",
            "city",
            "latitude",
            "longitude",
            "max_guests",
            "bedrooms",
            "beds",
            "bathrooms",
            "currency",
            "nightly_price",
            "cleaning_fee",
            "cover_thumbnail",
            "stay",
            "rating",
            "published_at",
        ]

    def get_cover_thumbnail(self, listing: Listing) -> str | None:
        name = listing.cover_thumbnail
        return ListingPhoto._meta.get_field("thumb_jpeg").storage.url(name) if name else None

    def get_stay(self, listing: Listing) -> StaySerializer(allow_null=True):
        nights = self.context.get("nights")
        if not nights:
            return None
        return StaySerializer(Stay(nights, listing.stay_total, listing.currency)).data

    def get_rating(self, listing: Listing) -> float | None:
        # Reviews do not exist yet; the field is there so clients can lay it out.
        return None


class SearchPageSerializer(serializers.Serializer):
    results = SearchResultSerializer(many=True)
    next = serializers.URLField(allow_null=True)


class HostStatusSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    username = serializers.CharField()
    role = serializers.CharField()
