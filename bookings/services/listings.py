"""A host's listings: becoming a host, creating and changing a listing,
publishing and unlisting it. Every change stops serving the cached searches
and calendar that show it, when it commits."""

from collections.abc import Iterable

from django.contrib.postgres.search import SearchVector
from django.db import connection, transaction
from django.db.models import Value
from django.utils import timezone
from django.utils.translation import gettext as _

from bookings.cache_scopes import listing_caches_invalidate
from bookings.models import Amenity, Listing, ListingPhoto
from core.exceptions import Conflict, Forbidden, InvalidInput
from core.models import User
from core.text import search_key

# What a host sets on a listing (everything else is the platform's).
EDITABLE_FIELDS = (
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
    "min_nights",
    "max_nights",
    "check_in_time",
    "check_out_time",
    "cancellation_policy",
)
Status = Listing.Status


def host_become(*, user: User) -> User:
    """A guest becomes a host (and can list places); staff stay staff."""
    if user.role == User.Role.GUEST:
        user.role = User.Role.HOST
        user.save(update_fields=["role"])
    return user


def listing_create(*, host: User, amenities: Iterable[Amenity] = (), **fields) -> Listing:
    if host.role not in (User.Role.HOST, User.Role.STAFF) and not host.is_staff:
        raise Forbidden(_("Para publicar alojamientos, hágase anfitrión primero."), code="not_a_host")
    listing = Listing(host=host, **_editable(fields))
    _check(listing)
    with transaction.atomic():
        listing.search_text = _search_text(listing)
        listing.save()
        listing.amenities.set(amenities)
        _search_vector_refresh(listing)
        listing_caches_invalidate(listing)
    return listing


def listing_update(*, listing: Listing, amenities: Iterable[Amenity] | None = None, **fields) -> Listing:
    """Change what is given; `amenities` replaces the listing's."""
    before = (listing.city_id, listing.latitude, listing.longitude)
    changed = _editable(fields)
    for name, value in changed.items():
        setattr(listing, name, value)
    _check(listing)
    if listing.status == Status.PUBLISHED:
        _check_publishable(listing)
    with transaction.atomic():
        listing.search_text = _search_text(listing)
        listing.save()
        if amenities is not None:
            listing.amenities.set(amenities)
        _search_vector_refresh(listing)
        listing_caches_invalidate(listing, also=[before])
    return listing


def listing_publish(*, listing: Listing) -> Listing:
    """Make a complete listing visible to guests; a message per missing part otherwise."""
    if listing.status == Status.PUBLISHED:
        return listing
    _check_publishable(listing)
    with transaction.atomic():
        listing.status = Status.PUBLISHED
        listing.published_at = listing.published_at or timezone.now()
        listing.save(update_fields=["status", "published_at", "updated_at"])
        listing_caches_invalidate(listing)
    return listing


def listing_unlist(*, listing: Listing) -> Listing:
    """Hide a published listing from guests (its bookings stay)."""
    if listing.status != Status.PUBLISHED:
        raise Conflict(
            _("Solo se retira un alojamiento publicado; este alojamiento está en estado «%(status)s».")
            % {"status": listing.get_status_display().lower()},
            code="invalid_transition",
        )
    with transaction.atomic():
        listing.status = Status.UNLISTED
        listing.save(update_fields=["status", "updated_at"])
        listing_caches_invalidate(listing)
    return listing


def listing_delete(*, listing: Listing) -> None:
    """Only a draft that was never published goes away; a published one is unlisted."""
    if listing.status != Status.DRAFT or listing.published_at:
        raise Conflict(_("Solo se elimina un borrador; retire el alojamiento en su lugar."), code="not_a_draft")
    with transaction.atomic():
        listing_caches_invalidate(listing)
        listing.delete()


def _editable(fields: dict) -> dict:
    unknown = set(fields) - set(EDITABLE_FIELDS)
    if unknown:
        raise InvalidInput(_("Campos que no se pueden cambiar: %(fields)s.") % {"fields": ", ".join(sorted(unknown))})
    return fields


def _check(listing: Listing) -> None:
    errors: dict[str, list[str]] = {}
    if listing.min_nights > listing.max_nights:
        errors["min_nights"] = [_("No puede ser mayor que las noches como máximo.")]
    if (listing.latitude is None) != (listing.longitude is None):
        errors["latitude"] = [_("Indique la latitud y la longitud, o ninguna.")]
    prices = {"nightly_price": listing.nightly_price, "weekend_price": listing.weekend_price}
    if any(price is not None for price in prices.values()) and listing.currency_id is None:
        errors["currency"] = [_("Indique la moneda de los precios.")]
    if listing.currency_id is not None:
        places = listing.currency.minor_units
        for name, price in [*prices.items(), ("cleaning_fee", listing.cleaning_fee)]:
            if price is not None and price != round(price, places):
                errors[name] = [_("La moneda admite %(places)d decimales.") % {"places": places}]
    if errors:
        raise InvalidInput(next(iter(errors.values()))[0], errors=errors)


def _check_publishable(listing: Listing) -> None:
    missing: dict[str, list[str]] = {}
    if listing.city_id is None:
        missing["city"] = [_("Indique la ciudad.")]
    if listing.latitude is None:
        missing["latitude"] = [_("Ubique el alojamiento en el mapa (latitud y longitud).")]
    if listing.nightly_price is None:
        missing["nightly_price"] = [_("Indique el precio por noche.")]
    if not listing.photos.filter(status=ListingPhoto.Status.READY).exists():
        missing["photos"] = [_("Suba al menos una foto (y espere a que esté procesada).")]
    if missing:
        raise Conflict(
            _("Al alojamiento le falta algo para publicarse: %(parts)s.") % {"parts": ", ".join(missing)},
            code="incomplete_listing",
            errors=missing,
        )


def listing_search_index_refresh(listing: Listing) -> None:
    """What the text search reads: the accent-free title and description, and
    on PostgreSQL their Spanish and English stems."""
    listing.search_text = _search_text(listing)
    Listing.objects.filter(pk=listing.pk).update(search_text=listing.search_text)
    _search_vector_refresh(listing)


def _search_text(listing: Listing) -> str:
    return search_key(f"{listing.title} {listing.description}")


def _search_vector_refresh(listing: Listing) -> None:
    if connection.vendor != "postgresql":
        return
    text = Value(listing.search_text)
    Listing.objects.filter(pk=listing.pk).update(
        search_vector=SearchVector(text, config="spanish") + SearchVector(text, config="english")
    )
