"""Reads of listings: who may see which, and a page of them with their photos
and amenities in a fixed number of queries."""

from django.db.models import Prefetch, Q, QuerySet

from bookings.models import Amenity, Listing, ListingPhoto
from core.exceptions import NotFound
from core.models import User


def listings_visible_to(user: User) -> QuerySet[Listing]:
    """Published listings for everyone, a host's own in any state, all for staff."""
    if user.is_authenticated and user.is_agency_staff:
        return Listing.objects.all()
    if user.is_authenticated:
        return Listing.objects.filter(Q(status=Listing.Status.PUBLISHED) | Q(host=user))
    return Listing.objects.filter(status=Listing.Status.PUBLISHED)


def listings_with_details(listings: QuerySet[Listing]) -> QuerySet[Listing]:
    """Host, city, currency in the row; photos and amenities in one query each."""
    return listings.select_related("host", "city__country", "currency").prefetch_related(
        Prefetch("photos", queryset=ListingPhoto.objects.order_by("position", "id")),
        Prefetch("amenities", queryset=Amenity.objects.order_by("position", "code")),
    )


def access_listing(*, user: User, listing_id: int) -> Listing:
    """A listing the user may see, with its details; 404 otherwise."""
    listing = listings_with_details(listings_visible_to(user)).filter(pk=listing_id).first()
    if listing is None:
        raise NotFound()
    return listing


def access_listing_row(*, user: User, listing_id: int) -> Listing:
    """A listing the user may see, its row alone (one query); 404 otherwise."""
    listing = listings_visible_to(user).select_related("currency").filter(pk=listing_id).first()
    if listing is None:
        raise NotFound()
    return listing


def access_own_listing(*, user: User, listing_id: int) -> Listing:
    """A listing the user may change — their own, or any for staff; another
    host's listing does not exist for them (404), published or not."""
    listings = Listing.objects.select_related("currency")
    if not user.is_agency_staff:
        listings = listings.filter(host=user)
    listing = listings.filter(pk=listing_id).first()
    if listing is None:
        raise NotFound()
    return listing


def access_own_listing_photo(*, user: User, listing_id: int, photo_id: int) -> ListingPhoto:
    listing = access_own_listing(user=user, listing_id=listing_id)
    photo = ListingPhoto.objects.filter(pk=photo_id, listing=listing).first()
    if photo is None:
        raise NotFound()
    photo.listing = listing
    return photo
