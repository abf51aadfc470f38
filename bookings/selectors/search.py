"""Searching published listings: where (a city or a map's bounding box),
when (free every night of the stay, and the stay within the listing's
minimum and maximum nights), for how many, at what price per night, of what
type, with which amenities (all of them), matching which words. Sorted by
price per night, newest, or — with dates — the price of the whole stay, and
paged by keyset: a cursor holds the last row's sort value and id, so a page
costs the same wherever it is.

One query per page, whatever its size: the cover thumbnail and the stay's
price are computed in it. Free text is PostgreSQL's full-text search over
Spanish and English stems of the accent-free title and description; SQLite
matches each word as a substring."""

import base64
import datetime
import json
from dataclasses import dataclass, field
from decimal import Decimal

from django.contrib.postgres.search import SearchQuery
from django.db import connection
from django.db.models import (
    Case,
    Count,
    DecimalField,
    Exists,
    ExpressionWrapper,
    F,
    OuterRef,
    Q,
    QuerySet,
    Subquery,
    Sum,
    Value,
    When,
)
from django.db.models.functions import Coalesce

from bookings.models import Listing, ListingPhoto, NightPrice, OccupiedRange
from bookings.selectors.availability import WEEKEND_NIGHTS
from core.money import MONEY_DECIMAL_PLACES, MONEY_MAX_DIGITS
from core.text import search_key

MONEY = DecimalField(max_digits=MONEY_MAX_DIGITS + 4, decimal_places=MONEY_DECIMAL_PLACES)
# ISO weekdays of the Friday and Saturday nights.
WEEKEND_ISO_DAYS = [day + 1 for day in WEEKEND_NIGHTS]
# Sort name -> (the value sorted on, descending?)
SORTS = {
    "price": ("nightly_price", False),
    "-price": ("nightly_price", True),
    "newest": ("published_at", True),
    "total": ("stay_total", False),
    "-total": ("stay_total", True),
}


@dataclass(frozen=True)
class SearchFilters:
    city_id: int | None = None
    # min longitude, min latitude, max longitude, max latitude
    bbox: tuple[Decimal, Decimal, Decimal, Decimal] | None = None
    check_in: datetime.date | None = None
    check_out: datetime.date | None = None
    guests: int | None = None
    min_price: Decimal | None = None
    max_price: Decimal | None = None
    currency_code: str | None = None
    property_types: tuple[str, ...] = ()
    amenity_ids: tuple[int, ...] = ()
    text: str = ""
    sort: str = "price"
    page_size: int = 20
    cursor: tuple | None = field(default=None)

    @property
    def nights(self) -> int | None:
        return (self.check_out - self.check_in).days if self.check_in and self.check_out else None


@dataclass(frozen=True)
class SearchPage:
    listings: list[Listing]
    next_cursor: str | None


def listing_search(filters: SearchFilters) -> SearchPage:
    rows = list(listing_search_query(filters))
    next_cursor = None
    if len(rows) > filters.page_size:
        rows = rows[: filters.page_size]
        last = rows[-1]
        next_cursor = search_cursor_encode(filters.sort, getattr(last, SORTS[filters.sort][0]), last.pk)
    return SearchPage(rows, next_cursor)


def listing_search_query(filters: SearchFilters) -> QuerySet[Listing]:
    """The page's query, one row more than the page (to know if another
    follows). The page's ids are chosen first, from narrow index rows; only
    those rows are then read whole and joined to their city, currency and
    cover."""
    sort_field, descending = SORTS[filters.sort]
    order = [f"-{sort_field}", "-id"] if descending else [sort_field, "id"]
    candidates = _with_stay_total(_matching(filters), filters)
    if filters.cursor:
        value, last_id = filters.cursor
        after = Q(**{f"{sort_field}__lt" if descending else f"{sort_field}__gt": value})
        tie = Q(**{sort_field: value, "id__lt" if descending else "id__gt": last_id})
        candidates = candidates.filter(after | tie)
    page = candidates.order_by(*order).values("pk")[: filters.page_size + 1]
    cover = ListingPhoto.objects.filter(listing=OuterRef("pk"), is_cover=True, status=ListingPhoto.Status.READY)
    return (
        _with_stay_total(Listing.objects.filter(pk__in=Subquery(page)), filters)
        .annotate(cover_thumbnail=Subquery(cover.values("thumb_jpeg")[:1]))
        .select_related("city__country", "currency")
        .order_by(*order)
    )


def _with_stay_total(listings: QuerySet[Listing], filters: SearchFilters) -> QuerySet[Listing]:
    if not filters.nights:
        return listings
    return listings.annotate(stay_total=_stay_total(filters.check_in, filters.check_out))


