"""Which cached searches and calendars a change to a listing makes stale.

Searches are cached per normalised query and depend on scopes: where they
look — the city searched, or the map tiles a bounding box covers (1° tiles,
or 10° ones for large boxes), or "all" — and, for a search with dates, that
place in each month the stay touches ("city:5@2026-12").

- A change to the listing itself (price, capacity, place, text, photos,
  publishing) bumps the place scopes it can appear under, where it is now and
  where it was: the searches that could contain it, dated or not.
- A change to its calendar (a block, a booking, a priced night) bumps only
  those places in the months it covers: a booking in Lima for December leaves
  Lima's searches without dates, or for March, and all of Cusco's, served.

A listing's calendar (availability) depends on the listing alone."""

import datetime
import math
from collections.abc import Iterable

from bookings.models import Listing
from core.cache import cache_invalidate

SEARCH_NAMESPACE = "listing-search"
AVAILABILITY_NAMESPACE = "listing-availability"
TILE_SIZES_DEGREES = (1, 10)
# A box covering more tiles than this depends on the next size (or on all).
MAX_TILES = 16
ALL = "all"


def _tile(size: int, latitude, longitude) -> str:
    return f"tile{size}:{math.floor(float(latitude) / size)}:{math.floor(float(longitude) / size)}"


def listing_places(city_id: int | None, latitude, longitude) -> list[str]:
    """The place scopes of every search that could return this listing."""
    places = [ALL]
    if city_id is not None:
        places.append(f"city:{city_id}")
    if latitude is not None and longitude is not None:
        places += [_tile(size, latitude, longitude) for size in TILE_SIZES_DEGREES]
    return places


def city_places(city_id: int) -> list[str]:
    return [f"city:{city_id}"]


def bbox_places(min_longitude: float, min_latitude: float, max_longitude: float, max_latitude: float) -> list[str]:
    for size in TILE_SIZES_DEGREES:
        rows = range(math.floor(min_latitude / size), math.floor(max_latitude / size) + 1)
        columns = range(math.floor(min_longitude / size), math.floor(max_longitude / size) + 1)
        if len(rows) * len(columns) <= MAX_TILES:
            return [f"tile{size}:{row}:{column}" for row in rows for column in columns]
    return [ALL]


def months_of(start: datetime.date, end: datetime.date) -> list[str]:
    """The months the nights from `start` to the one before `end` fall in."""
    months = []
    month = start.replace(day=1)
    while month < end:
        months.append(f"{month:%Y-%m}")
        month = (month + datetime.timedelta(days=32)).replace(day=1)
    return months


def dated(places: Iterable[str], start: datetime.date, end: datetime.date) -> list[str]:
    return [f"{place}@{month}" for place in places for month in months_of(start, end)]


def availability_scope(listing_id: int) -> str:
    return f"listing:{listing_id}"


def listing_caches_invalidate(listing: Listing, *, also: Iterable[tuple] = ()) -> None:
    """When the transaction commits, stop serving the listing's calendar and
    every cached search that could contain it — where it is now and where it
    was (`also`: (city id, latitude, longitude) before a move)."""
    places = set(listing_places(listing.city_id, listing.latitude, listing.longitude))
    for city_id, latitude, longitude in also:
        places.update(listing_places(city_id, latitude, longitude))
    cache_invalidate(SEARCH_NAMESPACE, *sorted(places))
    cache_invalidate(AVAILABILITY_NAMESPACE, availability_scope(listing.pk))


def listing_calendars_invalidate(stays: Iterable[tuple[Listing, datetime.date, datetime.date]]) -> None:
    """When the transaction commits, stop serving each listing's calendar and
    the dated searches of its places in the months from its start to its end
    (each stay a (listing, start, end)); one invalidation for them all."""
    searches, calendars = set(), set()
    for listing, start, end in stays:
        searches.update(dated(listing_places(listing.city_id, listing.latitude, listing.longitude), start, end))
        calendars.add(availability_scope(listing.pk))
    if calendars:
        cache_invalidate(SEARCH_NAMESPACE, *sorted(searches))
        cache_invalidate(AVAILABILITY_NAMESPACE, *sorted(calendars))


def listing_calendar_invalidate(listing: Listing, start: datetime.date, end: datetime.date) -> None:
    listing_calendars_invalidate([(listing, start, end)])
