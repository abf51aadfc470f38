"""Which cached searches and calendars a change to a listing makes stale.

Searches are cached per normalised query and depend on scopes: the city
searched, or the map tiles a bounding box covers (1° tiles, or 10° ones for
large boxes; a search of everything depends on "all"). A change to a listing
bumps the scopes it can appear under — its city, its tiles and "all" — so
only the searches that could contain it stop being served; a booking in Lima
leaves the cached searches of Cusco alone. A listing's calendar depends on
the listing alone."""

import math
from collections.abc import Iterable
from decimal import Decimal

from bookings.models import Listing
from core.cache import cache_invalidate

SEARCH_NAMESPACE = "listing-search"
AVAILABILITY_NAMESPACE = "listing-availability"
TILE_SIZES_DEGREES = (1, 10)
# A box covering more tiles than this depends on the next size (or on all).
MAX_TILES = 16
ALL = "all"


def _tile(size: int, latitude: Decimal | float, longitude: Decimal | float) -> str:
    return f"tile{size}:{math.floor(float(latitude) / size)}:{math.floor(float(longitude) / size)}"


def listing_search_scopes(city_id: int | None, latitude, longitude) -> list[str]:
    """The scopes of every search that could return this listing."""
    scopes = [ALL]
    if city_id is not None:
        scopes.append(f"city:{city_id}")
    if latitude is not None and longitude is not None:
        scopes += [_tile(size, latitude, longitude) for size in TILE_SIZES_DEGREES]
    return scopes


def city_search_scopes(city_id: int) -> list[str]:
    return [f"city:{city_id}"]


def bbox_search_scopes(
    min_longitude: float, min_latitude: float, max_longitude: float, max_latitude: float
) -> list[str]:
    for size in TILE_SIZES_DEGREES:
        rows = range(math.floor(min_latitude / size), math.floor(max_latitude / size) + 1)
        columns = range(math.floor(min_longitude / size), math.floor(max_longitude / size) + 1)
        if len(rows) * len(columns) <= MAX_TILES:
            return [f"tile{size}:{row}:{column}" for row in rows for column in columns]
    return [ALL]


def availability_scope(listing_id: int) -> str:
    return f"listing:{listing_id}"


def listing_caches_invalidate(listing: Listing, *, also: Iterable[tuple] = ()) -> None:
    """When the transaction commits, stop serving the listing's cached
    calendar and the cached searches that could contain it — where it is now
    and where it was (`also`: (city id, latitude, longitude) before a move)."""
    scopes = set(listing_search_scopes(listing.city_id, listing.latitude, listing.longitude))
    for city_id, latitude, longitude in also:
        scopes.update(listing_search_scopes(city_id, latitude, longitude))
    cache_invalidate(SEARCH_NAMESPACE, *sorted(scopes))
    cache_invalidate(AVAILABILITY_NAMESPACE, availability_scope(listing.pk))