def _matching(filters: SearchFilters) -> QuerySet[Listing]:
    listings = Listing.objects.filter(status=Listing.Status.PUBLISHED)
    if filters.city_id is not None:
        listings = listings.filter(city_id=filters.city_id)
    if filters.bbox is not None:
        min_longitude, min_latitude, max_longitude, max_latitude = filters.bbox
        listings = listings.filter(
            latitude__gte=min_latitude,
            latitude__lte=max_latitude,
            longitude__gte=min_longitude,
            longitude__lte=max_longitude,
        )
    if filters.guests:
        listings = listings.filter(max_guests__gte=filters.guests)
    if filters.min_price is not None:
        listings = listings.filter(nightly_price__gte=filters.min_price)
    if filters.max_price is not None:
        listings = listings.filter(nightly_price__lte=filters.max_price)
    if filters.currency_code:
        listings = listings.filter(currency__code=filters.currency_code)
    if filters.property_types:
        listings = listings.filter(property_type__in=filters.property_types)
    if filters.amenity_ids:
        # A count per candidate (an index-only probe each), rather than a
        # semi-join the planner may turn into reading every listing that has
        # one of the amenities.
        matched = (
            Listing.amenities.through.objects.filter(listing_id=OuterRef("pk"), amenity_id__in=filters.amenity_ids)
            .values("listing_id")
            .annotate(count=Count("*"))
            .values("count")
        )
        listings = listings.annotate(amenities_matched=Subquery(matched)).filter(
            amenities_matched=len(filters.amenity_ids)
        )
    if filters.nights:
        listings = listings.filter(min_nights__lte=filters.nights, max_nights__gte=filters.nights).exclude(
            Exists(
                OccupiedRange.objects.filter(
                    listing_id=OuterRef("pk"), start_date__lt=filters.check_out, end_date__gt=filters.check_in
                )
            )
        )
    if filters.text:
        listings = _text_matching(listings, filters.text)
    return listings


def _text_matching(listings: QuerySet[Listing], text: str) -> QuerySet[Listing]:
    key = search_key(text)
    if connection.vendor == "postgresql":
        query = SearchQuery(key, config="spanish") | SearchQuery(key, config="english")
        return listings.filter(search_vector=query)
    for word in key.split():
        listings = listings.filter(search_text__contains=word)
    return listings


def _stay_total(check_in: datetime.date, check_out: datetime.date):
    """Nights at their price (weekend price on Friday and Saturday nights,
    the host's price of a night instead where set) plus the cleaning fee."""
    weekend = sum(
        1
        for offset in range((check_out - check_in).days)
        if (check_in + datetime.timedelta(days=offset)).weekday() in WEEKEND_NIGHTS
    )
    weekdays = (check_out - check_in).days - weekend
    weekend_rate = Coalesce(F("weekend_price"), F("nightly_price"))
    base = Value(Decimal(weekdays)) * F("nightly_price") + Value(Decimal(weekend)) * weekend_rate
    # What the night would cost without the host's price for it.
    usual_rate = Case(
        When(
            date__iso_week_day__in=WEEKEND_ISO_DAYS, then=Coalesce(OuterRef("weekend_price"), OuterRef("nightly_price"))
        ),
        default=OuterRef("nightly_price"),
    )
    differences = (
        NightPrice.objects.filter(listing_id=OuterRef("pk"), date__gte=check_in, date__lt=check_out)
        .values("listing_id")
        .annotate(difference=Sum(F("price") - usual_rate, output_field=MONEY))
        .values("difference")
    )
    return ExpressionWrapper(
        base + Coalesce(Subquery(differences, output_field=MONEY), Value(Decimal(0))) + F("cleaning_fee"),
        output_field=MONEY,
    )


def search_cursor_encode(sort: str, value, listing_id: int) -> str:
    if isinstance(value, datetime.datetime):
        value = value.isoformat()
    elif isinstance(value, Decimal):
        value = str(value)
    return base64.urlsafe_b64encode(json.dumps([sort, value, listing_id]).encode()).decode().rstrip("=")


def search_cursor_decode(cursor: str, sort: str) -> tuple | None:
    """(sort value, id) of the cursor, or None when it is not one of this sort's."""
    try:
        data = json.loads(base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4)))
        cursor_sort, value, listing_id = data
        if cursor_sort != sort or not isinstance(listing_id, int):
            return None
        if SORTS[sort][0] == "published_at":
            return datetime.datetime.fromisoformat(value), listing_id
        return Decimal(value), listing_id
    except (ValueError, TypeError, KeyError, ArithmeticError, UnicodeDecodeError):
        return None
